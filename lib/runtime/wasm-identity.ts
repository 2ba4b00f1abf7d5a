// A zero-copy `Identity` for tfjs-backend-wasm, as tfjs-backend-cpu's: the output shares the
// input's buffer. The stock wasm kernel allocates a new heap buffer and copies into it; tfjs uses
// Identity wherever a tensor passes through unchanged (most gradients, tf.identity, tf.keep'd
// results), hundreds of times a training step. Sharing is safe because BackendWasm counts
// references per buffer (`incRef` here, `disposeData` frees at zero, as its own `Reshape` does),
// and no wasm kernel writes into its inputs.
import type * as tf from '@tensorflow/tfjs';
import { type KernelArgs, tensorInput } from './kernel-call.js';
import { wasmBackend } from './wasm-ops.js';

export function zeroCopyIdentityWasm(args: KernelArgs): tf.TensorInfo {
  const x = tensorInput(args, 'x');
  wasmBackend(args.backend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}
