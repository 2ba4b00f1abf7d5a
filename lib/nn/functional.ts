// Stateless tensor functions shared by the layers.
import * as tf from '@tensorflow/tfjs';
import { fusedGelu } from '../runtime/fused-layers.js';

export type Activation = 'relu' | 'gelu';

/** Exact (erf) GELU, as `torch.nn.functional.gelu`. */
export function gelu(x: tf.Tensor): tf.Tensor {
  return fusedGelu(x) ?? tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))));
}

export function activate(x: tf.Tensor, activation: Activation): tf.Tensor {
  return activation === 'relu' ? tf.relu(x) : gelu(x);
}

/** log(x / (1 - x)) with x clamped to [0, 1] and eps 1e-3 on both sides (DETR's `inverse_sigmoid`, eps 1e-3 as in Conditional DETR). */
export function inverseSigmoid(x: tf.Tensor, eps = 1e-3): tf.Tensor {
  return tf.tidy(() => {
    const c = tf.clipByValue(x, 0, 1);
    return tf.log(tf.div(tf.maximum(c, eps), tf.maximum(tf.sub(1, c), eps)));
  });
}
