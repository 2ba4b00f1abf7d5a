// The multi-scene pose task: MS-Transformer + CameraPoseLoss + scene NLL + λ·QKA trained with the
// shared loop (lib/train), ActMST's optimisation (torch.optim.Adam, i.e. coupled L2 weight decay,
// lr 1e-4, eps 1e-10, weight decay 1e-4, StepLR(10, 0.1); the CameraPoseLoss s_x / s_q train with the model),
// evaluation (per-scene median errors) and the encoder diagnostics (attention entropy and QK
// centroid distance per layer).
import * as tf from '@tensorflow/tfjs';
import { predictSceneMeans, sceneMeanPoses } from '../../../datasets/pose-baseline.js';
import { disposePoseBatch, type PoseBatch, type PoseSource, poseBatches, poseVector } from '../../../datasets/pose-dataset.js';
import { MS_TRANSFORMER_JITTER, poseTestConfig, poseTrainConfig } from '../../../datasets/pose-transforms.js';
import type { CameraPoseLoss } from '../../../losses/camera-pose-loss.js';
import type { PoseLossInput, PoseLossResult, PoseTargets } from '../../../losses/ms-transformer-loss.js';
import { layerAttentionEntropies } from '../../diagnostics/attention-entropy.js';
import { qkCentroidDistance } from '../../diagnostics/qk-centroid.js';
import { evaluatePoses, type PoseEvaluation, type PoseThreshold } from '../../metrics/pose-metrics.js';
import { disposeMSTransformerOutput, type MSTransformer } from '../../models/ms-transformer.js';
import { buildPoseRegressorParts } from '../../models/pose-regressor.js';
import { Module } from '../../nn/module.js';
import type { Rng } from '../../runtime/rng.js';
import { Adam } from '../../train/adamw.js';
import { StepLR } from '../../train/step-lr.js';
import type { EvalMetrics, TrainTask } from '../../train/train.js';
import type { PoseTrainConfig } from './config.js';

/** What the loop trains: the regressor and the loss's s_x / s_q (checkpoint names `model.*`, `pose_loss.*`). */
export class PoseTrainingModel extends Module {
  readonly model: MSTransformer;
  readonly poseLoss: CameraPoseLoss;
  /** The objective (lib/models/pose-regressor.ts `buildPoseRegressorParts`): pose + scene NLL + λ·QKA with this poseLoss. */
  readonly loss: (output: PoseLossInput, targets: PoseTargets) => PoseLossResult;

  constructor(config: PoseTrainConfig, rng: Rng) {
    super();
    const built = buildPoseRegressorParts(config.model, { poseLoss: config.poseLoss, qkaLambda: config.qkaLambda }, rng);
    this.model = this.addModule('model', built.model);
    this.poseLoss = this.addModule('pose_loss', built.criterion);
    this.loss = built.loss;
  }
}

export interface PoseTaskOptions {
  readonly config: PoseTrainConfig;
  readonly train: PoseSource;
  readonly rng: Rng;
  /** Called (model in eval mode) every evalEvery epochs. */
  readonly evaluate?: (epoch: number) => EvalMetrics | Promise<EvalMetrics>;
}

export function createPoseTask(options: PoseTaskOptions): { task: TrainTask<PoseBatch>; trainable: PoseTrainingModel } {
  const { config, train, rng } = options;
  const trainable = new PoseTrainingModel(config, rng);
  const named = trainable.namedParameters().filter(([, v]) => v.trainable);
  const optimizer = new Adam([{ name: 'all', params: named }], { lr: config.lr, eps: config.eps, weightDecay: config.weightDecay });
  const scheduler = new StepLR(optimizer, { stepSize: config.lrStepSize, gamma: config.lrGamma });
  const transform = poseTrainConfig(config.resize, config.crop, config.colorJitter ? MS_TRANSFORMER_JITTER : null);
  const task: TrainTask<PoseBatch> = {
    model: trainable,
    optimizer,
    scheduler,
    data: (_epoch, dataRng) =>
      poseBatches(train, { batchSize: config.batchSize, transform, rng: dataRng, equalizeScenes: config.equalizeScenes, dropLast: true }),
    loss: (batch) => {
      const output = trainable.model.forward(batch.images, { sceneIds: batch.sceneIds, returnQueriesKeys: config.qkaLambda > 0 });
      return trainable.loss(output, batch);
    },
    evaluate: options.evaluate,
    imagesPerBatch: (batch) => batch.images.shape[0],
    disposeBatch: disposePoseBatch,
  };
  return { task, trainable };
}

/** Mean over the test images of each encoder layer's attention entropy and QK centroid distance. */
export interface PoseDiagnostics {
  readonly entropy: { readonly t: number[]; readonly rot: number[] };
  readonly qkDistance: { readonly t: number[]; readonly rot: number[] };
}

export interface PosePredictions {
  /** [N, 7] row-major. */
  readonly predicted: Float32Array;
  readonly target: Float64Array;
  readonly scenes: string[];
  /** Fraction of images whose argmax scene is right. */
  readonly sceneAccuracy: number;
  readonly diagnostics?: PoseDiagnostics;
}

/**
 * Run the model (eval mode, argmax scenes as official testing) over every row of `source`, center
 * crops at the config's size; with `diagnostics` also the encoder statistics.
 */
export async function predictPoses(
  model: MSTransformer,
  source: PoseSource,
  options: { readonly resize: number; readonly crop: number; readonly batchSize: number; readonly rng: Rng; readonly diagnostics?: boolean },
): Promise<PosePredictions> {
  const n = source.table.rows.length;
  const predicted = new Float32Array(n * 7);
  let correct = 0;
  const sums = { et: [] as number[], er: [] as number[], dt: [] as number[], dr: [] as number[] };
  const add = (acc: number[], values: number[], weight: number) => values.forEach((v, i) => (acc[i] = (acc[i] ?? 0) + v * weight));
  const wasTraining = model.training;
  model.eval();
  try {
    let offset = 0;
    const batches = poseBatches(source, {
      batchSize: options.batchSize,
      transform: poseTestConfig(options.resize, options.crop),
      rng: options.rng,
      shuffle: false,
    });
    for await (const batch of batches) {
      try {
        const out = model.forward(batch.images, { returnAttention: options.diagnostics, returnQueriesKeys: options.diagnostics });
        const b = batch.indices.length;
        predicted.set(await out.pose.data(), offset * 7);
        const chosen = await out.sceneIndices.data();
        batch.indices.forEach((row, i) => (correct += chosen[i] === source.table.sceneIds[row] ? 1 : 0));
        if (out.encoderAttention && out.queriesKeys) {
          add(sums.et, layerAttentionEntropies(out.encoderAttention.t), b);
          add(sums.er, layerAttentionEntropies(out.encoderAttention.rot), b);
          add(sums.dt, meanCentroidDistances(out.queriesKeys.t), b);
          add(sums.dr, meanCentroidDistances(out.queriesKeys.rot), b);
        }
        disposeMSTransformerOutput(out);
        offset += b;
      } finally {
        disposePoseBatch(batch);
      }
    }
  } finally {
    model.train(wasTraining);
  }
  const mean = (xs: number[]) => xs.map((x) => x / n);
  return {
    predicted,
    target: Float64Array.from(source.table.rows.flatMap((_, i) => poseVector(source.table, i))),
    scenes: source.table.rows.map((r) => r.scene),
    sceneAccuracy: correct / n,
    ...(options.diagnostics && {
      diagnostics: { entropy: { t: mean(sums.et), rot: mean(sums.er) }, qkDistance: { t: mean(sums.dt), rot: mean(sums.dr) } },
    }),
  };
}

/** Per layer: mean over batch and heads of ‖mean q − mean k‖ (ActMST res_mean). */
function meanCentroidDistances(layers: readonly { queries: tf.Tensor; keys: tf.Tensor }[]): number[] {
  return layers.map((l) => tf.tidy(() => tf.mean(qkCentroidDistance(l.queries, l.keys)).dataSync()[0]!));
}

export function evaluatePredictions(p: PosePredictions, thresholds?: readonly PoseThreshold[]): PoseEvaluation {
  return evaluatePoses(p.predicted, p.target, p.scenes, thresholds);
}

/** Errors of `predicted` ([N, 7], one row per row of `source`) against `source`'s poses, per scene. */
export function evaluateSourcePredictions(predicted: ArrayLike<number>, source: PoseSource, thresholds?: readonly PoseThreshold[]): PoseEvaluation {
  const target = Float64Array.from(source.table.rows.flatMap((_, i) => poseVector(source.table, i)));
  return evaluatePoses(
    predicted,
    target,
    source.table.rows.map((r) => r.scene),
    thresholds,
  );
}

/** The "predict each scene's mean training pose" baseline on `test`. */
export function sceneMeanBaseline(train: PoseSource, test: PoseSource, thresholds?: readonly PoseThreshold[]): PoseEvaluation {
  return evaluateSourcePredictions(predictSceneMeans(sceneMeanPoses(train.table), test.table.rows), test, thresholds);
}
