// Query-region purity: are the queries and keys of one attention head in separate regions of the
// head's space, or intertwined? (The geometry ActMST's Query-Key Alignment argues about.)
//
// Definition. For one batch element and head, take the joint set of its Lq queries and Lk keys
// (head dim dh). For each query, find its k nearest neighbours in that joint set by Euclidean
// distance, excluding the query itself; its purity is the fraction of those neighbours that are
// queries. Separated query / key regions give purity ≈ 1; fully intertwined clouds give about
// (Lq − 1)/(Lq + Lk − 1) ≈ Lq/(Lq + Lk). Default k = 10 (DEFAULT_PURITY_K).
// Ties in distance are broken towards the lower index in the joint set, i.e. queries first.
import * as tf from '@tensorflow/tfjs';

export const DEFAULT_PURITY_K = 10;

/**
 * queries: [B, H, Lq, dh], keys: [B, H, Lk, dh] → [B, H, Lq] purity of each query in [0, 1].
 * Requires 1 ≤ k ≤ Lq + Lk − 1.
 */
export function queryRegionPurity(queries: tf.Tensor, keys: tf.Tensor, k = DEFAULT_PURITY_K): tf.Tensor {
  if (queries.rank !== 4 || keys.rank !== 4) {
    throw new Error(`queryRegionPurity: expected rank-4 [B, H, L, dh], got [${queries.shape}] and [${keys.shape}]`);
  }
  const lq = queries.shape[2] as number;
  const n = lq + (keys.shape[2] as number);
  if (!Number.isInteger(k) || k < 1 || k > n - 1) {
    throw new RangeError(`queryRegionPurity: k must be an integer in [1, ${n - 1}], got ${k}`);
  }
  return tf.tidy(() => {
    const joint = tf.concat([queries, keys], 2); // [B, H, N, dh]
    const sqNorm = tf.sum(tf.square(joint), -1); // [B, H, N]
    const qSqNorm = tf.slice(sqNorm, [0, 0, 0], [-1, -1, lq]); // [B, H, Lq]
    const dots = tf.matMul(queries, joint, false, true); // [B, H, Lq, N]
    const dist2 = tf.relu(tf.sub(tf.add(tf.expandDims(qSqNorm, -1), tf.expandDims(sqNorm, 2)), tf.mul(dots, 2))); // [B, H, Lq, N]
    const self = tf.pad(tf.eye(lq), [
      [0, 0],
      [0, n - lq],
    ]); // [Lq, N], 1 at each query's own column
    const masked = tf.where(tf.cast(self, 'bool'), tf.fill(dist2.shape, Infinity), dist2);
    const { indices } = tf.topk(tf.neg(masked), k); // [B, H, Lq, k]
    return tf.div(tf.sum(tf.cast(tf.less(indices, lq), 'float32'), -1), k); // [B, H, Lq]
  });
}

/**
 * Histogram of purities over `bins` equal bins of [0, 1] ([i/bins, (i+1)/bins), the last one
 * closed), added to `counts` (returns a new array), so a dataset can be accumulated batch by batch.
 */
export function purityHistogram(purities: tf.Tensor, bins = 10, counts: readonly number[] = new Array<number>(bins).fill(0)): number[] {
  if (counts.length !== bins) throw new Error(`purityHistogram: counts has ${counts.length} bins, expected ${bins}`);
  const out = [...counts];
  for (const p of purities.dataSync()) {
    // +1e-6 absorbs float32 rounding of j/k (0.7f·10 = 6.9999…), so exact bin edges land in the upper bin.
    const bin = Math.min(bins - 1, Math.max(0, Math.floor(p * bins + 1e-6)));
    out[bin] = (out[bin] as number) + 1;
  }
  return out;
}
