// JSON-serialisable values: run configs, log records and checkpoint metadata.
import * as t from 'io-ts';

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };
export type JsonObject = { readonly [key: string]: JsonValue };

export const JsonValueCodec: t.Type<JsonValue> = t.recursion('JsonValue', () =>
  t.union([t.string, t.number, t.boolean, t.null, t.readonlyArray(JsonValueCodec), t.readonly(t.record(t.string, JsonValueCodec))]),
);

export const JsonObjectCodec: t.Type<JsonObject> = t.readonly(t.record(t.string, JsonValueCodec));
