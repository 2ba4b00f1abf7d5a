// The pose regressor's configuration (the model part of ActMST's `7Scenes_config.json` /
// `CambridgeLandmarks_config.json`, camelCased) decoded with io-ts, and the one factory that
// builds an MSTransformer from it. Every field but `numScenes` has a default: the official
// 7-Scenes values (EfficientNet-B0, d 256, 6+6 layers, fixed sine PE, shared EMS heads).
import * as t from 'io-ts';
import { decodeOrThrow } from '../lib/io/decode.js';
import type { Backbone } from '../lib/models/backbone/backbone.js';
import { EfficientNetB0 } from '../lib/models/backbone/efficientnet.js';
import { MSTransformer } from '../lib/models/ms-transformer.js';
import { SmallCNN } from '../lib/models/backbone/small-cnn.js';
import { buildPositionEncoding } from '../lib/position/build.js';
import { defaultRng, type Rng } from '../lib/runtime/rng.js';
import { POSE_REGRESSOR_HIDDEN } from './pose-regressor-head.js';

const PositiveInt = t.refinement(t.number, (n) => Number.isInteger(n) && n > 0, 'positive integer');
const Probability = t.refinement(t.number, (p) => p >= 0 && p < 1, 'number in [0, 1)');

const RequiredFields = t.type({ numScenes: PositiveInt });
const OptionalFields = t.partial({
  /** `efficientnet` (EfficientNet-B0, reduction_4 / reduction_3) or `small` (SmallCNN). */
  backbone: t.keyof({ efficientnet: null, small: null }),
  /** SmallCNN stage channels. */
  smallCnnChannels: t.tuple([PositiveInt, PositiveInt, PositiveInt, PositiveInt]),
  hiddenDim: PositiveInt,
  nhead: PositiveInt,
  dimFeedforward: PositiveInt,
  dropout: Probability,
  numTEncoderLayers: PositiveInt,
  numTDecoderLayers: PositiveInt,
  numRotEncoderLayers: PositiveInt,
  numRotDecoderLayers: PositiveInt,
  /** `sine` (fixed, normalize false: ActMST `learnable_pos` false) or `learned` (MS-Transformer). */
  positionEncoding: t.keyof({ sine: null, learned: null }),
  /** `shared` (EMSTransPoseNet) or `per-scene` (MSTransPoseNet). */
  regressorHead: t.keyof({ shared: null, 'per-scene': null }),
  regressorHidden: PositiveInt,
});

export const PoseRegressorConfigCodec = t.intersection([RequiredFields, OptionalFields]);
export type PoseRegressorConfigInput = t.TypeOf<typeof PoseRegressorConfigCodec>;
export type PoseRegressorConfig = Required<PoseRegressorConfigInput>;

/** ActMST 7-Scenes defaults (`7Scenes_config.json`, `ems-transposenet`). */
export const POSE_REGRESSOR_DEFAULTS: Omit<PoseRegressorConfig, 'numScenes'> = {
  backbone: 'efficientnet',
  smallCnnChannels: [16, 32, 64, 96],
  hiddenDim: 256,
  nhead: 8,
  dimFeedforward: 256,
  dropout: 0.1,
  numTEncoderLayers: 6,
  numTDecoderLayers: 6,
  numRotEncoderLayers: 6,
  numRotDecoderLayers: 6,
  positionEncoding: 'sine',
  regressorHead: 'shared',
  regressorHidden: POSE_REGRESSOR_HIDDEN,
};

/** Decode an untrusted config (JSON, checkpoint metadata) and fill the defaults. */
export function decodePoseRegressorConfig(value: unknown, source: string): PoseRegressorConfig {
  const config = { ...POSE_REGRESSOR_DEFAULTS, ...decodeOrThrow(PoseRegressorConfigCodec, value, source) };
  if (config.hiddenDim % config.nhead !== 0) throw new Error(`${source}: hiddenDim ${config.hiddenDim} is not divisible by nhead ${config.nhead}`);
  if (config.hiddenDim % 4 !== 0) throw new Error(`${source}: hiddenDim ${config.hiddenDim} must be a multiple of 4 (2-D position encoding)`);
  return config;
}

/** Build the MS-Transformer pose regressor a config describes. */
export function buildPoseRegressor(input: PoseRegressorConfigInput, rng: Rng = defaultRng()): MSTransformer {
  const config = decodePoseRegressorConfig(input, 'pose regressor config');
  const backbone: Backbone = config.backbone === 'small' ? new SmallCNN({ channels: config.smallCnnChannels, rng }) : new EfficientNetB0({ rng });
  return new MSTransformer({
    ...config,
    backbone,
    positionEncoding: buildPositionEncoding(config.hiddenDim, config.positionEncoding, { normalize: false, rng }),
    rng,
  });
}
