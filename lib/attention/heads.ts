// Splitting a token sequence into attention heads and merging the heads back.
import * as tf from '@tensorflow/tfjs';

/** [B, L, H·d] → [B, H, L, d]: head h takes channels h·d … (h+1)·d − 1, as PyTorch's `view`. */
export function splitHeads(x: tf.Tensor, numHeads: number): tf.Tensor4D {
  const [batch, length, channels] = x.shape as [number, number, number];
  if (channels % numHeads !== 0) throw new RangeError(`${channels} channels do not split into ${numHeads} heads`);
  return tf.tidy(() => tf.transpose(tf.reshape(x, [batch, length, numHeads, channels / numHeads]), [0, 2, 1, 3]));
}

/** [B, H, L, d] → [B, L, H·d], the inverse of `splitHeads`. */
export function mergeHeads(x: tf.Tensor): tf.Tensor3D {
  const [batch, numHeads, length, depth] = x.shape as [number, number, number, number];
  return tf.tidy(() => tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [batch, length, numHeads * depth]));
}
