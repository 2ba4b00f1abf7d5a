// Helpers for the runtime tests: run a computation on a named backend (restoring the previous
// one), seeded inputs, element-wise comparison, a backend against cpu, finite differences, and
// the torch backend's availability (skip, or fail under CONDFORMER_REQUIRE_TORCH=1).
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Rng } from '../../lib/runtime/rng.js';
import type { TorchAddon } from '../../lib/runtime/torch/addon.js';
import { setUpTorch, torchAddon } from '../../lib/runtime/torch/setup.js';

/** One output of a computation: its shape, dtype and values (read back as float32). */
export interface Output {
  readonly shape: number[];
  readonly dtype: tf.DataType;
  readonly values: Float32Array;
}

/** Outputs of `f` on `backend`, and (with `record`) the names of the kernels it ran there. */
export async function runOnBackend(
  backend: string,
  f: () => tf.Tensor | tf.Tensor[],
  record = false,
): Promise<{ outputs: Output[]; kernels: string[] }> {
  const previous = tf.getBackend();
  await tf.setBackend(backend);
  try {
    let kernels: string[] = [];
    let out: tf.Tensor | tf.Tensor[];
    if (record) {
      // tf.profile lists every kernel the engine ran; no NaN scan of the outputs (they may hold NaN on purpose).
      const check = tf.env().getBool('CHECK_COMPUTATION_FOR_ERRORS');
      tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
      try {
        const profile = await tf.profile(() => tf.tidy(f));
        kernels = profile.kernels.map((k) => k.name);
        out = profile.result as tf.Tensor | tf.Tensor[];
      } finally {
        tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', check);
        tf.engine().state.profiling = false; // tf.profile leaves it on when the query throws
      }
    } else {
      out = tf.tidy(f);
    }
    const outs = Array.isArray(out) ? out : [out];
    const outputs = outs.map((t) => ({ shape: [...t.shape], dtype: t.dtype, values: Float32Array.from(t.dataSync()) }));
    tf.dispose(outs);
    return { outputs, kernels };
  } finally {
    await tf.setBackend(previous);
  }
}

/** Run `f` on `backend` and return its outputs' values; the previous backend is restored. */
export async function onBackend(backend: string, f: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  return (await runOnBackend(backend, f)).outputs.map((o) => o.values);
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
  expect(worstRelativeError(actual, expected), `${what}: worst relative error`).to.be.at.most(tol);
}

/**
 * Same shape and dtype, and values within `tol` (|a − e| / max(1, |e|)); int32 and bool outputs
 * exactly; NaN and ±∞ only where the expected output has the same.
 */
export function expectSameOutput(actual: Output, expected: Output, tol: number, what: string): void {
  expect(actual.shape, `${what}: shape`).to.deep.equal(expected.shape);
  expect(actual.dtype, `${what}: dtype`).to.equal(expected.dtype);
  expect(actual.values.length, `${what}: length`).to.equal(expected.values.length);
  const limit = expected.dtype === 'float32' ? tol : 0;
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.values.length; i++) {
    const e = expected.values[i] as number;
    const a = actual.values[i] as number;
    const err =
      Number.isFinite(e) && Number.isFinite(a)
        ? Math.abs(a - e) / Math.max(1, Math.abs(e))
        : a === e || (Number.isNaN(a) && Number.isNaN(e))
          ? 0
          : Infinity;
    if (err > worst) [worst, at] = [err, i];
  }
  const where = at < 0 ? '' : ` (at ${at}: ${actual.values[at]} vs ${expected.values[at]})`;
  expect(worst, `${what}: worst relative error${where}`).to.be.at.most(limit);
}

/**
 * `f` on `backend` against the cpu backend: same outputs (see expectSameOutput); with `kernel`,
 * the run on `backend` must have reached that kernel.
 */
export async function expectBackendMatchesCpu(
  backend: string,
  f: () => tf.Tensor | tf.Tensor[],
  tol: number,
  what: string,
  kernel?: string,
): Promise<void> {
  const expected = (await runOnBackend('cpu', f)).outputs;
  const actual = await runOnBackend(backend, f, kernel !== undefined);
  if (kernel !== undefined) expect(actual.kernels, `${what}: kernels run on ${backend}`).to.include(kernel);
  expect(actual.outputs.length, `${what}: outputs`).to.equal(expected.length);
  actual.outputs.forEach((a, i) => expectSameOutput(a, expected[i] as Output, tol, `${what} [output ${i}]`));
}

/** Compare `f` on wasm (with condformer kernels registered) to the cpu backend. */
export async function expectWasmMatchesCpu(f: () => tf.Tensor | tf.Tensor[], tol: number, what: string): Promise<void> {
  await expectBackendMatchesCpu('wasm', f, tol, what);
}

/** Compare `f` on the torch backend to the cpu backend; with `kernel`, `f` must run it on torch. */
export async function expectTorchMatchesCpu(f: () => tf.Tensor | tf.Tensor[], tol: number, what: string, kernel?: string): Promise<void> {
  await expectBackendMatchesCpu('torch', f, tol, what, kernel);
}

/**
 * loss = Σ op(x, w) · r on `backend`: dL/dx and dL/dw at the given indices match central finite
 * differences (eps 1e-2) within 2e-3. Returns the worst relative errors [dL/dw, dL/dx].
 */
export async function expectFiniteDifferenceGradients(
  backend: string,
  op: (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor,
  [x, w, r]: [Sample, Sample, Sample],
  xIdx: number[],
  wIdx: number[],
): Promise<[number, number]> {
  const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(op(a as tf.Tensor4D, b as tf.Tensor4D), tensorOf(r)));
  const lossAt = (xs: Float32Array, ws: Float32Array) => tf.tidy(() => loss(tf.tensor(xs, x.shape), tf.tensor(ws, w.shape)).dataSync()[0] as number);
  const [dx, dw] = await onBackend(backend, () => tf.grads(loss)([tensorOf(x), tensorOf(w)]));
  const previous = tf.getBackend();
  await tf.setBackend(backend);
  try {
    const fdW = finiteDifferences(w.values, wIdx, 1e-2, (ws) => lossAt(x.values, ws));
    const fdX = finiteDifferences(x.values, xIdx, 1e-2, (xs) => lossAt(xs, w.values));
    const analyticW = Float32Array.from(wIdx, (i) => (dw as Float32Array)[i] as number);
    const analyticX = Float32Array.from(xIdx, (i) => (dx as Float32Array)[i] as number);
    expectClose(analyticW, fdW, 2e-3, 'dL/dw vs finite differences');
    expectClose(analyticX, fdX, 2e-3, 'dL/dx vs finite differences');
    return [worstRelativeError(analyticW, fdW), worstRelativeError(analyticX, fdX)];
  } finally {
    await tf.setBackend(previous);
  }
}

/** Central finite differences of `loss` w.r.t. the entries `indices` of `values`. */
export function finiteDifferences(values: Float32Array, indices: number[], eps: number, loss: (v: Float32Array) => number): Float32Array {
  return Float32Array.from(indices, (i) => {
    const plus = Float32Array.from(values);
    const minus = Float32Array.from(values);
    plus[i] = (plus[i] as number) + eps;
    minus[i] = (minus[i] as number) - eps;
    return (loss(plus) - loss(minus)) / (2 * eps);
  });
}

/** The worst |a − e| / max(1, |e|) of two arrays (what expectClose bounds). */
export function worstRelativeError(actual: Float32Array, expected: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] as number;
    const err = Math.abs((actual[i] as number) - e) / Math.max(1, Math.abs(e));
    worst = Math.max(worst, Number.isNaN(err) ? Infinity : err);
  }
  return worst;
}

/**
 * The torch backend for a test file: registers it (setUpTorch) and returns the addon; when the
 * addon is not built the tests are skipped with the reason, except under CONDFORMER_REQUIRE_TORCH=1
 * (CI), where that is a failure saying how to build it.
 */
export function requireTorch(context: Mocha.Context): TorchAddon {
  const loaded = torchAddon();
  const setup = loaded.ok ? setUpTorch('torch') : loaded;
  if (loaded.ok && setup.ok) return loaded.addon;
  const reason = setup.ok ? 'unavailable' : setup.reason;
  if (process.env.CONDFORMER_REQUIRE_TORCH === '1') {
    const how = reason.includes('native/build.mjs')
      ? ''
      : '; build it with `node native/build.mjs` (needs libtorch: `apt-get install libtorch-dev` or LIBTORCH=<dir>)';
    throw new Error(`the torch backend is required (CONDFORMER_REQUIRE_TORCH=1) but the libtorch addon is ${reason}${how}`);
  }
  console.log(`      skipping the torch backend tests: the libtorch addon is ${reason}`);
  context.skip();
}
