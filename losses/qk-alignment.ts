// Query-Key Alignment loss (ActMST, NeurIPS 2024): pulls each encoder head's query and key
// centroids together. The pose objective adds it as  L = L_pose + λ·(L_t + L_rot)  with
// λ = 0.1 (`lambda_aux`), where L_t / L_rot are this loss on the translation / rotation encoders;
// the pose loss composes that sum, this function returns one branch's unweighted term.
import * as tf from '@tensorflow/tfjs';
import { qkCentroidDistance } from '../lib/diagnostics/qk-centroid.js';

export interface LayerQueriesKeys {
  readonly queries: tf.Tensor; // [B, H, Lq, dh]
  readonly keys: tf.Tensor; // [B, H, Lk, dh]
}

/** The λ that weights L_t + L_rot in ActMST's total loss. */
export const QKA_LAMBDA = 0.1;

/**
 * Mean over batch, layers and heads of `qkCentroidDistance` (ActMST `res_means.mean()`).
 * Every layer must have the same batch and head counts. → scalar.
 */
export function qkAlignmentLoss(layers: readonly LayerQueriesKeys[]): tf.Scalar {
  if (layers.length === 0) throw new Error('qkAlignmentLoss: no layers');
  return tf.tidy(() => tf.mean(tf.stack(layers.map((l) => qkCentroidDistance(l.queries, l.keys)))) as tf.Scalar);
}
