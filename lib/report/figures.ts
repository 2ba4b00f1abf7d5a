// Figures of the attention diagnostics, from plain numbers (compute them with lib/diagnostics):
// attention entropy per encoder layer (arms side by side), query-region purity histograms, the
// query–key centroid distance per layer and head, and a 2D embedding of one head's queries and keys.
import type { TopLevelSpec } from 'vega-lite';
import { type Figure, specBase } from './figure.js';

export interface EntropyRow {
  /** Ablation arm / model, e.g. `baseline`, `+QKA`. */
  readonly arm: string;
  /** Encoder branch, e.g. `position` / `orientation` for MS-Transformer (one panel each). */
  readonly branch?: string;
  readonly layer: number;
  /** Mean attention row entropy in nats (`attentionEntropy`). */
  readonly entropy: number;
}

const first = <T>(values: readonly T[]): T[] => [...new Set(values)];

/** Bars of entropy per encoder layer, one colour per arm side by side, one panel per branch. */
export function entropyBarsFigure(rows: readonly EntropyRow[], title = 'Attention entropy per encoder layer'): Figure {
  const arms = first(rows.map((r) => r.arm));
  const branches = first(rows.map((r) => r.branch ?? ''));
  const data = rows.map((r) => ({ arm: r.arm, branch: r.branch ?? '', layer: r.layer, entropy: r.entropy }));
  const unit = {
    width: { step: Math.max(14, 10 * arms.length) },
    height: 180,
    mark: { type: 'bar' as const },
    encoding: {
      x: { field: 'layer', type: 'ordinal' as const, title: 'encoder layer' },
      xOffset: { field: 'arm', type: 'nominal' as const, sort: arms },
      y: { field: 'entropy', type: 'quantitative' as const, title: 'entropy (nats)' },
      color: { field: 'arm', type: 'nominal' as const, title: 'arm', sort: arms },
      tooltip: [{ field: 'arm' }, { field: 'branch' }, { field: 'layer' }, { field: 'entropy', format: '.4f' }],
    },
  };
  const base = specBase(title, data);
  const spec: TopLevelSpec =
    branches.length > 1 || branches[0] !== ''
      ? { ...base, facet: { column: { field: 'branch', type: 'nominal', title: null, sort: branches } }, spec: unit }
      : { ...base, ...unit };
  return { name: 'attention-entropy', title, caption: 'Mean row entropy of the encoder self-attention per layer (lower = more focused).', spec };
}

export interface PurityHistogramRow {
  readonly arm: string;
  readonly layer: number;
  /** Omit for the histogram pooled over heads. */
  readonly head?: number;
  /** Counts of `purityHistogram` over equal bins of [0, 1]. */
  readonly counts: readonly number[];
}

/** Purity histograms (fraction of queries per bin), one panel per layer (and head), arms overlaid. */
export function purityHistogramFigure(rows: readonly PurityHistogramRow[], title = 'Query-region purity'): Figure {
  const arms = first(rows.map((r) => r.arm));
  const panelOf = (r: PurityHistogramRow): string => (r.head === undefined ? `layer ${r.layer}` : `layer ${r.layer} · head ${r.head}`);
  const panels = first(rows.map(panelOf));
  const data = rows.flatMap((r) => {
    const total = r.counts.reduce((a, b) => a + b, 0);
    return r.counts.map((count, i) => ({
      arm: r.arm,
      panel: panelOf(r),
      binStart: i / r.counts.length,
      binEnd: (i + 1) / r.counts.length,
      count,
      fraction: total === 0 ? 0 : count / total,
    }));
  });
  const spec: TopLevelSpec = {
    ...specBase(title, data),
    facet: { field: 'panel', type: 'nominal', title: null, sort: panels },
    columns: Math.min(4, panels.length),
    spec: {
      width: 180,
      height: 110,
      mark: { type: 'bar', opacity: 0.6, binSpacing: 0 },
      encoding: {
        x: { field: 'binStart', bin: 'binned', type: 'quantitative', title: 'purity', scale: { domain: [0, 1] } },
        x2: { field: 'binEnd' },
        y: { field: 'fraction', type: 'quantitative', title: 'fraction of queries', stack: null },
        color: { field: 'arm', type: 'nominal', title: 'arm', sort: arms },
        tooltip: [{ field: 'arm' }, { field: 'panel' }, { field: 'binStart' }, { field: 'count' }],
      },
    },
  };
  return {
    name: 'query-region-purity',
    title,
    caption:
      'Fraction of query tokens whose k nearest neighbours (among queries and keys) are queries: 1 = separated query and key regions, ≈ Lq/(Lq+Lk) = intertwined.',
    spec,
  };
}

export interface QkDistanceRow {
  readonly arm: string;
  readonly layer: number;
  readonly head: number;
  /** ‖mean q − mean k‖₂ (`qkCentroidDistance`), averaged over the images analysed. */
  readonly distance: number;
}

/** Heatmap of the query–key centroid distance, layer × head, one panel per arm, values printed. */
export function qkDistanceHeatmapFigure(rows: readonly QkDistanceRow[], title = 'Query–key centroid distance'): Figure {
  const arms = first(rows.map((r) => r.arm));
  const data = rows.map((r) => ({ arm: r.arm, layer: r.layer, head: r.head, distance: r.distance }));
  const x = { field: 'head', type: 'ordinal' as const, title: 'head' };
  const y = { field: 'layer', type: 'ordinal' as const, title: 'encoder layer' };
  const spec: TopLevelSpec = {
    ...specBase(title, data),
    facet: { column: { field: 'arm', type: 'nominal', title: null, sort: arms } },
    spec: {
      width: { step: 34 },
      height: { step: 26 },
      layer: [
        {
          mark: { type: 'rect' },
          encoding: { x, y, color: { field: 'distance', type: 'quantitative', title: 'distance', scale: { scheme: 'viridis' } } },
        },
        {
          mark: { type: 'text', fontSize: 9 },
          encoding: {
            x,
            y,
            text: { field: 'distance', type: 'quantitative', format: '.2f' },
            color: { condition: { test: 'datum.distance > 0.5 * domain("color")[1]', value: 'black' }, value: 'white' },
          },
        },
      ],
    },
    resolve: { scale: { color: 'shared' } },
  };
  return {
    name: 'qk-centroid-distance',
    title,
    caption: 'Distance between the mean query and the mean key of each encoder layer and head (what Query-Key Alignment minimises).',
    spec,
  };
}

export interface EmbeddingPoint {
  readonly x: number;
  readonly y: number;
  readonly kind: 'query' | 'key';
  /** Token index within its kind. */
  readonly token: number;
}

/** 2D embedding of one head's queries and keys, coloured query vs key. */
export function embeddingScatterFigure(points: readonly EmbeddingPoint[], title = 'Queries and keys (UMAP)', name = 'qk-embedding'): Figure {
  const spec: TopLevelSpec = {
    ...specBase(
      title,
      points.map((p) => ({ ...p })),
    ),
    width: 320,
    height: 320,
    mark: { type: 'circle', size: 22, opacity: 0.75 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: null, axis: { labels: false, ticks: false }, scale: { zero: false } },
      y: { field: 'y', type: 'quantitative', title: null, axis: { labels: false, ticks: false }, scale: { zero: false } },
      color: { field: 'kind', type: 'nominal', title: null, sort: ['query', 'key'], scale: { range: ['#d62728', '#1f77b4'] } },
      tooltip: [{ field: 'kind' }, { field: 'token' }],
    },
  };
  return {
    name,
    title,
    caption: 'UMAP of the projected queries and keys of one layer and head for one image: separate clouds vs intertwined regions.',
    spec,
  };
}
