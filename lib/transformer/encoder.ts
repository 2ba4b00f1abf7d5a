// DETR's `TransformerEncoder`: a stack of encoder layers and an optional final LayerNorm (present in
// pre-norm models: DETR with normalize_before, MS-Transformer / ActMST).
import * as tf from '@tensorflow/tfjs';
import type { AttentionRecord } from '../attention/attend.js';
import { LayerNorm } from '../nn/layer-norm.js';
import { Module, ModuleList } from '../nn/module.js';
import { clonedLayers } from './clones.js';
import { type EncoderForwardOptions, TransformerEncoderLayer } from './encoder-layer.js';
import type { TransformerLayerOptions } from './options.js';

export type EncoderOutput = {
  readonly output: tf.Tensor3D; // [B, S, C], after the final norm if any
  /** One self-attention record per layer, in order, when asked. */
  readonly attention?: AttentionRecord[];
};

export class TransformerEncoder extends Module {
  readonly layers: ModuleList<TransformerEncoderLayer>;
  readonly norm: LayerNorm | null;

  constructor(layer: TransformerLayerOptions, numLayers: number, options: { readonly finalNorm: boolean }) {
    super();
    this.layers = this.addModule('layers', new ModuleList(clonedLayers(numLayers, () => new TransformerEncoderLayer(layer))));
    this.norm = options.finalNorm ? this.addModule('norm', new LayerNorm(layer.dModel)) : null;
  }

  /** src: [B, S, C] → [B, S, C]. */
  forward(src: tf.Tensor, options: EncoderForwardOptions = {}): EncoderOutput {
    return tf.tidy(() => {
      const records: AttentionRecord[] = [];
      let output = src;
      for (const layer of this.layers.items) {
        const result = layer.forward(output, options);
        output = result.output;
        if (result.attention !== undefined) records.push(result.attention);
      }
      const normed = (this.norm === null ? output : this.norm.forward(output)) as tf.Tensor3D;
      return options.returnAttention ? { output: normed, attention: records } : { output: normed };
    });
  }
}
