// The attention-diagnostics report (`condformer analyze`): entropy bars, purity histograms, the
// QK centroid distance heatmap, a query/key embedding and attention-map PNGs, in one
// self-contained `analysis.html` plus `figures/*.png` and `attention/*.png`.
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { type RenderedFigure, renderFigure } from './figure.js';
import {
  type EmbeddingPoint,
  type EntropyRow,
  embeddingScatterFigure,
  entropyBarsFigure,
  type PurityHistogramRow,
  purityHistogramFigure,
  type QkDistanceRow,
  qkDistanceHeatmapFigure,
} from './figures.js';
import type { ReportImage, ReportSection } from './html.js';
import type { Table } from './run-tables.js';
import { writeReportPage } from './write-report.js';

export interface DiagnosticsData {
  readonly title: string;
  readonly subtitle?: readonly string[];
  readonly tables?: readonly Table[];
  readonly entropy?: readonly EntropyRow[];
  readonly purity?: readonly PurityHistogramRow[];
  readonly qkDistance?: readonly QkDistanceRow[];
  /** One scatter per entry (e.g. per arm), figure `qk-embedding-<name>`. */
  readonly embeddings?: readonly { readonly name: string; readonly title: string; readonly points: readonly EmbeddingPoint[] }[];
  /** Attention overlay panels (`panelPng`), written to `attention/<name>.png` and embedded. */
  readonly attention?: readonly ReportImage[];
}

export interface WrittenDiagnostics {
  readonly html: string;
  readonly pngs: Readonly<Record<string, string>>;
  readonly figures: readonly RenderedFigure[];
}

export async function writeDiagnosticsReport(
  outDir: string,
  data: DiagnosticsData,
  options: { pngScale?: number } = {},
): Promise<WrittenDiagnostics> {
  const specs = [
    data.entropy?.length ? entropyBarsFigure(data.entropy) : null,
    data.purity?.length ? purityHistogramFigure(data.purity) : null,
    data.qkDistance?.length ? qkDistanceHeatmapFigure(data.qkDistance) : null,
    ...(data.embeddings ?? []).map((e) => embeddingScatterFigure(e.points, e.title, `qk-embedding-${e.name}`)),
  ];
  const figures: RenderedFigure[] = [];
  for (const spec of specs) if (spec) figures.push(await renderFigure(spec));
  const attention = data.attention ?? [];
  const sections: ReportSection[] = [
    ...(data.tables?.length ? [{ heading: 'Summary', tables: data.tables }] : []),
    ...(figures.length ? [{ heading: 'Attention statistics', figures }] : []),
    ...(attention.length ? [{ heading: 'Attention maps', images: attention }] : []),
  ];
  const written = await writeReportPage(
    outDir,
    { title: data.title, subtitle: [...(data.subtitle ?? []), `generated ${new Date().toISOString()}`], sections },
    { file: 'analysis.html', pngScale: options.pngScale },
  );
  const pngs: Record<string, string> = { ...written.pngs };
  for (const image of attention) {
    const path = join(outDir, 'attention', `${image.name}.png`);
    await writeFileAtomic(path, image.png);
    pngs[image.name] = path;
  }
  return { html: written.html, pngs, figures };
}
