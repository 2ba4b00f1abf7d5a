import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { broadcastSource } from '../../lib/runtime/wasm-matmul.js';
import { registerWasmTrainingKernels } from '../../lib/runtime/wasm-kernels.js';
import { expectWasmMatchesCpu, normal, tensorOf } from './cross-backend.js';

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

  it('registering twice keeps one wrapper', () => {
    const before = tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc;
    registerWasmTrainingKernels();
    expect(tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc).to.equal(before);
  });
});
