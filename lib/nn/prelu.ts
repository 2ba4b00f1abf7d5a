// `nn.PReLU()` with one shared slope: y = x for x ≥ 0, a·x otherwise; `weight` [1], initialised
// 0.25 as PyTorch. DAB-DETR's transformer layers use it as their feed-forward activation.
import * as tf from '@tensorflow/tfjs';
import { Module } from './module.js';

export class PReLU extends Module {
  readonly weight: tf.Variable; // [1]

  constructor(init = 0.25) {
    super();
    this.weight = this.addParameter('weight', tf.tensor1d([init]));
  }

  /** x: [...] → [...]. */
  forward(x: tf.Tensor): tf.Tensor {
    // relu(x) − a·relu(−x): differentiable in x and a on every backend.
    return tf.tidy(() => tf.sub(tf.relu(x), tf.mul(this.weight, tf.relu(tf.neg(x)))));
  }
}
