// Throughput of the synthetic-scene ray caster (single thread): images/s when rendering at 64×64
// and 224×224, and with the training preprocessing on top (64 → crop 56, 224 → resize 256, crop
// 224). Then the "predict the scene mean" baseline on the default synthetic split (the errors a
// pose regressor has to beat). Usage: npx tsx bench/synthetic-scenes.ts [--images N] [--scenes N]
import { parseArgs } from 'node:util';
import { predictSceneMeans, sceneMeanPoses } from '../datasets/pose-baseline.js';
import { selectSplit } from '../datasets/pose-csv.js';
import { poseTrainConfig, transformPoseImage } from '../datasets/pose-transforms.js';
import { createSyntheticScenes, renderSyntheticRow } from '../datasets/synthetic-scenes.js';
import { evaluatePoses, formatPoseTable } from '../lib/metrics/pose-metrics.js';
import { Rng } from '../lib/runtime/rng.js';

const { values } = parseArgs({ options: { images: { type: 'string', default: '100' }, scenes: { type: 'string', default: '4' } } });
const count = Number(values.images);
const scenes = createSyntheticScenes({ numScenes: Number(values.scenes), framesPerSequence: Math.ceil(count / 3), seed: 0 });
const rows = scenes.table.rows;
// Spread the measured frames over every scene (rooms and outdoor blocks).
const pick = (i: number) => rows[Math.floor((i * rows.length) / count)]!;

async function measure(label: string, size: number, preprocess: { resize: number; crop: number } | null): Promise<void> {
  const config = preprocess === null ? null : poseTrainConfig(preprocess.resize, preprocess.crop);
  const rng = new Rng(0);
  for (let i = 0; i < 5; i++) renderSyntheticRow(scenes, pick(i), { width: size, height: size }); // warm-up
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const image = renderSyntheticRow(scenes, pick(i), { width: size, height: size });
    if (config !== null) await transformPoseImage(image, config, rng);
  }
  const seconds = (performance.now() - start) / 1000;
  console.log(`${label.padEnd(44)} ${(count / seconds).toFixed(1).padStart(8)} images/s  (${((1000 * seconds) / count).toFixed(2)} ms/image)`);
}

console.log(`synthetic scenes: ${count} images per row, ${scenes.specs.length} scenes, 1 thread`);
await measure('render 64x64', 64, null);
await measure('render 224x224', 224, null);
await measure('render 64x64 + train preprocess (64, 56)', 64, { resize: 64, crop: 56 });
await measure('render 224x224 + train preprocess (256, 224)', 224, { resize: 256, crop: 224 });

const split = createSyntheticScenes({ numScenes: Number(values.scenes) });
const test = selectSplit(split.table, 'test');
const baseline = predictSceneMeans(sceneMeanPoses(selectSplit(split.table, 'train')), test.rows);
const target = test.rows.flatMap((r) => [...r.t, ...r.q]);
console.log(`\nscene-mean baseline on the default synthetic test split (${test.rows.length} images):`);
console.log(
  formatPoseTable(
    evaluatePoses(
      baseline,
      target,
      test.rows.map((r) => r.scene),
    ),
  ),
);
