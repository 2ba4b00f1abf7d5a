// `nn.BatchNorm2d` on NHWC maps (normalises over B, H, W per channel). Training mode uses the
// batch statistics (biased variance) and updates the running ones with
// running = (1 - momentum) · running + momentum · batch (unbiased variance), as PyTorch does;
// eval mode uses the running statistics.
import * as tf from '@tensorflow/tfjs';
import { Module } from './module.js';

export interface BatchNormOptions {
  /** Default 1e-5 (efficientnet_pytorch: 1e-3). */
  readonly eps?: number;
  /** Default 0.1 (efficientnet_pytorch: 0.01). */
  readonly momentum?: number;
}

export class BatchNorm2d extends Module {
  readonly weight: tf.Variable; // [C]
  readonly bias: tf.Variable; // [C]
  readonly runningMean: tf.Variable; // [C]
  readonly runningVar: tf.Variable; // [C]
  readonly numBatchesTracked: tf.Variable; // [] int32 (PyTorch int64)
  readonly eps: number;
  readonly momentum: number;

  constructor(
    readonly numFeatures: number,
    options: BatchNormOptions = {},
  ) {
    super();
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    this.weight = this.addParameter('weight', tf.ones([numFeatures]));
    this.bias = this.addParameter('bias', tf.zeros([numFeatures]));
    this.runningMean = this.addBuffer('running_mean', tf.zeros([numFeatures]));
    this.runningVar = this.addBuffer('running_var', tf.ones([numFeatures]));
    this.numBatchesTracked = this.addBuffer('num_batches_tracked', tf.scalar(0, 'int32'));
  }

  /** x: [B, H, W, C] → [B, H, W, C]. In training mode also updates the running statistics. */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      if (!this.training) return affineNorm(x, this.runningMean, this.runningVar, this.weight, this.bias, this.eps);
      const { mean, variance } = tf.moments(x, [0, 1, 2]); // [C], biased
      const n = x.size / this.numFeatures;
      if (n <= 1) throw new RangeError(`BatchNorm2d: expected more than 1 value per channel when training, got input shape [${x.shape}]`);
      this.updateRunningStats(mean, tf.mul(variance, n / (n - 1)));
      return affineNorm(x, mean, variance, this.weight, this.bias, this.eps);
    });
  }

  private updateRunningStats(mean: tf.Tensor, unbiasedVar: tf.Tensor): void {
    const m = this.momentum;
    const blend = (running: tf.Tensor, batch: tf.Tensor) => tf.add(tf.mul(running, 1 - m), tf.mul(batch, m));
    this.runningMean.assign(blend(this.runningMean, mean));
    this.runningVar.assign(blend(this.runningVar, unbiasedVar));
    this.numBatchesTracked.assign(tf.add(this.numBatchesTracked, tf.scalar(1, 'int32')));
  }
}

/** (x - mean) / sqrt(var + eps) · weight + bias per channel: x [..., C], the rest [C]. */
export function affineNorm(x: tf.Tensor4D, mean: tf.Tensor, variance: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor, eps: number): tf.Tensor4D {
  return tf.tidy(() => {
    const scale = tf.mul(weight, tf.rsqrt(tf.add(variance, eps))); // [C]
    return tf.add(tf.mul(x, scale), tf.sub(bias, tf.mul(mean, scale)));
  });
}
