// Loading of the detection fixtures shared by the loss tests (tensors by name, with a clear error if absent).
import type * as tf from '@tensorflow/tfjs';
import { readSafetensors } from '../../lib/nn/safetensors.js';

export interface Fixture {
  get(name: string): tf.Tensor;
  /** The tensor's values as a plain number array (flattened). */
  values(name: string): number[];
  has(name: string): boolean;
  dispose(): void;
}

export async function loadFixture(file: string): Promise<Fixture> {
  const { tensors } = await readSafetensors(new URL(`../../../shared/fixtures/${file}`, import.meta.url).pathname);
  const get = (name: string): tf.Tensor => {
    const t = tensors.get(name);
    if (t === undefined) throw new Error(`fixture ${file} has no tensor '${name}'`);
    return t;
  };
  return {
    get,
    values: (name) => Array.from(get(name).dataSync()),
    has: (name) => tensors.has(name),
    dispose: () => tensors.forEach((t) => t.dispose()),
  };
}

/** Largest absolute difference between two equally long number arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}
