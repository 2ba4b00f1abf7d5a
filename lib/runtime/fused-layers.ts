// GELU and layer norm as one kernel each way where the backend has them (the torch backends:
// ATen's gelu / layer_norm and their backward kernels), instead of TensorFlow.js composing them
// from 5 (GELU) and 9 (layer norm) element-wise kernels forward and about twice as many backward.
// The gradients are registered with TensorFlow.js, so autograd goes through the fused kernels.
// Other backends run the tfjs-op forms in lib/nn (same math; float rounding may differ ~1e-7).
import * as tf from '@tensorflow/tfjs';
import { hasFusedKernel, runFusedKernel, runFusedKernel1 } from './fused-kernel.js';

export const GELU_KERNEL = 'CondformerGelu';
export const GELU_GRAD_KERNEL = 'CondformerGeluGrad';
export const LAYER_NORM_KERNEL = 'CondformerLayerNorm';
export const LAYER_NORM_GRAD_KERNEL = 'CondformerLayerNormGrad';

tf.registerGradient({
  kernelName: GELU_KERNEL,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => ({
    x: () => runFusedKernel1(GELU_GRAD_KERNEL, { dy: dy as tf.Tensor, x: saved[0] as tf.Tensor }),
  }),
});

tf.registerGradient({
  kernelName: LAYER_NORM_KERNEL,
  inputsToSave: ['x', 'weight', 'bias'],
  // One backward kernel for the three gradients, run here rather than in the closures: tfjs runs
  // each closure in its own tidy, which would free the outputs the others return.
  gradFunc: (dy, saved, attrs) => {
    const inputs = { dy: dy as tf.Tensor, x: saved[0] as tf.Tensor, weight: saved[1] as tf.Tensor, bias: saved[2] as tf.Tensor };
    const [dx, dweight, dbias] = runFusedKernel(LAYER_NORM_GRAD_KERNEL, inputs, attrs, 3) as [tf.Tensor, tf.Tensor, tf.Tensor];
    return { x: () => dx, weight: () => dweight, bias: () => dbias };
  },
});

/** The fused GELU where the backend has it, else null (the caller composes it). */
export function fusedGelu(x: tf.Tensor): tf.Tensor | null {
  return hasFusedKernel(GELU_KERNEL) ? runFusedKernel1(GELU_KERNEL, { x }) : null;
}

/** Layer norm over the last axis where the backend has the fused kernel, else null. */
export function fusedLayerNorm(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor, eps: number): tf.Tensor | null {
  return hasFusedKernel(LAYER_NORM_KERNEL) ? runFusedKernel1(LAYER_NORM_KERNEL, { x, weight, bias }, { eps }) : null;
}
