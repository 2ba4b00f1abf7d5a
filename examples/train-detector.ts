// Training a Conditional DETR on synthetic shapes with the library API: generate the data in
// memory, build the detector from a config, wrap both in a detection task (DETR's optimiser recipe,
// Hungarian matching + focal / L1 / GIoU losses) and hand it to the shared training loop, which
// writes log.jsonl, checkpoints and COCO mAP after the last epoch.
//
//   npx tsx examples/train-detector.ts --epochs 20 --run-dir runs/example-detector
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { randomHorizontalFlip } from '../datasets/detection-transforms.js';
import { cocoAreaThresholds, generateSyntheticShapes, syntheticShapesSource } from '../datasets/synthetic-shapes.js';
import { buildDetector } from '../lib/models/detector.js';
import { initBackend } from '../lib/runtime/backend.js';
import { Rng } from '../lib/runtime/rng.js';
import { createDetectionTask } from '../lib/tasks/detection/task.js';
import { type TrainResult, train } from '../lib/train/train.js';

export interface DetectorExampleOptions {
  readonly runDir: string;
  readonly epochs: number;
  readonly trainImages?: number;
  readonly valImages?: number;
  readonly imageSize?: number;
  readonly seed?: number;
  readonly quiet?: boolean;
}

export async function trainDetectorExample(options: DetectorExampleOptions): Promise<TrainResult> {
  const { imageSize = 64, seed = 0 } = options;
  const shapes = (count: number, split: string) =>
    syntheticShapesSource(generateSyntheticShapes({ count, height: imageSize, width: imageSize, seed: `${seed}:${split}` }));
  const trainSet = shapes(options.trainImages ?? 256, 'train');
  const rng = new Rng(seed);
  const model = buildDetector(
    {
      model: 'conditional',
      numClasses: trainSet.categories.numClasses,
      backbone: 'small',
      hiddenDim: 64,
      nheads: 4,
      encLayers: 2,
      decLayers: 2,
      dimFeedforward: 128,
      numQueries: 20,
    },
    rng,
  );
  const task = createDetectionTask({
    model,
    train: trainSet,
    val: shapes(options.valImages ?? 32, 'val'),
    batchSize: 8,
    lr: 1e-3,
    trainTransform: randomHorizontalFlip(),
    areas: cocoAreaThresholds(imageSize, imageSize), // COCO's small / medium / large at this image size
  });
  const result = await train(task, {
    runDir: options.runDir,
    epochs: options.epochs,
    rng,
    clipMaxNorm: 0.1,
    evalEvery: options.epochs,
    quiet: options.quiet,
    overwrite: true,
  });
  model.dispose();
  return result;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: { epochs: { type: 'string', default: '20' }, 'run-dir': { type: 'string', default: 'runs/example-detector' } },
  });
  const epochs = Number(values.epochs);
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`--epochs must be a positive integer, got '${values.epochs}'`);
  await initBackend();
  const result = await trainDetectorExample({ runDir: values['run-dir'], epochs });
  for (const r of result.epochRecords) console.log(`epoch ${r.epoch}: loss ${r.loss.toFixed(3)}`);
  for (const r of result.evalRecords) console.log(`AP ${r.metrics.AP}, AP50 ${r.metrics.AP50}`);
}
