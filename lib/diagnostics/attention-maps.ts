// Attention weights laid back onto the feature grid, for plotting per-head attention maps.
// Keys are feature-map tokens flattened row-major (token = y·w + x), as everywhere in condformer.
import * as tf from '@tensorflow/tfjs';

/** weights: [B, H, Lq, h·w] → [B, H, Lq, h, w] (e.g. decoder cross-attention, one map per query). */
export function attentionMaps(weights: tf.Tensor, h: number, w: number): tf.Tensor {
  const [b, heads, lq, lk] = weights.shape as [number, number, number, number];
  if (weights.rank !== 4 || lk !== h * w) {
    throw new Error(`attentionMaps: expected [B, H, Lq, ${h}·${w}], got [${weights.shape}]`);
  }
  return tf.reshape(weights, [b, heads, lq, h, w]);
}

/** A grid cell (row y, column x) of the feature map. */
export interface GridCell {
  readonly y: number;
  readonly x: number;
}

/**
 * Encoder self-attention maps of chosen query tokens.
 * weights: [B, H, h·w, h·w] → [B, H, T, h, w], where T = cells.length, in the order given.
 */
export function encoderAttentionMaps(weights: tf.Tensor, h: number, w: number, cells: readonly GridCell[]): tf.Tensor {
  if (weights.rank !== 4 || weights.shape[2] !== h * w) {
    throw new Error(`encoderAttentionMaps: expected [B, H, ${h}·${w}, ${h}·${w}], got [${weights.shape}]`);
  }
  const tokens = cells.map(({ y, x }) => {
    if (!(Number.isInteger(y) && Number.isInteger(x) && y >= 0 && y < h && x >= 0 && x < w)) {
      throw new RangeError(`encoderAttentionMaps: cell (${y}, ${x}) outside the ${h}×${w} grid`);
    }
    return y * w + x;
  });
  return tf.tidy(() => attentionMaps(tf.gather(weights, tf.tensor1d(tokens, 'int32'), 2), h, w));
}
