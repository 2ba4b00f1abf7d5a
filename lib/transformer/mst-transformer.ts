// MS-Transformer's transformer (ActMST / yolish `models/transposenet/transformer.py`): DETR's
// `Transformer` with pre-norm layers, exact gelu and a final encoder LayerNorm, no padding mask.
// Its defaults are ActMST's `default_config`. For Query-Key Alignment run `forward` with
// `returnAttention` and hand `encoderAttention` (per layer: queries / keys [B, H, N, dh], projected
// from norm1(x) + pos, before scaling) to `qkAlignmentLoss`.
import { DetrTransformer } from './detr-transformer.js';
import type { TransformerOptions } from './transformer-options.js';

export class MSTTransformer extends DetrTransformer {
  constructor(options: TransformerOptions = {}) {
    super({
      ...options,
      dModel: options.dModel ?? 512,
      nhead: options.nhead ?? 8,
      dimFeedforward: options.dimFeedforward ?? 2048,
      dropout: options.dropout ?? 0.1,
      activation: options.activation ?? 'gelu',
      normalizeBefore: options.normalizeBefore ?? true,
    });
  }
}
