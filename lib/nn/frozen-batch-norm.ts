// DETR's `FrozenBatchNorm2d` on NHWC maps: BatchNorm with fixed statistics and affine
// parameters. weight, bias, running_mean and running_var are all buffers (never trained); there
// is no num_batches_tracked (strip it from torchvision checkpoints with `withoutBatchCounters`).
import * as tf from '@tensorflow/tfjs';
import { affineNorm } from './batch-norm.js';
import { Module, type StateDict } from './module.js';

export class FrozenBatchNorm2d extends Module {
  readonly weight: tf.Variable; // [C]
  readonly bias: tf.Variable; // [C]
  readonly runningMean: tf.Variable; // [C]
  readonly runningVar: tf.Variable; // [C]

  /** eps 1e-5 as DETR; efficientnet_pytorch checkpoints need 1e-3. */
  constructor(
    readonly numFeatures: number,
    readonly eps = 1e-5,
  ) {
    super();
    this.weight = this.addBuffer('weight', tf.ones([numFeatures]));
    this.bias = this.addBuffer('bias', tf.zeros([numFeatures]));
    this.runningMean = this.addBuffer('running_mean', tf.zeros([numFeatures]));
    this.runningVar = this.addBuffer('running_var', tf.ones([numFeatures]));
  }

  /** x: [B, H, W, C] → [B, H, W, C], the same in training and eval mode. */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return affineNorm(x, this.runningMean, this.runningVar, this.weight, this.bias, this.eps);
  }
}

/** The dict without its `*.num_batches_tracked` entries (DETR's FrozenBatchNorm2d drops them on load). */
export function withoutBatchCounters(dict: StateDict): StateDict {
  return new Map([...dict].filter(([name]) => !name.endsWith('.num_batches_tracked') && name !== 'num_batches_tracked'));
}
