// What DETR and Conditional DETR share (models/detr.py, models/conditional_detr.py): backbone →
// 1×1 `input_proj` → transformer (with `query_embed.weight` as the queries) → `class_embed` /
// `bbox_embed` on every decoder layer. Registration order and names follow the official modules:
// transformer, class_embed, bbox_embed, query_embed, input_proj, backbone.
import * as tf from '@tensorflow/tfjs';
import { type ClassHeadKind, createBboxEmbed, createClassEmbed } from '../../heads/detection-heads.js';
import type { DetectionOutputs, DetectionPrediction } from '../../losses/detection-types.js';
import type { AttentionRecord } from '../attention/attend.js';
import { Conv2d } from '../nn/conv2d.js';
import { Embedding } from '../nn/embedding.js';
import type { Linear } from '../nn/linear.js';
import type { MLP } from '../nn/mlp.js';
import { Module } from '../nn/module.js';
import type { Rng } from '../runtime/rng.js';
import type { DecoderLayerAttention } from '../transformer/decoder-layer.js';
import type { TransformerInputs } from '../transformer/tokens.js';
import type { DetectionJoiner } from './detection-backbone.js';

/** A padded image batch: images [B, H, W, 3], mask [B, H, W] bool (true = padding). */
export interface DetectorInputs {
  readonly images: tf.Tensor4D;
  readonly mask: tf.Tensor3D;
}

export interface DetectorForwardOptions {
  readonly returnAttention?: boolean;
}

/** The last decoder layer's predictions, the earlier layers' (aux) and diagnostics. */
export interface DetectorOutputs extends DetectionOutputs {
  readonly predLogits: tf.Tensor3D; // [B, NQ, K] (focal) or [B, NQ, K + 1] (softmax)
  readonly predBoxes: tf.Tensor3D; // [B, NQ, 4] normalised cxcywh
  /** Conditional DETR's reference points (x, y). [B, NQ, 2] */
  readonly references?: tf.Tensor3D;
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
  ): { hs: tf.Tensor4D; references?: tf.Tensor3D; encoderAttention?: AttentionRecord[]; decoderAttention?: DecoderLayerAttention[] };
}

export interface SetDetectorParts<T extends DetectionTransformer> {
  readonly backbone: DetectionJoiner;
  readonly transformer: T;
  readonly numClasses: number;
  readonly numQueries: number;
  /** Return the earlier decoder layers' predictions as `auxOutputs` (DETR's --aux_loss, default true). */
  readonly auxLoss?: boolean;
  readonly rng: Rng;
}

export abstract class SetDetector<T extends DetectionTransformer = DetectionTransformer> extends Module {
  readonly transformer: T;
  readonly class_embed: Linear;
  readonly bbox_embed: MLP;
  readonly query_embed: Embedding;
  readonly input_proj: Conv2d;
  readonly backbone: DetectionJoiner;
  readonly numClasses: number;
  readonly numQueries: number;
  readonly auxLoss: boolean;
  abstract readonly classHead: ClassHeadKind;

  protected constructor(parts: SetDetectorParts<T>, classHead: ClassHeadKind, zeroBoxHead: boolean) {
    super();
    const { rng } = parts;
    const d = parts.transformer.dModel;
    this.numClasses = parts.numClasses;
    this.numQueries = parts.numQueries;
    this.auxLoss = parts.auxLoss ?? true;
    this.transformer = this.addModule('transformer', parts.transformer);
    this.class_embed = this.addModule('class_embed', createClassEmbed(d, parts.numClasses, classHead, rng));
    this.bbox_embed = this.addModule('bbox_embed', createBboxEmbed(d, zeroBoxHead, rng));
    this.query_embed = this.addModule('query_embed', new Embedding(parts.numQueries, d, rng));
    this.input_proj = this.addModule('input_proj', new Conv2d(parts.backbone.numChannels, d, 1, { rng }));
    this.backbone = this.addModule('backbone', parts.backbone);
  }

  /** raw bbox_embed output [L, B, NQ, 4] (+ references [B, NQ, 2]) → normalised cxcywh [L, B, NQ, 4]. */
  protected abstract boxesOf(raw: tf.Tensor, references: tf.Tensor3D | undefined): tf.Tensor;

  forward(inputs: DetectorInputs, options: DetectorForwardOptions = {}): DetectorOutputs {
    const out = tf.tidy(() => {
      const joined = this.backbone.forward(inputs.images, inputs.mask);
      const src = this.input_proj.forward(joined.features); // [B, h, w, d]
      const decoded = this.transformer.forward({ src, mask: joined.mask, queryEmbed: this.query_embed.weight, pos: joined.pos }, options);
      const logits = this.class_embed.forward(decoded.hs); // [L, B, NQ, K']
      const boxes = this.boxesOf(this.bbox_embed.forward(decoded.hs), decoded.references); // [L, B, NQ, 4]
      const { references, encoderAttention, decoderAttention } = decoded;
      return { references, encoderAttention, decoderAttention, logits: perLayer(logits), boxes: perLayer(boxes), featureMask: joined.mask };
    });
    const layers: DetectionPrediction[] = out.logits.map((predLogits, l) => ({ predLogits, predBoxes: out.boxes[l] as tf.Tensor }));
    const last = layers[layers.length - 1] as DetectionPrediction;
    const auxOutputs = layers.slice(0, -1);
    if (!this.auxLoss) tf.dispose(auxOutputs.flatMap((p) => [p.predLogits, p.predBoxes]));
    return {
      predLogits: last.predLogits as tf.Tensor3D,
      predBoxes: last.predBoxes as tf.Tensor3D,
      ...(this.auxLoss ? { auxOutputs } : {}),
      ...(out.references === undefined ? {} : { references: out.references }),
      featureMask: out.featureMask,
      ...(out.encoderAttention === undefined ? {} : { encoderAttention: out.encoderAttention }),
      ...(out.decoderAttention === undefined ? {} : { decoderAttention: out.decoderAttention }),
    };
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
  const layers = [outputs, ...(outputs.auxOutputs ?? [])];
  tf.dispose([outputs.featureMask, ...layers.flatMap((p) => [p.predLogits, p.predBoxes])]);
  outputs.references?.dispose();
  tf.dispose(outputs.encoderAttention ?? []);
  tf.dispose(outputs.decoderAttention ?? []);
}
