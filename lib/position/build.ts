// `build_position_encoding` of DETR / ActMST: hidden_dim / 2 features per coordinate.
import type { Rng } from '../runtime/rng.js';
import { PositionEmbeddingLearned } from './learned-embedding.js';
import type { PositionEncoder } from './position-encoder.js';
import { PositionEmbeddingSine } from './sine-embedding.js';

export type PositionEncodingKind = 'sine' | 'learned';

/**
 * DETR builds `sine` with normalize = true (the default here); ActMST (`learnable_pos` false)
 * builds it with normalize = false. `learned` ignores normalize. DAB-DETR's `PositionEmbeddingSineHW`
 * defaults are temperature 20 on both axes.
 */
export function buildPositionEncoding(
  hiddenDim: number,
  kind: PositionEncodingKind,
  options: { normalize?: boolean; rng?: Rng; temperature?: number } = {},
): PositionEncoder {
  if (hiddenDim % 4 !== 0) throw new Error(`buildPositionEncoding: hiddenDim must be a multiple of 4, got ${hiddenDim}`);
  const numPosFeats = hiddenDim / 2;
  return kind === 'learned'
    ? new PositionEmbeddingLearned(numPosFeats, options.rng)
    : new PositionEmbeddingSine({ numPosFeats, normalize: options.normalize ?? true, temperature: options.temperature });
}
