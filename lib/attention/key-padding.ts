// Key padding masks and query-key attention masks as additive biases on the attention logits.
import * as tf from '@tensorflow/tfjs';

/** mask [B, Lk] bool (true = padding) → bias [B, 1, 1, Lk]: −∞ at padded keys, 0 elsewhere. */
export function keyPaddingBias(mask: tf.Tensor): tf.Tensor4D {
  if (mask.dtype !== 'bool' || mask.rank !== 2) {
    throw new TypeError(`key padding mask must be a bool [B, Lk] tensor, got ${mask.dtype} [${mask.shape}]`);
  }
  const [batch, length] = mask.shape as [number, number];
  return tf.tidy(() => tf.reshape(tf.where(mask, tf.fill(mask.shape, -Infinity), tf.zeros(mask.shape)), [batch, 1, 1, length]));
}

/** mask [Lq, Lk] bool (true = may not attend) → bias [1, 1, Lq, Lk]: −∞ where masked, 0 elsewhere. */
export function attentionMaskBias(mask: tf.Tensor): tf.Tensor4D {
  if (mask.dtype !== 'bool' || mask.rank !== 2) {
    throw new TypeError(`attention mask must be a bool [Lq, Lk] tensor, got ${mask.dtype} [${mask.shape}]`);
  }
  const [queries, keys] = mask.shape as [number, number];
  return tf.tidy(() => tf.reshape(tf.where(mask, tf.fill(mask.shape, -Infinity), tf.zeros(mask.shape)), [1, 1, queries, keys]));
}
