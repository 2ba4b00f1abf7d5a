// The gradient kernels condformer adds to wasm: Conv2DBackpropFilter (conv2d → filter),
// DepthwiseConv2dNativeBackpropFilter / Input (depthwise conv2d) and UnsortedSegmentSum
// (gather → params), against the cpu backend and finite differences.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { registerWasmTrainingKernels } from '../../lib/runtime/wasm-kernels.js';
import {
  expectClose,
  expectFiniteDifferenceGradients,
  expectWasmMatchesCpu,
  finiteDifferences,
  normal,
  onBackend,
  type Sample,
  tensorOf,
} from './cross-backend.js';

type Pad = 'same' | 'valid' | number;
// [x shape, filter shape, strides, pad]
const CONVS: [number[], number[], number | [number, number], Pad][] = [
  [[1, 5, 5, 2], [3, 3, 2, 4], 1, 'same'],
  [[3, 7, 6, 3], [3, 2, 3, 2], 2, 'valid'],
  [[2, 7, 7, 3], [3, 3, 3, 5], 2, 'same'],
  [[2, 9, 8, 2], [2, 3, 2, 3], [2, 3], 'valid'],
  [[1, 6, 6, 2], [3, 3, 2, 2], 2, 1],
  [[2, 32, 32, 3], [16, 16, 3, 8], 16, 'valid'], // patch embedding
];

describe('runtime: wasm training kernels', () => {
  before(() => registerWasmTrainingKernels());

  for (const [xShape, wShape, strides, pad] of CONVS) {
    it(`conv2d filter gradient x[${xShape}] w[${wShape}] stride ${strides} ${pad} matches cpu`, async () => {
      const x = normal(xShape, 11);
      const w = normal(wShape, 12);
      const grad = () =>
        tf.grad((f: tf.Tensor) => tf.sum(tf.square(tf.conv2d(tensorOf(x) as tf.Tensor4D, f as tf.Tensor4D, strides, pad))))(tensorOf(w));
      await expectWasmMatchesCpu(grad, 1e-4, 'dL/dw');
    });
  }

  it('conv2d input and filter gradients match finite differences on wasm', async () => {
    // loss = Σ conv(x, w; stride 2, 'same') · r
    const samples: [Sample, Sample, Sample] = [normal([2, 6, 5, 2], 13), normal([3, 3, 2, 3], 14), normal([2, 3, 3, 3], 15)];
    await expectFiniteDifferenceGradients('wasm', (x, w) => tf.conv2d(x, w, 2, 'same'), samples, [0, 9, 31, 44, 59], [0, 7, 20, 33, 53]);
  });

  // [x shape, filter shape [kh, kw, C, 1], strides, pad]
  const DEPTHWISE: [number[], number[], number | [number, number], Pad][] = [
    [[1, 6, 6, 3], [3, 3, 3, 1], 1, 'same'],
    [[3, 7, 6, 2], [3, 3, 2, 1], 2, 'valid'],
    [[2, 9, 9, 4], [5, 5, 4, 1], 2, 'same'], // EfficientNet's k5 s2
    [[2, 8, 7, 2], [3, 2, 2, 1], [2, 1], 'valid'],
    [[1, 5, 5, 2], [3, 3, 2, 1], 1, 3], // padding wider than the kernel reach
    [[2, 6, 6, 3], [3, 3, 3, 1], 2, 1],
  ];
  for (const [xShape, wShape, strides, pad] of DEPTHWISE) {
    it(`depthwiseConv2d input and filter gradients x[${xShape}] w[${wShape}] stride ${strides} ${pad} match cpu`, async () => {
      const x = normal(xShape, 21);
      const w = normal(wShape, 22);
      const grads = () =>
        tf.grads((a: tf.Tensor, f: tf.Tensor) => tf.sum(tf.square(tf.depthwiseConv2d(a as tf.Tensor4D, f as tf.Tensor4D, strides, pad))))([
          tensorOf(x),
          tensorOf(w),
        ]);
      await expectWasmMatchesCpu(grads, 1e-4, 'depthwise [dL/dx, dL/dw]');
    });
  }

  it('depthwiseConv2d gradients match finite differences on wasm', async () => {
    // loss = Σ depthwise(x, w; stride 2, 'same') · r
    const samples: [Sample, Sample, Sample] = [normal([2, 7, 6, 3], 23), normal([3, 3, 3, 1], 24), normal([2, 4, 3, 3], 25)];
    await expectFiniteDifferenceGradients('wasm', (x, w) => tf.depthwiseConv2d(x, w, 2, 'same'), samples, [0, 11, 50, 97, 251], [0, 4, 13, 20, 26]);
  });

  // [params shape, indices, axis]
  const GATHERS: [number[], number[] | number[][], number][] = [
    [[6, 3], [0, 2, 2, 5], 0],
    [[4, 5], [1, 1, 3], 1],
    [
      [5, 2, 3],
      [
        [0, 4],
        [4, 4],
      ],
      0,
    ],
    [[3, 4, 2], [3, 0, 3], 1],
    [[7], [6, 6, 6, 0], 0],
  ];
  for (const [shape, indices, axis] of GATHERS) {
    it(`gather gradient params[${shape}] indices ${JSON.stringify(indices)} axis ${axis} matches cpu`, async () => {
      const p = normal(shape, 16);
      const grad = () =>
        tf.grad((t: tf.Tensor) => {
          const g = tf.gather(t, tf.tensor(indices, undefined, 'int32'), axis);
          return tf.sum(tf.mul(g, tf.range(1, g.size + 1).reshape(g.shape)));
        })(tensorOf(p));
      await expectWasmMatchesCpu(grad, 1e-6, 'dL/dparams');
    });
  }

  it('gather gradient matches finite differences on wasm (repeated indices add up)', async () => {
    const p = normal([5, 3], 17);
    const idx = [4, 1, 4, 4, 0];
    const r = normal([5, 3], 18);
    const loss = (v: Float32Array) => tf.sum(tf.mul(tf.gather(tf.tensor2d(v, [5, 3]), tf.tensor1d(idx, 'int32')), tensorOf(r)));
    const [analytic] = await onBackend('wasm', () =>
      tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor1d(idx, 'int32')), tensorOf(r))))(tensorOf(p)),
    );
    const previous = tf.getBackend();
    await tf.setBackend('wasm');
    try {
      const all = Array.from({ length: 15 }, (_, i) => i);
      const fd = finiteDifferences(p.values, all, 1e-2, (v) => tf.tidy(() => loss(v).dataSync()[0] as number));
      expectClose(analytic as Float32Array, fd, 2e-3, 'dL/dparams vs finite differences');
      // row 4 is gathered three times: its gradient is the sum of three rows of r
      expect((analytic as Float32Array)[12]).to.be.closeTo((r.values[0] as number) + (r.values[6] as number) + (r.values[9] as number), 1e-5);
    } finally {
      await tf.setBackend(previous);
    }
  });

  it('unsortedSegmentSum matches cpu (int32 data, rank-3 data)', async () => {
    const ids = [2, 0, 2, 3, 0, 2];
    // The cpu backend returns int32 sums as float32 (wasm keeps int32): compared as int32.
    const intSums = () => tf.cast(tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3, 4, 5, 6], 'int32'), tf.tensor1d(ids, 'int32'), 5), 'int32');
    await expectWasmMatchesCpu(intSums, 0, 'int32');
    const x = normal([6, 2, 3], 19);
    await expectWasmMatchesCpu(() => tf.unsortedSegmentSum(tensorOf(x), tf.tensor1d(ids, 'int32'), 4), 1e-6, 'rank 3');
  });

  it('unsortedSegmentSum rejects ids outside [0, numSegments) on wasm', async () => {
    const previous = tf.getBackend();
    await tf.setBackend('wasm');
    try {
      expect(() => tf.unsortedSegmentSum(tf.tensor1d([1, 2]), tf.tensor1d([0, 3], 'int32'), 3)).to.throw(/segment id 3 outside \[0, 3\)/);
    } finally {
      await tf.setBackend(previous);
    }
  });
});
