// Where the pose task's images come from: a label CSV (MS-Transformer format, images relative to
// a root) split by its `split` column, or condformer's built-in synthetic scenes rendered in memory.
// The choice is a small JSON spec stored with every run, so evaluation can rebuild the same data.
import { dirname, join } from 'node:path';
import * as t from 'io-ts';
import { checkImages, readRgbImage } from '../../../datasets/image.js';
import { type PoseTable, poseTable, readPoseCsv, selectSplit } from '../../../datasets/pose-csv.js';
import type { PoseSource } from '../../../datasets/pose-dataset.js';
import { createSyntheticScenes, type SyntheticScenes, syntheticPoseSource } from '../../../datasets/synthetic-scenes.js';
import { PositiveInt, withLegacyNames } from '../../io/codecs.js';
import { decodeOrThrow } from '../../io/decode.js';
import { CAMBRIDGE_POSE_THRESHOLDS, defaultPoseThresholds, type PoseThreshold } from '../../metrics/pose-metrics.js';

/** Runs written before the data specs of both tasks said `kind` stored `source`. */
export const PoseDataSpecCodec = withLegacyNames(
  t.union([
    t.intersection([
      t.type({
        kind: t.literal('synthetic'),
        numScenes: PositiveInt,
        seed: t.number,
        /** Rendered images are size × size. */
        size: PositiveInt,
        framesPerSequence: PositiveInt,
        trainSequences: PositiveInt,
        /** 0 with heldOut `frames`. */
        testSequences: t.number,
        /**
         * `views`: training views drawn densely over each scene's free region and headings
         * (`trainViews` per scene), tested on `testSequences` separately rendered trajectories
         * (the `unseen-trajectories` split; trainSequences unused);
         * `trajectories`: train and test are whole trajectories (also `unseen-trajectories`);
         * `frames`: every 4th frame of each trajectory is held out for testing (poses between
         * training poses: the `interpolation` split).
         */
        heldOut: t.keyof({ views: null, trajectories: null, frames: null }),
      }),
      t.partial({ trainViews: PositiveInt }),
    ]),
    t.type({ kind: t.literal('csv'), path: t.string, root: t.string }),
  ]),
  { source: 'kind' },
);
export type PoseDataSpec = t.TypeOf<typeof PoseDataSpecCodec>;
export type SyntheticDataSpec = Extract<PoseDataSpec, { kind: 'synthetic' }>;

export interface PoseSplits {
  readonly train: PoseSource;
  readonly test: PoseSource;
  readonly spec: PoseDataSpec;
}

export function decodePoseDataSpec(value: unknown, source: string): PoseDataSpec {
  return decodeOrThrow(PoseDataSpecCodec, value, source);
}

/** The synthetic-scenes spec; defaults: 4 scenes, 2 train + 1 test sequences of 50 frames each. */
export function syntheticDataSpec(options: {
  size: number;
  numScenes?: number;
  seed?: number;
  framesPerSequence?: number;
  trainSequences?: number;
  testSequences?: number;
  heldOut?: 'views' | 'trajectories' | 'frames';
  /** With heldOut `views` (default 1000). */
  trainViews?: number;
}): SyntheticDataSpec {
  const { size, numScenes = 4, seed = 0, framesPerSequence = 50, trainSequences = 2, heldOut = 'trajectories' } = options;
  const testSequences = options.testSequences ?? (heldOut === 'frames' ? 0 : 1);
  const spec: SyntheticDataSpec = { kind: 'synthetic', numScenes, seed, size, framesPerSequence, trainSequences, testSequences, heldOut };
  return heldOut === 'views' ? { ...spec, trainViews: options.trainViews ?? 1000 } : spec;
}

/** The name of a spec's test split in every output: `unseen-trajectories`, `interpolation`, or a CSV's `test`. */
export type PoseSplitName = 'unseen-trajectories' | 'interpolation' | 'test';

export function poseSplitName(spec: PoseDataSpec): PoseSplitName {
  if (spec.kind === 'csv') return 'test';
  return spec.heldOut === 'frames' ? 'interpolation' : 'unseen-trajectories';
}

/** Views per scene of the synthetic benchmark's training split. */
export const BENCHMARK_TRAIN_VIEWS = 2000;

/**
 * The synthetic benchmark of `npm start`, the ablation and the example (the `unseen-trajectories`
 * split): 4 scenes rendered at 32², BENCHMARK_TRAIN_VIEWS training views per scene drawn over the
 * scene's free region and headings, tested on 2 separately drawn trajectories of 40 frames per scene.
 */
export function syntheticBenchmarkSpec(
  options: { numScenes?: number; seed?: number; framesPerSequence?: number; trainViews?: number } = {},
): SyntheticDataSpec {
  const { trainViews = BENCHMARK_TRAIN_VIEWS, framesPerSequence = 40, ...rest } = options;
  return syntheticDataSpec({ ...rest, framesPerSequence, size: 32, trainSequences: 1, testSequences: 2, heldOut: 'views', trainViews });
}

/**
 * The old benchmark, kept as the `interpolation` split: 6 trajectories of 40 frames per scene,
 * every 4th frame held out (720 train / 240 test images with 4 scenes): test poses lie between
 * training poses.
 */
export function interpolationBenchmarkSpec(options: { numScenes?: number; seed?: number; framesPerSequence?: number } = {}): SyntheticDataSpec {
  return syntheticDataSpec({ ...options, framesPerSequence: options.framesPerSequence ?? 40, size: 32, trainSequences: 6, heldOut: 'frames' });
}

/** Every HELD_OUT_FRAME_STEP-th frame (from the middle of each group) is a test frame with heldOut `frames`. */
export const HELD_OUT_FRAME_STEP = 4;

function holdOutFrames(scenes: SyntheticScenes): SyntheticScenes {
  const frameIndex = new Map<string, number>();
  const rows = scenes.table.rows.map((r) => {
    const key = `${r.scene}/${r.seq}`;
    const i = frameIndex.get(key) ?? 0;
    frameIndex.set(key, i + 1);
    return { ...r, split: i % HELD_OUT_FRAME_STEP === HELD_OUT_FRAME_STEP - 2 ? 'test' : 'train' };
  });
  return { specs: scenes.specs, table: poseTable(rows) };
}

/** A label file; img_path is relative to `root` (default: the CSV's folder). */
export function csvDataSpec(path: string, root = dirname(path)): PoseDataSpec {
  return { kind: 'csv', path, root };
}

/** The rows of `split` of a label table read from `csvPath`. */
function csvSplitSource(all: PoseTable, csvPath: string, split: 'train' | 'test', root: string): PoseSource {
  const table = selectSplit(all, split);
  if (table.rows.length === 0) throw new Error(`${csvPath}: no rows with split '${split}'`);
  return { table, readImage: (i) => readRgbImage(join(root, table.rows[i]!.imgPath), `${csvPath} (${split} row ${i})`) };
}

/**
 * The train and test splits of a label file, after checking that every image of every row reads
 * (checkImages: headers only), so a missing or broken file stops the run before training.
 */
export async function csvSplits(spec: Extract<PoseDataSpec, { kind: 'csv' }>): Promise<PoseSplits> {
  const all = await readPoseCsv(spec.path);
  const train = csvSplitSource(all, spec.path, 'train', spec.root);
  const test = csvSplitSource(all, spec.path, 'test', spec.root);
  await checkImages(
    all.rows.map((r) => join(spec.root, r.imgPath)),
    (i) => `${spec.path} row ${i + 1}, split ${all.rows[i]!.split}`,
  );
  return { train, test, spec };
}

export async function loadPoseSplits(spec: PoseDataSpec): Promise<PoseSplits> {
  if (spec.kind === 'csv') return csvSplits(spec);
  const { size, heldOut, numScenes, seed, framesPerSequence, trainSequences, testSequences } = spec;
  const trainViews = heldOut === 'views' ? (spec.trainViews ?? BENCHMARK_TRAIN_VIEWS) : undefined;
  const generated = createSyntheticScenes({ numScenes, seed, framesPerSequence, trainSequences, testSequences, trainViews });
  const scenes = heldOut === 'frames' ? holdOutFrames(generated) : generated;
  const render = { width: size, height: size };
  return { train: syntheticPoseSource(scenes, 'train', render), test: syntheticPoseSource(scenes, 'test', render), spec };
}

/**
 * Recall thresholds by dataset (table 4 of the paper): 7Scenes' for a label file of 7Scenes scenes,
 * Cambridge's otherwise, and Cambridge's for the synthetic scenes, whose rooms and outdoor blocks
 * are several metres across (camera regions ≈ 3–8 m) so errors are metres-scale, as on Cambridge;
 * 7Scenes' 0.2 m would count nothing at this budget.
 */
export function poseThresholdsFor(splits: PoseSplits): readonly PoseThreshold[] {
  return splits.spec.kind === 'synthetic' ? CAMBRIDGE_POSE_THRESHOLDS : defaultPoseThresholds(splits.train.table.scenes);
}

/** One line for logs: `synthetic (4 scenes, seed 0, 64²)` or the CSV path. */
export function describePoseData(spec: PoseDataSpec): string {
  if (spec.kind === 'csv') return spec.path;
  const test =
    spec.heldOut === 'frames'
      ? `every ${HELD_OUT_FRAME_STEP}th frame held out`
      : `${spec.testSequences} unseen test trajectories of ${spec.framesPerSequence} frames per scene`;
  const train =
    spec.heldOut === 'views'
      ? `${spec.trainViews ?? BENCHMARK_TRAIN_VIEWS} training views per scene over its free region and headings`
      : `${spec.trainSequences} trajectories of ${spec.framesPerSequence} frames per scene`;
  return `synthetic (${spec.numScenes} scenes, seed ${spec.seed}, ${spec.size}×${spec.size}, ${train}, ${test}; split ${poseSplitName(spec)})`;
}
