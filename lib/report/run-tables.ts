// The tables of a run report: a summary per run and the final evaluation (last eval record).
import { COCO_STAT_NAMES } from '../metrics/coco-summary.js';
import { parsePoseMetricKey } from '../metrics/pose-eval-metrics.js';
import type { JsonObject, JsonValue } from '../train/json.js';
import { type RunData, runBackends } from './run-data.js';
import { isCocoValue } from './run-figures.js';

export interface Table {
  readonly caption: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** 4 significant digits, `-` for a missing value. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  if (value === 0) return '0';
  const abs = Math.abs(value);
  return abs >= 1e5 || abs < 1e-3 ? value.toExponential(3) : String(Number(value.toPrecision(4)));
}

/** `1h02m03s`, `4m05s`, `6.1s`. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '-';
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const s = Math.round(seconds);
  const [h, m, r] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const pad = (n: number): string => String(n).padStart(2, '0');
  return h > 0 ? `${h}h${pad(m)}m${pad(r)}s` : `${m}m${pad(r)}s`;
}

const mean = (xs: readonly number[]): number => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);

export function runSummaryTable(runs: readonly RunData[]): Table {
  return {
    caption: 'Runs',
    header: ['run', 'backend', 'sessions', 'epochs', 'steps', 'final epoch loss', 'mean images/s', 'training time', 'checkpoints'],
    rows: runs.map((run) => {
      const lastEpoch = run.epochs.at(-1);
      const lastStep = Math.max(0, ...run.train.map((r) => r.step), ...run.epochs.map((r) => r.step ?? 0));
      return [
        run.label,
        runBackends(run).join(', ') || '-',
        String(run.sessions.length),
        lastEpoch === undefined ? '0' : String(lastEpoch.epoch + 1),
        String(lastStep),
        formatNumber(lastEpoch?.loss),
        formatNumber(mean(run.epochs.map((r) => r.imagesPerSec))),
        formatSeconds(run.epochs.reduce((s, r) => s + r.seconds, 0)),
        run.checkpoints.join(', ') || '-',
      ];
    }),
  };
}

/** Final evaluation tables: COCO stats (runs side by side), pose errors (one table per run), other metrics. */
export function finalEvalTables(runs: readonly RunData[]): Table[] {
  const finals = runs.flatMap((run) => {
    const last = run.evals.at(-1);
    return last ? [{ run, last }] : [];
  });
  if (finals.length === 0) return [];
  const tables: Table[] = [];
  const column = ({ run, last }: (typeof finals)[number]): string => `${run.label} (epoch ${last.epoch})`;

  const coco = finals.filter(({ last }) => 'AP' in last.metrics);
  if (coco.length > 0) {
    const value = (v: number | null | undefined): string => (v !== undefined && isCocoValue(v) ? formatNumber(v) : '-');
    const best = coco.map(({ run }) => {
      const scored = run.evals.flatMap((r) => (isCocoValue(r.metrics.AP ?? null) ? [{ ap: r.metrics.AP as number, epoch: r.epoch }] : []));
      const top = scored.reduce<{ ap: number; epoch: number } | null>((b, r) => (b === null || r.ap > b.ap ? r : b), null);
      return top === null ? '-' : `${formatNumber(top.ap)} (epoch ${top.epoch})`;
    });
    tables.push({
      caption: 'Final COCO detection metrics',
      header: ['metric', ...coco.map(column)],
      rows: [...COCO_STAT_NAMES.map((name) => [name, ...coco.map(({ last }) => value(last.metrics[name]))]), ['best AP', ...best]],
    });
  }

  for (const { run, last } of finals) {
    const entries = Object.entries(last.metrics).flatMap(([key, value]) => {
      const parsed = parsePoseMetricKey(key);
      return parsed ? [{ ...parsed, value }] : [];
    });
    if (entries.length === 0) continue;
    const thresholds = [...new Set(entries.flatMap((e) => (e.threshold === undefined ? [] : [e.threshold])))];
    const scenes = [...new Set(entries.flatMap((e) => (e.scene === null ? [] : [e.scene])))].sort();
    const hasBaseline = entries.some((e) => e.baseline);
    const find = (scene: string | null, quantity: string, threshold?: string, baseline = false): number | null =>
      entries.find((e) => e.scene === scene && e.quantity === quantity && e.threshold === threshold && e.baseline === baseline)?.value ?? null;
    const pct = (v: number | null): string => (v === null || !Number.isFinite(v) ? '-' : `${(100 * v).toFixed(1)}%`);
    const row = (label: string, scene: string | null): string[] => [
      label,
      formatNumber(find(scene, 'position')),
      formatNumber(find(scene, 'orientation')),
      ...thresholds.map((t) => pct(find(scene, 'recall', t))),
      ...(hasBaseline ? [formatNumber(find(scene, 'position', undefined, true)), formatNumber(find(scene, 'orientation', undefined, true))] : []),
    ];
    tables.push({
      caption: `Final pose errors: ${column({ run, last })}`,
      header: [
        'scene',
        'median position (m)',
        'median orientation (°)',
        ...thresholds.map((t) => `recall ${t}`),
        ...(hasBaseline ? ['scene-mean baseline position (m)', 'scene-mean baseline orientation (°)'] : []),
      ],
      rows: [...scenes.map((s) => row(s, s)), row('average / pooled', null)],
    });
  }

  const otherKeys = [...new Set(finals.flatMap(({ last }) => Object.keys(last.metrics)))].filter(
    (key) => !(COCO_STAT_NAMES as readonly string[]).includes(key) && parsePoseMetricKey(key) === null,
  );
  if (otherKeys.length > 0) {
    tables.push({
      caption: 'Final evaluation metrics',
      header: ['metric', ...finals.map(column)],
      rows: otherKeys.map((key) => [key, ...finals.map(({ last }) => formatNumber(last.metrics[key]))]),
    });
  }
  return tables;
}

/** The DETR-family training aids of detection runs (config.json `detector`), or null when no run is a detector run. */
export function trainingAidsTable(runs: readonly RunData[]): Table | null {
  const detectors = runs.flatMap((run) => {
    const detector = run.config.detector;
    return run.config.task === 'detect' && isJsonObject(detector) ? [{ run, detector }] : [];
  });
  if (detectors.length === 0) return null;
  const field = (detector: JsonObject, key: string, fallback: number | string) => String(detector[key] ?? fallback);
  return {
    caption: 'Training aids (DAB-DETR anchors, DN-DETR denoising, Group DETR)',
    header: ['run', 'model', 'anchors', 'DN groups', 'query groups'],
    rows: detectors.map(({ run, detector }) => [
      run.label,
      field(detector, 'model', '-'),
      field(detector, 'anchors', 'none'),
      field(detector, 'dnGroups', 0),
      field(detector, 'queryGroups', 1),
    ]),
  };
}

function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
