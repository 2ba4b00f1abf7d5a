// What a detector / pose regressor needs from a CNN backbone: NHWC feature maps by name.
import type * as tf from '@tensorflow/tfjs';
import type { Module } from '../../nn/module.js';

export interface Backbone extends Module {
  /** Channels of the map `forward` returns (DETR's `num_channels`). */
  readonly numChannels: number;
  /** Channels of every endpoint `extractEndpoints` returns, by name. */
  readonly endpointChannels: Readonly<Record<string, number>>;
  /** images [B, H, W, 3] → the backbone's single output map [B, h, w, numChannels]. */
  forward(images: tf.Tensor4D): tf.Tensor4D;
  /** images [B, H, W, 3] → every endpoint map [B, h_i, w_i, C_i], by name. */
  extractEndpoints(images: tf.Tensor4D): Record<string, tf.Tensor4D>;
}
