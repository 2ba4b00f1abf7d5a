// Loading an official-code fixture: weights (everything but input.* / output.*), inputs, outputs.
import * as tf from '@tensorflow/tfjs';
import { readSafetensors } from '../../lib/nn/safetensors.js';

export interface Fixture {
  readonly weights: Map<string, tf.Tensor>;
  input(name: string): tf.Tensor;
  output(name: string): tf.Tensor;
  dispose(): void;
}

export async function loadFixture(file: string): Promise<Fixture> {
  const path = new URL(`../../../shared/fixtures/${file}`, import.meta.url).pathname;
  const { tensors } = await readSafetensors(path);
  const weights = new Map([...tensors].filter(([name]) => !name.startsWith('input.') && !name.startsWith('output.')));
  const get = (name: string): tf.Tensor => {
    const t = tensors.get(name);
    if (t === undefined) throw new Error(`${file}: no tensor '${name}'`);
    return t;
  };
  return {
    weights,
    input: (name) => get(`input.${name}`),
    output: (name) => get(`output.${name}`),
    dispose: () => tensors.forEach((t) => t.dispose()),
  };
}

/** NCHW → NHWC. */
export function nhwc(x: tf.Tensor): tf.Tensor {
  return tf.transpose(x, [0, 2, 3, 1]);
}

/** max |a − b| (shapes must match). */
export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  if (a.shape.join() !== b.shape.join()) throw new Error(`shape [${a.shape}] vs [${b.shape}]`);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
}
