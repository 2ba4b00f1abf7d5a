// `condformer analyze` minus the argument parsing: load trained checkpoints (detectors or pose
// regressors, one arm each), read a few images (the run's own validation / test data by default,
// or image files for detectors, or a pose CSV) and compute the diagnostics data.
import { promises as fs } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { collateDetection, detectionBatches } from '../../datasets/batching.js';
import { normalizeSample } from '../../datasets/detection-sample.js';
import { resizeSample } from '../../datasets/detection-transforms.js';
import { readRgbImage } from '../../datasets/image.js';
import { disposePoseBatch, poseBatches } from '../../datasets/pose-dataset.js';
import { poseTestConfig } from '../../datasets/pose-transforms.js';
import type { DetectorInputs } from '../models/set-detector.js';
import { Rng } from '../runtime/rng.js';
import { loadDetectorCheckpoint } from '../tasks/detection/checkpoint.js';
import type { DetectionRunConfig } from '../tasks/detection/config.js';
import { detectionTransforms, loadDetectionSplit, maxSizeFor } from '../tasks/detection/data.js';
import { loadPoseCheckpoint } from '../tasks/pose/checkpoint.js';
import type { PoseTrainConfig } from '../tasks/pose/config.js';
import { csvDataSpec, loadPoseSplits, type PoseDataSpec } from '../tasks/pose/data.js';
import type { PoseTrainingModel } from '../tasks/pose/task.js';
import { disposeCheckpoint, loadCheckpoint } from '../train/checkpoint.js';
import { analyzeDetectors, type DetectorAnalysisOptions, type DetectorArm } from './analyze-detector.js';
import { analyzePoseRegressors, type PoseAnalysisOptions, type PoseArm } from './analyze-pose.js';
import type { DiagnosticsData } from './diagnostics-report.js';

export interface CheckpointAnalysisOptions extends Omit<DetectorAnalysisOptions & PoseAnalysisOptions, 'rng'> {
  /** Detectors: an image file or a directory of images; pose: a label CSV. Default: the first run's val / test split. */
  readonly data?: string;
  /** Image root of a pose CSV (default: the CSV's directory). */
  readonly root?: string;
  /** Images analysed (default 8). */
  readonly images?: number;
  readonly seed?: number;
}

/** `runs/detr/checkpoints/last.safetensors` → `detr`; other files → their name without extension; repeats get `#2`. */
export function armLabels(paths: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return paths.map((path) => {
    const base = basename(dirname(path)) === 'checkpoints' ? basename(dirname(dirname(path))) : basename(path, extname(path));
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}#${n}`;
  });
}

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff', '.bmp', '.gif']);

/** An image file, or the image files of a directory in name order. */
async function imageFiles(path: string): Promise<string[]> {
  if (!(await fs.stat(path)).isDirectory()) return [path];
  const names = (await fs.readdir(path)).filter((n) => IMAGE_EXTENSIONS.has(extname(n).toLowerCase())).sort();
  if (names.length === 0) throw new Error(`${path}: no image files`);
  return names.map((n) => join(path, n));
}

/** Up to `count` single-image detector inputs [1, H, W, 3] + mask, preprocessed as the run's validation data. */
async function detectorInputs(config: DetectionRunConfig, data: string | undefined, count: number, rng: Rng): Promise<DetectorInputs[]> {
  const inputs: DetectorInputs[] = [];
  if (data === undefined) {
    const source = await loadDetectionSplit(config.data, 'val');
    for await (const batch of detectionBatches(source, { batchSize: 1, transform: detectionTransforms(config.data).val, rng, shuffle: false })) {
      inputs.push({ images: batch.images, mask: batch.mask });
      tf.dispose(batch.targets.flatMap((t) => [t.labels, t.boxes]));
      if (inputs.length >= count) break;
    }
    return inputs;
  }
  const size = config.data.imageSize;
  for (const [i, path] of (await imageFiles(data)).slice(0, count).entries()) {
    const image = await readRgbImage(path);
    const sample = {
      image,
      target: { boxes: new Float32Array(0), labels: new Int32Array(0), imageId: i, origSize: [image.height, image.width] as const },
    };
    const resized = await resizeSample(sample, size, config.data.kind === 'coco' ? maxSizeFor(size) : undefined);
    const batch = collateDetection([normalizeSample(resized)]);
    inputs.push({ images: batch.images, mask: batch.mask });
    tf.dispose(batch.targets.flatMap((t) => [t.labels, t.boxes]));
  }
  return inputs;
}

/** Up to `count` [1, crop, crop, 3] test images of a pose run (or of `data`, a CSV). */
async function poseInputs(config: PoseTrainConfig, stored: PoseDataSpec, options: CheckpointAnalysisOptions, rng: Rng): Promise<tf.Tensor4D[]> {
  const spec = options.data === undefined ? stored : csvDataSpec(options.data, options.root);
  const { test } = await loadPoseSplits(spec);
  const images: tf.Tensor4D[] = [];
  for await (const batch of poseBatches(test, { batchSize: 1, transform: poseTestConfig(config.resize, config.crop), rng, shuffle: false })) {
    images.push(tf.clone(batch.images));
    disposePoseBatch(batch);
    if (images.length >= (options.images ?? 8)) break;
  }
  return images;
}

/** Analyse every checkpoint (all of one task) on the same images. */
export async function analyzeCheckpoints(paths: readonly string[], options: CheckpointAnalysisOptions = {}): Promise<DiagnosticsData> {
  if (paths.length === 0) throw new Error('analyze: no checkpoint given');
  const labels = armLabels(paths);
  const rng = new Rng(options.seed ?? 0);
  const tasks = await Promise.all(
    paths.map(async (path) => {
      const checkpoint = await loadCheckpoint(path);
      const task = checkpoint.config.task;
      disposeCheckpoint(checkpoint);
      if (task !== 'detect' && task !== 'pose') throw new Error(`${path}: config.task is ${JSON.stringify(task)}, expected "detect" or "pose"`);
      return task;
    }),
  );
  if (new Set(tasks).size > 1)
    throw new Error(
      `analyze: the checkpoints mix tasks (${tasks.join(', ')}); compare detectors with detectors, pose regressors with pose regressors`,
    );
  const count = options.images ?? 8;
  const analysisOptions = { ...options, rng: rng.fork() };
  if (tasks[0] === 'detect') {
    const loaded = await Promise.all(paths.map((path) => loadDetectorCheckpoint(path)));
    const arms: DetectorArm[] = loaded.map(({ model }, i) => ({ label: labels[i] as string, model }));
    const inputs = await detectorInputs(loaded[0]!.config, options.data, count, rng.fork());
    try {
      return await analyzeDetectors(arms, inputs, analysisOptions);
    } finally {
      tf.dispose(inputs.flatMap((x) => [x.images, x.mask]));
      for (const { model } of loaded) model.dispose();
    }
  }
  const arms: PoseArm[] = [];
  const trainedModels: PoseTrainingModel[] = [];
  let images: tf.Tensor4D[] = [];
  try {
    for (const [i, path] of paths.entries()) {
      const { trained, config, data } = await loadPoseCheckpoint(path);
      trainedModels.push(trained);
      arms.push({ label: labels[i] as string, model: trained.model });
      if (i === 0) images = await poseInputs(config, data, options, rng.fork());
    }
    return await analyzePoseRegressors(arms, images, analysisOptions);
  } finally {
    tf.dispose(images);
    for (const trained of trainedModels) trained.dispose();
  }
}
