// Conditional DETR's sine embedding of the decoder reference points (`gen_sineembed_for_position`).
import * as tf from '@tensorflow/tfjs';
import { sineCode } from './sine.js';

/**
 * points: [..., 2] with (x, y) in (0, 1) → [..., 2·numPosFeats] = [sine(y) | sine(x)], each
 * coordinate scaled by 2π and coded with `sineCode` (sin/cos interleaved).
 *
 * The official function hard-codes numPosFeats = 128 (d_model 256); here numPosFeats is
 * d_model / 2 in general (exponent 2⌊j/2⌋/numPosFeats). At 128 it equals the official one.
 */
export function sineEmbedReferencePoints(points: tf.Tensor, numPosFeats = 128, temperature = 10000): tf.Tensor {
  if (points.shape[points.rank - 1] !== 2) {
    throw new Error(`sineEmbedReferencePoints: expected points [..., 2], got [${points.shape}]`);
  }
  return tf.tidy(() => {
    const scaled = tf.mul(points, 2 * Math.PI); // [..., 2]
    const [x, y] = tf.unstack(scaled, points.rank - 1); // [...] each
    return tf.concat([sineCode(y as tf.Tensor, numPosFeats, temperature), sineCode(x as tf.Tensor, numPosFeats, temperature)], -1);
  });
}
