// Dropout (inverted: kept values scaled by 1 / (1 − rate)) with its mask drawn by the backend where
// it has a kernel for it (the torch backends: libtorch's generator, seeded per call), else by
// `tf.dropout` (TensorFlow.js draws the mask in JavaScript, ~5 ms per 400K values). Either way the
// mask comes from `seed`, so a run is reproducible and resumes bit-exactly on the same backend; the
// masks of different backends differ.
import * as tf from '@tensorflow/tfjs';

export const DROPOUT_MULTIPLIER_KERNEL = 'CondformerDropoutMultiplier';

/** x · mask / (1 − rate), mask ~ Bernoulli(1 − rate) of x's shape, drawn from `seed`. */
export function dropout(x: tf.Tensor, rate: number, seed: number): tf.Tensor {
  if (tf.getKernel(DROPOUT_MULTIPLIER_KERNEL, tf.getBackend()) === undefined) return tf.dropout(x, rate, undefined, seed);
  return tf.tidy(() => {
    const multiplier: unknown = tf.engine().runKernel(DROPOUT_MULTIPLIER_KERNEL, {}, { shape: x.shape, keepProb: 1 - rate, seed });
    if (!(multiplier instanceof tf.Tensor)) throw new Error(`${DROPOUT_MULTIPLIER_KERNEL}: expected one output`);
    return tf.mul(x, multiplier);
  });
}
