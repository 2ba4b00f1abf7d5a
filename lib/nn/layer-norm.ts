// `nn.LayerNorm` over the last axis (eps 1e-5, affine).
import * as tf from '@tensorflow/tfjs';
import { fusedLayerNorm } from '../runtime/fused-layers.js';
import { Module } from './module.js';

export class LayerNorm extends Module {
  readonly weight: tf.Variable; // [C]
  readonly bias: tf.Variable; // [C]

  constructor(
    readonly normalizedShape: number,
    readonly eps = 1e-5,
  ) {
    super();
    this.weight = this.addParameter('weight', tf.ones([normalizedShape]));
    this.bias = this.addParameter('bias', tf.zeros([normalizedShape]));
  }

  /** x: [..., C] → [..., C]. */
  forward(x: tf.Tensor): tf.Tensor {
    const fused = fusedLayerNorm(x, this.weight, this.bias, this.eps);
    if (fused !== null) return fused;
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1, true);
      const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps)));
      return tf.add(tf.mul(normed, this.weight), this.bias);
    });
  }
}
