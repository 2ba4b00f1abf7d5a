// One AdamW update of a parameter as a single kernel, where the backend has one (the torch backends:
// native/condformer-torch.cc `adamw`): the ~13 element-wise kernels and ~8 scalar tensors of
// lib/train/adamw.ts's tfjs-op form become one kernel call, with the same float32 arithmetic in
// the same order. Other backends run the tfjs-op form.
import type * as tf from '@tensorflow/tfjs';
import { hasFusedKernel, runFusedKernel } from './fused-kernel.js';

export const ADAMW_UPDATE_KERNEL = 'CondformerAdamWUpdate';

export interface AdamWUpdateAttrs {
  readonly lr: number;
  readonly weightDecay: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** 1 − β1^t and 1 − β2^t, computed by the caller. */
  readonly biasCorrection1: number;
  readonly biasCorrection2: number;
  /** torch.optim.Adam's coupled L2 (g ← g + wd·p) instead of decoupled decay. */
  readonly l2: boolean;
}

/** The updated [param, expAvg, expAvgSq], or null where the current backend has no fused kernel. */
export function fusedAdamWUpdate(
  param: tf.Tensor,
  grad: tf.Tensor,
  expAvg: tf.Tensor,
  expAvgSq: tf.Tensor,
  attrs: AdamWUpdateAttrs,
): tf.Tensor[] | null {
  if (!hasFusedKernel(ADAMW_UPDATE_KERNEL)) return null;
  return runFusedKernel(ADAMW_UPDATE_KERNEL, { param, grad, expAvg, expAvgSq }, { ...attrs }, 3);
}
