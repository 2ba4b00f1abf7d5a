// DETR's `PositionEmbeddingSine` (models/position_encoding.py). ActMST's
// `models/transposenet/pencoder.py` copy is code-identical; ActMST builds it with
// normalize = false, DETR's `build_position_encoding` with normalize = true. DAB-DETR's
// `PositionEmbeddingSineHW` is the same with one temperature per axis (temperatureH 20,
// temperatureW 20, normalize true in its `build_position_encoding`).
import * as tf from '@tensorflow/tfjs';
import { Module } from '../nn/module.js';
import type { PositionEncoder } from './position-encoder.js';
import { sineCode } from './sine.js';

export interface SineEmbeddingOptions {
  /** Channels per coordinate (output has 2·numPosFeats); even. Default 64. */
  readonly numPosFeats?: number;
  /** Default 10000. */
  readonly temperature?: number;
  /** `PositionEmbeddingSineHW`: the y (height) and x (width) temperatures; default `temperature`. */
  readonly temperatureH?: number;
  readonly temperatureW?: number;
  /** Divide the cumulative positions by the last one (+1e-6) and multiply by `scale`. Default false. */
  readonly normalize?: boolean;
  /** Only with normalize; default 2π. */
  readonly scale?: number;
}

/**
 * mask: [B, H, W] bool (true = padding) → [B, H, W, 2·numPosFeats] = [sine(y) | sine(x)].
 * y / x are the cumulative counts of non-padding cells down each column / along each row
 * (starting at 1), optionally normalised to (0, scale]; each is coded with `sineCode`.
 */
export function sinePositionEmbedding(mask: tf.Tensor, options: SineEmbeddingOptions = {}): tf.Tensor {
  const { numPosFeats = 64, temperature = 10000, normalize = false, scale } = options;
  const { temperatureH = temperature, temperatureW = temperature } = options;
  if (scale !== undefined && !normalize) throw new Error('sinePositionEmbedding: scale is only used with normalize = true');
  if (mask.rank !== 3) throw new Error(`sinePositionEmbedding: expected mask [B, H, W], got [${mask.shape}]`);
  return tf.tidy(() => {
    const notMask = tf.cast(tf.logicalNot(tf.cast(mask, 'bool')), 'float32'); // [B, H, W]
    let y = tf.cumsum(notMask, 1); // [B, H, W]
    let x = tf.cumsum(notMask, 2); // [B, H, W]
    if (normalize) {
      const eps = 1e-6;
      const s = scale ?? 2 * Math.PI;
      const [, h, w] = mask.shape as [number, number, number];
      y = tf.mul(tf.div(y, tf.add(tf.slice(y, [0, h - 1, 0], [-1, 1, -1]), eps)), s);
      x = tf.mul(tf.div(x, tf.add(tf.slice(x, [0, 0, w - 1], [-1, -1, 1]), eps)), s);
    }
    return tf.concat([sineCode(y, numPosFeats, temperatureH), sineCode(x, numPosFeats, temperatureW)], -1);
  });
}

/** Parameter-free Module wrapper of `sinePositionEmbedding`, interchangeable with the learned one. */
export class PositionEmbeddingSine extends Module implements PositionEncoder {
  readonly channels: number;

  constructor(readonly options: SineEmbeddingOptions = {}) {
    super();
    this.channels = 2 * (options.numPosFeats ?? 64);
  }

  forward(mask: tf.Tensor): tf.Tensor {
    return sinePositionEmbedding(mask, this.options);
  }
}
