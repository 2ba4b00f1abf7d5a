// DAB-DETR's `TransformerDecoder` (models/DAB_DETR/transformer.py) with iterative anchor refinement:
// Conditional DETR's decoder layers, driven by 4-D anchor boxes (x, y, w, h) instead of 2-D points.
// Per layer, from the layer's anchor a (sigmoid space):
// - the positional query is ref_point_head(sine(a)) over all four coordinates [y | x | w | h];
// - the cross-attention sine query is sine(a)[y | x] ⊙ query_scale(output) (1 in layer 0), then
//   width/height-modulated: the x half × refW / a_w and the y half × refH / a_h, with
//   (refW, refH) = sigmoid(ref_anchor_head(output)) — every layer, layer 0 included;
// - after the layer, the anchor is refined through the box head (shared by every layer):
//   a' = sigmoid(bbox_embed(output) + inverse_sigmoid(a)), on the output before `norm`; the next
//   layer gets a' detached (no gradient through the anchors between layers).
import * as tf from '@tensorflow/tfjs';
import { detach, inverseSigmoid } from '../nn/functional.js';
import { LayerNorm } from '../nn/layer-norm.js';
import { MLP } from '../nn/mlp.js';
import { Module, type ModuleList } from '../nn/module.js';
import { sineEmbedReferencePoints } from '../position/reference-points.js';
import { defaultRng } from '../runtime/rng.js';
import { conditionalDecoderLayers } from './conditional-decoder.js';
import type { ConditionalDecoderLayer } from './conditional-decoder-layer.js';
import type { DecoderOutput } from './decoder.js';
import type { DecoderForwardOptions, DecoderLayerAttention } from './decoder-layer.js';
import type { TransformerLayerOptions } from './options.js';

/** hs and attention as DETR's decoder, plus the anchors. */
export type DabDecoderOutput = DecoderOutput & {
  /**
   * The anchor each layer receives (sigmoid-space cx, cy, w, h): [0] = sigmoid(refpoints),
   * [l] = the box refined by layer l − 1 (the last layer's refinement is not returned). [L, B, NQ, 4]
   */
  readonly references: tf.Tensor4D;
};

export class DabTransformerDecoder extends Module {
  readonly layers: ModuleList<ConditionalDecoderLayer>;
  readonly norm: LayerNorm;
  readonly query_scale: MLP;
  readonly ref_point_head: MLP;
  readonly ref_anchor_head: MLP;
  /** The detector's box head MLP(C, C, 4, 3), shared with it (DABDETR's iter_update wiring). */
  readonly bbox_embed: MLP;
  readonly dModel: number;

  constructor(layer: TransformerLayerOptions, numLayers: number, bboxEmbed: MLP) {
    super();
    const { dModel, rng = defaultRng() } = layer;
    this.layers = this.addModule('layers', conditionalDecoderLayers(layer, numLayers));
    this.norm = this.addModule('norm', new LayerNorm(dModel));
    this.query_scale = this.addModule('query_scale', new MLP(dModel, dModel, dModel, 2, rng));
    this.ref_point_head = this.addModule('ref_point_head', new MLP(2 * dModel, dModel, dModel, 2, rng));
    this.ref_anchor_head = this.addModule('ref_anchor_head', new MLP(dModel, dModel, 2, 2, rng));
    this.bbox_embed = this.addModule('bbox_embed', bboxEmbed);
    this.dModel = dModel;
  }

  /**
   * tgt: [B, NQ, C] (zeros, or DN-DETR's label embeddings), memory: [B, S, C]; needs pos [B, S, C]
   * and, as `queryPos`, the unsigmoided anchors [B, NQ, 4] (`refpoint_embed`).
   */
  forward(tgt: tf.Tensor, memory: tf.Tensor, options: DecoderForwardOptions): DabDecoderOutput {
    const { queryPos: anchorsUnsigmoid } = options;
    if (anchorsUnsigmoid === undefined || anchorsUnsigmoid.shape[anchorsUnsigmoid.rank - 1] !== 4) {
      throw new Error('DabTransformerDecoder needs the unsigmoided anchors [B, NQ, 4] as queryPos');
    }
    const half = this.dModel / 2;
    return tf.tidy(() => {
      let anchors = tf.sigmoid(anchorsUnsigmoid); // [B, NQ, 4]
      const references: tf.Tensor[] = [anchors];
      const intermediate: tf.Tensor[] = [];
      const records: DecoderLayerAttention[] = [];
      let output = tgt;
      this.layers.items.forEach((layer, i) => {
        const sine = sineEmbedReferencePoints(anchors, half); // [B, NQ, 2C]
        const queryPos = this.ref_point_head.forward(sine); // [B, NQ, C]
        const sineYX = tf.slice(sine, [0, 0, 0], [-1, -1, this.dModel]); // [B, NQ, C] = [y | x]
        const scaled = i === 0 ? sineYX : tf.mul(sineYX, this.query_scale.forward(output));
        const querySineEmbed = modulateWidthHeight(scaled, tf.sigmoid(this.ref_anchor_head.forward(output)), anchors);
        const result = layer.forward(output, memory, { ...options, queryPos, querySineEmbed });
        output = result.output;
        const refined = tf.sigmoid(tf.add(this.bbox_embed.forward(output), inverseSigmoid(anchors))); // [B, NQ, 4]
        if (i < this.layers.length - 1) references.push(refined);
        anchors = detach(refined);
        intermediate.push(this.norm.forward(output));
        if (result.attention !== undefined) records.push(result.attention);
      });
      const hs = tf.stack(intermediate) as tf.Tensor4D;
      const stacked = tf.stack(references) as tf.Tensor4D;
      return options.returnAttention ? { hs, references: stacked, attention: records } : { hs, references: stacked };
    });
  }
}

/**
 * DAB-DETR's width/height-modulated positional attention: the sine query's x half (channels C/2…C)
 * × refW / anchor w and its y half (0…C/2) × refH / anchor h.
 * sine [B, NQ, C] = [y | x], refHW [B, NQ, 2] (w, h), anchors [B, NQ, 4] → [B, NQ, C].
 */
export function modulateWidthHeight(sine: tf.Tensor, refHW: tf.Tensor, anchors: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [refW, refH] = tf.unstack(refHW, -1) as [tf.Tensor, tf.Tensor];
    const anchorW = tf.slice(anchors, [0, 0, 2], [-1, -1, 1]);
    const anchorH = tf.slice(anchors, [0, 0, 3], [-1, -1, 1]);
    const half = (sine.shape[2] as number) / 2;
    const y = tf.mul(tf.slice(sine, [0, 0, 0], [-1, -1, half]), tf.div(tf.expandDims(refH, -1), anchorH));
    const x = tf.mul(tf.slice(sine, [0, 0, half], [-1, -1, half]), tf.div(tf.expandDims(refW, -1), anchorW));
    return tf.concat([y, x], -1);
  });
}
