// The 12 COCO bbox stats as named evaluation metrics of a run log (`{"type":"eval","metrics":{"AP":…}}`).

/** pycocotools' `stats` order. */
export const COCO_STAT_NAMES = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'] as const;

export type CocoStatName = (typeof COCO_STAT_NAMES)[number];

/** `stats` ([12], e.g. `evaluateCoco(...).stats`) → `{ AP, AP50, …, ARl }` for a training `evaluate` callback. */
export function cocoEvalMetrics(stats: readonly number[]): Record<CocoStatName, number> {
  if (stats.length !== COCO_STAT_NAMES.length) throw new RangeError(`cocoEvalMetrics: expected 12 stats, got ${stats.length}`);
  return Object.fromEntries(COCO_STAT_NAMES.map((name, i) => [name, stats[i] as number])) as Record<CocoStatName, number>;
}

/** pycocotools writes -1 for a stat without ground truth: not a value to plot. */
export function isCocoValue(value: number | null): value is number {
  return value !== null && value > -1;
}
