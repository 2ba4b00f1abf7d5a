// DAB-DETR's `Transformer` (models/DAB_DETR/transformer.py): the encoder rescales its positions by
// `encoder.query_scale` in every layer, the decoder refines 4-D anchor boxes (dab-decoder.ts). The
// box head `decoder.bbox_embed` is the detector's `bbox_embed` (DABDETR with iter_update), built
// here when none is handed in; the xavier reset of `_reset_parameters` runs before that wiring in
// the official code, so it leaves the box head alone.
import { MLP } from '../nn/mlp.js';
import { defaultRng } from '../runtime/rng.js';
import { type DabDecoderOutput, DabTransformerDecoder } from './dab-decoder.js';
import { type EncoderDecoderOutput, EncoderDecoderTransformer } from './encoder-decoder.js';
import type { TransformerOptions } from './transformer-options.js';

/** hs [L, B, NQ, C] (decoder.norm on every layer), references [L, B, NQ, 4] (each layer's input anchor), memory [B, HW, C]. */
export type DabTransformerOutput = EncoderDecoderOutput<DabDecoderOutput>;

export interface DabTransformerOptions extends TransformerOptions {
  /** The box head MLP(d, d, 4, 3) shared with the detector; a fresh one by default. */
  readonly bboxEmbed?: MLP;
}

/** Forward takes the unsigmoided anchors [NQ, 4] or [B, NQ, 4] as `queryEmbed` (DAB-DETR's `refpoint_embed`). */
export class DabTransformer extends EncoderDecoderTransformer<DabDecoderOutput, DabTransformerDecoder> {
  constructor(options: DabTransformerOptions = {}) {
    const dModel = options.dModel ?? 512;
    const bboxEmbed = options.bboxEmbed ?? new MLP(dModel, dModel, 4, 3, options.rng ?? defaultRng());
    super(options, (layer, numLayers) => new DabTransformerDecoder(layer, numLayers, bboxEmbed), {
      encoderPositionScale: true,
      keepInit: (name) => name.startsWith('decoder.bbox_embed.'),
    });
  }
}
