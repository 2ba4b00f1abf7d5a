// The one chart shape of run reports: lines (with points) of y over x, one colour per series,
// optionally in a grid of panels with their own y scales. Rows are embedded in the spec as the
// named dataset `rows`, so a rendered view's `view.data('rows')` holds exactly the plotted points.
import type { TopLevelSpec } from 'vega-lite';
import type { Figure } from './figure';

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
  /** Field naming the series (one colour each), e.g. `run`. */
  readonly colour: AxisField;
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
    mark: { type: 'line' as const, point: marked, strokeWidth: 1.6, clip: true },
    encoding: {
      x: { field: o.x.field, type: 'quantitative' as const, title: o.x.title, scale: { zero: false, nice: false } },
      y: { field: o.y.field, type: 'quantitative' as const, title: o.y.title, scale: o.y.log ? { type: 'log' as const } : { zero: false } },
      color: { field: o.colour.field, type: 'nominal' as const, title: o.colour.title },
      order: { field: o.x.field, type: 'quantitative' as const },
      tooltip: [
        { field: o.colour.field, type: 'nominal' as const },
        { field: o.x.field, type: 'quantitative' as const },
        { field: o.y.field, type: 'quantitative' as const, format: '.6g' },
      ],
    },
  };
  const base = {
    title: o.title,
    background: 'white',
    config: { font: 'sans-serif', axis: { labelFontSize: 10, titleFontSize: 11 }, legend: { orient: 'bottom' as const } },
    datasets: { rows: o.rows.map((r) => ({ ...r })) },
    data: { name: 'rows' },
  };
  const spec: TopLevelSpec = o.panels
    ? {
        ...base,
        facet: { field: o.panels.field, type: 'nominal', title: null, sort: [...o.panels.order], header: { labelFontSize: 11, labelFontWeight: 'bold' } },
        columns: o.panels.columns,
        spec: unit,
        resolve: { scale: { y: 'independent' } },
      }
    : { ...base, ...unit };
  return { name: o.name, title: o.title, caption: o.caption, spec };
}
