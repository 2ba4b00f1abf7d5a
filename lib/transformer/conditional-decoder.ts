// Conditional DETR's `TransformerDecoder`: reference points s = sigmoid(ref_point_head(query_pos))
// are computed once from the query embeddings; every layer gets their sine embedding, multiplied by
// λq = query_scale(previous layer output) (λq = 1 in layer 0). Every layer's output goes through
// the shared final `norm` (return_intermediate).
import * as tf from '@tensorflow/tfjs';
import { LayerNorm } from '../nn/layer-norm.js';
import { MLP } from '../nn/mlp.js';
import { Module, ModuleList } from '../nn/module.js';
import { sineEmbedReferencePoints } from '../position/reference-points.js';
import { defaultRng } from '../runtime/rng.js';
import { clonedLayers } from './clones.js';
import { ConditionalDecoderLayer } from './conditional-decoder-layer.js';
import type { DecoderForwardOptions, DecoderLayerAttention } from './decoder-layer.js';
import type { TransformerLayerOptions } from './options.js';

export type ConditionalDecoderOutput = {
  /** Every layer's output after `norm`. [L, B, NQ, C] */
  readonly hs: tf.Tensor4D;
  /** (x, y) in (0, 1), the same for every layer. [B, NQ, 2] */
  readonly references: tf.Tensor3D;
  readonly attention?: DecoderLayerAttention[];
};

/** N copies of layer 0 (`_get_clones`); only layer 0 has `ca_qpos_proj` (keep_query_pos false). */
export function conditionalDecoderLayers(layer: TransformerLayerOptions, numLayers: number): ModuleList<ConditionalDecoderLayer> {
  return new ModuleList(clonedLayers(numLayers, (i) => new ConditionalDecoderLayer({ ...layer, isFirst: i === 0 })));
}

export class ConditionalTransformerDecoder extends Module {
  readonly layers: ModuleList<ConditionalDecoderLayer>;
  readonly norm: LayerNorm;
  readonly query_scale: MLP;
  readonly ref_point_head: MLP;
  readonly dModel: number;

  constructor(layer: TransformerLayerOptions, numLayers: number) {
    super();
    const { dModel, rng = defaultRng() } = layer;
    this.layers = this.addModule('layers', conditionalDecoderLayers(layer, numLayers));
    this.norm = this.addModule('norm', new LayerNorm(dModel));
    this.query_scale = this.addModule('query_scale', new MLP(dModel, dModel, dModel, 2, rng));
    this.ref_point_head = this.addModule('ref_point_head', new MLP(dModel, dModel, 2, 2, rng));
    this.dModel = dModel;
  }

  /** tgt: [B, NQ, C] (zeros), memory: [B, S, C]; needs pos [B, S, C] and queryPos [B, NQ, C]. */
  forward(tgt: tf.Tensor, memory: tf.Tensor, options: DecoderForwardOptions): ConditionalDecoderOutput {
    const { queryPos } = options;
    if (queryPos === undefined) throw new Error('ConditionalTransformerDecoder needs queryPos');
    return tf.tidy(() => {
      const references = tf.sigmoid(this.ref_point_head.forward(queryPos)) as tf.Tensor3D; // [B, NQ, 2]
      // Official: 128 features per coordinate at d_model 256; d_model / 2 in general.
      const sine = sineEmbedReferencePoints(references, this.dModel / 2); // [B, NQ, C]
      const intermediate: tf.Tensor[] = [];
      const records: DecoderLayerAttention[] = [];
      let output = tgt;
      this.layers.items.forEach((layer, i) => {
        const querySineEmbed = i === 0 ? sine : tf.mul(sine, this.query_scale.forward(output));
        const result = layer.forward(output, memory, { ...options, querySineEmbed });
        output = result.output;
        intermediate.push(this.norm.forward(output));
        if (result.attention !== undefined) records.push(result.attention);
      });
      const hs = tf.stack(intermediate) as tf.Tensor4D;
      return options.returnAttention ? { hs, references, attention: records } : { hs, references };
    });
  }
}
