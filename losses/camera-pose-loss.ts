// MS-Transformer / ActMST `models/pose_losses.py` CameraPoseLoss and the scene classification loss
// of `main.py` (`torch.nn.NLLLoss` on the model's `scene_log_distr`).
//
//   l_x = mean_b ‖x_b − x̂_b‖_p
//   l_q = mean_b ‖q_b/|q_b| − q̂_b/|q̂_b|‖_p      (both sides unit-normalised, F.normalize eps 1e-12)
//   learnable: L = l_x·e^(−s_x) + s_x + l_q·e^(−s_q) + s_q
//   fixed:     L = s_x·l_x + s_q·l_q
import * as tf from '@tensorflow/tfjs';
import { oneHot } from '../lib/nn/functional.js';
import { Module } from '../lib/nn/module.js';

export interface CameraPoseLossConfig {
  /** Learn s_x, s_q (homoscedastic uncertainty weighting); false = fixed weights. */
  readonly learnable: boolean;
  readonly sX: number;
  readonly sQ: number;
  /** The p of the p-norm (official config: 2). */
  readonly norm?: number;
}

/** Initial values of the official configs (ActMST `7Scenes_config.json`, `CambridgeLandmarks_config.json`). */
export const CAMERA_POSE_LOSS_PRESETS = {
  '7scenes': { learnable: true, sX: 0, sQ: -3, norm: 2 },
  cambridge: { learnable: true, sX: -3, sQ: -6.5, norm: 2 },
} as const satisfies Record<string, CameraPoseLossConfig>;

export interface CameraPoseLossOutput {
  /** Scalar position loss l_x. */
  readonly lossX: tf.Scalar;
  /** Scalar orientation loss l_q. */
  readonly lossQ: tf.Scalar;
  /** Scalar total L. */
  readonly loss: tf.Scalar;
}

const NORMALIZE_EPS = 1e-12;

/** s^(1/p) for s ≥ 0, with gradient 0 (not NaN / ∞) at s = 0, as torch.norm's backward. */
function safeRoot(s: tf.Tensor, p: number): tf.Tensor {
  const root = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const value = p === 2 ? tf.sqrt(x) : tf.pow(x, 1 / p);
    save([x, value]);
    return {
      value,
      gradFunc: (dy, saved) => {
        const [input, out] = saved as [tf.Tensor, tf.Tensor];
        const positive = tf.greater(input, 0);
        const d = tf.div(tf.div(out, tf.where(positive, input, tf.onesLike(input))), p); // (1/p)·s^(1/p − 1)
        return tf.mul(dy, tf.where(positive, d, tf.zerosLike(d)));
      },
    };
  });
  return root(s);
}

/** Row p-norms, [B, D] → [B] (or [B, 1] with keepDims). */
function rowNorm(x: tf.Tensor, p: number, keepDims = false): tf.Tensor {
  return tf.tidy(() => safeRoot(tf.sum(p === 2 ? tf.square(x) : tf.pow(tf.abs(x), p), 1, keepDims), p));
}

/** Rows divided by max(‖row‖₂, 1e-12) (`F.normalize(x, p=2, dim=1)`). x: [B, D]. */
function normalizeRows(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.div(x, tf.maximum(rowNorm(x, 2, true), NORMALIZE_EPS)));
}

export class CameraPoseLoss extends Module {
  readonly learnable: boolean;
  readonly norm: number;
  /** [1] position weight / log-variance (`s_x`). */
  readonly sX: tf.Variable;
  /** [1] orientation weight / log-variance (`s_q`). */
  readonly sQ: tf.Variable;

  constructor(config: CameraPoseLossConfig) {
    super();
    this.learnable = config.learnable;
    this.norm = config.norm ?? 2;
    this.sX = this.addParameter('s_x', tf.tensor1d([config.sX]));
    this.sQ = this.addParameter('s_q', tf.tensor1d([config.sQ]));
    // As official: the parameters always exist (and are in the state dict); fixed = no gradient.
    if (!this.learnable) this.freeze();
  }

  /**
   * estPose, gtPose: [B, 7] (x, y, z, qw, qx, qy, qz). Returns l_x, l_q and the weighted total.
   */
  forward(estPose: tf.Tensor2D, gtPose: tf.Tensor2D): CameraPoseLossOutput {
    return tf.tidy(() => {
      const lossX = tf.mean(rowNorm(tf.sub(tf.slice(gtPose, [0, 0], [-1, 3]), tf.slice(estPose, [0, 0], [-1, 3])), this.norm)) as tf.Scalar;
      const qGt = normalizeRows(tf.slice(gtPose, [0, 3], [-1, 4]));
      const qEst = normalizeRows(tf.slice(estPose, [0, 3], [-1, 4]));
      const lossQ = tf.mean(rowNorm(tf.sub(qGt, qEst), this.norm)) as tf.Scalar;
      const sX = tf.reshape(this.sX, []) as tf.Scalar;
      const sQ = tf.reshape(this.sQ, []) as tf.Scalar;
      const loss = this.learnable
        ? tf.addN([tf.mul(lossX, tf.exp(tf.neg(sX))), sX, tf.mul(lossQ, tf.exp(tf.neg(sQ))), sQ])
        : tf.add(tf.mul(sX, lossX), tf.mul(sQ, lossQ));
      return { lossX, lossQ, loss: loss as tf.Scalar };
    });
  }
}

/**
 * Scene classification loss: mean over the batch of −logProbs[b, sceneIds[b]] (`nn.NLLLoss`).
 * `sceneLogProbs` [B, nScenes] are log-probabilities (the model's log-softmax output
 * `scene_log_distr`), `sceneIds` [B] int32.
 */
export function sceneNllLoss(sceneLogProbs: tf.Tensor2D, sceneIds: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const picked = tf.sum(tf.mul(sceneLogProbs, oneHot(sceneIds, sceneLogProbs.shape[1])), 1);
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  });
}
