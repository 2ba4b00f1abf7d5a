// The pose regressor's configuration (the model part of ActMST's `7Scenes_config.json` /
// `CambridgeLandmarks_config.json`, camelCased, in the detector's vocabulary: `nheads`,
// `positionEmbedding`, `smallChannels`) decoded with io-ts, and its builder, DETR-style: `buildPoseRegressorParts`
// returns the MSTransformer, its criterion (CameraPoseLoss, whose s_x / s_q train with the model)
// and the loss composition. Every field but `numScenes` has a default: the official 7-Scenes
// values (EfficientNet-B0, d 256, 6+6 layers, fixed sine PE, shared EMS heads).
import * as t from 'io-ts';
import { POSE_REGRESSOR_HIDDEN } from '../../heads/pose-regressor-head.js';
import { CameraPoseLoss, type CameraPoseLossConfig } from '../../losses/camera-pose-loss.js';
import { msTransformerLoss } from '../../losses/ms-transformer-loss.js';
import { keysOf, PositiveInt, Probability, withLegacyNames } from '../io/codecs.js';
import { decodeOrThrow } from '../io/decode.js';
import { buildPositionEncoding } from '../position/build.js';
import { defaultRng, type Rng } from '../runtime/rng.js';
import type { Backbone } from './backbone/backbone.js';
import { EfficientNetB0 } from './backbone/efficientnet.js';
import { SmallCNN } from './backbone/small-cnn.js';
import { MSTransformer } from './ms-transformer.js';

const RequiredFields = t.type({ numScenes: PositiveInt });
const OptionalFields = t.partial({
  /** `efficientnet` (EfficientNet-B0, reduction_4 / reduction_3) or `small` (SmallCNN). */
  backbone: keysOf(['efficientnet', 'small'] as const),
  /** SmallCNN stage channels. */
  smallChannels: t.tuple([PositiveInt, PositiveInt, PositiveInt, PositiveInt]),
  hiddenDim: PositiveInt,
  nheads: PositiveInt,
  dimFeedforward: PositiveInt,
  dropout: Probability,
  numTEncoderLayers: PositiveInt,
  numTDecoderLayers: PositiveInt,
  numRotEncoderLayers: PositiveInt,
  numRotDecoderLayers: PositiveInt,
  /** `sine` (fixed, normalize false: ActMST `learnable_pos` false) or `learned` (MS-Transformer). */
  positionEmbedding: keysOf(['sine', 'learned'] as const),
  /** `shared` (EMSTransPoseNet) or `per-scene` (MSTransPoseNet). */
  regressorHead: keysOf(['shared', 'per-scene'] as const),
  regressorHidden: PositiveInt,
});

/** The spellings of configs written before the vocabulary was shared with the detector. */
export const POSE_REGRESSOR_LEGACY_NAMES = { nhead: 'nheads', positionEncoding: 'positionEmbedding', smallCnnChannels: 'smallChannels' } as const;

export const PoseRegressorConfigCodec = withLegacyNames(t.intersection([RequiredFields, OptionalFields]), POSE_REGRESSOR_LEGACY_NAMES);
export type PoseRegressorConfigInput = t.TypeOf<typeof PoseRegressorConfigCodec>;
export type PoseRegressorConfig = Required<PoseRegressorConfigInput>;

/** ActMST 7-Scenes defaults (`7Scenes_config.json`, `ems-transposenet`). */
export const POSE_REGRESSOR_DEFAULTS: Omit<PoseRegressorConfig, 'numScenes'> = {
  backbone: 'efficientnet',
  smallChannels: [16, 32, 64, 96],
  hiddenDim: 256,
  nheads: 8,
  dimFeedforward: 256,
  dropout: 0.1,
  numTEncoderLayers: 6,
  numTDecoderLayers: 6,
  numRotEncoderLayers: 6,
  numRotDecoderLayers: 6,
  positionEmbedding: 'sine',
  regressorHead: 'shared',
  regressorHidden: POSE_REGRESSOR_HIDDEN,
};

/** Decode an untrusted config (JSON, checkpoint metadata) and fill the defaults. */
export function decodePoseRegressorConfig(value: unknown, source: string): PoseRegressorConfig {
  const config = { ...POSE_REGRESSOR_DEFAULTS, ...decodeOrThrow(PoseRegressorConfigCodec, value, source) };
  if (config.hiddenDim % config.nheads !== 0) throw new Error(`${source}: hiddenDim ${config.hiddenDim} is not divisible by nheads ${config.nheads}`);
  if (config.hiddenDim % 4 !== 0) throw new Error(`${source}: hiddenDim ${config.hiddenDim} must be a multiple of 4 (2-D position encoding)`);
  return config;
}

/** Build the MS-Transformer pose regressor a config describes. */
export function buildPoseRegressor(input: PoseRegressorConfigInput, rng: Rng = defaultRng()): MSTransformer {
  const config = decodePoseRegressorConfig(input, 'pose regressor config');
  const backbone: Backbone = config.backbone === 'small' ? new SmallCNN({ channels: config.smallChannels, rng }) : new EfficientNetB0({ rng });
  return new MSTransformer({
    ...config,
    nhead: config.nheads,
    backbone,
    positionEncoding: buildPositionEncoding(config.hiddenDim, config.positionEmbedding, { normalize: false, rng }),
    rng,
  });
}

/**
 * DETR's `build(args)` for the pose regressor: the model, its criterion (CameraPoseLoss with the
 * given s_x / s_q) and the objective `loss(output, targets)` = pose + scene NLL + λ·QKA.
 */
export function buildPoseRegressorParts(
  model: PoseRegressorConfigInput,
  options: { readonly poseLoss: CameraPoseLossConfig; readonly qkaLambda: number },
  rng: Rng = defaultRng(),
) {
  const regressor = buildPoseRegressor(model, rng);
  const criterion = new CameraPoseLoss(options.poseLoss);
  const loss = (output: Parameters<typeof msTransformerLoss>[0], targets: Parameters<typeof msTransformerLoss>[1]) =>
    msTransformerLoss(output, targets, criterion, options.qkaLambda);
  return { model: regressor, criterion, loss };
}
