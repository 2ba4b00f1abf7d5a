// The sigmoid focal loss of RetinaNet as DETR / Conditional DETR `sigmoid_focal_loss`.
import * as tf from '@tensorflow/tfjs';

/**
 * logits and 0/1 targets [B, NQ, K] → Σ_b Σ_k mean_q(α_t · (1 − p_t)^γ · BCE) / numBoxes, a scalar
 * (the official `loss.mean(1).sum() / num_boxes`).
 */
export function sigmoidFocalLoss(logits: tf.Tensor, targets: tf.Tensor, numBoxes: number, alpha = 0.25, gamma = 2): tf.Scalar {
  return tf.tidy(() => {
    const prob = tf.sigmoid(logits);
    // binary cross-entropy with logits, stable: t·softplus(−x) + (1 − t)·softplus(x)
    const ce = tf.add(tf.mul(targets, tf.softplus(tf.neg(logits))), tf.mul(tf.sub(1, targets), tf.softplus(logits)));
    const pT = tf.add(tf.mul(prob, targets), tf.mul(tf.sub(1, prob), tf.sub(1, targets)));
    let loss = tf.mul(ce, tf.pow(tf.sub(1, pT), gamma));
    if (alpha >= 0) loss = tf.mul(tf.add(tf.mul(targets, alpha), tf.mul(tf.sub(1, targets), 1 - alpha)), loss);
    return tf.div(tf.sum(tf.mean(loss, 1)), numBoxes) as tf.Scalar;
  });
}
