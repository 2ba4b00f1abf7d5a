// One pose training run end to end: build the task from a config, train it with the shared loop
// (checkpoints, resume, log.jsonl), then evaluate on the test split next to the scene-mean
// baseline. Used by `condformer train pose`, `npm start`, the ablation and examples/train-pose.ts.
import type { PoseEvaluation } from '../metrics/pose-metrics.js';
import { Rng } from '../runtime/rng.js';
import { runPaths, train, type TrainOptions, type TrainResult } from '../train/train.js';
import { createPoseTask, evaluatePredictions, poseTrainConfigJson, predictPoses, sceneMeanBaseline, type PosePredictions, type PoseTrainConfig } from './pose.js';
import type { PoseSplits } from './pose-data.js';
import { poseEvalMetrics } from '../report/pose-eval-metrics.js';

export interface PoseRunOptions {
  readonly data: PoseSplits;
  readonly config: PoseTrainConfig;
  readonly epochs: number;
  readonly runDir: string;
  readonly seed?: number;
  readonly resume?: boolean | string;
  readonly overwrite?: boolean;
  readonly quiet?: boolean;
  /** Evaluate on the test split every N epochs during training (default: only at the end). */
  readonly evalEvery?: number;
  /** Also measure attention entropy and QK centroid distance per encoder layer on the test split. */
  readonly diagnostics?: boolean;
  readonly logEvery?: number;
  readonly signal?: AbortSignal;
  readonly onStep?: TrainOptions['onStep'];
}

export interface PoseRunResult {
  readonly train: TrainResult;
  readonly evaluation: PoseEvaluation;
  readonly predictions: PosePredictions;
  readonly baseline: PoseEvaluation;
  readonly checkpoint: string;
  readonly log: string;
  readonly seconds: number;
}

export async function runPoseTraining(options: PoseRunOptions): Promise<PoseRunResult> {
  const { data, config, epochs } = options;
  const started = Date.now();
  const rng = new Rng(options.seed ?? 0);
  const evalOptions = { resize: config.resize, crop: config.crop, batchSize: Math.max(config.batchSize, 16) };
  const { task, trainable } = createPoseTask({
    config,
    train: data.train,
    rng,
    evaluate: async () => {
      const p = await predictPoses(trainable.model, data.test, { ...evalOptions, rng: new Rng(0) });
      const e = evaluatePredictions(p);
      return { ...poseEvalMetrics(e), sceneAccuracy: p.sceneAccuracy };
    },
  });
  try {
    const result = await train(task, {
      runDir: options.runDir,
      epochs,
      rng,
      config: { ...poseTrainConfigJson(config), data: data.spec, epochs, seed: options.seed ?? 0 },
      evalEvery: options.evalEvery ?? epochs,
      resume: options.resume,
      overwrite: options.overwrite,
      quiet: options.quiet,
      logEvery: options.logEvery,
      signal: options.signal,
      onStep: options.onStep,
      stepsPerEpoch: Math.floor(data.train.table.rows.length / config.batchSize),
    });
    const predictions = await predictPoses(trainable.model, data.test, { ...evalOptions, rng: new Rng(0), diagnostics: options.diagnostics });
    return {
      train: result,
      evaluation: evaluatePredictions(predictions),
      predictions,
      baseline: sceneMeanBaseline(data.train, data.test),
      checkpoint: result.checkpoint,
      log: runPaths(options.runDir).log,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    task.optimizer.dispose();
    trainable.dispose();
  }
}

