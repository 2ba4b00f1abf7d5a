// Attention entropy: how spread out each query's attention distribution is.
//   H(row) = −Σ_k A_k log A_k  (natural log, 0·log 0 = 0)
// Uniform attention over Lk keys gives log Lk, one-hot attention gives 0. Masked (zero-weight)
// keys contribute nothing, so a row attending uniformly over n valid keys scores log n.
import * as tf from '@tensorflow/tfjs';

/** weights: [B, H, Lq, Lk] (rows sum to 1) → [B, H, Lq] entropy per query row. */
export function attentionRowEntropy(weights: tf.Tensor): tf.Tensor {
  if (weights.rank !== 4) throw new Error(`attentionRowEntropy: expected [B, H, Lq, Lk], got [${weights.shape}]`);
  return tf.tidy(() => {
    const positive = tf.greater(weights, 0);
    const safe = tf.where(positive, weights, tf.onesLike(weights)); // log 1 = 0 where A = 0
    return tf.neg(tf.sum(tf.mul(weights, tf.log(safe)), -1));
  });
}

/** Mean row entropy over batch, heads and query rows. weights: [B, H, Lq, Lk] → number. */
export function attentionEntropy(weights: tf.Tensor): number {
  return tf.tidy(() => tf.mean(attentionRowEntropy(weights)).dataSync()[0] as number);
}

/** Mean row entropy over batch and rows, per head. weights: [B, H, Lq, Lk] → [H] numbers. */
export function attentionEntropyPerHead(weights: tf.Tensor): number[] {
  return tf.tidy(() => Array.from(tf.mean(attentionRowEntropy(weights), [0, 2]).dataSync()));
}

/** `attentionEntropy` of each layer's weights, in layer order. */
export function layerAttentionEntropies(layers: readonly tf.Tensor[]): number[] {
  return layers.map(attentionEntropy);
}
