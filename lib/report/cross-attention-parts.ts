// Conditional DETR's cross-attention split into what its paper plots (Fig. 1 / Fig. 4): with the
// concat scheme a head's logit is (q_c·k_c + q_s·k_s)/√d, d = 2C/H, so the weights factor into a
// content map softmax(q_c·k_c/√d), a spatial map softmax(q_s·k_s/√d) and their normalised product,
// the combined weights the model uses.
import * as tf from '@tensorflow/tfjs';
import type { AttentionRecord } from '../attention/attend.js';
import { keyPaddingBias } from '../attention/key-padding.js';

export interface AttentionParts {
  /** Each [B, H, Lq, Lk], rows summing to 1. */
  readonly content: tf.Tensor4D;
  readonly spatial: tf.Tensor4D;
  readonly combined: tf.Tensor4D;
}

/**
 * `record` from a `concat` attention (queries / keys [B, H, L, 2·dh] = [content ; spatial] per head);
 * `keyPaddingMask` [B, Lk] bool (true = padding) as given to the attention.
 */
export function conditionalAttentionParts(record: AttentionRecord, keyPaddingMask?: tf.Tensor): AttentionParts {
  const d = record.queries.shape[3];
  if (d % 2 !== 0 || record.keys.shape[3] !== d)
    throw new Error(
      `conditionalAttentionParts: expected concat queries / keys [B, H, L, 2·dh], got [${record.queries.shape}] and [${record.keys.shape}]`,
    );
  return tf.tidy(() => {
    const half = (x: tf.Tensor4D, part: 0 | 1): tf.Tensor4D => tf.slice(x, [0, 0, 0, part * (d / 2)], [-1, -1, -1, d / 2]);
    const weights = (part: 0 | 1): tf.Tensor4D => {
      const logits = tf.mul(tf.matMul(half(record.queries, part), half(record.keys, part), false, true), 1 / Math.sqrt(d)); // [B, H, Lq, Lk]
      return tf.softmax(keyPaddingMask === undefined ? logits : tf.add(logits, keyPaddingBias(keyPaddingMask))) as tf.Tensor4D;
    };
    return { content: weights(0), spatial: weights(1), combined: tf.clone(record.weights) };
  });
}
