// Camera pose evaluation as in MS-Transformer / ActMST (`util/utils.py` pose_err): position error
// = ‖x − x̂‖₂ (metres), orientation error = 2·acos(|⟨q, q̂⟩|) in degrees of the unit-normalised
// quaternions. Reported per scene as medians (torch.median, i.e. the lower median for an even
// count), averaged over scenes, plus localisation recall at (metres, degrees) thresholds.

/** A (position, orientation) threshold pair: an image counts when both errors are within it. */
export interface PoseThreshold {
  readonly meters: number;
  readonly degrees: number;
}

/** Default recall thresholds: (0.25 m, 2°), (0.5 m, 5°), (5 m, 10°). */
export const DEFAULT_POSE_THRESHOLDS: readonly PoseThreshold[] = [
  { meters: 0.25, degrees: 2 },
  { meters: 0.5, degrees: 5 },
  { meters: 5, degrees: 10 },
];

/** ActMST / MS-Transformer table 4 thresholds for Cambridge Landmarks (outdoor, metres-scale errors). */
export const CAMBRIDGE_POSE_THRESHOLDS: readonly PoseThreshold[] = [
  { meters: 1, degrees: 5 },
  { meters: 1, degrees: 10 },
  { meters: 2, degrees: 5 },
  { meters: 2, degrees: 10 },
];

/** ActMST / MS-Transformer table 4 thresholds for 7Scenes (indoor, decimetre-scale errors). */
export const SEVEN_SCENES_POSE_THRESHOLDS: readonly PoseThreshold[] = [
  { meters: 0.2, degrees: 5 },
  { meters: 0.2, degrees: 10 },
  { meters: 0.3, degrees: 5 },
  { meters: 0.3, degrees: 10 },
];

/** The 7Scenes scene names (datasets/7scenes): a label file of only these gets the 7Scenes thresholds. */
export const SEVEN_SCENES_NAMES: readonly string[] = ['chess', 'fire', 'heads', 'office', 'pumpkin', 'redkitchen', 'stairs'];

/** Table 4's thresholds for the scenes: 7Scenes' when every scene is a 7Scenes scene, else Cambridge's. */
export function defaultPoseThresholds(scenes: readonly string[]): readonly PoseThreshold[] {
  const seven = new Set(SEVEN_SCENES_NAMES);
  return scenes.length > 0 && scenes.every((s) => seven.has(s.toLowerCase())) ? SEVEN_SCENES_POSE_THRESHOLDS : CAMBRIDGE_POSE_THRESHOLDS;
}

/** Parse `1:5,2:10` (metres:degrees pairs); `source` names the option in errors. */
export function parsePoseThresholds(text: string, source: string): readonly PoseThreshold[] {
  const pairs = text.split(',').map((pair) =>
    pair
      .trim()
      .split(':')
      .map((v) => Number(v)),
  );
  const bad = pairs.findIndex((p) => p.length !== 2 || !p.every((v) => Number.isFinite(v) && v > 0));
  if (text.trim() === '' || bad >= 0) throw new RangeError(`${source}: expected metres:degrees pairs like 1:5,2:10, got ${JSON.stringify(text)}`);
  return pairs.map(([meters, degrees]) => ({ meters: meters!, degrees: degrees! }));
}

export interface PoseErrors {
  /** [N] metres. */
  readonly position: Float64Array;
  /** [N] degrees. */
  readonly orientation: Float64Array;
}

export interface ScenePoseResult {
  readonly scene: string;
  readonly count: number;
  readonly medianPositionError: number;
  readonly medianOrientationError: number;
  /** Fraction of this scene's images within each threshold, keyed by `thresholdLabel`. */
  readonly recall: Record<string, number>;
}

export interface PoseEvaluation {
  readonly scenes: readonly ScenePoseResult[];
  /** Mean over scenes of the per-scene medians. */
  readonly average: { readonly medianPositionError: number; readonly medianOrientationError: number };
  /** Fraction of all images (pooled over scenes) within each threshold, keyed by `thresholdLabel`. */
  readonly recall: Record<string, number>;
  readonly thresholds: readonly PoseThreshold[];
}

const EPS = 1e-12; // F.normalize eps

/** `0.25m/2deg`. */
export function thresholdLabel(t: PoseThreshold): string {
  return `${t.meters}m/${t.degrees}deg`;
}

/**
 * Per-image errors. `predicted` and `target` are [N, 7] row-major (x, y, z, qw, qx, qy, qz), e.g.
 * `await tensor.data()`; quaternions need not be unit norm.
 */
export function poseErrors(predicted: ArrayLike<number>, target: ArrayLike<number>): PoseErrors {
  if (predicted.length !== target.length || predicted.length % 7 !== 0) {
    throw new RangeError(`poseErrors: expected two [N, 7] arrays, got lengths ${predicted.length} and ${target.length}`);
  }
  const n = predicted.length / 7;
  const position = new Float64Array(n);
  const orientation = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = 7 * i;
    position[i] = Math.hypot(predicted[o]! - target[o]!, predicted[o + 1]! - target[o + 1]!, predicted[o + 2]! - target[o + 2]!);
    let dot = 0;
    let np = 0;
    let nt = 0;
    for (let k = 3; k < 7; k++) {
      dot += predicted[o + k]! * target[o + k]!;
      np += predicted[o + k]! ** 2;
      nt += target[o + k]! ** 2;
    }
    const cos = Math.min(1, Math.abs(dot) / (Math.max(Math.sqrt(np), EPS) * Math.max(Math.sqrt(nt), EPS)));
    orientation[i] = (2 * Math.acos(cos) * 180) / Math.PI;
  }
  return { position, orientation };
}

/** The lower median (torch.median semantics); NaN for an empty list. */
export function lowerMedian(values: ArrayLike<number>): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.floor((sorted.length - 1) / 2)] as number;
}

function recallAt(errors: PoseErrors, indices: readonly number[], thresholds: readonly PoseThreshold[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of thresholds) {
    const hits = indices.filter((i) => errors.position[i]! <= t.meters && errors.orientation[i]! <= t.degrees).length;
    out[thresholdLabel(t)] = indices.length === 0 ? NaN : hits / indices.length;
  }
  return out;
}

/**
 * Evaluate predictions against ground truth. `scenes[i]` names row i's scene; scenes are reported
 * in sorted order.
 */
export function evaluatePoses(
  predicted: ArrayLike<number>,
  target: ArrayLike<number>,
  scenes: readonly string[],
  thresholds: readonly PoseThreshold[] = DEFAULT_POSE_THRESHOLDS,
): PoseEvaluation {
  const errors = poseErrors(predicted, target);
  if (scenes.length !== errors.position.length)
    throw new RangeError(`evaluatePoses: ${scenes.length} scene names for ${errors.position.length} poses`);
  const byScene = new Map<string, number[]>();
  scenes.forEach((s, i) => (byScene.get(s) ?? byScene.set(s, []).get(s)!).push(i));
  const results: ScenePoseResult[] = [...byScene.keys()].sort().map((scene) => {
    const idx = byScene.get(scene)!;
    return {
      scene,
      count: idx.length,
      medianPositionError: lowerMedian(idx.map((i) => errors.position[i]!)),
      medianOrientationError: lowerMedian(idx.map((i) => errors.orientation[i]!)),
      recall: recallAt(errors, idx, thresholds),
    };
  });
  const mean = (xs: number[]) => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
  return {
    scenes: results,
    average: {
      medianPositionError: mean(results.map((r) => r.medianPositionError)),
      medianOrientationError: mean(results.map((r) => r.medianOrientationError)),
    },
    recall: recallAt(
      errors,
      scenes.map((_, i) => i),
      thresholds,
    ),
    thresholds,
  };
}

/** `{ scenes: [{ scene, medianPositionError, medianOrientationError }], average, recall }`. */
export function poseEvaluationJson(e: PoseEvaluation): Omit<PoseEvaluation, 'thresholds'> {
  return {
    scenes: e.scenes.map((s) => ({ ...s, recall: { ...s.recall } })),
    average: { ...e.average },
    recall: { ...e.recall },
  };
}

/** A plain-text table: one line per scene, then the average, then pooled recall. */
export function formatPoseTable(e: PoseEvaluation): string {
  const labels = e.thresholds.map(thresholdLabel);
  const header = ['scene', 'n', 'median pos (m)', 'median ori (deg)', ...labels.map((l) => `recall ${l}`)];
  const pct = (x: number) => (Number.isNaN(x) ? '-' : `${(100 * x).toFixed(1)}%`);
  const rows = e.scenes.map((s) => [
    s.scene,
    String(s.count),
    s.medianPositionError.toFixed(3),
    s.medianOrientationError.toFixed(2),
    ...labels.map((l) => pct(s.recall[l] ?? NaN)),
  ]);
  const total = e.scenes.reduce((n, s) => n + s.count, 0);
  rows.push([
    'average',
    String(total),
    e.average.medianPositionError.toFixed(3),
    e.average.medianOrientationError.toFixed(2),
    ...labels.map((l) => pct(e.recall[l] ?? NaN)),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] as string).length)));
  const line = (cells: string[]) => cells.map((x, c) => (c === 0 ? x.padEnd(widths[c]!) : x.padStart(widths[c]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
