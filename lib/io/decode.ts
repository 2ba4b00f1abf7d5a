// Decoding of external input with io-ts: never cast. Errors name the source (file, row), the JSON
// path and what was expected.
import { isLeft } from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';

export class DecodeError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; ... (${problems.length - 5} more)` : ''}`);
    this.name = 'DecodeError';
  }
}

/** `$.annotations[3].bbox[2]`-style path of an io-ts context. */
function pathOf(context: t.Context): string {
  let out = '$';
  for (const entry of context.slice(1)) {
    out += /^\d+$/.test(entry.key) ? `[${entry.key}]` : `.${entry.key}`;
  }
  return out;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const s = JSON.stringify(value);
  return s === undefined ? String(value) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Decode `value` with `codec` or throw a `DecodeError` naming `source` and each failing path. */
export function decodeOrThrow<A, O>(codec: t.Type<A, O, unknown>, value: unknown, source: string): A {
  const result = codec.decode(value);
  if (!isLeft(result)) return result.right;
  const problems = result.left.map((e) => {
    const expected = e.message ?? e.context[e.context.length - 1]?.type.name ?? 'valid value';
    return `at ${pathOf(e.context)}: expected ${expected}, got ${describe(e.value)}`;
  });
  throw new DecodeError(source, [...new Set(problems)]);
}

/** JSON.parse with the source named on a syntax error. */
export function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DecodeError(source, [`malformed JSON: ${(err as Error).message}`]);
  }
}
