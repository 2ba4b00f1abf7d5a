// 2D embedding of one attention head's queries and keys with UMAP (umap-js), seeded by an Rng.
import { UMAP } from 'umap-js';
import type { Rng } from '../runtime/rng.js';
import type { EmbeddingPoint } from './figures.js';

export interface EmbeddingOptions {
  readonly rng: Rng;
  /** UMAP n_neighbors (default 15, capped at the number of points − 1). */
  readonly nNeighbors?: number;
  /** UMAP min_dist (default 0.1). */
  readonly minDist?: number;
  /** Optimisation epochs (default: umap-js's choice, 500 below 10 000 points). */
  readonly nEpochs?: number;
}

/**
 * Embed queries [Lq][dh] and keys [Lk][dh] jointly in 2D; the same inputs and Rng state give the
 * same points. Queries come first, then keys, each with its token index.
 */
export function embedQueriesKeys(
  queries: readonly (readonly number[])[],
  keys: readonly (readonly number[])[],
  options: EmbeddingOptions,
): EmbeddingPoint[] {
  const data = [...queries, ...keys].map((v) => [...v]);
  if (data.length < 3) throw new RangeError(`embedQueriesKeys: need at least 3 vectors, got ${data.length}`);
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors: Math.min(options.nNeighbors ?? 15, data.length - 1),
    minDist: options.minDist ?? 0.1,
    ...(options.nEpochs !== undefined && { nEpochs: options.nEpochs }),
    random: () => options.rng.uniform(),
  });
  const embedded = umap.fit(data);
  return embedded.map(([x, y], i) => ({
    x: x as number,
    y: y as number,
    kind: i < queries.length ? 'query' : 'key',
    token: i < queries.length ? i : i - queries.length,
  }));
}
