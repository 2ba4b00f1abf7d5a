// `UnsortedSegmentSum` for the wasm backend (tfjs-backend-wasm 4.22 has none; the gradient of
// `gather` needs it): out[s, ...] = Σ_{i : ids[i] = s} x[i, ...], as the backend's `ScatterNd`,
// which adds the updates of repeated indices. Ids outside [0, numSegments) are an error here
// (the cpu backend drops them silently).
import type * as tf from '@tensorflow/tfjs';
import { callKernel, type KernelArgs, kernelBackend, numberAttr, release, tensorInput } from './kernel-call.js';
import { reshape, wasmKernel } from './wasm-ops.js';

export function unsortedSegmentSumWasm(args: KernelArgs): tf.TensorInfo {
  const { backend } = args;
  const x = tensorInput(args, 'x'); // [...idsShape, ...rest]
  const segmentIds = tensorInput(args, 'segmentIds'); // idsShape, int32
  const numSegments = numberAttr(args, 'numSegments');
  const idsRank = segmentIds.shape.length;
  if (x.shape.slice(0, idsRank).join() !== segmentIds.shape.join()) {
    throw new Error(`UnsortedSegmentSum: segmentIds [${segmentIds.shape}] must be a prefix of x's shape [${x.shape}]`);
  }
  const ids = kernelBackend(backend).readSync(segmentIds.dataId);
  for (const id of ids) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= numSegments) {
      throw new Error(`UnsortedSegmentSum (wasm): segment id ${String(id)} outside [0, ${numSegments})`);
    }
  }
  const rest = x.shape.slice(idsRank);
  const count = ids.length;
  const indices = reshape(backend, segmentIds, [count, 1]); // [N, 1]
  const updates = reshape(backend, x, [count, ...rest]); // [N, ...rest]
  const out = callKernel(wasmKernel('ScatterNd'), backend, { indices, updates }, { shape: [numSegments, ...rest] });
  release(backend, indices, updates);
  return out;
}
