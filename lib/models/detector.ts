// One factory for the detectors: a typed, io-ts-decodable config (config files, checkpoints) →
// DETR or ConditionalDETR with a ResNet-50 / ResNet-18 (FrozenBatchNorm2d, DETR's layer freezing)
// or the small CNN backbone and DETR's sine (or learned) position embedding. Defaults are the
// official ones (main.py): d 256, 8 heads, 6 + 6 layers, FFN 2048, dropout 0.1, aux loss, 100
// queries for DETR and 300 for Conditional DETR. `buildDetectorParts` is DETR's `build(args)`: the model, its
// criterion and its post-processing.
import * as t from 'io-ts';
import type { DetectionPrediction } from '../../losses/detection-types.js';
import { SetCriterion } from '../../losses/set-criterion.js';
import { keysOf, PositiveInt, Probability } from '../io/codecs.js';
import { DecodeError, decodeOrThrow } from '../io/decode.js';
import { buildPositionEncoding } from '../position/build.js';
import { defaultRng, type Rng } from '../runtime/rng.js';
import { ConditionalTransformer } from '../transformer/conditional-transformer.js';
import { DetrTransformer } from '../transformer/detr-transformer.js';
import type { TransformerOptions } from '../transformer/transformer-options.js';
import type { Backbone } from './backbone/backbone.js';
import { ResNet } from './backbone/resnet.js';
import { SmallCNN } from './backbone/small-cnn.js';
import { ConditionalDETR } from './conditional-detr.js';
import { DetectionJoiner } from './detection-backbone.js';
import { type ImageDetections, postprocessDetections } from './detection-postprocess.js';
import { DETR } from './detr.js';

export const DETECTOR_KINDS = ['conditional', 'detr'] as const;
export const DETECTOR_BACKBONES = ['small', 'resnet18', 'resnet50'] as const;

const RequiredFieldsCodec = t.type({
  model: keysOf(DETECTOR_KINDS, "'conditional' | 'detr'"),
  /** Object classes K (without DETR's no-object class). */
  numClasses: PositiveInt,
});
const OptionalFieldsCodec = t.partial({
  backbone: keysOf(DETECTOR_BACKBONES, "'small' | 'resnet18' | 'resnet50'"),
  numQueries: PositiveInt,
  hiddenDim: PositiveInt,
  nheads: PositiveInt,
  encLayers: PositiveInt,
  decLayers: PositiveInt,
  dimFeedforward: PositiveInt,
  dropout: Probability,
  auxLoss: t.boolean,
  positionEmbedding: keysOf(['sine', 'learned'] as const, "'sine' | 'learned'"),
  /** DETR's lr_backbone > 0: layer2..layer4 of a ResNet train (conv1 / layer1 stay frozen). */
  trainBackbone: t.boolean,
  /** ResNet-50 DC5 (layer4 dilated, stride 16). */
  dilation: t.boolean,
  /** The small CNN's four stage widths. */
  smallChannels: t.tuple([PositiveInt, PositiveInt, PositiveInt, PositiveInt]),
  /** The small CNN's output stride: 16, or 8 (its last stage at stride 1; same parameters). */
  smallStride: t.union([t.literal(8), t.literal(16)]),
});
export const DetectorConfigCodec = t.intersection([RequiredFieldsCodec, OptionalFieldsCodec]);
export type DetectorConfig = t.TypeOf<typeof DetectorConfigCodec>;
export type ResolvedDetectorConfig = Required<DetectorConfig>;
export type Detector = DETR | ConditionalDETR;

/** Every default filled in (the official main.py values). */
export function resolveDetectorConfig(config: DetectorConfig): ResolvedDetectorConfig {
  return {
    backbone: 'resnet50',
    numQueries: config.model === 'conditional' ? 300 : 100,
    hiddenDim: 256,
    nheads: 8,
    encLayers: 6,
    decLayers: 6,
    dimFeedforward: 2048,
    dropout: 0.1,
    auxLoss: true,
    positionEmbedding: 'sine',
    trainBackbone: true,
    dilation: false,
    smallChannels: [16, 32, 64, 128],
    smallStride: 16,
    ...config,
  };
}

/** Decode a config from JSON (a file, a checkpoint's metadata); errors name `source` and the path. */
export function decodeDetectorConfig(value: unknown, source: string): DetectorConfig {
  // The two halves are decoded separately so that error paths read `$.field` (not `$[0].field`).
  const problems: string[] = [];
  const attempt = <A>(codec: t.Type<A, A, unknown>): A | null => {
    try {
      return decodeOrThrow(codec, value, source);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      problems.push(...err.problems);
      return null;
    }
  };
  const required = attempt(RequiredFieldsCodec);
  const optional = attempt(OptionalFieldsCodec);
  if (required === null || optional === null) throw new DecodeError(source, problems);
  return { ...optional, ...required };
}

function buildBackbone(config: ResolvedDetectorConfig, rng: Rng): Backbone {
  if (config.backbone === 'small') return new SmallCNN({ channels: config.smallChannels, outputStride: config.smallStride, rng });
  const resnet = new ResNet({ depth: config.backbone === 'resnet18' ? 18 : 50, norm: 'frozen', dilation: config.dilation, rng });
  return resnet.freezeLikeDetr(config.trainBackbone);
}

export function buildDetector(config: DetectorConfig, rng: Rng = defaultRng()): Detector {
  const c = resolveDetectorConfig(config);
  const body = buildBackbone(c, rng);
  if (c.backbone === 'small' && !c.trainBackbone) body.freeze();
  const backbone = new DetectionJoiner(body, buildPositionEncoding(c.hiddenDim, c.positionEmbedding, { rng }));
  const transformerOptions: TransformerOptions = {
    dModel: c.hiddenDim,
    nhead: c.nheads,
    numEncoderLayers: c.encLayers,
    numDecoderLayers: c.decLayers,
    dimFeedforward: c.dimFeedforward,
    dropout: c.dropout,
    rng,
  };
  const parts = { backbone, numClasses: c.numClasses, numQueries: c.numQueries, auxLoss: c.auxLoss, rng };
  return c.model === 'conditional'
    ? new ConditionalDETR({ ...parts, transformer: new ConditionalTransformer(transformerOptions) })
    : new DETR({ ...parts, transformer: new DetrTransformer(transformerOptions) });
}

/** DETR's criterion for a Conditional DETR (focal) or DETR (softmax) model, aux layers included when the model returns them. */
export function detectionCriterion(model: Detector): SetCriterion {
  const layers = model.auxLoss ? model.transformer.decoder.layers.length : 1;
  return model.classHead === 'focal' ? SetCriterion.conditionalDetr(model.numClasses, layers) : SetCriterion.detr(model.numClasses, layers);
}

/** DETR's `build(args)`: the detector, its SetCriterion and its PostProcess (boxes in pixels of `imageSizes`). */
export function buildDetectorParts(config: DetectorConfig, rng: Rng = defaultRng()) {
  const model = buildDetector(config, rng);
  const postprocess = (outputs: DetectionPrediction, imageSizes: readonly (readonly [number, number])[]): Promise<ImageDetections[]> =>
    postprocessDetections(outputs, imageSizes, model.classHead);
  return { model, criterion: detectionCriterion(model), postprocess };
}
