// The io-ts codecs every config and data spec shares (detector, pose regressor, training recipes,
// data specs), so that a number means the same thing, and fails with the same words, everywhere.
import * as t from 'io-ts';

/** A leaf codec accepting what `is` accepts; `name` is what a DecodeError says was expected. */
export function leafCodec<A>(name: string, is: (u: unknown) => u is A): t.Type<A, A, unknown> {
  return new t.Type<A, A, unknown>(name, is, (u, c) => (is(u) ? t.success(u) : t.failure(u, c)), t.identity);
}

/** The numbers satisfying `accept`. */
export function numberWhere(name: string, accept: (n: number) => boolean): t.Type<number, number, unknown> {
  return leafCodec(name, (u): u is number => typeof u === 'number' && accept(u));
}

/** 1, 2, 3, ... (safe integers only). */
export const PositiveInt = numberWhere('positive integer', (n) => Number.isSafeInteger(n) && n > 0);
/** A dropout rate: [0, 1). */
export const Probability = numberWhere('number in [0, 1)', (p) => p >= 0 && p < 1);
/** A finite number ≥ 0 (learning rates, weight decay, loss weights). */
export const NonNegative = numberWhere('finite number >= 0', (x) => Number.isFinite(x) && x >= 0);

/** One of `keys`; `name` is how errors spell the choice (default `'a' | 'b'`). */
export function keysOf<K extends string>(keys: readonly K[], name = keys.map((k) => `'${k}'`).join(' | ')): t.KeyofC<Record<K, null>> {
  return t.keyof(Object.fromEntries(keys.map((k) => [k, null])) as Record<K, null>, name);
}

/**
 * Accepts an object written with older field names: each `old → new` key is renamed (unless the new
 * one is present too) before `codec` decodes it, so config.json files and checkpoints written
 * before a rename still load. Encodes with the new names only.
 */
export function withLegacyNames<A, O>(codec: t.Type<A, O, unknown>, renames: Readonly<Record<string, string>>): t.Type<A, O, unknown> {
  const upgrade = (u: unknown): unknown => {
    if (typeof u !== 'object' || u === null || Array.isArray(u)) return u;
    const out: Record<string, unknown> = { ...u };
    for (const [old, current] of Object.entries(renames)) {
      if (old in out && !(current in out)) out[current] = out[old];
      delete out[old];
    }
    return out;
  };
  return new t.Type<A, O, unknown>(codec.name, codec.is, (u, c) => codec.validate(upgrade(u), c), codec.encode);
}
