// What a detector / pose backbone needs from a 2-D position encoding.
import type * as tf from '@tensorflow/tfjs';
import type { Module } from '../nn/module.js';

/** A 2-D position encoding: padding mask [B, H, W] (bool, true = padding) → [B, H, W, C]. */
export interface PositionEncoder extends Module {
  /** Output channels C (2 · numPosFeats). */
  readonly channels: number;
  forward(mask: tf.Tensor): tf.Tensor;
}
