// `torch.nn.utils.clip_grad_norm_` (2-norm): total = √(Σ‖g‖²) over every gradient,
// coef = maxNorm / (total + 1e-6); when coef < 1 every gradient is scaled by coef.
import * as tf from '@tensorflow/tfjs';

export interface ClippedGrads {
  /** New gradient tensors under the same keys (the caller disposes them). */
  readonly grads: tf.NamedTensorMap;
  /** The total norm before clipping (a scalar tensor; the caller disposes it). */
  readonly totalNorm: tf.Scalar;
}

export function clipGradNorm(grads: tf.NamedTensorMap, maxNorm: number): ClippedGrads {
  if (!(maxNorm > 0)) throw new RangeError(`clipGradNorm: maxNorm must be positive, got ${maxNorm}`);
  const keys = Object.keys(grads);
  if (keys.length === 0) throw new Error('clipGradNorm: no gradients');
  return tf.tidy(() => {
    const squares = keys.map((k) => tf.sum(tf.square(grads[k] as tf.Tensor)));
    const totalNorm = tf.sqrt(tf.addN(squares)) as tf.Scalar;
    // min(coef, 1): multiplying by 1 leaves a gradient unchanged, as torch's clamp does.
    const coef = tf.minimum(tf.div(maxNorm, tf.add(totalNorm, 1e-6)), 1);
    const clipped: tf.NamedTensorMap = {};
    for (const k of keys) clipped[k] = tf.mul(grads[k] as tf.Tensor, coef);
    return { grads: clipped, totalNorm };
  });
}
