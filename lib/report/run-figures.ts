// The figures of a run report, from one or several runs (overlaid, one colour per run): training
// loss and each term, learning rate, images/s, and the evaluation curves: AP and the 12 COCO
// stats for detection, per-scene median errors and recall for pose, every other metric as is.
import { COCO_STAT_NAMES, isCocoValue } from './coco-metrics';
import type { Figure } from './figure';
import { parsePoseMetricKey, type PoseMetricKey } from './pose-eval-metrics';
import type { RunData } from './run-data';
import { seriesFigure, type SeriesRow } from './series-figure';

const RUN = { field: 'run', title: 'run' };
const VALUE = 'value';
const TOTAL_LOSS = 'loss (total)';
/** Pose panels: `average` / `all images` first, then the scenes. */
const POOLED_SCENE = 'all scenes';

export function runFigures(runs: readonly RunData[]): Figure[] {
  return [lossStepsFigure(runs), lossEpochsFigure(runs), learningRateFigure(runs), imagesPerSecFigure(runs), ...evalFigures(runs)].filter(
    (f): f is Figure => f !== null,
  );
}

/** Term names in first-seen order, the total first. */
function termOrder(records: readonly LossRecord[]): string[] {
  return [TOTAL_LOSS, ...new Set(records.flatMap((r) => Object.keys(r.terms)))];
}

interface LossRecord {
  readonly loss: number;
  readonly terms: Readonly<Record<string, number>>;
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
    caption: 'The total loss and each logged term at every logged optimizer step (log.jsonl "train" records).',
    rows: lossRows(runs, (run) => run.train, (r) => r.step),
    x: { field: 'x', title: 'step' },
    y: { field: VALUE, title: 'loss' },
    colour: RUN,
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
    rows: lossRows(runs, (run) => run.epochs, (r) => r.epoch),
    x: { field: 'x', title: 'epoch' },
    y: { field: VALUE, title: 'loss' },
    colour: RUN,
    panels: { field: 'panel', order, columns: Math.min(3, order.length) },
  });
}

function learningRateFigure(runs: readonly RunData[]): Figure | null {
  const rows = runs.flatMap((run) => run.train.filter((r) => r.lr > 0).map((r) => ({ run: run.label, step: r.step, value: r.lr })));
  if (rows.length === 0) return null;
  return seriesFigure({
    name: 'learning-rate',
    title: 'Learning rate',
    caption: "The first parameter group's learning rate at each logged step.",
    rows,
    x: { field: 'step', title: 'step' },
    y: { field: VALUE, title: 'learning rate', log: true },
    colour: RUN,
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
    colour: RUN,
  });
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
    run.evals.flatMap((r) => Object.entries(r.metrics).flatMap(([key, value]) => (value === null ? [] : [{ run: run.label, epoch: r.epoch, key, value }]))),
  );
}

const COCO_KEYS: ReadonlySet<string> = new Set(COCO_STAT_NAMES);

function evalFigures(runs: readonly RunData[]): (Figure | null)[] {
  const points = metricPoints(runs);
  const coco = points.filter((p) => COCO_KEYS.has(p.key) && isCocoValue(p.value));
  const pose = points.flatMap((p) => {
    const parsed = parsePoseMetricKey(p.key);
    return parsed ? [{ ...p, parsed }] : [];
  });
  const other = points.filter((p) => !COCO_KEYS.has(p.key) && parsePoseMetricKey(p.key) === null);
  return [apFigure(coco), cocoStatsFigure(coco), poseMedianFigure(pose), poseRecallFigure(pose), otherMetricsFigure(other)];
}

function apFigure(points: readonly MetricPoint[]): Figure | null {
  const rows = points.filter((p) => p.key === 'AP').map(({ run, epoch, value }) => ({ run, epoch, value }));
  if (rows.length === 0) return null;
  return seriesFigure({
    name: 'ap',
    title: 'COCO AP per epoch',
    caption: 'Box AP @[IoU .50:.95, all areas, 100 detections] at each evaluation.',
    rows,
    x: { field: 'epoch', title: 'epoch' },
    y: { field: VALUE, title: 'AP' },
    colour: RUN,
  });
}

function cocoStatsFigure(points: readonly MetricPoint[]): Figure | null {
  if (points.length === 0) return null;
  const present = COCO_STAT_NAMES.filter((name) => points.some((p) => p.key === name));
  return seriesFigure({
    name: 'coco-stats',
    title: 'COCO detection metrics per epoch',
    caption: "pycocotools' 12 summary stats at each evaluation (stats without ground truth, -1, are not drawn).",
    rows: points.map(({ run, epoch, key, value }) => ({ run, epoch, panel: key, value })),
    x: { field: 'epoch', title: 'epoch' },
    y: { field: VALUE, title: 'value' },
    colour: RUN,
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

function poseMedianFigure(points: readonly PosePoint[]): Figure | null {
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
    colour: RUN,
    panels: { field: 'panel', order: (['position', 'orientation'] as const).flatMap((q) => scenes.map((s) => `${s} · ${QUANTITY_LABEL[q]}`)), columns: scenes.length },
    width: 170,
    height: 110,
  });
}

function poseRecallFigure(points: readonly PosePoint[]): Figure | null {
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
    colour: RUN,
    panels: { field: 'panel', order: scenes.flatMap((s) => thresholds.map((t) => `${s} · ${t}`)), columns: thresholds.length },
    width: 170,
    height: 90,
  });
}

function otherMetricsFigure(points: readonly MetricPoint[]): Figure | null {
  if (points.length === 0) return null;
  const keys = [...new Set(points.map((p) => p.key))];
  return seriesFigure({
    name: 'eval-metrics',
    title: 'Evaluation metrics per epoch',
    caption: 'Logged evaluation metrics that are neither COCO stats nor pose errors.',
    rows: points.map(({ run, epoch, key, value }) => ({ run, epoch, panel: key, value })),
    x: { field: 'epoch', title: 'epoch' },
    y: { field: VALUE, title: 'value' },
    colour: RUN,
    panels: { field: 'panel', order: keys, columns: Math.min(4, keys.length) },
    width: 180,
    height: 110,
  });
}
