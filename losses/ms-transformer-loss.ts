// The MS-Transformer / ActMST training objective (official main.py):
//   L = CameraPoseLoss(pose) + NLL(scene) + λ·(L_QKA,t + L_QKA,rot)
// with λ = `lambda_aux` = 0.1; λ = 0 drops the alignment terms (and the model need not keep the
// encoders' queries / keys). Every term is returned for the log.
import * as tf from '@tensorflow/tfjs';
import { type CameraPoseLoss, sceneNllLoss } from './camera-pose-loss.js';
import { type LayerQueriesKeys, qkAlignmentLoss } from './qk-alignment.js';

/** What the objective reads of an MSTransformerOutput (lib/models/ms-transformer.ts). */
export interface PoseLossInput {
  /** [B, 7]: (x, y, z, qw, qx, qy, qz). */
  readonly pose: tf.Tensor2D;
  /** [B, S] log-probabilities over scenes. */
  readonly sceneLogDistr: tf.Tensor2D;
  /** Per branch, every encoder layer's queries / keys (needed when λ > 0). */
  readonly queriesKeys?: { readonly t: readonly LayerQueriesKeys[]; readonly rot: readonly LayerQueriesKeys[] };
}

export interface PoseTargets {
  /** [B, 7] (x, y, z, qw, qx, qy, qz). */
  readonly poses: tf.Tensor2D;
  /** [B] int32. */
  readonly sceneIds: tf.Tensor1D;
}

export interface PoseLossResult {
  readonly total: tf.Scalar;
  /** loss_x, loss_q, scene, s_x, s_q, and qka_t / qka_rot when λ > 0. */
  readonly terms: Record<string, tf.Scalar>;
}

/** The model output must carry `queriesKeys` when `qkaLambda` > 0. */
export function msTransformerLoss(output: PoseLossInput, targets: PoseTargets, criterion: CameraPoseLoss, qkaLambda: number): PoseLossResult {
  return tf.tidy(() => {
    const { lossX, lossQ, loss: poseLoss } = criterion.forward(output.pose, targets.poses);
    const scene = sceneNllLoss(output.sceneLogDistr, targets.sceneIds);
    const terms: Record<string, tf.Scalar> = {
      loss_x: lossX,
      loss_q: lossQ,
      scene,
      s_x: tf.reshape(criterion.sX, []) as tf.Scalar,
      s_q: tf.reshape(criterion.sQ, []) as tf.Scalar,
    };
    if (qkaLambda === 0) return { total: tf.add(poseLoss, scene) as tf.Scalar, terms };
    if (output.queriesKeys === undefined) throw new Error('msTransformerLoss: qkaLambda > 0 needs the forward pass run with returnQueriesKeys');
    const qkaT = qkAlignmentLoss(output.queriesKeys.t);
    const qkaRot = qkAlignmentLoss(output.queriesKeys.rot);
    const total = tf.addN([poseLoss, scene, tf.mul(tf.add(qkaT, qkaRot), qkaLambda)]) as tf.Scalar;
    return { total, terms: { ...terms, qka_t: qkaT, qka_rot: qkaRot } };
  });
}
