// The kernels condformer adds to tfjs-backend-wasm 4.22 for training: the gradient kernels it lacks
// (`UnsortedSegmentSum` for gather, `Conv2DBackpropFilter` for conv2d,
// `DepthwiseConv2dNativeBackpropFilter / Input` for depthwise conv2d), the fast-path
// wrappers of `BatchMatMul` / `_FusedMatMul` (see ./wasm-matmul) and a zero-copy `Identity`
// (./wasm-identity). Registration is process-wide and idempotent.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { conv2dBackpropFilterWasm } from './wasm-conv2d-filter.js';
import { depthwiseBackpropFilterWasm, depthwiseBackpropInputWasm } from './wasm-depthwise-grads.js';
import { zeroCopyIdentityWasm } from './wasm-identity.js';
import { fastBatchMatMul, fastFusedMatMul } from './wasm-matmul.js';
import { unsortedSegmentSumWasm } from './wasm-segment-sum.js';

/**
 * Which kernels are in place: `all`, `gradients` (the missing gradient kernels, stock matmul and
 * Identity) or `none` (stock tfjs-backend-wasm, which cannot train convolutions or embeddings).
 */
export type WasmKernelSet = 'all' | 'gradients' | 'none';

let gradientsRegistered = false;
let fastPathsRegistered = false;

export function wasmKernelSet(): WasmKernelSet {
  return fastPathsRegistered ? 'all' : gradientsRegistered ? 'gradients' : 'none';
}

/** Register the kernels of `set` (never unregisters: asking for less than is in place is a no-op). */
export function registerWasmTrainingKernels(set: WasmKernelSet = 'all'): void {
  if (set !== 'none' && !gradientsRegistered) {
    tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSumWasm });
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2dBackpropFilterWasm });
    tf.registerKernel({ kernelName: 'DepthwiseConv2dNativeBackpropFilter', backendName: 'wasm', kernelFunc: depthwiseBackpropFilterWasm });
    tf.registerKernel({ kernelName: 'DepthwiseConv2dNativeBackpropInput', backendName: 'wasm', kernelFunc: depthwiseBackpropInputWasm });
    gradientsRegistered = true;
  }
  if (set === 'all' && !fastPathsRegistered) {
    wrapKernel('BatchMatMul', fastBatchMatMul);
    wrapKernel('_FusedMatMul', fastFusedMatMul);
    wrapKernel('Identity', () => zeroCopyIdentityWasm); // replaces the stock copy outright
    fastPathsRegistered = true;
  }
}

/** Re-register a stock wasm kernel with its kernel function wrapped (setup/dispose kept). */
function wrapKernel(kernelName: string, wrap: (stock: tf.KernelFunc) => tf.KernelFunc): void {
  const stock = tf.getKernel(kernelName, 'wasm');
  if (stock === undefined) throw new Error(`tfjs-backend-wasm has no '${kernelName}' kernel to wrap`);
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ ...stock, kernelFunc: wrap(stock.kernelFunc) });
}
