// Dropout (inverted: kept values scaled by 1 / (1 − rate)) with its mask drawn by the backend where
// it has a kernel for it (the torch backends: libtorch's generator, seeded per call), else by
// `tf.dropout` (TensorFlow.js draws the mask in JavaScript, ~5 ms per 400K values). Either way the
// mask comes from `seed`, so a run is reproducible and resumes bit-exactly on the same backend; the
// masks of different backends differ.
import * as tf from '@tensorflow/tfjs';
import { hasFusedKernel, runFusedKernel1 } from './fused-kernel.js';

export const DROPOUT_MULTIPLIER_KERNEL = 'CondformerDropoutMultiplier';

/** x · mask / (1 − rate), mask ~ Bernoulli(1 − rate) of x's shape, drawn from `seed`. */
export function dropout(x: tf.Tensor, rate: number, seed: number): tf.Tensor {
  if (!hasFusedKernel(DROPOUT_MULTIPLIER_KERNEL)) return tf.dropout(x, rate, undefined, seed);
  return tf.tidy(() => tf.mul(x, runFusedKernel1(DROPOUT_MULTIPLIER_KERNEL, {}, { shape: x.shape, keepProb: 1 - rate, seed })));
}
