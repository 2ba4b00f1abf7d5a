// Detector training and evaluation glue for lib/train/train.ts: detection batches → model →
// Hungarian matching → SetCriterion (total + the last layer's named losses), DETR's optimiser
// recipe (AdamW, backbone lr 1e-5 vs 1e-4, weight decay 1e-4, StepLR at lr_drop), and COCO
// evaluation (eval mode → post-processing → COCOeval → the 12 stats as named metrics). Group DETR's
// groups are matched one by one and averaged (losses/query-groups.ts); DN-DETR's reconstruction
// losses are added to the set losses (losses/denoising-loss.ts). Both exist in training only.
import * as tf from '@tensorflow/tfjs';
import { type DetectionBatch, detectionBatches, disposeDetectionBatch, firstImageBatch } from '../../../datasets/batching.js';
import type { CocoDetectionSet } from '../../../datasets/coco.js';
import type { CocoResult } from '../../../datasets/coco-format.js';
import type { DetectionSource } from '../../../datasets/detection-sample.js';
import type { DetectionTransform } from '../../../datasets/detection-transforms.js';
import { denoisingLosses } from '../../../losses/denoising-loss.js';
import { groupedSetLosses } from '../../../losses/query-groups.js';
import { isCollapsed, type MatchRecord, matchingChange, queryCollapseStats, queryOfTarget } from '../../diagnostics/query-collapse.js';
import { type CocoEvalResult, evaluateCoco } from '../../metrics/coco-eval.js';
import { type CocoEvalParams, defaultCocoEvalParams } from '../../metrics/coco-params.js';
import { COCO_STAT_NAMES } from '../../metrics/coco-summary.js';
import { type ImageDetections, postprocessDetections } from '../../models/detection-postprocess.js';
import { type Detector, detectionCriterion } from '../../models/detector.js';
import { disposeDetectorOutputs } from '../../models/set-detector.js';
import { Rng } from '../../runtime/rng.js';
import { AdamW, paramGroups } from '../../train/adamw.js';
import { StepLR } from '../../train/step-lr.js';
import type { EvalMetrics, TrainTask } from '../../train/train.js';
import { toCocoResults } from './coco-results.js';

/** Terms of the last decoder layer that go into the log (the aux copies are optimised, not logged). */
const LOGGED_TERMS = ['loss_ce', 'loss_bbox', 'loss_giou', 'class_error', 'cardinality_error'] as const;
/** DN-DETR's reconstruction terms of the last layer, logged when denoising is on. */
const DENOISING_LOGGED_TERMS = ['tgt_loss_ce', 'tgt_loss_bbox', 'tgt_loss_giou'] as const;

/** COCO's area-range limits in px² (small < `small` ≤ medium ≤ `large` < large). */
export interface AreaThresholds {
  readonly small: number;
  readonly large: number;
}

/** pycocotools' default params, with other area-range limits (e.g. cocoAreaThresholds for small images). */
export function cocoEvalParamsFor(areas?: AreaThresholds): CocoEvalParams {
  const params = defaultCocoEvalParams();
  if (areas === undefined) return params;
  const all = params.areaRng[0] as readonly [number, number];
  return { ...params, areaRng: [all, [0, areas.small], [areas.small, areas.large], [areas.large, all[1]]] };
}

export interface DetectionEvalOptions {
  readonly batchSize?: number;
  /** Applied to every image before the model (e.g. detrValTransforms); none by default. */
  readonly transform?: DetectionTransform;
  /** Area-range limits for APs/APm/APl (default COCO's 32², 96²). */
  readonly areas?: AreaThresholds;
}

export interface DetectionEvaluation {
  readonly coco: CocoEvalResult;
  /** The 12 stats by name (COCO_STAT_NAMES) plus `evalImagesPerSec`. */
  readonly metrics: EvalMetrics;
  readonly results: CocoResult[];
  readonly imagesPerSec: number;
}

/** Runs the model (in eval mode) over `source`, post-processes and evaluates like pycocotools. */
export async function evaluateDetector(model: Detector, source: CocoDetectionSet, options: DetectionEvalOptions = {}): Promise<DetectionEvaluation> {
  const wasTraining = model.training;
  model.eval();
  const results: CocoResult[] = [];
  const collapse = { boxSpread: 0, topClassShare: 0, images: 0 };
  const start = performance.now();
  try {
    const batches = detectionBatches(source, { batchSize: options.batchSize ?? 8, transform: options.transform, rng: new Rng(0), shuffle: false });
    for await (const batch of batches) {
      const outputs = model.forward(batch);
      const [images = 0, queries = 0, classes = 0] = outputs.predLogits.shape;
      const stats = queryCollapseStats(
        await outputs.predLogits.data(),
        await outputs.predBoxes.data(),
        { images, queries, classes },
        model.classHead === 'softmax',
      );
      collapse.boxSpread += stats.boxSpread * images;
      collapse.topClassShare += stats.topClassShare * images;
      collapse.images += images;
      const detections = await postprocessDetections(
        outputs,
        batch.targets.map((t) => t.origSize),
        model.classHead,
      );
      disposeDetectorOutputs(outputs);
      disposeDetectionBatch(batch);
      batch.targets.forEach((target, i) => results.push(...toCocoResults(detections[i] as ImageDetections, target.imageId, source.categories)));
    }
  } finally {
    model.train(wasTraining);
  }
  const imagesPerSec = source.length / ((performance.now() - start) / 1000);
  const coco = evaluateCoco(source.gt, results, cocoEvalParamsFor(options.areas));
  const metrics: Record<string, number> = Object.fromEntries(COCO_STAT_NAMES.map((name, i) => [name, coco.stats[i] as number]));
  metrics.evalImagesPerSec = imagesPerSec;
  // query collapse (lib/diagnostics/query-collapse.ts): every query on about the same box and class
  const stats = {
    boxSpread: collapse.boxSpread / Math.max(1, collapse.images),
    topClassShare: collapse.topClassShare / Math.max(1, collapse.images),
  };
  metrics.queryBoxSpread = stats.boxSpread;
  metrics.queryTopClassShare = stats.topClassShare;
  metrics.queryCollapse = isCollapsed(stats) ? 1 : 0;
  return { coco, metrics, results, imagesPerSec };
}

export interface DetectionTaskOptions {
  readonly model: Detector;
  readonly train: DetectionSource;
  /** Evaluated every `evalEvery` epochs when given. */
  readonly val?: CocoDetectionSet;
  readonly batchSize: number;
  readonly trainTransform?: DetectionTransform;
  readonly valTransform?: DetectionTransform;
  readonly areas?: AreaThresholds;
  /** DETR: lr 1e-4, lr_backbone 1e-5, weight_decay 1e-4, lr_drop 200 epochs. */
  readonly lr?: number;
  readonly lrBackbone?: number;
  readonly weightDecay?: number;
  readonly lrDrop?: number;
  /** Called with the milliseconds each step's Hungarian matching took (cost matrices + read-back + assignment). */
  readonly onMatchTime?: (ms: number) => void;
}

/** A TrainTask for `train()`: DETR's optimiser groups and schedule, matching + SetCriterion loss, COCO evaluation. */
export function createDetectionTask(options: DetectionTaskOptions): TrainTask<DetectionBatch> {
  const { model, batchSize, val } = options;
  const criterion = detectionCriterion(model);
  const lr = options.lr ?? 1e-4;
  // the last decoder layer's matches of this epoch and the last, for matchingChange
  let previousMatches: MatchRecord = new Map();
  let epochMatches: MatchRecord = new Map();
  const optimizer = new AdamW(
    paramGroups(model, [{ name: 'main' }, { name: 'backbone', match: (n) => n.startsWith('backbone.'), lr: options.lrBackbone ?? lr / 10 }]),
    { lr, weightDecay: options.weightDecay ?? 1e-4 },
  );
  return {
    model,
    optimizer,
    scheduler: new StepLR(optimizer, { stepSize: options.lrDrop ?? 200 }),
    data: (_epoch, rng) => detectionBatches(options.train, { batchSize, transform: options.trainTransform, rng }),
    loss: (batch) => {
      const outputs = model.forward(batch, { targets: batch.targets });
      const start = performance.now();
      const { losses, total, matches } = groupedSetLosses(criterion, outputs, batch.targets, outputs.queryGroups);
      options.onMatchTime?.(performance.now() - start);
      (matches[0]?.at(-1) ?? []).forEach((match, i) => {
        const target = batch.targets[i];
        if (target) epochMatches.set(target.imageId, queryOfTarget(match, target.labels.shape[0] as number));
      });
      const terms: Record<string, tf.Scalar> = Object.fromEntries(LOGGED_TERMS.map((k) => [k, losses[k]]));
      if (outputs.denoising === undefined) return { total, terms };
      const dn = denoisingLosses(outputs.denoising.outputs, outputs.denoising.plan, criterion.config.weightDict);
      for (const k of DENOISING_LOGGED_TERMS) terms[k] = dn.losses[k] as tf.Scalar;
      return { total: tf.add(total, dn.total) as tf.Scalar, terms };
    },
    ...(val === undefined
      ? {}
      : { evaluate: async () => (await evaluateDetector(model, val, { batchSize, transform: options.valTransform, areas: options.areas })).metrics }),
    epochDiagnostics: (): Record<string, number> => {
      const change = matchingChange(previousMatches, epochMatches);
      previousMatches = epochMatches;
      epochMatches = new Map();
      return change === null ? {} : { matchingChange: change };
    },
    imagesPerBatch: (batch) => batch.images.shape[0],
    disposeBatch: disposeDetectionBatch,
    oneImageBatch: firstImageBatch,
  };
}
