// `nn.Linear`: y = x W + b on the last axis. Weight stored [in, out] (PyTorch: [out, in]).
import * as tf from '@tensorflow/tfjs';
import { defaultRng, type Rng } from '../runtime/rng.js';
import { kaimingUniformDefault, uniform } from './init.js';
import { Module } from './module.js';

export class Linear extends Module {
  readonly weight: tf.Variable; // [in, out]
  readonly bias: tf.Variable | null; // [out]

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: { bias?: boolean; rng?: Rng } = {},
  ) {
    super();
    const rng = options.rng ?? defaultRng();
    this.weight = this.addParameter('weight', kaimingUniformDefault([inFeatures, outFeatures], 'linear', rng), 'linear');
    this.bias = options.bias === false ? null : this.addParameter('bias', uniform([outFeatures], 1 / Math.sqrt(inFeatures), rng));
  }

  /** x: [..., in] → [..., out]. */
  forward(x: tf.Tensor): tf.Tensor {
    return linear(x, this.weight, this.bias);
  }
}

/** x [..., in] · w [in, out] + b [out]. */
export function linear(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor | null): tf.Tensor {
  return tf.tidy(() => {
    const lead = x.shape.slice(0, -1);
    const y = tf.matMul(x.reshape([-1, w.shape[0] as number]), w);
    const out = b === null ? y : tf.add(y, b);
    return out.reshape([...lead, w.shape[1] as number]);
  });
}
