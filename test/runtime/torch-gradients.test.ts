// Gradients on the torch backend against central finite differences of the same backend's forward
// pass (eps 1e-2, float32): conv2d (stride 1 'valid', stride 2 'same' on an even input — TensorFlow's
// asymmetric padding), depthwise conv2d (multipliers 1 and 2), gather with repeated indices,
// multi-head attention (both layouts, padded keys) and layer norm, inputs and parameters.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { MultiHeadAttention } from '../../lib/attention/multi-head-attention.js';
import { LayerNorm } from '../../lib/nn/layer-norm.js';
import { Rng } from '../../lib/runtime/rng.js';
import {
  expectClose,
  expectFiniteDifferenceGradients,
  finiteDifferences,
  normal,
  requireTorch,
  type Sample,
  tensorOf,
  worstRelativeError,
} from './cross-backend.js';

const EPS = 1e-2;
const TOL = 2e-3;

/** k indices spread over [0, n). */
const spread = (n: number, k: number): number[] => Array.from({ length: Math.min(n, k) }, (_, i) => Math.floor(((i + 0.5) * n) / Math.min(n, k)));

/** The analytic gradient at `indices` matches finite differences of `lossAt`; returns the worst relative error. */
function checkAgainstFiniteDifferences(
  label: string,
  values: Float32Array,
  gradient: Float32Array,
  indices: number[],
  lossAt: (v: Float32Array) => number,
): number {
  const numeric = finiteDifferences(values, indices, EPS, lossAt);
  const analytic = Float32Array.from(indices, (i) => gradient[i] as number);
  expect(
    analytic.some((g) => Math.abs(g) > 1e-3),
    `${label}: a non-trivial gradient`,
  ).to.equal(true);
  expectClose(analytic, numeric, TOL, `${label} vs finite differences`);
  return worstRelativeError(analytic, numeric);
}

/** Finite differences w.r.t. a variable: its value replaced, the loss evaluated, the value restored. */
function checkVariable(label: string, variable: tf.Variable, gradient: tf.Tensor, loss: () => tf.Scalar, k = 4): number {
  const original = Float32Array.from(variable.dataSync());
  const lossAt = (v: Float32Array): number =>
    tf.tidy(() => {
      variable.assign(tf.tensor(v, variable.shape));
      return loss().dataSync()[0] as number;
    });
  try {
    return checkAgainstFiniteDifferences(label, original, Float32Array.from(gradient.dataSync()), spread(original.length, k), lossAt);
  } finally {
    tf.tidy(() => variable.assign(tf.tensor(original, variable.shape)));
  }
}

const report = (what: string, errors: number[]): void => console.log(`      ${what}: worst relative error ${Math.max(...errors).toExponential(2)}`);

describe('runtime: torch gradients match finite differences', () => {
  let previous = '';
  before(async function () {
    requireTorch(this);
    previous = tf.getBackend();
    await tf.setBackend('torch');
  });
  after(async () => {
    if (previous !== '') await tf.setBackend(previous);
  });

  it('conv2d: stride 1 valid, stride 2 same (even input: asymmetric padding)', async () => {
    const valid: [Sample, Sample, Sample] = [normal([1, 5, 5, 2], 1), normal([3, 3, 2, 3], 2), normal([1, 3, 3, 3], 3)];
    const same: [Sample, Sample, Sample] = [normal([2, 6, 6, 2], 4), normal([3, 3, 2, 3], 5), normal([2, 3, 3, 3], 6)];
    const errors = [
      ...(await expectFiniteDifferenceGradients('torch', (x, w) => tf.conv2d(x, w, 1, 'valid'), valid, [0, 7, 24, 33, 49], [0, 9, 20, 41, 53])),
      ...(await expectFiniteDifferenceGradients('torch', (x, w) => tf.conv2d(x, w, 2, 'same'), same, [0, 13, 35, 70, 143], [0, 11, 26, 40, 53])),
    ];
    report('conv2d [dL/dw, dL/dx]', errors);
  });

  it('depthwise conv2d: multiplier 1 stride 2 same, multiplier 2 stride 1 valid', async () => {
    const m1: [Sample, Sample, Sample] = [normal([2, 6, 6, 3], 7), normal([3, 3, 3, 1], 8), normal([2, 3, 3, 3], 9)];
    const m2: [Sample, Sample, Sample] = [normal([1, 5, 4, 2], 10), normal([3, 2, 2, 2], 11), normal([1, 3, 3, 4], 12)];
    const errors = [
      ...(await expectFiniteDifferenceGradients(
        'torch',
        (x, w) => tf.depthwiseConv2d(x, w, 2, 'same'),
        m1,
        [0, 17, 50, 101, 215],
        [0, 5, 13, 20, 26],
      )),
      ...(await expectFiniteDifferenceGradients('torch', (x, w) => tf.depthwiseConv2d(x, w, 1, 'valid'), m2, [0, 9, 17, 30, 39], [0, 7, 12, 18, 23])),
    ];
    report('depthwise conv2d [dL/dw, dL/dx]', errors);
  });

  it('gather (axis 0 and 1, repeated indices): every entry of dL/dparams', () => {
    const errors: number[] = [];
    for (const [shape, indices, axis] of [
      [[5, 3], [4, 1, 4, 4, 0], 0],
      [[3, 4, 2], [3, 0, 3], 1],
    ] as const) {
      const p = normal([...shape], 13 + axis);
      const idx = (): tf.Tensor1D => tf.tensor1d([...indices], 'int32');
      const outShape = tf.tidy(() => tf.gather(tensorOf(p), idx(), axis).shape);
      const r = normal(outShape, 15 + axis);
      const loss = (t: tf.Tensor): tf.Scalar => tf.sum(tf.mul(tf.gather(t, idx(), axis), tensorOf(r)));
      const grad = tf.tidy(() => Float32Array.from(tf.grad(loss)(tensorOf(p)).dataSync()));
      const all = Array.from({ length: p.values.length }, (_, i) => i);
      errors.push(
        checkAgainstFiniteDifferences(`gather axis ${axis}`, p.values, grad, all, (v) =>
          tf.tidy(() => loss(tf.tensor(v, p.shape)).dataSync()[0] as number),
        ),
      );
    }
    report('gather dL/dparams', errors);
  });

  const layouts = [
    { name: 'add, packed in-projection', combine: 'add', inputProjection: true, valueDim: 8 },
    { name: 'concat, no in-projection (Conditional DETR)', combine: 'concat', inputProjection: false, valueDim: 6 },
  ] as const;
  for (const layout of layouts) {
    it(`multi-head attention (${layout.name}, padded keys): inputs and parameters`, () => {
      const [B, LQ, LK, C, H] = [2, 3, 4, 8, 2];
      const attention = new MultiHeadAttention({ embedDim: C, numHeads: H, ...layout, rng: new Rng(20) });
      const samples = {
        queryContent: normal([B, LQ, C], 21),
        querySpatial: normal([B, LQ, C], 22),
        keyContent: normal([B, LK, C], 23),
        keySpatial: normal([B, LK, C], 24),
        value: normal([B, LK, layout.valueDim], 25),
      };
      const names = Object.keys(samples) as (keyof typeof samples)[];
      const readout = normal([B, LQ, layout.valueDim], 26);
      const loss = (replaced: Partial<Record<keyof typeof samples, tf.Tensor>>): tf.Scalar =>
        tf.tidy(() => {
          const inputs = Object.fromEntries(names.map((n) => [n, replaced[n] ?? tensorOf(samples[n])])) as Record<keyof typeof samples, tf.Tensor>;
          const keyPaddingMask = tf.tensor2d(
            [
              [false, false, false, false],
              [false, false, false, true],
            ],
            [B, LK],
            'bool',
          );
          return tf.sum(tf.mul(attention.forward({ ...inputs, keyPaddingMask }).output, tensorOf(readout)));
        });
      const errors: number[] = [];
      const inputGrads = tf.grads((...xs: tf.Tensor[]) => loss(Object.fromEntries(names.map((n, i) => [n, xs[i] as tf.Tensor]))));
      const grads = tf.tidy(() => inputGrads(names.map((n) => tensorOf(samples[n]))).map((g) => Float32Array.from(g.dataSync())));
      names.forEach((name, i) => {
        const s = samples[name];
        const at = (v: Float32Array): number => tf.tidy(() => loss({ [name]: tf.tensor(v, s.shape) }).dataSync()[0] as number);
        errors.push(checkAgainstFiniteDifferences(name, s.values, grads[i] as Float32Array, spread(s.values.length, 5), at));
      });
      const { value, grads: paramGrads } = tf.variableGrads(() => loss({}));
      for (const [name, variable] of attention.namedParameters()) {
        errors.push(checkVariable(name, variable, paramGrads[variable.name] as tf.Tensor, () => loss({})));
      }
      report(`attention (${layout.combine}), ${names.length} inputs and ${attention.namedParameters().length} parameters`, errors);
      tf.dispose([value, ...Object.values(paramGrads)]);
      attention.dispose();
    });
  }

  it('layer norm: input, weight and bias', () => {
    const norm = new LayerNorm(6);
    tf.tidy(() => {
      norm.weight.assign(tensorOf(normal([6], 30)));
      norm.bias.assign(tensorOf(normal([6], 31)));
    });
    const x = normal([2, 3, 6], 32);
    const r = normal([2, 3, 6], 33);
    const loss = (t: tf.Tensor): tf.Scalar => tf.tidy(() => tf.sum(tf.mul(norm.forward(t), tensorOf(r))));
    const dx = tf.tidy(() => Float32Array.from(tf.grad(loss)(tensorOf(x)).dataSync()));
    const errors = [
      checkAgainstFiniteDifferences('dL/dx', x.values, dx, spread(36, 9), (v) => tf.tidy(() => loss(tf.tensor(v, x.shape)).dataSync()[0] as number)),
    ];
    const { value, grads } = tf.variableGrads(() => loss(tensorOf(x)));
    for (const [name, variable] of norm.namedParameters())
      errors.push(checkVariable(name, variable, grads[variable.name] as tf.Tensor, () => loss(tensorOf(x)), 6));
    report('layer norm [x, weight, bias]', errors);
    tf.dispose([value, ...Object.values(grads)]);
    norm.dispose();
  });
});
