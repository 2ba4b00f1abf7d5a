// Parameter initialisers with PyTorch's definitions, drawing from a seeded Rng.
import * as tf from '@tensorflow/tfjs';
import { defaultRng, type Rng } from '../runtime/rng.js';
import type { TorchLayout } from './module.js';

/** PyTorch's (fan_in, fan_out) of a tensor given in our layout. */
export function fans(shape: readonly number[], layout: TorchLayout): [number, number] {
  if (layout === 'linear') return [shape[0] ?? 1, shape[1] ?? 1];
  if (layout === 'conv2d') {
    const [kh = 1, kw = 1, ci = 1, co = 1] = shape;
    return [ci * kh * kw, co * kh * kw];
  }
  // plain, PyTorch order: [out, in, ...receptive]
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return [(shape[1] ?? 1) * receptive, (shape[0] ?? 1) * receptive];
}

export function uniform(shape: readonly number[], bound: number, rng: Rng = defaultRng()): tf.Tensor {
  return tf.randomUniform([...shape], -bound, bound, 'float32', rng.seed());
}

/** `nn.init.xavier_uniform_`: U(±gain·sqrt(6 / (fan_in + fan_out))). */
export function xavierUniform(shape: readonly number[], layout: TorchLayout = 'linear', gain = 1, rng: Rng = defaultRng()): tf.Tensor {
  const [fanIn, fanOut] = fans(shape, layout);
  return uniform(shape, gain * Math.sqrt(6 / (fanIn + fanOut)), rng);
}

/** `nn.init.kaiming_uniform_(a=sqrt(5))`, the default of Linear and Conv2d: U(±1/sqrt(fan_in)). */
export function kaimingUniformDefault(shape: readonly number[], layout: TorchLayout, rng: Rng = defaultRng()): tf.Tensor {
  return uniform(shape, 1 / Math.sqrt(fans(shape, layout)[0]), rng);
}

export function normal(shape: readonly number[], std = 1, rng: Rng = defaultRng()): tf.Tensor {
  return tf.randomNormal([...shape], 0, std, 'float32', rng.seed());
}

/** Re-initialise every parameter of rank > 1 with Xavier-uniform (DETR's `_reset_parameters`). */
export function resetXavier(params: Iterable<[string, tf.Variable]>, layouts: Map<string, TorchLayout>, rng: Rng = defaultRng()): void {
  for (const [name, v] of params) {
    if (v.rank > 1) {
      const init = xavierUniform(v.shape, layouts.get(name) ?? 'plain', 1, rng);
      v.assign(init);
      init.dispose();
    }
  }
}
