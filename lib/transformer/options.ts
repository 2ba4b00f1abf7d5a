// Constructor options shared by the transformer layers (DETR's argument names, camel-cased).
import type { Activation } from '../nn/functional.js';
import type { Rng } from '../runtime/rng.js';

export interface TransformerLayerOptions {
  readonly dModel: number;
  readonly nhead: number;
  /** Hidden width of the feed-forward network (default 2048). */
  readonly dimFeedforward?: number;
  /** Dropout after attention, inside and after the feed-forward network, and on attention weights (default 0.1). */
  readonly dropout?: number;
  /** Feed-forward activation (default relu; ActMST uses exact erf gelu). */
  readonly activation?: Activation;
  /** Pre-norm (LayerNorm before each sublayer, MS-Transformer) instead of post-norm (DETR, default). */
  readonly normalizeBefore?: boolean;
  readonly rng?: Rng;
}

/** `TransformerLayerOptions` with every default filled in. */
export type ResolvedTransformerLayerOptions = Required<Omit<TransformerLayerOptions, 'rng'>> & Pick<TransformerLayerOptions, 'rng'>;

export function resolveLayerOptions(options: TransformerLayerOptions): ResolvedTransformerLayerOptions {
  return {
    dModel: options.dModel,
    nhead: options.nhead,
    dimFeedforward: options.dimFeedforward ?? 2048,
    dropout: options.dropout ?? 0.1,
    activation: options.activation ?? 'relu',
    normalizeBefore: options.normalizeBefore ?? false,
    rng: options.rng,
  };
}
