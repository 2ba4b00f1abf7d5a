// One factory for the detectors: a typed, io-ts-decodable config (config files, checkpoints) →
// DETR or ConditionalDETR with a ResNet-50 / ResNet-18 (FrozenBatchNorm2d, DETR's layer freezing)
// or the small CNN backbone and DETR's sine (or learned) position embedding. Defaults are the
// official ones (main.py): d 256, 8 heads, 6 + 6 layers, FFN 2048, dropout 0.1, aux loss, 100
// queries for DETR and 300 for Conditional DETR. Conditional DETR's training aids (all off by
// default): `anchors: 'dab'` (DAB-DETR: 4-D anchor queries, iterative refinement, PReLU, the HW
// sine embedding at temperature 20), `dnGroups` (DN-DETR denoising; needs DAB anchors) and
// `queryGroups` (Group DETR). `buildDetectorParts` is DETR's `build(args)`: the model, its
// criterion and its post-processing.
import * as t from 'io-ts';
import type { DetectionPrediction } from '../../losses/detection-types.js';
import { SetCriterion } from '../../losses/set-criterion.js';
import { keysOf, NonNegative, numberWhere, PositiveInt, Probability } from '../io/codecs.js';
import { DecodeError, decodeOrThrow } from '../io/decode.js';
import { buildPositionEncoding } from '../position/build.js';
import { defaultRng, type Rng } from '../runtime/rng.js';
import { ConditionalTransformer } from '../transformer/conditional-transformer.js';
import { DabTransformer } from '../transformer/dab-transformer.js';
import { DetrTransformer } from '../transformer/detr-transformer.js';
import type { TransformerOptions } from '../transformer/transformer-options.js';
import type { Backbone } from './backbone/backbone.js';
import { ResNet } from './backbone/resnet.js';
import { SmallCNN } from './backbone/small-cnn.js';
import { ConditionalDETR } from './conditional-detr.js';
import { createDabBoxHead, DABDETR } from './dab-detr.js';
import { DN_DEFAULTS } from './denoising.js';
import { DetectionJoiner } from './detection-backbone.js';
import { type ImageDetections, postprocessDetections } from './detection-postprocess.js';
import { DETR } from './detr.js';

export const DETECTOR_KINDS = ['conditional', 'detr'] as const;
export const DETECTOR_BACKBONES = ['small', 'resnet18', 'resnet50'] as const;
export const DETECTOR_ANCHORS = ['none', 'dab'] as const;

/** 0, 1, 2, ... (safe integers only). */
const NonNegativeInt = numberWhere('integer >= 0', (n) => Number.isSafeInteger(n) && n >= 0);

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
  /** Conditional DETR's queries: 2-D reference points (`none`) or DAB-DETR's 4-D anchor boxes. */
  anchors: keysOf(DETECTOR_ANCHORS, "'none' | 'dab'"),
  /** DN-DETR denoising groups (0 = off; needs anchors 'dab'). */
  dnGroups: NonNegativeInt,
  dnLabelNoise: Probability,
  dnBoxNoise: NonNegative,
  /** Group DETR's query groups in training (1 = off). */
  queryGroups: PositiveInt,
});
export const DetectorConfigCodec = t.intersection([RequiredFieldsCodec, OptionalFieldsCodec]);
export type DetectorConfig = t.TypeOf<typeof DetectorConfigCodec>;
export type ResolvedDetectorConfig = Required<DetectorConfig>;
export type Detector = DETR | ConditionalDETR | DABDETR;

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
    anchors: 'none',
    dnGroups: 0,
    dnLabelNoise: DN_DEFAULTS.labelNoise,
    dnBoxNoise: DN_DEFAULTS.boxNoise,
    queryGroups: 1,
    ...config,
  };
}

/** Why a config's training aids do not combine, or null. */
export function trainingAidProblem(config: DetectorConfig): string | null {
  const c = resolveDetectorConfig(config);
  if (c.anchors === 'dab' && c.model !== 'conditional') return "DAB-DETR anchors (--anchors dab) build on Conditional DETR (model 'conditional')";
  if (c.dnGroups > 0 && c.anchors !== 'dab') return 'DN-DETR denoising (--dn-groups > 0) needs anchor-box queries (--anchors dab)';
  if (c.queryGroups > 1 && c.model !== 'conditional') return "Group DETR (--query-groups > 1) builds on Conditional DETR (model 'conditional')";
  return null;
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
  const problem = trainingAidProblem(c);
  if (problem !== null) throw new Error(`buildDetector: ${problem}`);
  const dab = c.anchors === 'dab';
  const body = buildBackbone(c, rng);
  if (c.backbone === 'small' && !c.trainBackbone) body.freeze();
  const position = buildPositionEncoding(c.hiddenDim, c.positionEmbedding, { rng, temperature: dab ? 20 : undefined });
  const backbone = new DetectionJoiner(body, position);
  const transformerOptions: TransformerOptions = {
    dModel: c.hiddenDim,
    nhead: c.nheads,
    numEncoderLayers: c.encLayers,
    numDecoderLayers: c.decLayers,
    dimFeedforward: c.dimFeedforward,
    dropout: c.dropout,
    rng,
  };
  const parts = { backbone, numClasses: c.numClasses, numQueries: c.numQueries, auxLoss: c.auxLoss, queryGroups: c.queryGroups, rng };
  if (dab) {
    const transformer = new DabTransformer({ ...transformerOptions, activation: 'prelu', bboxEmbed: createDabBoxHead(c.hiddenDim, rng) });
    const denoising = { groups: c.dnGroups, labelNoise: c.dnLabelNoise, boxNoise: c.dnBoxNoise };
    return new DABDETR({ ...parts, transformer, denoising });
  }
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
