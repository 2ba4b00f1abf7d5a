// Running one of condformer's fused kernels (./fused-adamw, ./fused-dropout, ./fused-layers): each
// exists only on the backends that register it (the torch backends); callers fall back to tfjs ops
// where `hasFusedKernel` is false.
import * as tf from '@tensorflow/tfjs';

/** Whether the current backend registers `kernel`. */
export function hasFusedKernel(kernel: string): boolean {
  return tf.getKernel(kernel, tf.getBackend()) !== undefined;
}

/** Run `kernel` and check that it returned `count` tensors. */
export function runFusedKernel(kernel: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap, count: number): tf.Tensor[] {
  const out: unknown = tf.engine().runKernel(kernel, inputs, attrs);
  const outputs = Array.isArray(out) ? out : [out];
  if (outputs.length !== count || !outputs.every((t): t is tf.Tensor => t instanceof tf.Tensor)) {
    throw new Error(`${kernel}: expected ${count} output${count === 1 ? '' : 's'}`);
  }
  return outputs;
}

/** Run a single-output `kernel`. */
export function runFusedKernel1(kernel: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}): tf.Tensor {
  return runFusedKernel(kernel, inputs, attrs, 1)[0] as tf.Tensor;
}
