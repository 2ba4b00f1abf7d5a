// One pose training run end to end: build the task from a config, train it with the shared loop
// (checkpoints, resume, log.jsonl), then evaluate on the test split next to the scene-mean
// baseline. Used by `condformer train pose`, `npm start`, the ablation and examples/train-pose.ts.

import { BASELINE_PREFIX, poseEvalMetrics } from '../../metrics/pose-eval-metrics.js';
import type { PoseEvaluation, PoseThreshold } from '../../metrics/pose-metrics.js';
import { Rng } from '../../runtime/rng.js';
import { runPaths, type TrainOptions, type TrainResult, train } from '../../train/train.js';
import { type PoseTrainConfig, poseTrainConfigJson } from './config.js';
import { type PoseSplitName, type PoseSplits, poseSplitName, poseThresholdsFor } from './data.js';
import { createPoseTask, evaluatePredictions, type PosePredictions, predictPoses, sceneMeanBaseline } from './task.js';

/** The shared loop's options (lib/train/train.ts), plus the data, the recipe and the diagnostics switch. */
export type PoseRunOptions = Pick<
  TrainOptions,
  | 'runDir'
  | 'epochs'
  | 'seed'
  | 'resume'
  | 'overwrite'
  | 'quiet'
  | 'evalEvery'
  | 'logEvery'
  | 'signal'
  | 'onStep'
  | 'progressStream'
  | 'name'
  | 'maxSteps'
  | 'timeBudgetSeconds'
> & {
  readonly data: PoseSplits;
  readonly config: PoseTrainConfig;
  /** Also measure attention entropy and QK centroid distance per encoder layer on the test split. */
  readonly diagnostics?: boolean;
  /** Recall thresholds (default: poseThresholdsFor the data). */
  readonly thresholds?: readonly PoseThreshold[];
};

export interface PoseRunResult {
  readonly train: TrainResult;
  /** The test split's name (`unseen-trajectories`, `interpolation`, `test`). */
  readonly split: PoseSplitName;
  readonly evaluation: PoseEvaluation;
  readonly predictions: PosePredictions;
  readonly baseline: PoseEvaluation;
  readonly checkpoint: string;
  readonly log: string;
  readonly seconds: number;
}

export async function runPoseTraining(options: PoseRunOptions): Promise<PoseRunResult> {
  const { data, config, diagnostics, thresholds = poseThresholdsFor(data), ...trainOptions } = options;
  const { epochs } = options;
  const started = Date.now();
  const rng = new Rng(options.seed ?? 0);
  const baseline = sceneMeanBaseline(data.train, data.test, thresholds);
  const evalOptions = { resize: config.resize, crop: config.crop, batchSize: Math.max(config.batchSize, 16) };
  const { task, trainable } = createPoseTask({
    config,
    train: data.train,
    rng,
    evaluate: async () => {
      const p = await predictPoses(trainable.model, data.test, { ...evalOptions, rng: new Rng(0) });
      const e = evaluatePredictions(p, thresholds);
      return { ...poseEvalMetrics(e), ...poseEvalMetrics(baseline, BASELINE_PREFIX), sceneAccuracy: p.sceneAccuracy };
    },
  });
  try {
    const result = await train(task, {
      ...trainOptions,
      rng,
      config: {
        ...poseTrainConfigJson(config),
        data: data.spec,
        split: poseSplitName(data.spec),
        epochs,
        seed: options.seed ?? 0,
        ...(options.maxSteps === undefined ? {} : { maxSteps: options.maxSteps }),
        ...(options.timeBudgetSeconds === undefined ? {} : { timeBudgetSeconds: options.timeBudgetSeconds }),
      },
      // evaluate on the test split every N epochs during training (default: only at the end)
      evalEvery: options.evalEvery ?? epochs,
      stepsPerEpoch: Math.floor(data.train.table.rows.length / config.batchSize),
    });
    const predictions = await predictPoses(trainable.model, data.test, { ...evalOptions, rng: new Rng(0), diagnostics });
    return {
      train: result,
      split: poseSplitName(data.spec),
      evaluation: evaluatePredictions(predictions, thresholds),
      predictions,
      baseline,
      checkpoint: result.checkpoint,
      log: runPaths(options.runDir).log,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    task.optimizer.dispose();
    trainable.dispose();
  }
}
