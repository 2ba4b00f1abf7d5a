// pycocotools `Params(iouType='bbox')` defaults, with thresholds built exactly as numpy.linspace
// builds them (the IoU comparisons and the recall search depend on the exact doubles).

export interface CocoEvalParams {
  /** T IoU thresholds, .50:.05:.95. */
  readonly iouThrs: readonly number[];
  /** R recall thresholds, 0:.01:1. */
  readonly recThrs: readonly number[];
  /** A area ranges [lo, hi], both ends inclusive. */
  readonly areaRng: readonly (readonly [number, number])[];
  readonly areaRngLbl: readonly string[];
  /** M detection caps per image and category, ascending. */
  readonly maxDets: readonly number[];
}

/** numpy.linspace(start, stop, num) with endpoint: i·step + start, the last value exactly stop. */
export function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  const out = Array.from({ length: num }, (_, i) => i * step + start);
  if (num > 1) out[num - 1] = stop;
  return out;
}

export function defaultCocoEvalParams(): CocoEvalParams {
  return {
    iouThrs: linspace(0.5, 0.95, Math.round((0.95 - 0.5) / 0.05) + 1),
    recThrs: linspace(0, 1, Math.round((1 - 0) / 0.01) + 1),
    areaRng: [
      [0, 1e5 ** 2],
      [0, 32 ** 2],
      [32 ** 2, 96 ** 2],
      [96 ** 2, 1e5 ** 2],
    ],
    areaRngLbl: ['all', 'small', 'medium', 'large'],
    maxDets: [1, 10, 100],
  };
}
