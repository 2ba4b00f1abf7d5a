// The prediction heads of DETR / Conditional DETR: `class_embed` (a Linear) and `bbox_embed`
// (MLP(d, d, 4, 3)), their official initialisations, and the two ways their outputs become
// normalised cxcywh boxes: a plain sigmoid (DETR) or a sigmoid of the offsets added to the
// inverse sigmoid of the reference point (Conditional DETR).
import * as tf from '@tensorflow/tfjs';
import { inverseSigmoid } from '../lib/nn/functional.js';
import { Linear } from '../lib/nn/linear.js';
import { MLP } from '../lib/nn/mlp.js';
import type { Rng } from '../lib/runtime/rng.js';

/** softmax: DETR, K + 1 logits (the last is no-object); focal: Conditional DETR, K sigmoid logits. */
export type ClassHeadKind = 'softmax' | 'focal';

/** The focal-loss prior: every class starts at probability 0.01 (Conditional DETR's prior_prob). */
export const FOCAL_PRIOR_PROB = 0.01;

/** -log((1 - p) / p) for p = 0.01 ≈ -4.595: the bias that makes sigmoid(bias) = p. */
export function focalBiasValue(priorProb = FOCAL_PRIOR_PROB): number {
  return -Math.log((1 - priorProb) / priorProb);
}

/**
 * `class_embed`: Linear(d, K + 1) for DETR (PyTorch default init); Linear(d, K) with every bias at
 * focalBiasValue() for Conditional DETR.
 */
export function createClassEmbed(hiddenDim: number, numClasses: number, kind: ClassHeadKind, rng: Rng): Linear {
  const head = new Linear(hiddenDim, kind === 'softmax' ? numClasses + 1 : numClasses, { rng });
  const { bias } = head;
  if (kind === 'focal' && bias !== null) tf.tidy(() => bias.assign(tf.fill([numClasses], focalBiasValue())));
  return head;
}

/** `bbox_embed` = MLP(d, d, 4, 3); with `zeroLastLayer` (Conditional DETR) its last Linear starts at 0. */
export function createBboxEmbed(hiddenDim: number, zeroLastLayer: boolean, rng: Rng): MLP {
  const mlp = new MLP(hiddenDim, hiddenDim, 4, 3, rng);
  if (zeroLastLayer) {
    const last = mlp.layers.at(mlp.layers.length - 1);
    tf.tidy(() => {
      last.weight.assign(tf.zerosLike(last.weight));
      if (last.bias !== null) last.bias.assign(tf.zerosLike(last.bias));
    });
  }
  return mlp;
}

/** DETR: boxes = sigmoid(bbox_embed(hs)). raw [..., 4] → [..., 4] normalised cxcywh. */
export function absoluteBoxes(raw: tf.Tensor): tf.Tensor {
  return tf.sigmoid(raw);
}

/**
 * Conditional DETR: the first two offsets are added to inverse_sigmoid(reference) before the
 * sigmoid, so a zero offset puts the box centre on the reference point.
 * raw [..., B, NQ, 4], references [B, NQ, 2] (x, y) in (0, 1) → [..., B, NQ, 4] normalised cxcywh.
 */
export function referenceRelativeBoxes(raw: tf.Tensor, references: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const centre = tf.slice(raw, Array<number>(raw.rank).fill(0), [...raw.shape.slice(0, -1), 2]);
    const size = tf.slice(raw, [...Array<number>(raw.rank - 1).fill(0), 2], [...raw.shape.slice(0, -1), 2]);
    return tf.sigmoid(tf.concat([tf.add(centre, inverseSigmoid(references)), size], -1));
  });
}

/**
 * DAB-DETR: each layer's box is sigmoid(offsets + inverse_sigmoid(the anchor that layer received)),
 * on all four coordinates. raw [L, B, NQ, 4], anchors [L, B, NQ, 4] in (0, 1) → [L, B, NQ, 4].
 */
export function anchorRelativeBoxes(raw: tf.Tensor, anchors: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sigmoid(tf.add(raw, inverseSigmoid(anchors))));
}
