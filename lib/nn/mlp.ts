// DETR's `MLP`: n Linear layers with ReLU between them (`layers.0`, `layers.1`, ...).
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../runtime/rng.js';
import { Linear } from './linear.js';
import { Module, ModuleList } from './module.js';

export class MLP extends Module {
  readonly layers: ModuleList<Linear>;

  constructor(inputDim: number, hiddenDim: number, outputDim: number, numLayers: number, rng?: Rng) {
    super();
    const dims = [inputDim, ...Array<number>(numLayers - 1).fill(hiddenDim), outputDim];
    const layers = dims.slice(0, -1).map((d, i) => new Linear(d, dims[i + 1] as number, { rng }));
    this.layers = this.addModule('layers', new ModuleList(layers));
  }

  /** x: [..., in] → [..., out]. */
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let h = x;
      this.layers.items.forEach((layer, i) => {
        h = layer.forward(h);
        if (i < this.layers.length - 1) h = tf.relu(h);
      });
      return h;
    });
  }
}
