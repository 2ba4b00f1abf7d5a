// A figure of a report: a declarative Vega-Lite chart, rendered to SVG in Node by Vega's headless
// view (no browser, no hand-written drawing) and to PNG by sharp (librsvg).
import sharp from 'sharp';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface Figure {
  /** File-name stem and HTML id: `loss-steps` → `figures/loss-steps.png`, `<figure id="fig-loss-steps">`. */
  readonly name: string;
  readonly title: string;
  /** One sentence under the figure. */
  readonly caption: string;
  readonly spec: TopLevelSpec;
}

export interface RenderedFigure {
  readonly figure: Figure;
  /** Standalone SVG document (no external references). */
  readonly svg: string;
  /** The finalized view: `view.data(name)` holds the plotted rows, `view.scenegraph()` the marks. */
  readonly view: vega.View;
}

/**
 * The shared top of every figure spec: title, white background, fonts, and the plotted rows as the
 * named dataset `rows` (so `view.data('rows')` of the rendered view holds exactly what is drawn).
 */
export function specBase(title: string, rows: readonly Readonly<Record<string, string | number>>[]) {
  return {
    title,
    background: 'white',
    config: { font: 'sans-serif', axis: { labelFontSize: 10, titleFontSize: 11 }, legend: { orient: 'bottom' as const, labelLimit: 0 } },
    datasets: { rows: rows.map((r) => ({ ...r })) },
    data: { name: 'rows' },
  };
}

/** Compile and render a Vega-Lite figure headlessly. */
export async function renderFigure(figure: Figure): Promise<RenderedFigure> {
  const { spec } = compile(figure.spec);
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize(); // drops timers and listeners; data and scenegraph stay readable
  return { figure, svg, view };
}

/** SVG → PNG at `scale` × the SVG's pixel size (2: sharp for papers and chats). */
export async function svgToPng(svg: string, scale = 2): Promise<Buffer> {
  return sharp(Buffer.from(svg), { density: 72 * scale })
    .png()
    .toBuffer();
}
