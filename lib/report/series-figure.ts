// The one chart shape of run reports: lines (with points) of y over x, one colour per series,
// optionally in a grid of panels with their own y scales.
import type { TopLevelSpec } from 'vega-lite';
import { type Figure, specBase } from './figure.js';

export type SeriesRow = Readonly<Record<string, string | number>>;

export interface AxisField {
  readonly field: string;
  readonly title: string;
}

export interface SeriesFigureOptions {
  readonly name: string;
  readonly title: string;
  readonly caption: string;
  readonly rows: readonly SeriesRow[];
  readonly x: AxisField;
  readonly y: AxisField & { readonly log?: boolean };
  /** Field naming the series (one colour each), e.g. `run`, with the legend order. */
  readonly colour: AxisField & { readonly order?: readonly string[] };
  /** Panels: one per value of `field`, in `order`, `columns` per line. */
  readonly panels?: { readonly field: string; readonly order: readonly string[]; readonly columns: number };
  readonly width?: number;
  readonly height?: number;
}

/** Above this many points per series, lines are drawn without point markers. */
const MAX_MARKED_POINTS = 60;

export function seriesFigure(o: SeriesFigureOptions): Figure {
  const perSeries = new Map<string, number>();
  for (const row of o.rows) {
    const key = `${row[o.colour.field]}|${o.panels ? row[o.panels.field] : ''}`;
    perSeries.set(key, (perSeries.get(key) ?? 0) + 1);
  }
  const marked = Math.max(0, ...perSeries.values()) <= MAX_MARKED_POINTS;
  const unit = {
    width: o.width ?? (o.panels ? 220 : 420),
    height: o.height ?? (o.panels ? 140 : 220),
    mark: { type: 'line' as const, point: marked, strokeWidth: 1.6 },
    encoding: {
      // x is a step or an epoch: integer ticks; padding keeps the end points inside the frame
      x: {
        field: o.x.field,
        type: 'quantitative' as const,
        title: o.x.title,
        scale: { zero: false, nice: false, padding: 8 },
        axis: { tickMinStep: 1, format: 'd' },
      },
      y: {
        field: o.y.field,
        type: 'quantitative' as const,
        title: o.y.title,
        scale: o.y.log ? { type: 'log' as const, padding: 6 } : { zero: false, padding: 6 },
      },
      color: { field: o.colour.field, type: 'nominal' as const, title: o.colour.title, ...(o.colour.order && { sort: [...o.colour.order] }) },
      order: { field: o.x.field, type: 'quantitative' as const },
      tooltip: [
        { field: o.colour.field, type: 'nominal' as const },
        { field: o.x.field, type: 'quantitative' as const },
        { field: o.y.field, type: 'quantitative' as const, format: '.6g' },
      ],
    },
  };
  const base = specBase(o.title, o.rows);
  const spec: TopLevelSpec = o.panels
    ? {
        ...base,
        facet: {
          field: o.panels.field,
          type: 'nominal',
          title: null,
          sort: [...o.panels.order],
          header: { labelFontSize: 11, labelFontWeight: 'bold' },
        },
        columns: o.panels.columns,
        spec: unit,
        resolve: { scale: { y: 'independent' }, axis: { x: 'independent' } },
      }
    : { ...base, ...unit };
  return { name: o.name, title: o.title, caption: o.caption, spec };
}
