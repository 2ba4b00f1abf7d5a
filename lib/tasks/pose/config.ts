// The pose task's configuration: the whole training recipe as JSON (config.json and every
// checkpoint's metadata) with its io-ts codec, ActMST's official recipe and condformer's small CPU
// preset, and the stored run config (recipe + data + epochs + seed) decoded in one place.
import * as t from 'io-ts';
import { NonNegative, PositiveInt } from '../../io/codecs.js';
import { decodeOrThrow } from '../../io/decode.js';
import { decodePoseRegressorConfig, type PoseRegressorConfig } from '../../models/pose-regressor.js';
import type { JsonObject } from '../../train/json.js';
import { decodePoseDataSpec, type PoseDataSpec } from './data.js';

export type PositionEmbeddingKind = PoseRegressorConfig['positionEmbedding'];

/** The whole training recipe, as stored in config.json and every checkpoint. */
export const PoseTrainConfigCodec = t.type({
  task: t.literal('pose'),
  /** Decoded by decodePoseRegressorConfig (defaults filled, old spellings accepted). */
  model: t.unknown,
  /** λ of the QKA term (ActMST `lambda_aux` 0.1); 0 = off. */
  qkaLambda: NonNegative,
  lr: NonNegative,
  eps: NonNegative,
  weightDecay: NonNegative,
  lrStepSize: PositiveInt,
  lrGamma: NonNegative,
  poseLoss: t.type({ learnable: t.boolean, sX: t.number, sQ: t.number, norm: NonNegative }),
  batchSize: PositiveInt,
  /** Short side after resizing and the square crop (official 256 / 224). */
  resize: PositiveInt,
  crop: PositiveInt,
  colorJitter: t.boolean,
  equalizeScenes: t.boolean,
});
export type PoseTrainConfig = Omit<t.TypeOf<typeof PoseTrainConfigCodec>, 'model'> & { readonly model: PoseRegressorConfig };

/** ActMST's 7-Scenes recipe (`7Scenes_config.json`) for `numScenes` scenes. */
export function actmstTrainConfig(model: Partial<PoseRegressorConfig> & { numScenes: number }): PoseTrainConfig {
  return {
    task: 'pose',
    model: decodePoseRegressorConfig(model, 'model config'),
    qkaLambda: 0.1,
    lr: 1e-4,
    eps: 1e-10,
    weightDecay: 1e-4,
    lrStepSize: 10,
    lrGamma: 0.1,
    poseLoss: { learnable: true, sX: 0, sQ: -3, norm: 2 },
    batchSize: 8,
    resize: 256,
    crop: 224,
    colorJitter: true,
    equalizeScenes: false,
  };
}

/**
 * condformer's CPU preset for the small CNN (a few minutes on 2 cores): d 64, 4 heads, FFN 128,
 * 2 + 2 layers per branch, PoseRegressor width 256, 32² images (no crop augmentation, no colour
 * jitter), batch 32, lr 1e-3 (StepLR ×0.1 after 20 epochs), and CameraPoseLoss with fixed weights
 * l_x + l_q (learnable false, s_x = s_q = 1). Measured on the synthetic scenes (docs/results.md
 * "Pose recipe search on the unseen trajectories", bench/pose-recipe.ts): the official learned
 * weighting drifts to s_x ≈ 0.94, s_q ≈ −0.29, i.e. orientation weighted 3.4× position, and
 * `npm start` reached 73% / 28% of the baseline's position / orientation error; with the fixed
 * 1 : 1 weights 49% / 24%. The official 7-Scenes
 * s_q = −3 weights orientation 20× and stalls the first epochs. Otherwise ActMST's recipe (Adam +
 * L2, QKA λ 0.1).
 */
export function smallPoseTrainConfig(numScenes: number, positionEmbedding: PositionEmbeddingKind = 'sine'): PoseTrainConfig {
  const layers = { numTEncoderLayers: 2, numTDecoderLayers: 2, numRotEncoderLayers: 2, numRotDecoderLayers: 2 };
  const model = {
    numScenes,
    backbone: 'small' as const,
    hiddenDim: 64,
    nheads: 4,
    dimFeedforward: 128,
    regressorHidden: 256,
    positionEmbedding,
    ...layers,
  };
  const official = actmstTrainConfig(model);
  return {
    ...official,
    lr: 1e-3,
    lrStepSize: 20,
    batchSize: 32,
    resize: 32,
    crop: 32,
    colorJitter: false,
    poseLoss: { ...official.poseLoss, learnable: false, sX: 1, sQ: 1 },
  };
}

/** The preset for a backbone: `small` (CPU preset above) or `efficientnet` (ActMST's official sizes). */
export function poseTrainConfigFor(
  backbone: PoseRegressorConfig['backbone'],
  numScenes: number,
  positionEmbedding: PositionEmbeddingKind = 'sine',
): PoseTrainConfig {
  return backbone === 'small' ? smallPoseTrainConfig(numScenes, positionEmbedding) : actmstTrainConfig({ numScenes, positionEmbedding });
}

/** Decode a stored config (config.json, checkpoint metadata); `source` names it in errors. */
export function decodePoseTrainConfig(value: unknown, source: string): PoseTrainConfig {
  const config = decodeOrThrow(PoseTrainConfigCodec, value, source);
  return { ...config, model: decodePoseRegressorConfig(config.model, `${source} (model)`) };
}

export function poseTrainConfigJson(config: PoseTrainConfig): JsonObject {
  return JSON.parse(JSON.stringify(config)) as JsonObject;
}

/** What a pose run stores (config.json, checkpoints): the recipe, the data it was trained on, epochs and seed. */
export interface PoseRunConfig {
  readonly config: PoseTrainConfig;
  readonly data: PoseDataSpec;
}

/** Decode a stored run config; `source` names the file (or checkpoint) in errors. */
export function decodePoseRunConfig(value: unknown, source: string): PoseRunConfig {
  const config = decodePoseTrainConfig(value, source);
  const data = decodeOrThrow(t.type({ data: t.unknown }), value, source).data;
  return { config, data: decodePoseDataSpec(data, `${source} at $.data`) };
}
