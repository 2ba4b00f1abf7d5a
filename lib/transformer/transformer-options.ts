// Constructor options of the encoder–decoder composites (DETR's `Transformer` arguments).
import type { TransformerLayerOptions } from './options.js';

export interface TransformerOptions extends Partial<TransformerLayerOptions> {
  readonly numEncoderLayers?: number;
  readonly numDecoderLayers?: number;
}

/** DETR's `Transformer` defaults: d_model 512, 8 heads, 6 + 6 layers. */
export function layerOptionsOf(options: TransformerOptions): TransformerLayerOptions {
  const { dModel = 512, nhead = 8, dimFeedforward, dropout, activation, normalizeBefore, rng } = options;
  return { dModel, nhead, dimFeedforward, dropout, activation, normalizeBefore, rng };
}
