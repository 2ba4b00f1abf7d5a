// Camera pose datasets (`datasets/CameraPoseDataset.py`): a label table plus a way to read each
// row's image, the official scene-equalising sampler, and an epoch iterator that yields
// preprocessed NHWC batches with [B, 7] poses and [B] scene ids.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../lib/runtime/rng.js';
import { type RgbImage, readRgbImage } from './image.js';
import { type PoseTable, readPoseCsv, selectSplit } from './pose-csv.js';
import { type PoseImageTensorData, type PoseTransformConfig, transformPoseImage } from './pose-transforms.js';

export interface PoseSource {
  readonly table: PoseTable;
  /** The image of row `index` (8-bit RGB). */
  readImage(index: number): Promise<RgbImage>;
}

/**
 * A label file on disk; img_path is relative to `root`. With `split`, only that split's rows (scene
 * ids stay those of the whole file, see selectSplit); an empty split is an error.
 */
export async function poseCsvSource(csvPath: string, root: string, split?: string): Promise<PoseSource> {
  const all = await readPoseCsv(csvPath);
  const table = split === undefined ? all : selectSplit(all, split);
  if (table.rows.length === 0) throw new Error(`${csvPath}: no rows${split === undefined ? '' : ` with split '${split}'`}`);
  const where = split === undefined ? 'row' : `${split} row`;
  return {
    table,
    readImage: (index) => readRgbImage(join(root, table.rows[index]!.imgPath), `${csvPath} (${where} ${index})`),
  };
}

/** Row i's pose as (x, y, z, qw, qx, qy, qz). */
export function poseVector(table: PoseTable, index: number): number[] {
  const r = table.rows[index]!;
  return [...r.t, ...r.q];
}

/**
 * One epoch of row indices with the official `equalize_scenes` balancing: the epoch has
 * maxRowsPerScene × nScenes entries; the first N are the rows themselves, each extra one picks a
 * scene with probability (its gap to the largest scene) / (number of extras) and then a uniform row
 * of that scene. So every scene is drawn equally often in expectation. Shuffled (DataLoader
 * shuffle=True). With a single scene, or when all scenes are equal, it is a plain shuffle. Scenes
 * with no rows (a split lacking a scene) are left out.
 */
export function sceneEqualizedEpoch(sceneIds: Int32Array, numScenes: number, rng: Rng): number[] {
  const byScene: number[][] = Array.from({ length: numScenes }, () => []);
  sceneIds.forEach((s, i) => byScene[s]!.push(i));
  const present = byScene.filter((rows) => rows.length > 0); // a split may lack some scenes
  const largest = Math.max(0, ...present.map((r) => r.length));
  const extra = largest * present.length - sceneIds.length;
  const order = Array.from(sceneIds, (_, i) => i);
  if (present.length > 1 && extra > 0) {
    const gaps = present.map((r) => largest - r.length);
    for (let k = 0; k < extra; k++) {
      let u = rng.uniform() * extra;
      let scene = 0;
      while (scene < present.length - 1 && u >= gaps[scene]!) u -= gaps[scene++]!;
      const rows = present[scene]!;
      order.push(rows[rng.int(rows.length)]!);
    }
  }
  return rng.shuffle(order);
}

export interface PoseBatch {
  /** [B, crop, crop, 3] ImageNet-normalised pixels. */
  readonly images: tf.Tensor4D;
  /** [B, 7] (x, y, z, qw, qx, qy, qz) float32. */
  readonly poses: tf.Tensor2D;
  /** [B] int32. */
  readonly sceneIds: tf.Tensor1D;
  /** The table rows in this batch. */
  readonly indices: readonly number[];
}

export function disposePoseBatch(batch: PoseBatch): void {
  tf.dispose([batch.images, batch.poses, batch.sceneIds]);
}

export interface PoseBatchOptions {
  readonly batchSize: number;
  readonly transform: PoseTransformConfig;
  /** Shuffles / balances the order and seeds each sample's own generator. */
  readonly rng: Rng;
  /** Default true (training); false keeps the table order (evaluation). */
  readonly shuffle?: boolean;
  /** The official equalize_scenes sampler (implies shuffle). */
  readonly equalizeScenes?: boolean;
  readonly dropLast?: boolean;
}

/**
 * One epoch of batches. Each sample gets its own generator forked from `rng` before any reading
 * starts, so results do not depend on I/O timing; the next batch is prepared while the consumer
 * works on the current one. Dispose each batch (disposePoseBatch).
 */
export async function* poseBatches(source: PoseSource, options: PoseBatchOptions): AsyncGenerator<PoseBatch> {
  const { batchSize, rng, transform } = options;
  const { table } = source;
  const n = table.rows.length;
  const order = options.equalizeScenes
    ? sceneEqualizedEpoch(table.sceneIds, table.scenes.length, rng)
    : (options.shuffle ?? true)
      ? rng.shuffle(Array.from({ length: n }, (_, i) => i))
      : Array.from({ length: n }, (_, i) => i);
  const count = options.dropLast ? Math.floor(order.length / batchSize) : Math.ceil(order.length / batchSize);
  const sampleRngs = order.slice(0, count * batchSize).map(() => rng.fork());
  const load = (k: number): Promise<{ indices: number[]; images: PoseImageTensorData[] }> => {
    const indices = order.slice(k * batchSize, (k + 1) * batchSize);
    return Promise.all(
      indices.map(async (index, i) => transformPoseImage(await source.readImage(index), transform, sampleRngs[k * batchSize + i]!)),
    ).then((images) => ({ indices, images }));
  };
  if (count === 0) return;
  let next = load(0);
  try {
    for (let k = 0; k < count; k++) {
      const { indices, images } = await next;
      if (k + 1 < count) next = load(k + 1);
      const size = transform.crop;
      const pixels = new Float32Array(images.length * size * size * 3);
      images.forEach((im, b) => pixels.set(im.pixels, b * size * size * 3));
      yield {
        images: tf.tensor4d(pixels, [images.length, size, size, 3]),
        poses: tf.tensor2d(
          indices.flatMap((i) => poseVector(table, i)),
          [indices.length, 7],
        ),
        sceneIds: tf.tensor1d(
          indices.map((i) => table.sceneIds[i]!),
          'int32',
        ),
        indices,
      };
    }
  } finally {
    next.catch(() => undefined); // a consumer that stops early abandons the prefetched batch
  }
}
