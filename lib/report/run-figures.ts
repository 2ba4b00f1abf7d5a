// The figures of a run report, from one or several runs (overlaid, one colour per run): training
// loss and each term, learning rate, images/s, and the evaluation curves: AP and the 12 COCO
// stats for detection, per-scene median errors and recall for pose, every other metric as is.
import { COCO_STAT_NAMES } from '../metrics/coco-summary.js';
import { type PoseMetricKey, parsePoseMetricKey } from '../metrics/pose-eval-metrics.js';
import type { Figure } from './figure.js';
import type { RunData } from './run-data.js';
import { type SeriesFigureOptions, type SeriesRow, seriesFigure } from './series-figure.js';

const VALUE = 'value';
const TOTAL_LOSS = 'loss (total)';
/** The pose panels of the averaged / pooled values (shown before the scenes). */
const POOLED_SCENE = 'all scenes';

interface LossRecord {
  readonly loss: number;
  readonly terms: Readonly<Record<string, number>>;
}

/** Per-step figures keep at most this many records per run (every k-th one and the last, all logged values). */
export const MAX_STEP_RECORDS = 1000;

/** Every k-th record (k = ⌈n / max⌉) and the last one. */
export function thinned<T>(records: readonly T[], max = MAX_STEP_RECORDS): readonly T[] {
  if (records.length <= max) return records;
  const k = Math.ceil(records.length / max);
  return records.filter((_, i) => i % k === 0 || i === records.length - 1);
}

/** One colour per run, legend in the order the runs were given. */
function runColour(runs: readonly RunData[]): SeriesFigureOptions['colour'] {
  return { field: 'run', title: 'run', order: runs.map((r) => r.label) };
}

export function runFigures(runs: readonly RunData[]): Figure[] {
  return [lossStepsFigure(runs), lossEpochsFigure(runs), learningRateFigure(runs), imagesPerSecFigure(runs), ...evalFigures(runs)].filter(
    (f): f is Figure => f !== null,
  );
}

/** Term names in first-seen order, the total first. */
function termOrder(records: readonly LossRecord[]): string[] {
  return [TOTAL_LOSS, ...new Set(records.flatMap((r) => Object.keys(r.terms)))];
}

/** One row per run, record and loss term (the total too): `{ run, x, panel, value }`. */
function lossRows<R extends LossRecord>(runs: readonly RunData[], pick: (run: RunData) => readonly R[], x: (record: R) => number): SeriesRow[] {
  return runs.flatMap((run) =>
    pick(run).flatMap((r) => [
      { run: run.label, x: x(r), panel: TOTAL_LOSS, value: r.loss },
      ...Object.entries(r.terms).map(([term, value]) => ({ run: run.label, x: x(r), panel: term, value })),
    ]),
  );
}

function lossStepsFigure(runs: readonly RunData[]): Figure | null {
  const records = runs.flatMap((r) => r.train);
  if (records.length === 0) return null;
  const order = termOrder(records);
  return seriesFigure({
    name: 'loss-steps',
    title: 'Training loss per logged step',
    caption: `The total loss and each logged term at the logged optimizer steps (log.jsonl "train" records; every k-th of a run's records above ${MAX_STEP_RECORDS}).`,
    rows: lossRows(
      runs,
      (run) => thinned(run.train),
      (r) => r.step,
    ),
    x: { field: 'x', title: 'step' },
    y: { field: VALUE, title: 'loss' },
    colour: runColour(runs),
    panels: { field: 'panel', order, columns: Math.min(3, order.length) },
  });
}

function lossEpochsFigure(runs: readonly RunData[]): Figure | null {
  const records = runs.flatMap((r) => r.epochs);
  if (records.length === 0) return null;
  const order = termOrder(records);
  return seriesFigure({
    name: 'loss-epochs',
    title: 'Training loss per epoch (mean)',
    caption: 'Epoch means of the total loss and each term (log.jsonl "epoch" records).',
    rows: lossRows(
      runs,
      (run) => run.epochs,
      (r) => r.epoch,
    ),
    x: { field: 'x', title: 'epoch' },
    y: { field: VALUE, title: 'loss' },
    colour: runColour(runs),
    panels: { field: 'panel', order, columns: Math.min(3, order.length) },
  });
}

function learningRateFigure(runs: readonly RunData[]): Figure | null {
  const rows = runs.flatMap((run) => thinned(run.train.filter((r) => r.lr > 0)).map((r) => ({ run: run.label, step: r.step, value: r.lr })));
  if (rows.length === 0) return null;
  return seriesFigure({
    name: 'learning-rate',
    title: 'Learning rate',
    caption: "The first parameter group's learning rate at each logged step.",
    rows,
    x: { field: 'step', title: 'step' },
    y: { field: VALUE, title: 'learning rate', log: true },
    colour: runColour(runs),
  });
}

function imagesPerSecFigure(runs: readonly RunData[]): Figure | null {
  const rows = runs.flatMap((run) => run.epochs.map((r) => ({ run: run.label, epoch: r.epoch, value: r.imagesPerSec })));
  if (rows.length === 0) return null;
  return seriesFigure({
    name: 'images-per-sec',
    title: 'Training throughput',
    caption: 'Images per second of each epoch (training steps incl. data loading; evaluation and checkpoints excluded).',
    rows,
    x: { field: 'epoch', title: 'epoch' },
    y: { field: VALUE, title: 'images / s' },
    colour: runColour(runs),
  });
}

/** pycocotools writes -1 for a stat without ground truth: not a value to plot or tabulate. */
export function isCocoValue(value: number | null): value is number {
  return value !== null && value > -1;
}

interface MetricPoint {
  readonly run: string;
  readonly epoch: number;
  readonly key: string;
  readonly value: number;
}

/** Every finite logged metric value (null = a non-finite value, not plotted). */
export function metricPoints(runs: readonly RunData[]): MetricPoint[] {
  return runs.flatMap((run) =>
    run.evals.flatMap((r) =>
      Object.entries(r.metrics).flatMap(([key, value]) => (value === null ? [] : [{ run: run.label, epoch: r.epoch, key, value }])),
    ),
  );
}

const COCO_KEYS: ReadonlySet<string> = new Set(COCO_STAT_NAMES);

function evalFigures(runs: readonly RunData[]): (Figure | null)[] {
  const points = metricPoints(runs);
  const coco = points.filter((p) => COCO_KEYS.has(p.key) && isCocoValue(p.value));
  const pose = points.flatMap((p) => {
    const parsed = parsePoseMetricKey(p.key);
    // the baseline's values are constant across epochs: the final pose table shows them
    return parsed && !parsed.baseline ? [{ ...p, parsed }] : [];
  });
  const other = points.filter((p) => !COCO_KEYS.has(p.key) && !CONVERGENCE_KEYS.has(p.key) && parsePoseMetricKey(p.key) === null);
  const colour = runColour(runs);
  return [
    apFigure(coco, colour),
    cocoStatsFigure(coco, colour),
    poseMedianFigure(pose, colour),
    poseRecallFigure(pose, colour),
    convergenceFigure(runs, points, colour),
    otherMetricsFigure(other, colour),
  ];
}

/** The detectors' query-collapse metrics (lib/diagnostics/query-collapse.ts), drawn with the matching change. */
const CONVERGENCE_KEYS: ReadonlySet<string> = new Set(['queryBoxSpread', 'queryTopClassShare', 'queryCollapse']);

/** Matching change per epoch (epoch records' diagnostics) and query collapse per evaluation, with a warning for every collapsed evaluation. */
export function convergenceFigure(runs: readonly RunData[], points: readonly MetricPoint[], colour: SeriesFigureOptions['colour']): Figure | null {
  const matching = runs.flatMap((run) =>
    run.epochs.flatMap((r) => {
      const value = r.diagnostics?.matchingChange;
      return value === undefined ? [] : [{ run: run.label, epoch: r.epoch, panel: 'matchingChange', value }];
    }),
  );
  const collapse = points
    .filter((p) => p.key === 'queryBoxSpread' || p.key === 'queryTopClassShare')
    .map(({ run, epoch, key, value }) => ({ run, epoch, panel: key, value }));
  const rows = [...matching, ...collapse];
  if (rows.length === 0) return null;
  const collapsed = points.filter((p) => p.key === 'queryCollapse' && p.value === 1).map((p) => `${p.run} epoch ${p.epoch + 1}`);
  const order = ['matchingChange', 'queryBoxSpread', 'queryTopClassShare'].filter((k) => rows.some((r) => r.panel === k));
  return seriesFigure({
    name: 'convergence',
    title: 'Convergence diagnostics',
    caption:
      (collapsed.length > 0 ? `WARNING: query collapse (every query on about the same box and class) at ${collapsed.join(', ')}. ` : '') +
      'matchingChange: the share of training objects matched to another query than in the epoch before; queryBoxSpread: mean L1 distance of the ' +
      "queries' boxes to their mean (normalised cxcywh); queryTopClassShare: the share of queries on the most common class (val images).",
    rows,
    x: { field: 'epoch', title: 'epoch' },
    y: { field: VALUE, title: 'value' },
    colour,
    panels: { field: 'panel', order, columns: order.length },
    width: 220,
    height: 140,
  });
}

function apFigure(points: readonly MetricPoint[], colour: SeriesFigureOptions['colour']): Figure | null {
  const rows = points.filter((p) => p.key === 'AP').map(({ run, epoch, value }) => ({ run, epoch, value }));
  if (rows.length === 0) return null;
  return seriesFigure({
    name: 'ap',
    title: 'COCO AP per epoch',
    caption: 'Box AP @[IoU .50:.95, all areas, 100 detections] at each evaluation.',
    rows,
    x: { field: 'epoch', title: 'epoch' },
    y: { field: VALUE, title: 'AP' },
    colour,
  });
}

function cocoStatsFigure(points: readonly MetricPoint[], colour: SeriesFigureOptions['colour']): Figure | null {
  if (points.length === 0) return null;
  const present = COCO_STAT_NAMES.filter((name) => points.some((p) => p.key === name));
  return seriesFigure({
    name: 'coco-stats',
    title: 'COCO detection metrics per epoch',
    caption: "pycocotools' 12 summary stats at each evaluation (stats without ground truth, -1, are not drawn).",
    rows: points.map(({ run, epoch, key, value }) => ({ run, epoch, panel: key, value })),
    x: { field: 'epoch', title: 'epoch' },
    y: { field: VALUE, title: 'value' },
    colour,
    panels: { field: 'panel', order: present, columns: 4 },
    width: 180,
    height: 110,
  });
}

type PosePoint = MetricPoint & { readonly parsed: PoseMetricKey };

function sceneOrder(points: readonly PosePoint[]): string[] {
  return [POOLED_SCENE, ...[...new Set(points.flatMap((p) => (p.parsed.scene === null ? [] : [p.parsed.scene])))].sort()];
}

const QUANTITY_LABEL = { position: 'position (m)', orientation: 'orientation (°)' } as const;

function poseMedianFigure(points: readonly PosePoint[], colour: SeriesFigureOptions['colour']): Figure | null {
  const medians = points.filter((p) => p.parsed.quantity !== 'recall');
  if (medians.length === 0) return null;
  const scenes = sceneOrder(medians);
  const panel = (p: PosePoint): string => `${p.parsed.scene ?? POOLED_SCENE} · ${QUANTITY_LABEL[p.parsed.quantity as 'position' | 'orientation']}`;
  return seriesFigure({
    name: 'pose-median-errors',
    title: 'Median pose errors per epoch',
    caption: `Per-scene median position and orientation errors; "${POOLED_SCENE}" is the mean of the scene medians.`,
    rows: medians.map((p) => ({ run: p.run, epoch: p.epoch, panel: panel(p), value: p.value })),
    x: { field: 'epoch', title: 'epoch' },
    y: { field: VALUE, title: 'median error' },
    colour,
    panels: {
      field: 'panel',
      order: (['position', 'orientation'] as const).flatMap((q) => scenes.map((s) => `${s} · ${QUANTITY_LABEL[q]}`)),
      columns: scenes.length,
    },
    width: 170,
    height: 110,
  });
}

function poseRecallFigure(points: readonly PosePoint[], colour: SeriesFigureOptions['colour']): Figure | null {
  const recalls = points.filter((p) => p.parsed.quantity === 'recall');
  if (recalls.length === 0) return null;
  const scenes = sceneOrder(recalls);
  const thresholds = [...new Set(recalls.map((p) => p.parsed.threshold as string))];
  const panel = (p: PosePoint): string => `${p.parsed.scene ?? POOLED_SCENE} · ${p.parsed.threshold}`;
  return seriesFigure({
    name: 'pose-recall',
    title: 'Localisation recall per epoch',
    caption: `Fraction of images within each (metres, degrees) threshold, per scene; "${POOLED_SCENE}" pools every image.`,
    rows: recalls.map((p) => ({ run: p.run, epoch: p.epoch, panel: panel(p), value: p.value })),
    x: { field: 'epoch', title: 'epoch' },
    y: { field: VALUE, title: 'recall' },
    colour,
    panels: { field: 'panel', order: scenes.flatMap((s) => thresholds.map((t) => `${s} · ${t}`)), columns: thresholds.length },
    width: 170,
    height: 90,
  });
}

function otherMetricsFigure(points: readonly MetricPoint[], colour: SeriesFigureOptions['colour']): Figure | null {
  if (points.length === 0) return null;
  const keys = [...new Set(points.map((p) => p.key))];
  return seriesFigure({
    name: 'eval-metrics',
    title: 'Evaluation metrics per epoch',
    caption: 'Logged evaluation metrics that are neither COCO stats nor pose errors.',
    rows: points.map(({ run, epoch, key, value }) => ({ run, epoch, panel: key, value })),
    x: { field: 'epoch', title: 'epoch' },
    y: { field: VALUE, title: 'value' },
    colour,
    panels: { field: 'panel', order: keys, columns: Math.min(4, keys.length) },
    width: 180,
    height: 110,
  });
}
