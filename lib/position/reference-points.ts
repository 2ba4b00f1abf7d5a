// Conditional DETR's / DAB-DETR's sine embedding of the decoder reference points and anchor boxes
// (`gen_sineembed_for_position`).
import * as tf from '@tensorflow/tfjs';
import { sineCode } from './sine.js';

/**
 * points: [..., 2] (x, y) or [..., 4] (x, y, w, h) in (0, 1) → [..., 2·numPosFeats] = [sine(y) | sine(x)]
 * or [..., 4·numPosFeats] = [sine(y) | sine(x) | sine(w) | sine(h)] (DAB-DETR's anchors): each
 * coordinate scaled by 2π and coded with `sineCode` (sin/cos interleaved).
 *
 * Conditional DETR hard-codes numPosFeats = 128 (d_model 256); here numPosFeats is d_model / 2 in
 * general (exponent 2⌊j/2⌋/numPosFeats), as DAB-DETR's version. At 128 it equals the official one.
 */
export function sineEmbedReferencePoints(points: tf.Tensor, numPosFeats = 128, temperature = 10000): tf.Tensor {
  const dims = points.shape[points.rank - 1];
  if (dims !== 2 && dims !== 4) throw new Error(`sineEmbedReferencePoints: expected points [..., 2] or [..., 4], got [${points.shape}]`);
  return tf.tidy(() => {
    const scaled = tf.mul(points, 2 * Math.PI); // [..., 2 | 4]
    const [x, y, ...wh] = tf.unstack(scaled, points.rank - 1) as tf.Tensor[]; // [...] each
    const order = [y, x, ...wh] as tf.Tensor[];
    return tf.concat(
      order.map((c) => sineCode(c, numPosFeats, temperature)),
      -1,
    );
  });
}
