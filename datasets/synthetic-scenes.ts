// Synthetic multi-scene camera pose data: N procedural scenes (datasets/raycast), each with smooth
// camera trajectories split into train and test sequences, rendered by the CPU ray caster. Rows
// follow the MS-Transformer label format (t in metres, q camera-to-world (w, x, y, z) as the
// 7-Scenes conversion), served in memory as a PoseSource or written as labels CSV + PNGs.
// Deterministic by seed.
import { join } from 'node:path';
import { Rng } from '../lib/runtime/rng.js';
import { type RgbImage, writePng } from './image.js';
import { type PoseRow, type PoseTable, poseTable, selectSplit, writePoseCsv } from './pose-csv.js';
import type { PoseSource } from './pose-dataset.js';
import { type RenderOptions, renderView } from './raycast/render.js';
import { generateScene, type SceneSpec } from './raycast/scene.js';
import { randomTrajectory, randomViewPose, trajectoryPose } from './raycast/trajectory.js';

export interface SyntheticScenesOptions {
  /** Number of scenes (default 4). */
  readonly numScenes?: number;
  /** `mixed` alternates rooms and outdoor blocks (default). */
  readonly kind?: 'mixed' | SceneSpec['kind'];
  readonly trainSequences?: number; // default 4
  readonly testSequences?: number; // default 1
  readonly framesPerSequence?: number; // default 50
  readonly seed?: number; // default 0
  /**
   * Train on this many views per scene drawn uniformly over its free region and headings
   * (randomViewPose, its own seeded stream) instead of trajectories: then every trajectory is a
   * test trajectory (trainSequences is ignored) and no training frame comes from one.
   */
  readonly trainViews?: number;
}

export interface SyntheticScenes {
  readonly specs: readonly SceneSpec[];
  /** All rows: per scene, the train views or sequences then the test sequences. */
  readonly table: PoseTable;
}

/** Generate scenes and trajectories (no rendering yet). */
export function createSyntheticScenes(options: SyntheticScenesOptions = {}): SyntheticScenes {
  const { numScenes = 4, kind = 'mixed', testSequences = 1, framesPerSequence = 50, seed = 0, trainViews } = options;
  const trainSequences = trainViews === undefined ? (options.trainSequences ?? 4) : 0;
  const specs: SceneSpec[] = [];
  const rows: PoseRow[] = [];
  for (let s = 0; s < numScenes; s++) {
    const rng = new Rng(`synthetic-scenes:${seed}:${s}`);
    const sceneKind = kind === 'mixed' ? (s % 2 === 0 ? 'room' : 'outdoor') : kind;
    const spec = generateScene(rng, `scene-${String(s).padStart(2, '0')}-${sceneKind}`, sceneKind);
    specs.push(spec);
    if (trainViews !== undefined) {
      const viewRng = new Rng(`synthetic-views:${seed}:${s}`);
      for (let v = 0; v < trainViews; v++) {
        const imgPath = `${spec.name}/views/view-${String(v).padStart(6, '0')}.png`;
        rows.push({ scene: spec.name, split: 'train', seq: 'views', imgPath, ...randomViewPose(spec, viewRng) });
      }
    }
    for (let k = 0; k < trainSequences + testSequences; k++) {
      const path = randomTrajectory(rng);
      const seq = `seq-${String(k + 1).padStart(2, '0')}`;
      for (let f = 0; f < framesPerSequence; f++) {
        const pose = trajectoryPose(spec, path, framesPerSequence === 1 ? 0 : f / (framesPerSequence - 1));
        const frame = `frame-${String(f).padStart(6, '0')}.png`;
        rows.push({ scene: spec.name, split: k < trainSequences ? 'train' : 'test', seq, imgPath: `${spec.name}/${seq}/${frame}`, ...pose });
      }
    }
  }
  return { specs, table: poseTable(rows) };
}

/** Render one row's view. */
export function renderSyntheticRow(scenes: SyntheticScenes, row: PoseRow, options: RenderOptions): RgbImage {
  const spec = scenes.specs.find((s) => s.name === row.scene);
  if (spec === undefined) throw new RangeError(`no synthetic scene '${row.scene}'`);
  return renderView(spec, row, options);
}

/**
 * The rows of `split` (or all rows) as an in-memory PoseSource rendering at `options`' resolution.
 * Rendered images are cached unless `cache` is false (64×64: 12 KiB each).
 */
export function syntheticPoseSource(
  scenes: SyntheticScenes,
  split: string | null,
  options: RenderOptions & { readonly cache?: boolean },
): PoseSource {
  const table = split === null ? scenes.table : selectSplit(scenes.table, split);
  const cache = new Map<number, RgbImage>();
  return {
    table,
    readImage: async (index) => {
      const cached = cache.get(index);
      if (cached !== undefined) return cached;
      const image = renderSyntheticRow(scenes, table.rows[index]!, options);
      if (options.cache ?? true) cache.set(index, image);
      return image;
    },
  };
}

/** Write `<dir>/labels.csv` (all rows) and every image as `<dir>/<img_path>` (PNG). */
export async function writeSyntheticScenes(scenes: SyntheticScenes, dir: string, options: RenderOptions): Promise<void> {
  for (const row of scenes.table.rows) await writePng(join(dir, row.imgPath), renderSyntheticRow(scenes, row, options));
  await writePoseCsv(join(dir, 'labels.csv'), scenes.table.rows);
}
