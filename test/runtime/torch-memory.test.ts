// The torch backend's bookkeeping: repeated training steps leave tf.memory().numTensors and the
// addon's live tensor slots flat, and a kernel it does not implement is an error naming the kernel,
// never a silent fallback to another backend.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { LayerNorm } from '../../lib/nn/layer-norm.js';
import { Linear } from '../../lib/nn/linear.js';
import { Module } from '../../lib/nn/module.js';
import { Rng } from '../../lib/runtime/rng.js';
import type { TorchAddon } from '../../lib/runtime/torch/addon.js';
import { TORCH_KERNEL_NAMES } from '../../lib/runtime/torch/kernels.js';
import { AdamW } from '../../lib/train/adamw.js';
import { normal, requireTorch, tensorOf } from './cross-backend.js';

/** conv 3×3 stride 2 → flatten → Linear → relu → LayerNorm → Linear: 4 classes. */
class Tiny extends Module {
  readonly filter: tf.Variable;
  readonly hidden: Linear;
  readonly norm: LayerNorm;
  readonly head: Linear;

  constructor(rng: Rng) {
    super();
    this.filter = this.addParameter(
      'filter',
      tf.tidy(() => tf.mul(tensorOf(normal([3, 3, 2, 4], 1)), 0.3)),
    );
    this.hidden = this.addModule('hidden', new Linear(4 * 4 * 4, 16, { rng }));
    this.norm = this.addModule('norm', new LayerNorm(16));
    this.head = this.addModule('head', new Linear(16, 4, { rng }));
  }

  /** images [B, 8, 8, 2] → logits [B, 4] */
  forward(images: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const features = tf.relu(tf.conv2d(images, this.filter as tf.Tensor4D, 2, 'same'));
      const flat = tf.reshape(features, [images.shape[0], -1]);
      return this.head.forward(this.norm.forward(tf.relu(this.hidden.forward(flat)))) as tf.Tensor2D;
    });
  }
}

describe('runtime: torch backend memory and missing kernels', () => {
  let addon: TorchAddon;
  let previous = '';
  before(async function () {
    addon = requireTorch(this);
    previous = tf.getBackend();
    await tf.setBackend('torch');
  });
  after(async () => {
    if (previous !== '') await tf.setBackend(previous);
  });

  it("50 AdamW training steps keep tf.memory().numTensors and the addon's live slots flat", () => {
    const model = new Tiny(new Rng(2));
    const optimizer = new AdamW(model.namedParameters(), { lr: 1e-2, weightDecay: 1e-2 });
    const images = tensorOf(normal([3, 8, 8, 2], 3)) as tf.Tensor4D;
    const labels = tf.oneHot(tf.tensor1d([0, 2, 3], 'int32'), 4);
    const losses: number[] = [];
    const counts: { tensors: number; live: number }[] = [];
    for (let step = 0; step < 50; step++) {
      const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, model.forward(images)) as tf.Scalar);
      optimizer.step(grads);
      losses.push(value.dataSync()[0] as number);
      tf.dispose([value, ...Object.values(grads)]);
      counts.push({ tensors: tf.memory().numTensors, live: addon.live() });
    }
    // Step 1 creates the optimizer's moments; from then on every step frees what it makes.
    const settled = counts[1] as { tensors: number; live: number };
    console.log(
      `      after step 2: ${settled.tensors} tensors, ${settled.live} live slots; after step 50: ${counts[49]?.tensors}, ${counts[49]?.live}; loss ${losses[0]?.toFixed(4)} → ${losses[49]?.toFixed(4)}`,
    );
    expect(
      counts.slice(1).map((c) => c.tensors),
      'tf.memory().numTensors per step',
    ).to.deep.equal(counts.slice(1).map(() => settled.tensors));
    expect(
      counts.slice(1).map((c) => c.live),
      'addon.live() per step',
    ).to.deep.equal(counts.slice(1).map(() => settled.live));
    expect(losses[49], 'the model trains').to.be.below((losses[0] as number) * 0.5);
    tf.dispose([images, labels]);
    optimizer.dispose();
    model.dispose();
  });

  it('a kernel the backend does not implement is an error naming it, not a fallback', () => {
    for (const kernel of ['Einsum', 'Conv3D', 'Bincount']) expect(TORCH_KERNEL_NAMES, `${kernel} is not a torch kernel`).not.to.include(kernel);
    const live = addon.live();
    const tensors = tf.memory().numTensors;
    tf.tidy(() => {
      const a = tf.tensor2d([1, 2, 3, 4], [2, 2]);
      expect(() => tf.einsum('ij,jk->ik', a, a)).to.throw(/Kernel 'Einsum' not registered for backend 'torch'/);
      expect(() =>
        tf
          .engine()
          .runKernel('Conv3D', { x: tf.zeros([1, 2, 2, 2, 1]), filter: tf.zeros([1, 1, 1, 1, 1]) }, { strides: [1, 1, 1, 1, 1], pad: 'valid' }),
      ).to.throw(/Kernel 'Conv3D' not registered for backend 'torch'/);
      expect(() => tf.bincount(tf.tensor1d([0, 1, 1], 'int32'), tf.tensor1d([], 'float32'), 3)).to.throw(
        /Kernel 'Bincount' not registered for backend 'torch'/,
      );
    });
    expect(tf.getBackend()).to.equal('torch');
    expect(tf.memory().numTensors).to.equal(tensors);
    expect(addon.live()).to.equal(live);
  });
});
