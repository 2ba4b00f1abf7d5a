// DETR's `Transformer` (models/transformer.py): the shared encoder-decoder with DETR's decoder
// (q = tgt + query_pos, k = memory + pos in the cross-attention).
import { type DecoderOutput, TransformerDecoder } from './decoder.js';
import { type EncoderDecoderOutput, EncoderDecoderTransformer } from './encoder-decoder.js';
import type { TransformerOptions } from './transformer-options.js';

export type DetrTransformerOutput = EncoderDecoderOutput<DecoderOutput>; // hs [L, B, NQ, C] (decoder.norm on every layer), memory [B, HW, C]

export class DetrTransformer extends EncoderDecoderTransformer<DecoderOutput, TransformerDecoder> {
  constructor(options: TransformerOptions = {}) {
    super(options, (layer, numLayers) => new TransformerDecoder(layer, numLayers));
  }
}
