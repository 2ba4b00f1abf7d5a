// Helpers for the runtime tests: run a computation on a named backend (restoring the previous
// one), seeded inputs, and element-wise comparison.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Rng } from '../../lib/runtime/rng.js';

/** Run `f` on `backend` and return its outputs' values; the previous backend is restored. */
export async function onBackend(backend: string, f: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  const previous = tf.getBackend();
  await tf.setBackend(backend);
  try {
    const out = tf.tidy(f);
    const outs = Array.isArray(out) ? out : [out];
    const values = outs.map((t) => Float32Array.from(t.dataSync()));
    tf.dispose(outs);
    return values;
  } finally {
    await tf.setBackend(previous);
  }
}

/** Seeded standard-normal values for a shape (plain numbers: usable on any backend). */
/** A tensor's shape and values, re-created on whichever backend is current. */
export interface Sample {
  readonly shape: number[];
  readonly values: Float32Array;
}

export function normal(shape: number[], seed: number): Sample {
  const rng = new Rng(seed);
  const n = shape.reduce((p, d) => p * d, 1);
  return { shape, values: Float32Array.from({ length: n }, () => rng.normal()) };
}

export const tensorOf = (x: Sample): tf.Tensor => tf.tensor(x.values, x.shape);

export function expectClose(actual: Float32Array, expected: Float32Array, tol: number, what: string): void {
  expect(actual.length, `${what}: length`).to.equal(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] as number;
    const err = Math.abs((actual[i] as number) - e) / Math.max(1, Math.abs(e));
    worst = Math.max(worst, Number.isNaN(err) ? Infinity : err);
  }
  expect(worst, `${what}: worst relative error`).to.be.at.most(tol);
}

/** Compare `f` on wasm (with condformer kernels registered) to the cpu backend. */
export async function expectWasmMatchesCpu(f: () => tf.Tensor | tf.Tensor[], tol: number, what: string): Promise<void> {
  const expected = await onBackend('cpu', f);
  const actual = await onBackend('wasm', f);
  expect(actual.length).to.equal(expected.length);
  actual.forEach((a, i) => expectClose(a, expected[i] as Float32Array, tol, `${what} [output ${i}]`));
}
