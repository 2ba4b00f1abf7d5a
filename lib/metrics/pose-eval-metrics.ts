// Pose evaluation (lib/metrics/pose-metrics.ts) as the flat named metrics of a run log. Keys:
//   medianPositionError, medianOrientationError           mean over scenes of the scene medians
//   recall/<threshold>                                     pooled over all images
//   scene/<scene>/medianPositionError, scene/<scene>/medianOrientationError, scene/<scene>/recall/<threshold>
// where <threshold> is `thresholdLabel` (`0.25m/2deg`); the same keys prefixed `baseline/` are the
// scene-mean baseline's on the same test split.
import { type PoseEvaluation, thresholdLabel } from '../metrics/pose-metrics.js';

export type PoseQuantity = 'position' | 'orientation' | 'recall';

export interface PoseMetricKey {
  /** null: the average / pooled value. */
  readonly scene: string | null;
  readonly quantity: PoseQuantity;
  /** The recall threshold label (recall only). */
  readonly threshold?: string;
  /** The scene-mean baseline's value (key prefixed `baseline/`). */
  readonly baseline: boolean;
}

/** Prefix of the scene-mean baseline's keys. */
export const BASELINE_PREFIX = 'baseline/';

const MEDIAN_NAMES: Record<string, PoseQuantity> = { medianPositionError: 'position', medianOrientationError: 'orientation' };

/** The log metrics of one pose evaluation (return it from the training `evaluate` callback); `prefix` BASELINE_PREFIX for the baseline's. */
export function poseEvalMetrics(evaluation: PoseEvaluation, prefix = ''): Record<string, number> {
  return Object.fromEntries(Object.entries(unprefixedMetrics(evaluation)).map(([key, value]) => [prefix + key, value]));
}

function unprefixedMetrics(evaluation: PoseEvaluation): Record<string, number> {
  const out: Record<string, number> = {
    medianPositionError: evaluation.average.medianPositionError,
    medianOrientationError: evaluation.average.medianOrientationError,
  };
  const labels = evaluation.thresholds.map(thresholdLabel);
  for (const label of labels) out[`recall/${label}`] = evaluation.recall[label] ?? NaN;
  for (const s of evaluation.scenes) {
    out[`scene/${s.scene}/medianPositionError`] = s.medianPositionError;
    out[`scene/${s.scene}/medianOrientationError`] = s.medianOrientationError;
    for (const label of labels) out[`scene/${s.scene}/recall/${label}`] = s.recall[label] ?? NaN;
  }
  return out;
}

/** Inverse of the key scheme above; null for a key that is not a pose metric. */
export function parsePoseMetricKey(key: string): PoseMetricKey | null {
  const baseline = key.startsWith(BASELINE_PREFIX);
  const parsed = parseUnprefixed(baseline ? key.slice(BASELINE_PREFIX.length) : key);
  return parsed === null ? null : { ...parsed, baseline };
}

function parseUnprefixed(key: string): Omit<PoseMetricKey, 'baseline'> | null {
  const scoped = /^scene\/(.+)\/(medianPositionError|medianOrientationError)$/.exec(key);
  if (scoped) return { scene: scoped[1] as string, quantity: MEDIAN_NAMES[scoped[2] as string] as PoseQuantity };
  const scopedRecall = /^scene\/(.+)\/recall\/([^/]+\/[^/]+)$/.exec(key);
  if (scopedRecall) return { scene: scopedRecall[1] as string, quantity: 'recall', threshold: scopedRecall[2] as string };
  if (key in MEDIAN_NAMES) return { scene: null, quantity: MEDIAN_NAMES[key] as PoseQuantity };
  const recall = /^recall\/([^/]+\/[^/]+)$/.exec(key);
  if (recall) return { scene: null, quantity: 'recall', threshold: recall[1] as string };
  return null;
}
