// Stateless tensor functions shared by the layers.
import * as tf from '@tensorflow/tfjs';
import { fusedGelu } from '../runtime/fused-layers.js';

/** prelu: `nn.PReLU` with a learned slope, owned by the layer (lib/nn/prelu.ts; DAB-DETR). */
export type Activation = 'relu' | 'gelu' | 'prelu';

/** Exact (erf) GELU, as `torch.nn.functional.gelu`. */
export function gelu(x: tf.Tensor): tf.Tensor {
  return fusedGelu(x) ?? tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))));
}

/** The parameter-free activations; prelu is the layer's own `PReLU` module. */
export function activate(x: tf.Tensor, activation: Exclude<Activation, 'prelu'>): tf.Tensor {
  return activation === 'relu' ? tf.relu(x) : gelu(x);
}

/**
 * `F.one_hot(indices, depth)` as float32 [N, depth] for every depth ≥ 1 (tf.oneHot refuses
 * depth 1, e.g. a single-scene pose model): depth 1 is the first column of the depth-2 one-hot.
 */
export function oneHot(indices: tf.Tensor1D, depth: number): tf.Tensor2D {
  return tf.tidy(() => {
    const int = tf.cast(indices, 'int32') as tf.Tensor1D;
    const hot = depth === 1 ? tf.slice(tf.oneHot(int, 2), [0, 0], [-1, 1]) : tf.oneHot(int, depth);
    return tf.cast(hot, 'float32') as tf.Tensor2D;
  });
}

/** log(x / (1 - x)) with x clamped to [0, 1] and eps 1e-3 on both sides (DETR's `inverse_sigmoid`, eps 1e-3 as in Conditional DETR). */
export function inverseSigmoid(x: tf.Tensor, eps = 1e-3): tf.Tensor {
  return tf.tidy(() => {
    const c = tf.clipByValue(x, 0, 1);
    return tf.log(tf.div(tf.maximum(c, eps), tf.maximum(tf.sub(1, c), eps)));
  });
}

/** PyTorch's `x.detach()`: the same values, no gradient back to x (tfjs has no stop-gradient op). */
export const detach: (x: tf.Tensor) => tf.Tensor = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
}) as (x: tf.Tensor) => tf.Tensor;
