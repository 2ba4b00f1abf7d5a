// DETR's `TransformerEncoder`: a stack of encoder layers and an optional final LayerNorm (present in
// pre-norm models: DETR with normalize_before, MS-Transformer / ActMST). DAB-DETR's encoder also
// rescales the positions in every layer by `query_scale` (an MLP) of that layer's input:
// q = k = x + pos ⊙ query_scale(x).
import * as tf from '@tensorflow/tfjs';
import type { AttentionRecord } from '../attention/attend.js';
import { LayerNorm } from '../nn/layer-norm.js';
import { MLP } from '../nn/mlp.js';
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
  /** DAB-DETR's position scale MLP(C, C, C, 2); null elsewhere. */
  readonly query_scale: MLP | null;

  constructor(layer: TransformerLayerOptions, numLayers: number, options: { readonly finalNorm: boolean; readonly positionScale?: boolean }) {
    super();
    this.layers = this.addModule('layers', new ModuleList(clonedLayers(numLayers, () => new TransformerEncoderLayer(layer))));
    this.norm = options.finalNorm ? this.addModule('norm', new LayerNorm(layer.dModel)) : null;
    const d = layer.dModel;
    this.query_scale = options.positionScale === true ? this.addModule('query_scale', new MLP(d, d, d, 2, layer.rng)) : null;
  }

  /** src: [B, S, C] → [B, S, C]. */
  forward(src: tf.Tensor, options: EncoderForwardOptions = {}): EncoderOutput {
    return tf.tidy(() => {
      const records: AttentionRecord[] = [];
      let output = src;
      for (const layer of this.layers.items) {
        const scale = this.query_scale;
        const pos = scale === null || options.pos === undefined ? options.pos : tf.mul(options.pos, scale.forward(output));
        const result = layer.forward(output, { ...options, pos });
        output = result.output;
        if (result.attention !== undefined) records.push(result.attention);
      }
      const normed = (this.norm === null ? output : this.norm.forward(output)) as tf.Tensor3D;
      return options.returnAttention ? { output: normed, attention: records } : { output: normed };
    });
  }
}
