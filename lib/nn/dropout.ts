// `nn.Dropout`: active only in training mode, seeded from the run's Rng.
import type * as tf from '@tensorflow/tfjs';
import { dropout } from '../runtime/fused-dropout.js';
import { defaultRng, type Rng } from '../runtime/rng.js';
import { Module } from './module.js';

export class Dropout extends Module {
  constructor(
    readonly p: number,
    private readonly rng: Rng = defaultRng(),
  ) {
    super();
    if (p < 0 || p >= 1) throw new RangeError(`dropout probability must be in [0, 1), got ${p}`);
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (!this.training || this.p === 0) return x;
    return dropout(x, this.p, this.rng.seed());
  }
}
