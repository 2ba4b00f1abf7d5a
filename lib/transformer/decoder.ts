// DETR's `TransformerDecoder` with return_intermediate: a stack of decoder layers whose every
// output goes through the shared final LayerNorm `norm`.
import * as tf from '@tensorflow/tfjs';
import { LayerNorm } from '../nn/layer-norm.js';
import { Module, ModuleList } from '../nn/module.js';
import { clonedLayers } from './clones.js';
import { type DecoderForwardOptions, type DecoderLayerAttention, TransformerDecoderLayer } from './decoder-layer.js';
import type { TransformerLayerOptions } from './options.js';

export type DecoderOutput = {
  /** Every layer's output after `norm`. [L, B, NQ, C] */
  readonly hs: tf.Tensor4D;
  /** One record per layer, when asked. */
  readonly attention?: DecoderLayerAttention[];
};

export class TransformerDecoder extends Module {
  readonly layers: ModuleList<TransformerDecoderLayer>;
  readonly norm: LayerNorm;

  constructor(layer: TransformerLayerOptions, numLayers: number) {
    super();
    this.layers = this.addModule('layers', new ModuleList(clonedLayers(numLayers, () => new TransformerDecoderLayer(layer))));
    this.norm = this.addModule('norm', new LayerNorm(layer.dModel));
  }

  /** tgt: [B, NQ, C] (zeros in DETR), memory: [B, S, C] → hs [L, B, NQ, C]. */
  forward(tgt: tf.Tensor, memory: tf.Tensor, options: DecoderForwardOptions = {}): DecoderOutput {
    return tf.tidy(() => {
      const intermediate: tf.Tensor[] = [];
      const records: DecoderLayerAttention[] = [];
      let output = tgt;
      for (const layer of this.layers.items) {
        const result = layer.forward(output, memory, options);
        output = result.output;
        intermediate.push(this.norm.forward(output));
        if (result.attention !== undefined) records.push(result.attention);
      }
      const hs = tf.stack(intermediate) as tf.Tensor4D;
      return options.returnAttention ? { hs, attention: records } : { hs };
    });
  }
}
