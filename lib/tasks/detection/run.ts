// A detector run end to end from its DetectionRunConfig: build the model, load or generate the
// data, train with lib/train (progress, checkpoints, resume, evaluation every N epochs, log.jsonl).
import { type CocoDetectionSet, firstImagesOf } from '../../../datasets/coco.js';
import { buildDetector, type Detector } from '../../models/detector.js';
import { Rng } from '../../runtime/rng.js';
import { type TrainOptions, type TrainResult, train } from '../../train/train.js';
import { type DetectionRunConfig, runConfigJson } from './config.js';
import { detectionAreas, detectionTransforms, loadDetectionSplit } from './data.js';
import { createDetectionTask } from './task.js';

export interface DetectionData {
  readonly train: CocoDetectionSet;
  readonly val: CocoDetectionSet;
}

export async function loadDetectionData(config: Pick<DetectionRunConfig, 'data'>): Promise<DetectionData> {
  const [trainSet, val] = await Promise.all([loadDetectionSplit(config.data, 'train'), loadDetectionSplit(config.data, 'val')]);
  return { train: trainSet, val };
}

/** `--overfit N`: the first N training images, trained on and evaluated on (AP should go to 1). */
export function overfitData(data: DetectionData, count: number): DetectionData {
  if (count > data.train.length) throw new RangeError(`overfit ${count}: the training set has only ${data.train.length} images`);
  const subset = firstImagesOf(data.train, count);
  return { train: subset, val: subset };
}

/** DETR matches every object to a query of its own: an image with more objects than queries cannot be matched. */
export function refuseTooFewQueries(numQueries: number, train: CocoDetectionSet): void {
  const perImage = new Map<number, number>();
  for (const a of train.gt.annotations) if (a.iscrowd !== 1) perImage.set(a.image_id, (perImage.get(a.image_id) ?? 0) + 1);
  const [imageId, most] = [...perImage].reduce((best, entry) => (entry[1] > best[1] ? entry : best), [0, 0]);
  if (most > numQueries) {
    throw new RangeError(
      `the detector has ${numQueries} queries but training image ${imageId} has ${most} objects (each object is matched to a query of its own): raise --queries to ${most} or more`,
    );
  }
}

export type TrainDetectorOptions = Pick<
  TrainOptions,
  'runDir' | 'resume' | 'overwrite' | 'quiet' | 'logEvery' | 'signal' | 'progressStream' | 'onStep' | 'name'
> & {
  /** Already loaded data (default: loaded from config.data). */
  readonly data?: DetectionData;
  /** Milliseconds of each step's Hungarian matching. */
  readonly onMatchTime?: (ms: number) => void;
};

export async function trainDetector(config: DetectionRunConfig, options: TrainDetectorOptions): Promise<{ result: TrainResult; model: Detector }> {
  const { data: loaded = await loadDetectionData(config), onMatchTime, ...trainOptions } = options;
  const data = config.training.overfit === undefined ? loaded : overfitData(loaded, config.training.overfit);
  const numClasses = data.train.categories.numClasses;
  if (config.detector.numClasses !== numClasses) {
    throw new Error(`the detector has ${config.detector.numClasses} classes, the training data ${numClasses}`);
  }
  refuseTooFewQueries(config.detector.numQueries ?? (config.detector.model === 'conditional' ? 300 : 100), data.train);
  const { training } = config;
  const rng = new Rng(training.seed);
  const model = buildDetector(config.detector, rng);
  const transforms = detectionTransforms(config.data, training.augment);
  const task = createDetectionTask({
    model,
    train: data.train,
    val: data.val,
    batchSize: training.batchSize,
    trainTransform: transforms.train,
    valTransform: transforms.val,
    areas: detectionAreas(config.data),
    lr: training.lr,
    lrBackbone: training.lrBackbone,
    weightDecay: training.weightDecay,
    lrDrop: training.lrDrop,
    onMatchTime,
  });
  const result = await train(task, {
    ...trainOptions,
    epochs: training.epochs,
    rng,
    config: runConfigJson(config),
    clipMaxNorm: training.clipMaxNorm,
    evalEvery: training.evalEvery,
    maxSteps: training.maxSteps,
    timeBudgetSeconds: training.timeBudgetSeconds,
    stepsPerEpoch: Math.ceil(data.train.length / training.batchSize),
  });
  return { result, model };
}
