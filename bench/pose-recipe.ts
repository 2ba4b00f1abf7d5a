// The pose recipe search of docs/results.md ("Pose recipe search on the unseen trajectories"):
// train the small-CNN preset on the `npm start` data (4 synthetic scenes, 2000 views per scene,
// unseen test trajectories) with one change given as JSON, and print the average median errors
// as a share of the scene-mean baseline's. With --nearest-neighbour, no training: each test image
// gets the pose of its nearest training view of the same scene in pixel space (mean-subtracted
// RGB), the reference for how much position the images hold.
//
//   npx tsx bench/pose-recipe.ts [--epochs 6] [--lr-step 20] [--seed 0] [--size 32] [--set '{"config":{…},"model":{…}}'] [--backend torch]
//   npx tsx bench/pose-recipe.ts --nearest-neighbour
// e.g. --set '{"config":{"poseLoss":{"learnable":true,"sX":0,"sQ":0,"norm":2}}}' (the learned weighting)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { RgbImage } from '../datasets/image.js';
import type { PoseSource } from '../datasets/pose-dataset.js';
import { poseVector } from '../datasets/pose-dataset.js';
import type { PoseEvaluation } from '../lib/metrics/pose-metrics.js';
import { decodePoseRegressorConfig } from '../lib/models/pose-regressor.js';
import { initBackend } from '../lib/runtime/backend.js';
import { type PoseTrainConfig, smallPoseTrainConfig } from '../lib/tasks/pose/config.js';
import { loadPoseSplits, poseThresholdsFor, syntheticBenchmarkSpec } from '../lib/tasks/pose/data.js';
import { runPoseTraining } from '../lib/tasks/pose/run.js';
import { evaluateSourcePredictions, sceneMeanBaseline } from '../lib/tasks/pose/task.js';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '6' },
    'lr-step': { type: 'string', default: '20' },
    seed: { type: 'string', default: '0' },
    size: { type: 'string', default: '32' },
    set: { type: 'string', default: '{}' },
    'nearest-neighbour': { type: 'boolean', default: false },
    backend: { type: 'string', default: 'torch' },
  },
});
const int = (name: 'epochs' | 'lr-step' | 'seed' | 'size', min: number): number => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name}: expected an integer >= ${min}, got '${values[name]}'`);
  return n;
};
const [epochs, lrStep, seed, size] = [int('epochs', 1), int('lr-step', 1), int('seed', 0), int('size', 8)];
const changes = JSON.parse(values.set ?? '{}') as { config?: Partial<PoseTrainConfig>; model?: Record<string, unknown> };

const spec = { ...syntheticBenchmarkSpec({ numScenes: 4 }), size };
const data = await loadPoseSplits(spec);
const thresholds = poseThresholdsFor(data);
const baseline = sceneMeanBaseline(data.train, data.test, thresholds);
const share = (e: PoseEvaluation) =>
  `position ${e.average.medianPositionError.toFixed(3)} m (${((100 * e.average.medianPositionError) / baseline.average.medianPositionError).toFixed(1)}% of the baseline), ` +
  `orientation ${e.average.medianOrientationError.toFixed(2)}° (${((100 * e.average.medianOrientationError) / baseline.average.medianOrientationError).toFixed(1)}%); ` +
  `per scene ${e.scenes.map((s) => `${s.scene} ${s.medianPositionError.toFixed(2)} m`).join(', ')}`;
console.log(`baseline: ${baseline.average.medianPositionError.toFixed(3)} m / ${baseline.average.medianOrientationError.toFixed(2)}°`);

if (values['nearest-neighbour']) {
  console.log(`nearest training view in pixel space: ${share(await nearestNeighbour(data.train, data.test))}`);
} else {
  await initBackend(values.backend);
  const preset = smallPoseTrainConfig(4, 'sine');
  const config: PoseTrainConfig = {
    ...preset,
    lrStepSize: lrStep,
    ...changes.config,
    resize: size,
    crop: size,
    model: decodePoseRegressorConfig({ ...preset.model, ...changes.model }, '--set model'),
  };
  const runDir = mkdtempSync(join(tmpdir(), 'condformer-pose-recipe-'));
  try {
    const r = await runPoseTraining({ data, config, epochs, runDir, seed, overwrite: true, evalEvery: epochs, logEvery: 100, quiet: true });
    console.log(`${values.set}, ${epochs} epochs (${r.train.step} steps, ${r.seconds.toFixed(0)} s), seed ${seed}: ${share(r.evaluation)}`);
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
}

/** Each test image's pose = that of the training view of its scene nearest in mean-subtracted RGB. */
async function nearestNeighbour(train: PoseSource, test: PoseSource): Promise<PoseEvaluation> {
  const centred = (image: RgbImage) => {
    const mean = image.data.reduce((a, v) => a + v, 0) / image.data.length;
    return Float32Array.from(image.data, (v) => v - mean);
  };
  const views = await Promise.all(train.table.rows.map(async (_, i) => centred(await train.readImage(i))));
  const predicted = new Float64Array(test.table.rows.length * 7);
  for (const [j, row] of test.table.rows.entries()) {
    const x = centred(await test.readImage(j));
    let best = Number.POSITIVE_INFINITY;
    let nearest = -1;
    views.forEach((v, i) => {
      if (train.table.rows[i]!.scene !== row.scene) return;
      let d = 0;
      for (let k = 0; k < x.length; k++) d += (x[k]! - v[k]!) ** 2;
      if (d < best) [best, nearest] = [d, i];
    });
    predicted.set(poseVector(train.table, nearest), 7 * j);
  }
  return evaluateSourcePredictions(predicted, test, thresholds);
}
