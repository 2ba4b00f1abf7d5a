// Research check: does Conditional DETR converge faster than DETR (the seed paper's claim)?
// Both detectors get the same small CNN backbone, transformer size, seed, data and epochs on
// synthetic shapes; COCO AP (area ranges rescaled to the image size) is printed per epoch for
// both, with training images/s and the Hungarian matcher's share of the step time.
//
// The data is a benchmark scene (datasets/detection-scenes.ts: squares, shapes, clutter) or, with
// --scene classic, the original synthetic shapes (--max-objects, --kinds); equal steps for both arms.
//
// --models runs one arm only (so that two processes can run the arms side by side); --run-dir keeps
// each arm's run directory (`<dir>/<model>-seed<seed>`: log.jsonl, config.json) for
// `condformer report <dir>/*`, which overlays the per-epoch AP curves.
//
//   npx tsx bench/detr-vs-conditional.ts [--scene shapes] [--epochs 6] [--train-images 256] [--small-stride 8] [--seed 0]
//     [--lr 1e-3] [--lr-drop EPOCH] [--preset none|cpu-small] [--models conditional,detr] [--run-dir DIR] [--backend torch] [--json FILE]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DETECTION_SCENES, type DetectionScene, generateDetectionScene } from '../datasets/detection-scenes.js';
import { randomHorizontalFlip } from '../datasets/detection-transforms.js';
import { cocoAreaThresholds, generateSyntheticShapes, SHAPE_KINDS, syntheticShapesSource } from '../datasets/synthetic-shapes.js';
import { buildDetector, type DetectorConfig } from '../lib/models/detector.js';
import { initBackend } from '../lib/runtime/backend.js';
import { Rng } from '../lib/runtime/rng.js';
import { DETECTION_PRESET_NAMES, DETECTION_PRESETS } from '../lib/tasks/detection/presets.js';
import { createDetectionTask } from '../lib/tasks/detection/task.js';
import { train } from '../lib/train/train.js';

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
    /** A benchmark scene (squares, shapes, clutter) or classic (the original synthetic shapes, --max-objects / --kinds). */
    scene: { type: 'string', default: 'shapes' },
    /** A preset's model (lib/tasks/detection/presets.ts, e.g. cpu-small) instead of the flags below; none: the flags. */
    preset: { type: 'string', default: 'none' },
    'small-stride': { type: 'string', default: '8' },
    'hidden-dim': { type: 'string', default: '64' },
    queries: { type: 'string', default: '20' },
    lr: { type: 'string', default: '1e-3' },
    /** The epoch after which the lr drops 10× (StepLR); the default 1000 never drops. */
    'lr-drop': { type: 'string', default: '1000' },
    /** The arms to run, in this order. */
    models: { type: 'string', default: 'conditional,detr' },
    /** Keep each arm's run directory under this folder (else a temporary one, removed). */
    'run-dir': { type: 'string' },
    seed: { type: 'string', default: '0' },
    backend: { type: 'string', default: 'torch' },
    /** Also write the per-epoch curves and speeds of both arms as JSON to this file. */
    json: { type: 'string' },
  },
});
const num = (name: keyof typeof values): number => {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name}: expected a number >= 0, got '${values[name]}'`);
  return n;
};
const [epochs, trainImages, valImages, size, batchSize, maxObjects, dropout, hiddenDim, queries, lr, lrDrop, seed] = (
  [
    'epochs',
    'train-images',
    'val-images',
    'image-size',
    'batch-size',
    'max-objects',
    'dropout',
    'hidden-dim',
    'queries',
    'lr',
    'lr-drop',
    'seed',
  ] as const
).map(num) as [number, number, number, number, number, number, number, number, number, number, number, number];
const MODELS = ['conditional', 'detr'] as const;
type Model = (typeof MODELS)[number];
const models = values.models.split(',').map((m): Model => {
  const model = MODELS.find((name) => name === m);
  if (model === undefined) throw new Error(`--models: expected a comma list of ${MODELS.join(', ')}, got '${m}'`);
  return model;
});

const kinds = values.kinds?.split(',').map((k) => {
  const kind = SHAPE_KINDS.find((s) => s === k);
  if (kind === undefined) throw new Error(`--kinds: expected some of ${SHAPE_KINDS.join(', ')}, got '${k}'`);
  return kind;
});
await initBackend(values.backend);
const scene = values.scene;
if (scene !== 'classic' && !DETECTION_SCENES.some((name) => name === scene)) {
  throw new Error(`--scene: expected classic or one of ${DETECTION_SCENES.join(', ')}, got '${scene}'`);
}
const smallStride = values['small-stride'] === '8' ? 8 : values['small-stride'] === '16' ? 16 : null;
if (smallStride === null) throw new Error(`--small-stride: expected 8 or 16, got '${values['small-stride']}'`);

const split = (count: number, name: string) => {
  const options = { count, height: size, width: size, seed: `${seed}:${name}` };
  const set =
    scene === 'classic' ? generateSyntheticShapes({ ...options, maxObjects, kinds }) : generateDetectionScene(scene as DetectionScene, options);
  return syntheticShapesSource(set);
};
const trainSet = split(trainImages, 'train');
const valSet = split(valImages, 'val');
const preset = values.preset === 'none' ? null : DETECTION_PRESET_NAMES.find((name) => name === values.preset);
if (preset === undefined) throw new Error(`--preset: expected none or one of ${DETECTION_PRESET_NAMES.join(', ')}, got '${values.preset}'`);
const byFlags: Omit<DetectorConfig, 'model' | 'numClasses'> = {
  backbone: 'small',
  smallChannels: [16, 32, 64, 64],
  smallStride,
  hiddenDim,
  nheads: 4,
  encLayers: 2,
  decLayers: 3,
  dimFeedforward: 2 * hiddenDim,
  numQueries: queries,
  dropout,
};
const shared: Omit<DetectorConfig, 'model'> = {
  numClasses: trainSet.categories.numClasses,
  ...(preset === null ? byFlags : DETECTION_PRESETS[preset].detector),
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

async function measure(model: Model): Promise<Measured> {
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
    lrDrop,
    trainTransform: randomHorizontalFlip(),
    areas: cocoAreaThresholds(size, size),
    onMatchTime: (ms) => (matchMs += ms),
  });
  const keep = values['run-dir'];
  const runDir = keep === undefined ? mkdtempSync(join(tmpdir(), `bench-${model}-`)) : join(keep, `${model}-seed${seed}`);
  const start = performance.now();
  try {
    const config = { bench: 'detr-vs-conditional', scene, model, seed, epochs, batchSize, lr, lrDrop, trainImages, valImages, ...shared };
    const result = await train(task, { runDir, epochs, rng, clipMaxNorm: 0.1, evalEvery: 1, quiet: true, name: `${model}-seed${seed}`, config });
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
    if (keep === undefined) rmSync(runDir, { recursive: true, force: true });
  }
}

console.log(
  (scene === 'classic'
    ? `synthetic shapes (${(kinds ?? SHAPE_KINDS).join(', ')}) ${size}×${size}, 1–${maxObjects} objects:`
    : `scene ${scene} ${size}×${size}, ${trainSet.categories.numClasses} classes:`) +
    ` ${trainImages} train / ${valImages} val images, batch ${batchSize}, ${epochs} epochs, lr ${lr}, dropout ${dropout}, seed ${seed}; ` +
    `${preset === null ? '' : `preset ${preset}: `}small CNN ${shared.smallChannels?.join('/')} stride ${shared.smallStride}, d ${shared.hiddenDim}, ` +
    `${shared.nheads} heads, ${shared.encLayers}+${shared.decLayers} layers, FFN ${shared.dimFeedforward}, ${shared.numQueries} queries`,
);
const arms: { model: Model; title: string; r: Measured }[] = [];
for (const model of models) arms.push({ model, title: model === 'conditional' ? 'Cond. DETR' : 'DETR', r: await measure(model) });
const f = (x: number | undefined) => (x === undefined ? '' : x.toFixed(3));
console.log(`\n| epoch | ${arms.map((a) => `${a.title} AP | AP50 | train GIoU loss | L1 loss`).join(' | ')} |`);
console.log(`|---|${arms.map(() => '---|---|---|---|').join('')}`);
for (let e = 0; e < epochs; e++) {
  const cells = (r: Measured) => [r.ap[e], r.ap50[e], r.giou[e], r.l1[e]].map(f).join(' | ');
  console.log(`| ${e + 1} | ${arms.map((a) => cells(a.r)).join(' | ')} |`);
}
console.log('\n| model | train images/s | matcher share of step time | wall s (train + eval) |');
console.log('|---|---|---|---|');
for (const { model, r } of arms) {
  console.log(`| ${model} | ${r.imagesPerSec.toFixed(1)} | ${(100 * r.matcherShare).toFixed(1)} % | ${r.seconds.toFixed(0)} |`);
}
if (values.json !== undefined) {
  writeFileSync(
    values.json,
    JSON.stringify({
      scene,
      seed,
      epochs,
      batchSize,
      trainImages,
      stepsPerEpoch: Math.ceil(trainImages / batchSize),
      results: Object.fromEntries(arms.map(({ model, r }) => [model, r])),
    }),
  );
}
