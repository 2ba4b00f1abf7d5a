import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { registerWasmTrainingKernels } from '../../lib/runtime/wasm-kernels.js';
import {
  broadcastSource,
  STOCK_BATCHED_MAX_SLICE_MULTIPLY_ADDS,
  sliceMultiplyAdds,
  stockBroadcastsBatches,
  stockKernelRuns,
} from '../../lib/runtime/wasm-matmul.js';
import { expectClose, expectWasmMatchesCpu, normal, onBackend, tensorOf } from './cross-backend.js';

// [a shape, b shape, transposeA, transposeB]
const CASES: [number[], number[], boolean, boolean][] = [
  [[5, 7], [7, 3], false, false], // stock fast path, untouched
  [[7, 5], [7, 3], true, false],
  [[5, 7], [3, 7], false, true],
  [[7, 5], [3, 7], true, true],
  [[3, 5, 7], [3, 7, 4], false, false], // batch 3
  [[3, 7, 5], [3, 4, 7], true, true],
  [[1, 7, 5], [1, 7, 4], true, false], // batch 1, rank 3
  [[2, 3, 5, 7], [7, 4], false, false], // batch against a shared matrix: folded into rows
  [[5, 7], [3, 4, 7], false, true], // shared a against a batch
  [[3, 7, 5], [1, 7, 4], true, false], // broadcast batch [3] × [1]
  [[1, 5, 7], [2, 3, 4, 7], false, true], // broadcast batch [1] × [2, 3]
  [[2, 16, 24], [2, 24, 9], false, false],
];

describe('runtime: wasm BatchMatMul / _FusedMatMul fast paths', () => {
  before(() => registerWasmTrainingKernels());

  it('maps broadcast batch indices to their sources', () => {
    // out [2, 3] from a [2, 1] and b [3]
    expect([0, 1, 2, 3, 4, 5].map((i) => broadcastSource([2, 3], [2, 1], i))).to.deep.equal([0, 0, 0, 1, 1, 1]);
    expect([0, 1, 2, 3, 4, 5].map((i) => broadcastSource([2, 3], [3], i))).to.deep.equal([0, 1, 2, 0, 1, 2]);
  });

  for (const [aShape, bShape, transposeA, transposeB] of CASES) {
    it(`matMul [${aShape}]${transposeA ? 'ᵀ' : ''} · [${bShape}]${transposeB ? 'ᵀ' : ''} matches cpu`, async () => {
      const a = normal(aShape, 1);
      const b = normal(bShape, 2);
      await expectWasmMatchesCpu(() => tf.matMul(tensorOf(a), tensorOf(b), transposeA, transposeB), 1e-5, 'matMul');
    });
  }

  it('matMul gradients (every backward product is transposed) match cpu', async () => {
    const a = normal([2, 4, 6, 5], 3);
    const b = normal([2, 4, 5, 3], 4);
    const r = normal([2, 4, 6, 3], 5);
    await expectWasmMatchesCpu(
      () => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y), tensorOf(r))))([tensorOf(a), tensorOf(b)]),
      1e-5,
      'matMul grads',
    );
  });

  const FUSED: [number[], number[], boolean, boolean, tf.fused.Activation][] = [
    [[7, 5], [7, 3], true, false, 'relu'],
    [[5, 7], [3, 7], false, true, 'linear'],
    [[3, 5, 7], [3, 4, 7], false, true, 'elu'],
    [[3, 7, 5], [7, 4], true, false, 'leakyrelu'],
    [[2, 7, 5], [2, 4, 7], true, true, 'prelu'],
  ];
  for (const [aShape, bShape, transposeA, transposeB, activation] of FUSED) {
    it(`fused.matMul [${aShape}]${transposeA ? 'ᵀ' : ''} · [${bShape}]${transposeB ? 'ᵀ' : ''} + bias, ${activation} matches cpu`, async () => {
      const a = normal(aShape, 6);
      const b = normal(bShape, 7);
      const n = (transposeB ? bShape.at(-2) : bShape.at(-1)) as number;
      const bias = normal([n], 8);
      const prelu = normal([n], 9);
      await expectWasmMatchesCpu(
        () =>
          tf.fused.matMul({
            a: tensorOf(a),
            b: tensorOf(b),
            transposeA,
            transposeB,
            bias: tensorOf(bias),
            activation,
            preluActivationWeights: activation === 'prelu' ? tensorOf(prelu) : undefined,
            leakyreluAlpha: 0.1,
          }),
        1e-5,
        'fused.matMul',
      );
    });
  }

  // Around the threshold: [16, 32]·[32, 16] is 8,192 multiply-adds a slice (stock kernel), n = 17
  // or a wider k makes 8,704 / 8,448 (slice by slice).
  const NEAR_THRESHOLD: [number[], number[], boolean, boolean, boolean][] = [
    // [a shape, b shape, transposeA, transposeB, stock kernel expected]
    [[3, 16, 32], [3, 32, 16], false, false, true],
    [[3, 16, 32], [3, 32, 17], false, false, false],
    [[3, 32, 16], [3, 16, 32], true, true, true],
    [[3, 33, 16], [3, 16, 33], true, true, false],
    [[3, 16, 32], [3, 16, 32], false, true, true],
    [[3, 32, 16], [3, 32, 17], true, false, false],
    [[1, 16, 32], [1, 16, 32], false, true, false], // batch 1: one plain product with b transposed
    [[1, 16, 32], [1, 17, 32], false, true, false],
    [[16, 32], [2, 3, 32, 16], false, false, true], // shared a, broadcast batch [2, 3]
    [[16, 32], [2, 3, 32, 17], false, false, false],
    [[3, 16, 32], [2, 3, 32, 16], false, false, true], // batch [3] against [2, 3]
    [[3, 16, 32], [2, 3, 17, 32], false, true, false],
    [[2, 3, 16, 32], [32, 16], false, false, false], // batch against a shared matrix: folded rows
  ];

  it(`sends batched products of at most ${STOCK_BATCHED_MAX_SLICE_MULTIPLY_ADDS} multiply-adds a slice to the stock kernel`, () => {
    expect(sliceMultiplyAdds([3, 16, 32], [3, 32, 16], false)).to.equal(8192);
    expect(sliceMultiplyAdds([3, 33, 16], [3, 16, 33], true)).to.equal(8448);
    expect(NEAR_THRESHOLD.map(([a, b, ta, tb]) => stockKernelRuns(a, b, ta, tb))).to.deep.equal(NEAR_THRESHOLD.map((c) => c[4]));
    expect(stockKernelRuns([5, 7], [7, 3], false, false)).to.equal(true); // XNNPACK already
    expect(stockKernelRuns([3, 16, 32], [3, 32, 16], false, false, 0)).to.equal(false); // threshold 0: all sliced
  });

  it('keeps the slice path where the stock kernel would broadcast batches wrongly', () => {
    expect(stockBroadcastsBatches([3], [2, 3])).to.equal(true);
    expect(stockBroadcastsBatches([1, 3], [2, 3])).to.equal(true);
    expect(stockBroadcastsBatches([1], [2, 3])).to.equal(true);
    expect(stockBroadcastsBatches([2, 1], [3])).to.equal(false);
    expect(stockBroadcastsBatches([2, 1], [2, 3])).to.equal(false);
    expect(stockKernelRuns([2, 1, 4, 4], [3, 4, 4], false, false)).to.equal(false);
  });

  for (const [aShape, bShape, transposeA, transposeB, stock] of NEAR_THRESHOLD) {
    const path = stock ? 'stock kernel' : 'slice path';
    it(`${path}: matMul [${aShape}]${transposeA ? 'ᵀ' : ''} · [${bShape}]${transposeB ? 'ᵀ' : ''} matches cpu to 3e-6`, async () => {
      const a = normal(aShape, 10);
      const b = normal(bShape, 11);
      await expectWasmMatchesCpu(() => tf.matMul(tensorOf(a), tensorOf(b), transposeA, transposeB), 3e-6, 'matMul');
    });
  }

  it('matMul with batch [2, 1] against [3] (slice path) matches cpu on explicitly broadcast operands', async () => {
    const a = normal([2, 1, 4, 5], 12);
    const b = normal([3, 5, 4], 13);
    const [expected] = await onBackend('cpu', () => tf.matMul(tf.broadcastTo(tensorOf(a), [2, 3, 4, 5]), tf.broadcastTo(tensorOf(b), [2, 3, 5, 4])));
    const [actual] = await onBackend('wasm', () => tf.matMul(tensorOf(a), tensorOf(b)));
    expectClose(actual as Float32Array, expected as Float32Array, 3e-6, 'matMul [2,1]×[3]');
  });

  // The stock _FusedMatMul gets batched products wrong, so the wrapper slices them at every size:
  // the cases at 8,192 a slice (stock BatchMatMul territory) fail without that.
  const FUSED_NEAR_THRESHOLD: [number[], number[], boolean, boolean, tf.fused.Activation][] = [
    [[3, 16, 32], [3, 32, 16], false, false, 'relu'], // 8,192 a slice
    [[3, 16, 32], [3, 17, 32], false, true, 'relu'], // 8,704
    [[3, 32, 16], [3, 16, 32], true, true, 'sigmoid'],
    [[3, 32, 16], [3, 32, 17], true, false, 'leakyrelu'],
    [[1, 32, 16], [1, 16, 32], true, true, 'elu'], // batch 1
  ];
  for (const [aShape, bShape, transposeA, transposeB, activation] of FUSED_NEAR_THRESHOLD) {
    it(`fused.matMul [${aShape}]${transposeA ? 'ᵀ' : ''} · [${bShape}]${transposeB ? 'ᵀ' : ''} + bias, ${activation} matches cpu to 3e-6`, async () => {
      const a = normal(aShape, 14);
      const b = normal(bShape, 15);
      const bias = normal([(transposeB ? bShape.at(-2) : bShape.at(-1)) as number], 16);
      await expectWasmMatchesCpu(
        () => tf.fused.matMul({ a: tensorOf(a), b: tensorOf(b), transposeA, transposeB, bias: tensorOf(bias), activation, leakyreluAlpha: 0.1 }),
        3e-6,
        'fused.matMul',
      );
    });
  }

  it('registering twice keeps one wrapper', () => {
    const before = tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc;
    registerWasmTrainingKernels();
    expect(tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc).to.equal(before);
  });
});
