// A pose regressor evaluated on a data spec's test split next to the scene-mean baseline: the one
// result `condformer eval pose` (table and --json), `npm start` and the report show.
import { type PoseEvaluation, type PoseThreshold, poseEvaluationJson } from '../../metrics/pose-metrics.js';
import { Rng } from '../../runtime/rng.js';
import type { JsonObject } from '../../train/json.js';
import type { PoseTrainConfig } from './config.js';
import { loadPoseSplits, type PoseDataSpec, type PoseSplitName, type PoseSplits, poseSplitName, poseThresholdsFor } from './data.js';
import { evaluatePredictions, type PoseTrainingModel, predictPoses, sceneMeanBaseline } from './task.js';

export interface PoseTestResult {
  readonly split: PoseSplitName;
  readonly evaluation: PoseEvaluation;
  readonly baseline: PoseEvaluation;
  readonly sceneAccuracy: number;
  readonly data: PoseSplits;
}

/** Evaluate `trained` on `spec`'s test split (argmax scenes); thresholds default to poseThresholdsFor the data. */
export async function evaluatePoseModel(
  trained: PoseTrainingModel,
  config: PoseTrainConfig,
  spec: PoseDataSpec,
  thresholds?: readonly PoseThreshold[],
): Promise<PoseTestResult> {
  const data = await loadPoseSplits(spec);
  const chosen = thresholds ?? poseThresholdsFor(data);
  const predictions = await predictPoses(trained.model, data.test, { resize: config.resize, crop: config.crop, batchSize: 16, rng: new Rng(0) });
  return {
    split: poseSplitName(spec),
    evaluation: evaluatePredictions(predictions, chosen),
    baseline: sceneMeanBaseline(data.train, data.test, chosen),
    sceneAccuracy: predictions.sceneAccuracy,
    data,
  };
}

/** `{ split, scenes, average, recall, baseline: { average, scenes, recall } }`: what `eval pose --json` prints. */
export function poseTestResultJson(result: Pick<PoseTestResult, 'split' | 'evaluation' | 'baseline'>): JsonObject {
  const baseline = poseEvaluationJson(result.baseline);
  const json = {
    split: result.split,
    ...poseEvaluationJson(result.evaluation),
    baseline: { average: baseline.average, scenes: baseline.scenes, recall: baseline.recall },
  };
  return JSON.parse(JSON.stringify(json)) as JsonObject;
}
