// Encoder attention statistics accumulated over images, per layer: mean attention entropy, the
// query–key centroid distance per head, and the query-region purity histogram (pooled over heads),
// turned into the rows of the diagnostics figures.
import * as tf from '@tensorflow/tfjs';
import type { AttentionRecord } from '../attention/attend.js';
import { attentionEntropy } from '../diagnostics/attention-entropy.js';
import { qkCentroidDistance } from '../diagnostics/qk-centroid.js';
import { DEFAULT_PURITY_K, purityHistogram, queryRegionPurity } from '../diagnostics/query-region-purity.js';
import type { EntropyRow, PurityHistogramRow, QkDistanceRow } from './figures.js';

export interface EncoderStatisticsOptions {
  /** Neighbours for the purity (default DEFAULT_PURITY_K = 10, capped at Lq + Lk − 1). */
  readonly purityK?: number;
  /** Histogram bins over [0, 1] (default 10). */
  readonly bins?: number;
}

interface LayerSums {
  entropy: number;
  distance: number[];
  purity: number[];
}

/** Sums over the images seen so far; `rows` gives the means. */
export class EncoderStatistics {
  private readonly layers: LayerSums[] = [];
  private images = 0;

  constructor(private readonly options: EncoderStatisticsOptions = {}) {}

  /** One batch's encoder records (one per layer, [B, H, L, ·]). Does not dispose them. */
  add(records: readonly AttentionRecord[]): void {
    const b = records[0]?.weights.shape[0] ?? 0;
    const bins = this.options.bins ?? 10;
    records.forEach((record, l) => {
      const sums = (this.layers[l] ??= { entropy: 0, distance: [], purity: new Array<number>(bins).fill(0) });
      sums.entropy += attentionEntropy(record.weights) * b;
      const perHead = tf.tidy(() => Array.from(tf.sum(qkCentroidDistance(record.queries, record.keys), 0).dataSync())); // Σ over batch, [H]
      perHead.forEach((d, h) => (sums.distance[h] = (sums.distance[h] ?? 0) + d));
      const n = record.queries.shape[2] + record.keys.shape[2];
      const purity = queryRegionPurity(record.queries, record.keys, Math.min(this.options.purityK ?? DEFAULT_PURITY_K, n - 1));
      sums.purity = purityHistogram(purity, bins, sums.purity);
      purity.dispose();
    });
    this.images += b;
  }

  /** Mean entropy per layer, mean distance per layer and head, purity counts per layer. */
  rows(arm: string, branch?: string): { entropy: EntropyRow[]; qkDistance: QkDistanceRow[]; purity: PurityHistogramRow[] } {
    const n = Math.max(1, this.images);
    const armLabel = branch === undefined ? arm : `${arm} · ${branch}`;
    return {
      entropy: this.layers.map((s, layer) => ({ arm, ...(branch !== undefined && { branch }), layer, entropy: s.entropy / n })),
      qkDistance: this.layers.flatMap((s, layer) => s.distance.map((d, head) => ({ arm: armLabel, layer, head, distance: d / n }))),
      purity: this.layers.map((s, layer) => ({ arm: armLabel, layer, counts: [...s.purity] })),
    };
  }
}
