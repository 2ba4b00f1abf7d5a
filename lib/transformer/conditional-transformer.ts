// Conditional DETR's `Transformer` (models/transformer.py): the shared encoder-decoder with the
// conditional decoder (reference points, concat cross-attention; decoder.query_scale,
// decoder.ref_point_head).
import { type ConditionalDecoderOutput, ConditionalTransformerDecoder } from './conditional-decoder.js';
import { type EncoderDecoderOutput, EncoderDecoderTransformer } from './encoder-decoder.js';
import type { TransformerOptions } from './transformer-options.js';

/** hs [L, B, NQ, C] (decoder.norm on every layer), references [B, NQ, 2] = sigmoid(ref_point_head(query_embed)), memory [B, HW, C]. */
export type ConditionalTransformerOutput = EncoderDecoderOutput<ConditionalDecoderOutput>;

export class ConditionalTransformer extends EncoderDecoderTransformer<ConditionalDecoderOutput, ConditionalTransformerDecoder> {
  constructor(options: TransformerOptions = {}) {
    super(options, (layer, numLayers) => new ConditionalTransformerDecoder(layer, numLayers));
  }
}
