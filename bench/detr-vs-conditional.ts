// Research check: does Conditional DETR converge faster than DETR (the seed paper's claim)?
// Both detectors get the same small CNN backbone, transformer size, seed, data and epochs on
// synthetic shapes; COCO AP (area ranges rescaled to the image size) is printed per epoch for
// both, with training images/s and the Hungarian matcher's share of the step time.
//
//   npx tsx bench/detr-vs-conditional.ts [--epochs 6] [--train-images 256] [--max-objects 1] [--kinds rectangle,ellipse] [--backend wasm]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomHorizontalFlip } from '../datasets/detection-transforms.js';
import { cocoAreaThresholds, generateSyntheticShapes, SHAPE_KINDS, syntheticShapesSource } from '../datasets/synthetic-shapes.js';
import { buildDetector, type DetectorConfig } from '../lib/models/detector.js';
import { initBackend } from '../lib/runtime/backend.js';
import { Rng } from '../lib/runtime/rng.js';
import { createDetectionTask } from '../lib/tasks/detection/task.js';
import { train } from '../lib/train/train.js';
import { squaresScene } from './squares-scene.js';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '6' },
    'train-images': { type: 'string', default: '256' },
    'val-images': { type: 'string', default: '64' },
    'image-size': { type: 'string', default: '64' },
    'batch-size': { type: 'string', default: '4' },
    'max-objects': { type: 'string', default: '1' },
    dropout: { type: 'string', default: '0' },
    /** Comma-separated shape kinds (default all five). */
    kinds: { type: 'string' },
    /** shapes (synthetic shapes on textured backgrounds) or squares (one white square on black: an easy control). */
    scene: { type: 'string', default: 'shapes' },
    'hidden-dim': { type: 'string', default: '64' },
    queries: { type: 'string', default: '20' },
    lr: { type: 'string', default: '1e-3' },
    seed: { type: 'string', default: '0' },
    backend: { type: 'string', default: 'wasm' },
  },
});
const num = (name: keyof typeof values): number => {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name}: expected a number >= 0, got '${values[name]}'`);
  return n;
};
const [epochs, trainImages, valImages, size, batchSize, maxObjects, dropout, hiddenDim, queries, lr, seed] = (
  ['epochs', 'train-images', 'val-images', 'image-size', 'batch-size', 'max-objects', 'dropout', 'hidden-dim', 'queries', 'lr', 'seed'] as const
).map(num) as [number, number, number, number, number, number, number, number, number, number, number];

const kinds = values.kinds?.split(',').map((k) => {
  const kind = SHAPE_KINDS.find((s) => s === k);
  if (kind === undefined) throw new Error(`--kinds: expected some of ${SHAPE_KINDS.join(', ')}, got '${k}'`);
  return kind;
});
await initBackend(values.backend);
if (values.scene !== 'shapes' && values.scene !== 'squares') throw new Error(`--scene: expected shapes or squares, got '${values.scene}'`);
const scene = values.scene;

const shapes = (count: number, split: string) =>
  syntheticShapesSource(generateSyntheticShapes({ count, height: size, width: size, maxObjects, kinds, seed: `${seed}:${split}` }));
const squaresRng = new Rng(`${seed}:squares`);
const trainSet = scene === 'shapes' ? shapes(trainImages, 'train') : squaresScene(trainImages, 1, size, squaresRng);
const valSet = scene === 'shapes' ? shapes(valImages, 'val') : squaresScene(valImages, trainImages + 1, size, squaresRng);
const shared: Omit<DetectorConfig, 'model'> = {
  numClasses: trainSet.categories.numClasses,
  backbone: 'small',
  smallChannels: [16, 32, 64, 64],
  hiddenDim,
  nheads: 4,
  encLayers: 2,
  decLayers: 3,
  dimFeedforward: 2 * hiddenDim,
  numQueries: queries,
  dropout,
};

interface Measured {
  readonly ap: number[];
  readonly ap50: number[];
  /** Last decoder layer's matched-box losses (comparable across the two models; the totals are not). */
  readonly giou: number[];
  readonly l1: number[];
  readonly imagesPerSec: number;
  readonly matcherShare: number;
  readonly seconds: number;
}

async function measure(model: 'conditional' | 'detr'): Promise<Measured> {
  const rng = new Rng(seed);
  const detector = buildDetector({ ...shared, model }, rng);
  let matchMs = 0;
  const task = createDetectionTask({
    model: detector,
    train: trainSet,
    val: valSet,
    batchSize,
    lr,
    lrBackbone: lr, // the small CNN starts from scratch (DETR's lr / 10 assumes a pretrained backbone)
    lrDrop: 1000,
    trainTransform: randomHorizontalFlip(),
    areas: scene === 'shapes' ? cocoAreaThresholds(size, size) : undefined,
    onMatchTime: (ms) => (matchMs += ms),
  });
  const runDir = mkdtempSync(join(tmpdir(), `bench-${model}-`));
  const start = performance.now();
  try {
    const result = await train(task, { runDir, epochs, rng, clipMaxNorm: 0.1, evalEvery: 1, quiet: true });
    const trainSeconds = result.epochRecords.reduce((s, r) => s + r.seconds, 0);
    const images = result.epochRecords.length * trainImages;
    const metric = (name: string) => result.evalRecords.map((r) => r.metrics[name] ?? Number.NaN);
    return {
      ap: metric('AP'),
      ap50: metric('AP50'),
      giou: result.epochRecords.map((r) => r.terms.loss_giou ?? Number.NaN),
      l1: result.epochRecords.map((r) => r.terms.loss_bbox ?? Number.NaN),
      imagesPerSec: images / trainSeconds,
      matcherShare: matchMs / 1000 / trainSeconds,
      seconds: (performance.now() - start) / 1000,
    };
  } finally {
    detector.dispose();
    rmSync(runDir, { recursive: true, force: true });
  }
}

console.log(
  (scene === 'squares'
    ? `white squares on black ${size}×${size}, 1 object:`
    : `synthetic shapes (${(kinds ?? SHAPE_KINDS).join(', ')}) ${size}×${size}, 1–${maxObjects} objects:`) +
    ` ${trainImages} train / ${valImages} val images, batch ${batchSize}, ${epochs} epochs, lr ${lr}, dropout ${dropout}, seed ${seed}; ` +
    `small CNN ${shared.smallChannels?.join('/')}, d ${hiddenDim}, ${shared.nheads} heads, ${shared.encLayers}+${shared.decLayers} layers, ${queries} queries`,
);
const results = { conditional: await measure('conditional'), detr: await measure('detr') };
const f = (x: number | undefined) => (x === undefined ? '' : x.toFixed(3));
console.log('\n| epoch | Cond. DETR AP | AP50 | train GIoU loss | L1 loss | DETR AP | AP50 | train GIoU loss | L1 loss |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (let e = 0; e < epochs; e++) {
  const c = results.conditional;
  const d = results.detr;
  const cells = (r: Measured) => [r.ap[e], r.ap50[e], r.giou[e], r.l1[e]].map(f).join(' | ');
  console.log(`| ${e + 1} | ${cells(c)} | ${cells(d)} |`);
}
console.log('\n| model | train images/s | matcher share of step time | wall s (train + eval) |');
console.log('|---|---|---|---|');
for (const [name, r] of Object.entries(results)) {
  console.log(`| ${name} | ${r.imagesPerSec.toFixed(1)} | ${(100 * r.matcherShare).toFixed(1)} % | ${r.seconds.toFixed(0)} |`);
}
