// Query–key centroid distance: how far apart the query and key clouds of one attention head are
// (ActMST's `res_mean`, the quantity its Query-Key Alignment loss minimises).
import * as tf from '@tensorflow/tfjs';

/**
 * ‖mean over tokens of q − mean over tokens of k‖₂ per batch element and head.
 * queries: [B, H, Lq, dh], keys: [B, H, Lk, dh] (per-head projected, before the 1/√dh scaling)
 * → [B, H]. Differentiable; the gradient at a zero distance is 0 (as torch.norm's), not NaN.
 */
export function qkCentroidDistance(queries: tf.Tensor, keys: tf.Tensor): tf.Tensor {
  if (queries.rank !== 4 || keys.rank !== 4) {
    throw new Error(`qkCentroidDistance: expected rank-4 [B, H, L, dh], got [${queries.shape}] and [${keys.shape}]`);
  }
  return tf.tidy(() => euclideanNorm(tf.sub(tf.mean(queries, 2), tf.mean(keys, 2)))); // [B, H]
}

/** ‖x‖₂ over the last axis, with gradient x/‖x‖ (0 where ‖x‖ = 0). [..., d] → [...]. */
const euclideanNorm = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, save] = inputs as [tf.Tensor, tf.GradSaveFunc];
  const norm = tf.sqrt(tf.sum(tf.square(x), -1));
  save([x, norm]);
  return {
    value: norm,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [xs, n] = saved as [tf.Tensor, tf.Tensor];
      const positive = tf.greater(n, 0);
      const scale = tf.where(positive, tf.div(dy as tf.Tensor, tf.where(positive, n, tf.onesLike(n))), tf.zerosLike(n));
      return [tf.mul(xs, tf.expandDims(scale, -1))];
    },
  };
});
