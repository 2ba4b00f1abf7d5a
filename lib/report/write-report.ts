// `report.html` (self-contained) and `figures/<name>.png` for one run or several runs overlaid.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { type RenderedFigure, renderFigure, svgToPng } from './figure.js';
import { externalReferences, type ReportPage, type ReportSection, reportHtml } from './html.js';
import { loadRuns, type RunData, runBackends } from './run-data.js';
import { runFigures } from './run-figures.js';
import { finalEvalTables, runSummaryTable, trainingAidsTable } from './run-tables.js';

export interface ReportOptions {
  /** Where report.html and figures/ go (default: the first run directory). */
  readonly outDir?: string;
  /** PNG pixels per SVG pixel (default 2). */
  readonly pngScale?: number;
  /** Page title (default: the run labels). */
  readonly title?: string;
}

export interface WrittenReport {
  readonly html: string;
  /** PNG path of each figure, by figure name. */
  readonly pngs: Readonly<Record<string, string>>;
  readonly figures: readonly RenderedFigure[];
  readonly runs: readonly RunData[];
}

/** Render the figures of a page into `<outDir>/figures/*.png` and the page into `<outDir>/<file>`. */
export async function writeReportPage(
  outDir: string,
  page: ReportPage,
  options: { file?: string; pngScale?: number } = {},
): Promise<{ html: string; pngs: Record<string, string> }> {
  const html = reportHtml(page);
  const external = externalReferences(html);
  if (external.length > 0) throw new Error(`report would not be self-contained: ${external.slice(0, 3).join(', ')}`);
  await fs.mkdir(join(outDir, 'figures'), { recursive: true });
  const pngs: Record<string, string> = {};
  for (const rendered of page.sections.flatMap((s) => s.figures ?? [])) {
    const path = join(outDir, 'figures', `${rendered.figure.name}.png`);
    await writeFileAtomic(path, await svgToPng(rendered.svg, options.pngScale));
    pngs[rendered.figure.name] = path;
  }
  const htmlPath = join(outDir, options.file ?? 'report.html');
  await writeFileAtomic(htmlPath, html);
  return { html: htmlPath, pngs };
}

/** Report of one run, or of several overlaid (one colour per run) when given several directories. */
export async function writeReport(runDirs: readonly string[], options: ReportOptions = {}): Promise<WrittenReport> {
  if (runDirs.length === 0) throw new Error('writeReport: no run directory given');
  const runs = await loadRuns(runDirs);
  const figures: RenderedFigure[] = [];
  for (const figure of runFigures(runs)) figures.push(await renderFigure(figure));
  const byName = (names: readonly string[]): RenderedFigure[] => figures.filter((f) => names.includes(f.figure.name));
  const aids = trainingAidsTable(runs);
  const evalNames = ['ap', 'coco-stats', 'pose-median-errors', 'pose-recall', 'eval-metrics'];
  const sections: ReportSection[] = [
    { heading: 'Summary', tables: [runSummaryTable(runs), ...(aids === null ? [] : [aids])] },
    { heading: 'Evaluation', tables: finalEvalTables(runs), figures: byName(evalNames) },
    { heading: 'Training', figures: byName(['loss-steps', 'loss-epochs', 'learning-rate', 'images-per-sec']) },
    { heading: 'Configuration', details: runs.map((run) => ({ summary: `${run.label}: config.json`, text: JSON.stringify(run.config, null, 2) })) },
  ].filter((s) => (s.tables?.length ?? 0) + (s.figures?.length ?? 0) + (s.details?.length ?? 0) > 0);
  const page: ReportPage = {
    title: options.title ?? `condformer report: ${runs.map((r) => r.label).join(' vs ')}`,
    subtitle: [
      ...runs.map((run) => `${run.label}: ${run.dir} · backend ${runBackends(run).join(', ') || '-'} · started ${run.sessions[0]?.startedAt ?? '-'}`),
      `generated ${new Date().toISOString()}`,
    ],
    sections,
  };
  const written = await writeReportPage(options.outDir ?? (runDirs[0] as string), page, { pngScale: options.pngScale });
  return { ...written, figures, runs };
}

/** The report of one run, written into its directory: `<runDir>/report.html`, `<runDir>/figures/*.png`. */
export async function writeRunReport(runDir: string, options: Omit<ReportOptions, 'outDir'> = {}): Promise<WrittenReport> {
  return writeReport([runDir], options);
}
