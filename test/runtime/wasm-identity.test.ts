import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { registerWasmTrainingKernels, wasmKernelSet } from '../../lib/runtime/wasm-kernels.js';
import { wasmBackend } from '../../lib/runtime/wasm-ops.js';

const VALUES = [1.5, -2, 3.25, 0, 7, -0.5];

/** Run `f` on wasm with condformer's kernels, restoring the previous backend. */
async function onWasm(f: () => Promise<void>): Promise<void> {
  const previous = tf.getBackend();
  registerWasmTrainingKernels();
  await tf.setBackend('wasm');
  try {
    await f();
  } finally {
    await tf.setBackend(previous);
  }
}

// tf.clone is tfjs's public Identity call.
describe('runtime: wasm zero-copy Identity', () => {
  it('is registered with the `all` kernel set', () => {
    registerWasmTrainingKernels();
    expect(wasmKernelSet()).to.equal('all');
  });

  for (const disposeFirst of ['source', 'identity'] as const) {
    it(`shares the source's buffer; disposing the ${disposeFirst} first keeps the other's values and frees both`, async () => {
      await onWasm(async () => {
        const before = tf.memory();
        const source = tf.tensor2d(VALUES, [2, 3]);
        const afterSource = tf.memory();
        const copy = tf.clone(source);
        // No new buffer: the engine sees one data id with two tensors on it.
        expect(tf.memory().numDataBuffers).to.equal(afterSource.numDataBuffers);
        expect(tf.memory().numTensors).to.equal(before.numTensors + 2);
        expect(tf.memory().numBytes).to.equal(before.numBytes + 2 * VALUES.length * 4);
        expect(copy.dataId).to.equal(source.dataId);
        expect(copy.shape).to.deep.equal([2, 3]);
        const backend = wasmBackend(tf.backend());
        const buffer = source.dataId;
        expect(backend.refCount(buffer)).to.equal(2);
        const [first, second] = disposeFirst === 'source' ? [source, copy] : [copy, source];
        first.dispose();
        expect(backend.refCount(buffer)).to.equal(1);
        expect(Array.from(await second.data())).to.deep.equal(VALUES);
        const shifted = tf.add(second, 1);
        expect(Array.from(shifted.dataSync())).to.deep.equal(VALUES.map((v) => v + 1));
        shifted.dispose();
        second.dispose();
        expect(backend.refCount(buffer)).to.equal(0); // freed from the wasm heap
        expect(tf.memory().numTensors).to.equal(before.numTensors);
        expect(tf.memory().numBytes).to.equal(before.numBytes);
        expect(tf.memory().numDataBuffers).to.equal(before.numDataBuffers);
      });
    });
  }

  it('int32 and bool tensors pass through unchanged', async () => {
    await onWasm(async () => {
      const ints = tf.tensor1d([3, -1, 7], 'int32');
      const bools = tf.tensor1d([1, 0, 1], 'bool');
      const [intCopy, boolCopy] = [tf.clone(ints), tf.clone(bools)];
      expect(intCopy.dtype).to.equal('int32');
      expect(boolCopy.dtype).to.equal('bool');
      tf.dispose([ints, bools]);
      expect(Array.from(await intCopy.data())).to.deep.equal([3, -1, 7]);
      expect(Array.from(await boolCopy.data())).to.deep.equal([1, 0, 1]);
      tf.dispose([intCopy, boolCopy]);
    });
  });

  it('gradients through Identity (tf.grad of sum(clone(x)²)) are 2x', async () => {
    await onWasm(async () => {
      const x = tf.tensor1d(VALUES);
      const before = tf.memory().numTensors;
      const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.clone(t))))(x);
      expect(Array.from(await dx.data())).to.deep.equal(VALUES.map((v) => 2 * v));
      dx.dispose();
      expect(tf.memory().numTensors).to.equal(before);
      x.dispose();
    });
  });
});
