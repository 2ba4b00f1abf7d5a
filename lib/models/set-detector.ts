// What DETR and Conditional DETR share (models/detr.py, models/conditional_detr.py): backbone →
// 1×1 `input_proj` → transformer (with `query_embed.weight` as the queries) → `class_embed` /
// `bbox_embed` on every decoder layer. Registration order and names follow the official modules:
// transformer, class_embed, bbox_embed, query_embed (DAB-DETR: refpoint_embed), input_proj, backbone.
//
// Training aids (all off by default, all removed in eval mode):
// - Group DETR: `queryGroups` K > 1 keeps K·NQ learned queries; in training every group of NQ runs,
//   each group's self-attention sees only itself (a block-diagonal mask), and the outputs hold all
//   K·NQ queries (the criterion matches each group separately, losses/query-groups.ts). In eval
//   mode only group 0 runs: the same model at no inference cost;
// - DN-DETR (DAB-DETR only, lib/models/dab-detr.ts): denoising queries built from the targets are
//   put in front of the matching queries; their outputs come back apart, as `denoising`.
import * as tf from '@tensorflow/tfjs';
import { type ClassHeadKind, createBboxEmbed, createClassEmbed } from '../../heads/detection-heads.js';
import type { DetectionOutputs, DetectionPrediction, DetectionTarget } from '../../losses/detection-types.js';
import type { AttentionRecord } from '../attention/attend.js';
import { Conv2d } from '../nn/conv2d.js';
import { Embedding } from '../nn/embedding.js';
import type { Linear } from '../nn/linear.js';
import type { MLP } from '../nn/mlp.js';
import { Module } from '../nn/module.js';
import type { Rng } from '../runtime/rng.js';
import type { DecoderLayerAttention } from '../transformer/decoder-layer.js';
import type { TransformerInputs } from '../transformer/tokens.js';
import type { DenoisingPlan } from './denoising.js';
import type { DetectionJoiner } from './detection-backbone.js';
import { queryAttentionMask } from './query-masks.js';

/** A padded image batch: images [B, H, W, 3], mask [B, H, W] bool (true = padding). */
export interface DetectorInputs {
  readonly images: tf.Tensor4D;
  readonly mask: tf.Tensor3D;
}

export interface DetectorForwardOptions {
  readonly returnAttention?: boolean;
  /** The batch's ground truth, for DN-DETR's denoising queries (training mode only; ignored otherwise). */
  readonly targets?: readonly DetectionTarget[];
}

/** The denoising queries' predictions (every decoder layer, [B, padSize, …]) and what they reconstruct. */
export interface DenoisingOutputs {
  readonly outputs: DetectionOutputs;
  readonly plan: DenoisingPlan;
}

/** The last decoder layer's predictions, the earlier layers' (aux) and diagnostics. */
export interface DetectorOutputs extends DetectionOutputs {
  readonly predLogits: tf.Tensor3D; // [B, NQ, K] (focal) or [B, NQ, K + 1] (softmax)
  readonly predBoxes: tf.Tensor3D; // [B, NQ, 4] normalised cxcywh
  /** Conditional DETR's reference points (x, y) [B, NQ, 2]; DAB-DETR's per-layer anchors [L, B, NQ, 4]. */
  readonly references?: tf.Tensor;
  /** Query groups in predLogits / predBoxes (Group DETR in training; 1 otherwise). */
  readonly queryGroups: number;
  /** DN-DETR in training: the denoising part, split off the matching queries. */
  readonly denoising?: DenoisingOutputs;
  /** The padding mask at the transformer's resolution. [B, h, w] */
  readonly featureMask: tf.Tensor3D;
  readonly encoderAttention?: AttentionRecord[];
  readonly decoderAttention?: DecoderLayerAttention[];
}

/** What a detector needs from DetrTransformer / ConditionalTransformer. */
export interface DetectionTransformer extends Module {
  readonly dModel: number;
  forward(
    inputs: TransformerInputs,
    options?: DetectorForwardOptions,
  ): { hs: tf.Tensor4D; references?: tf.Tensor; encoderAttention?: AttentionRecord[]; decoderAttention?: DecoderLayerAttention[] };
}

/** What the decoder is fed: the queries (query embeddings or unsigmoided anchors) and an optional initial target. */
export interface DecoderQueries {
  readonly queryEmbed: tf.Tensor; // [M, D] or [B, pad + M, D]
  readonly tgt?: tf.Tensor; // [B, pad + M, C]
}

export interface SetDetectorParts<T extends DetectionTransformer> {
  readonly backbone: DetectionJoiner;
  readonly transformer: T;
  readonly numClasses: number;
  readonly numQueries: number;
  /** Return the earlier decoder layers' predictions as `auxOutputs` (DETR's --aux_loss, default true). */
  readonly auxLoss?: boolean;
  /** Group DETR's K query groups in training (default 1: off). */
  readonly queryGroups?: number;
  readonly rng: Rng;
}

/** How a subclass's queries and box head differ from DETR's. */
export interface SetDetectorLayout {
  readonly classHead: ClassHeadKind;
  /** Conditional DETR and DAB-DETR start their box head's last layer at zero. */
  readonly zeroBoxHead: boolean;
  /** The learned queries' official name and width: query_embed [NQ, d] or DAB-DETR's refpoint_embed [NQ, 4]. */
  readonly queries?: { readonly name: 'query_embed' | 'refpoint_embed'; readonly dim: number };
  /** A box head built beforehand, shared with the transformer (DAB-DETR); else a new one. */
  readonly bboxEmbed?: MLP;
}

export abstract class SetDetector<T extends DetectionTransformer = DetectionTransformer> extends Module {
  readonly transformer: T;
  readonly class_embed: Linear;
  readonly bbox_embed: MLP;
  /** The learned queries: `query_embed` [K·NQ, d] or DAB-DETR's `refpoint_embed` [K·NQ, 4]. */
  readonly queries: Embedding;
  readonly input_proj: Conv2d;
  readonly backbone: DetectionJoiner;
  readonly numClasses: number;
  readonly numQueries: number;
  /** Group DETR's K (1 = off). */
  readonly queryGroups: number;
  readonly auxLoss: boolean;
  abstract readonly classHead: ClassHeadKind;

  protected constructor(parts: SetDetectorParts<T>, layout: SetDetectorLayout) {
    super();
    const { rng } = parts;
    const d = parts.transformer.dModel;
    const queries = layout.queries ?? { name: 'query_embed', dim: d };
    this.numClasses = parts.numClasses;
    this.numQueries = parts.numQueries;
    this.queryGroups = parts.queryGroups ?? 1;
    this.auxLoss = parts.auxLoss ?? true;
    this.transformer = this.addModule('transformer', parts.transformer);
    this.class_embed = this.addModule('class_embed', createClassEmbed(d, parts.numClasses, layout.classHead, rng));
    this.bbox_embed = this.addModule('bbox_embed', layout.bboxEmbed ?? createBboxEmbed(d, layout.zeroBoxHead, rng));
    this.queries = this.addModule(queries.name, new Embedding(parts.numQueries * this.queryGroups, queries.dim, rng));
    this.input_proj = this.addModule('input_proj', new Conv2d(parts.backbone.numChannels, d, 1, { rng }));
    this.backbone = this.addModule('backbone', parts.backbone);
  }

  /** raw bbox_embed output [L, B, NQ, 4] (+ the transformer's references) → normalised cxcywh [L, B, NQ, 4]. */
  protected abstract boxesOf(raw: tf.Tensor, references: tf.Tensor | undefined): tf.Tensor;

  /** Query groups that run now: K in training, 1 in eval mode. */
  activeQueryGroups(): number {
    return this.training ? this.queryGroups : 1;
  }

  /** DN-DETR's denoising plan for a training batch's targets (DAB-DETR with DN); null = none. */
  protected denoisingPlan(_targets: readonly DetectionTarget[]): DenoisingPlan | null {
    return null;
  }

  /** The queries of the active groups [M, D] (DN-DETR's DAB-DETR adds the denoising part in front). */
  protected decoderQueries(active: tf.Tensor, _batchSize: number, _plan: DenoisingPlan | null): DecoderQueries {
    return { queryEmbed: active };
  }

  forward(inputs: DetectorInputs, options: DetectorForwardOptions = {}): DetectorOutputs {
    const groups = this.activeQueryGroups();
    const batchSize = inputs.images.shape[0];
    const plan = this.training && options.targets !== undefined ? this.denoisingPlan(options.targets) : null;
    const pad = plan?.padSize ?? 0;
    const out = tf.tidy(() => {
      const joined = this.backbone.forward(inputs.images, inputs.mask);
      const src = this.input_proj.forward(joined.features); // [B, h, w, d]
      const active = tf.slice(this.queries.weight, [0, 0], [groups * this.numQueries, -1]); // [K·NQ, D]
      const { queryEmbed, tgt } = this.decoderQueries(active, batchSize, plan);
      const mask = queryAttentionMask({
        denoisingGroups: plan?.groups ?? 0,
        denoisingGroupSize: plan?.singlePad ?? 0,
        matchingGroups: groups,
        matchingGroupSize: this.numQueries,
      });
      const selfAttentionMask = mask === null ? undefined : tf.tensor2d(mask.blocked, [mask.size, mask.size], 'bool');
      const decoded = this.transformer.forward({ src, mask: joined.mask, queryEmbed, tgt, selfAttentionMask, pos: joined.pos }, options);
      const logits = this.class_embed.forward(decoded.hs); // [L, B, pad + K·NQ, K']
      const boxes = this.boxesOf(this.bbox_embed.forward(decoded.hs), decoded.references); // [L, B, pad + K·NQ, 4]
      const { encoderAttention, decoderAttention } = decoded;
      const part = (x: tf.Tensor, from: number, size: number) => perLayer(tf.slice(x, [0, 0, from], [-1, -1, size]));
      const matching = groups * this.numQueries;
      return {
        references:
          pad === 0 || decoded.references === undefined ? decoded.references : tf.slice(decoded.references, [0, 0, pad], [-1, -1, matching]),
        encoderAttention,
        decoderAttention,
        logits: part(logits, pad, matching),
        boxes: part(boxes, pad, matching),
        denoisingLogits: pad === 0 ? [] : part(logits, 0, pad),
        denoisingBoxes: pad === 0 ? [] : part(boxes, 0, pad),
        featureMask: joined.mask,
      };
    });
    const { auxOutputs, ...last } = this.layerOutputs(out.logits, out.boxes);
    const denoising = plan === null || pad === 0 ? undefined : { outputs: this.layerOutputs(out.denoisingLogits, out.denoisingBoxes), plan };
    return {
      ...last,
      ...(auxOutputs === undefined ? {} : { auxOutputs }),
      ...(out.references === undefined ? {} : { references: out.references }),
      queryGroups: groups,
      ...(denoising === undefined ? {} : { denoising }),
      featureMask: out.featureMask,
      ...(out.encoderAttention === undefined ? {} : { encoderAttention: out.encoderAttention }),
      ...(out.decoderAttention === undefined ? {} : { decoderAttention: out.decoderAttention }),
    };
  }

  /** Per-layer tensors → the last layer plus (with auxLoss) the earlier ones; the rest is freed. */
  private layerOutputs(
    logits: tf.Tensor[],
    boxes: tf.Tensor[],
  ): { predLogits: tf.Tensor3D; predBoxes: tf.Tensor3D; auxOutputs?: DetectionPrediction[] } {
    const layers: DetectionPrediction[] = logits.map((predLogits, l) => ({ predLogits, predBoxes: boxes[l] as tf.Tensor }));
    const last = layers[layers.length - 1] as DetectionPrediction;
    const auxOutputs = layers.slice(0, -1);
    if (!this.auxLoss) tf.dispose(auxOutputs.flatMap((p) => [p.predLogits, p.predBoxes]));
    return { predLogits: last.predLogits as tf.Tensor3D, predBoxes: last.predBoxes as tf.Tensor3D, ...(this.auxLoss ? { auxOutputs } : {}) };
  }
}

/**
 * [L, ...] → L tensors [...]. Slices, not tf.unstack: tfjs's Unpack gradient breaks when L = 1
 * (a single output's gradient reaches it as a tensor, not as the list it stacks).
 */
function perLayer(x: tf.Tensor): tf.Tensor[] {
  return Array.from({ length: x.shape[0] as number }, (_, l) => tf.squeeze(tf.slice(x, [l], [1]), [0]));
}

/** Free every tensor of a detector's outputs. */
export function disposeDetectorOutputs(outputs: DetectorOutputs): void {
  const dn = outputs.denoising?.outputs;
  const layers = [outputs, ...(outputs.auxOutputs ?? []), ...(dn === undefined ? [] : [dn, ...(dn.auxOutputs ?? [])])];
  tf.dispose([outputs.featureMask, ...layers.flatMap((p) => [p.predLogits, p.predBoxes])]);
  outputs.references?.dispose();
  tf.dispose(outputs.encoderAttention ?? []);
  tf.dispose(outputs.decoderAttention ?? []);
}
