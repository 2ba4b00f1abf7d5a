// The wasm backend's own kernels and heap, used on TensorInfos from inside other wasm kernels.
// Every result is a new TensorInfo the caller releases (`release` in ./kernel-call).
import type * as tf from '@tensorflow/tfjs';
import { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { callKernel, type TfjsBackend } from './kernel-call.js';

/** The wasm backend's registered kernel `kernelName`, for `callKernel`. */
export const wasmKernel = (kernelName: string) => ({ kernelName, backendName: 'wasm' });

export function wasmBackend(backend: TfjsBackend): BackendWasm {
  if (!(backend instanceof BackendWasm)) throw new Error('expected the wasm backend');
  return backend;
}

export function reshape(backend: TfjsBackend, x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return callKernel(wasmKernel('Reshape'), backend, { x }, { shape });
}

export function transpose(backend: TfjsBackend, x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
  return callKernel(wasmKernel('Transpose'), backend, { x }, { perm });
}

export function slice(backend: TfjsBackend, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  return callKernel(wasmKernel('Slice'), backend, { x }, { begin, size });
}

const size = (shape: number[]): number => shape.reduce((p, d) => p * d, 1);

/**
 * x[index : index + 1] of x [B, ...] → [1, ...], copied straight from the heap. (The stock `Slice`
 * kernel first copies the whole of x out of the heap, once per slice.)
 */
export function batchSlice(backend: TfjsBackend, x: tf.TensorInfo, index: number): tf.TensorInfo {
  const b = wasmBackend(backend);
  const shape = [1, ...x.shape.slice(1)];
  const n = size(shape);
  const out = b.makeOutput(shape, x.dtype);
  b.typedArrayFromHeap(out).set(b.typedArrayFromHeap(x).subarray(index * n, (index + 1) * n));
  return out;
}

/** Parts [1, ...] of equal shape → [parts.length, ...]. */
export function stackBatches(backend: TfjsBackend, parts: tf.TensorInfo[]): tf.TensorInfo {
  const first = parts[0];
  if (first === undefined) throw new Error('stackBatches: no parts');
  const b = wasmBackend(backend);
  const n = size(first.shape);
  const out = b.makeOutput([parts.length, ...first.shape.slice(1)], first.dtype);
  const outValues = b.typedArrayFromHeap(out); // after makeOutput: a heap growth detaches older views
  parts.forEach((part, i) => outValues.set(b.typedArrayFromHeap(part), i * n));
  return out;
}
