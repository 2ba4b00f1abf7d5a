// `nn.Embedding`: a lookup table [num, dim] ('plain' layout), initialised N(0, 1) as PyTorch.
import * as tf from '@tensorflow/tfjs';
import { defaultRng, type Rng } from '../runtime/rng.js';
import { normal } from './init.js';
import { Module } from './module.js';

export class Embedding extends Module {
  readonly weight: tf.Variable; // [num, dim]

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    rng: Rng = defaultRng(),
  ) {
    super();
    this.weight = this.addParameter('weight', normal([numEmbeddings, embeddingDim], 1, rng));
  }

  /** indices: int32 [...] → [..., dim]. */
  forward(indices: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const flat = tf.gather(this.weight, indices.flatten().toInt()); // [N, dim]
      return flat.reshape([...indices.shape, this.embeddingDim]);
    });
  }
}
