// DETR / Conditional DETR `SetCriterion`: Hungarian-match every decoder layer to the targets, then
// classification (softmax CE with a down-weighted no-object class, or the sigmoid focal loss), L1 and
// GIoU box losses normalised by the number of target boxes, plus the logged-only class_error (last
// layer) and cardinality_error. Layer j < L−1 gets the `_j` keys (auxiliary losses).
//
// Typical training use: the matching is a constant of the step, the losses are differentiable:
//   const { grads } = tf.variableGrads(() => {
//     const outputs = model.forward(images);                        // DetectionOutputs
//     const matches = criterion.matchSync(outputs, targets);        // one dataSync for all layers
//     return criterion.compute(outputs, targets, matches).total;
//   });
import * as tf from '@tensorflow/tfjs';
import { boxCxcywhToXyxy, broadcastGeneralizedBoxIou } from './box-ops.js';
import type { DetectionOutputs, DetectionPrediction, DetectionTarget, ImageMatch } from './detection-types.js';
import { sigmoidFocalLoss } from './focal-loss.js';
import { HungarianMatcher } from './hungarian-matcher.js';

/** Per-layer loss names; layer j < L−1 appends `_j`. `class_error` exists for the last layer only. */
export type LayerLossName = 'loss_ce' | 'loss_bbox' | 'loss_giou' | 'cardinality_error';
export type LossKey = LayerLossName | `${LayerLossName}_${number}` | 'class_error';
export type DetectionLosses = Record<LossKey, tf.Scalar>;
export type WeightDict = Partial<Record<LossKey, number>>;

/** softmax: DETR, logits [B, NQ, K + 1] with the no-object class last; focal: Conditional DETR, logits [B, NQ, K]. */
export type ClassificationLoss = { readonly type: 'softmax'; readonly eosCoef: number } | { readonly type: 'focal'; readonly alpha: number };

export interface SetCriterionConfig {
  readonly numClasses: number;
  readonly matcher: HungarianMatcher;
  readonly weightDict: WeightDict;
  readonly classification: ClassificationLoss;
}

export interface CriterionOutput {
  /** Every named loss (scalars). */
  readonly losses: DetectionLosses;
  /** Σ weightDict[k] · losses[k] over the keys in both (as the official engine.py). */
  readonly total: tf.Scalar;
}

export interface DetectionLossWeights {
  readonly ce: number;
  readonly bbox: number;
  readonly giou: number;
  /** Decoder layers L; layers 0 … L−2 get `_j` copies of the weights. */
  readonly numDecoderLayers: number;
}

/** The official main.py weight_dict: loss_ce / loss_bbox / loss_giou plus `_j` copies for the aux layers. */
export function detectionWeightDict({ ce, bbox, giou, numDecoderLayers }: DetectionLossWeights): WeightDict {
  const base = { loss_ce: ce, loss_bbox: bbox, loss_giou: giou } as const;
  const out: WeightDict = { ...base };
  for (let j = 0; j < numDecoderLayers - 1; j++) {
    for (const [k, v] of Object.entries(base)) out[`${k as LayerLossName}_${j}`] = v;
  }
  return out;
}

/** Flat gather indices of a layer's matching: queries into [B·NQ], targets into the concatenated [T]. */
interface FlatMatch {
  readonly src: Int32Array;
  readonly tgt: Int32Array;
  /** [B·NQ] index into the labels with the no-object sentinel appended (T = unmatched). */
  readonly targetOfQuery: Int32Array;
}

function flatten(matches: readonly ImageMatch[], sizes: readonly number[], nq: number): FlatMatch {
  const total = sizes.reduce((a, b) => a + b, 0);
  const src: number[] = [];
  const tgt: number[] = [];
  const targetOfQuery = new Int32Array(matches.length * nq).fill(total);
  let offset = 0;
  matches.forEach((m, b) => {
    m.src.forEach((q, k) => {
      src.push(b * nq + q);
      tgt.push(offset + (m.tgt[k] as number));
      targetOfQuery[b * nq + q] = offset + (m.tgt[k] as number);
    });
    offset += sizes[b] as number;
  });
  return { src: Int32Array.from(src), tgt: Int32Array.from(tgt), targetOfQuery };
}

export class SetCriterion {
  constructor(readonly config: SetCriterionConfig) {}

  /** DETR: softmax CE with eos_coef 0.1, matcher (1, 5, 2), weights ce 1, bbox 5, giou 2. */
  static detr(numClasses: number, numDecoderLayers: number, eosCoef = 0.1): SetCriterion {
    return new SetCriterion({
      numClasses,
      matcher: HungarianMatcher.detr(),
      weightDict: detectionWeightDict({ ce: 1, bbox: 5, giou: 2, numDecoderLayers }),
      classification: { type: 'softmax', eosCoef },
    });
  }

  /** Conditional DETR: focal loss α 0.25, matcher (2, 5, 2), weights ce 2, bbox 5, giou 2. */
  static conditionalDetr(numClasses: number, numDecoderLayers: number, focalAlpha = 0.25): SetCriterion {
    return new SetCriterion({
      numClasses,
      matcher: HungarianMatcher.conditionalDetr(),
      weightDict: detectionWeightDict({ ce: 2, bbox: 5, giou: 2, numDecoderLayers }),
      classification: { type: 'focal', alpha: focalAlpha },
    });
  }

  /** Matches of every layer in decoder order (aux 0, aux 1, …, last), read back once. */
  async match(outputs: DetectionOutputs, targets: readonly DetectionTarget[]): Promise<ImageMatch[][]> {
    return this.config.matcher.matchLayers(layersOf(outputs), targets);
  }

  /** `match` with a synchronous read-back, usable inside `tf.variableGrads`. */
  matchSync(outputs: DetectionOutputs, targets: readonly DetectionTarget[]): ImageMatch[][] {
    return this.config.matcher.matchLayersSync(layersOf(outputs), targets);
  }

  /** All losses for given matches ([layer][image], decoder order as `match` returns them). */
  compute(outputs: DetectionOutputs, targets: readonly DetectionTarget[], matches: readonly (readonly ImageMatch[])[]): CriterionOutput {
    const layers = layersOf(outputs);
    if (matches.length !== layers.length) throw new Error(`SetCriterion: ${matches.length} layer matches for ${layers.length} layers`);
    return tf.tidy(() => {
      const sizes = targets.map((t) => t.labels.shape[0] as number);
      const numBoxes = Math.max(
        sizes.reduce((a, b) => a + b, 0),
        1,
      );
      const labels = tf.concat([...targets.map((t) => tf.cast(t.labels, 'int32')), tf.tensor1d([this.config.numClasses], 'int32')]) as tf.Tensor1D; // [T + 1]
      const boxes = tf.concat([tf.zeros([0, 4]), ...targets.map((t) => t.boxes)]) as tf.Tensor2D; // [T, 4]
      const losses: Partial<DetectionLosses> = {};
      layers.forEach((layer, l) => {
        const last = l === layers.length - 1;
        const suffix = last ? '' : `_${l}`;
        const nq = layer.predLogits.shape[1] as number;
        const flat = flatten(matches[l] as readonly ImageMatch[], sizes, nq);
        const layerLosses = this.layerLosses(layer, flat, labels, boxes, sizes, numBoxes, last);
        for (const [k, v] of Object.entries(layerLosses)) losses[`${k}${suffix}` as LossKey] = v;
      });
      const complete = losses as DetectionLosses;
      const weighted = Object.entries(this.config.weightDict).flatMap(([k, w]) => {
        const loss = complete[k as LossKey];
        return loss === undefined || w === undefined ? [] : [tf.mul(loss, w)];
      });
      const total = (weighted.length === 0 ? tf.scalar(0) : tf.addN(weighted)) as tf.Scalar;
      return { losses: complete, total };
    });
  }

  /** Match, then compute (two steps: one read-back, then the differentiable losses). */
  async forward(outputs: DetectionOutputs, targets: readonly DetectionTarget[]): Promise<CriterionOutput> {
    return this.compute(outputs, targets, await this.match(outputs, targets));
  }

  private layerLosses(
    layer: DetectionPrediction,
    flat: FlatMatch,
    labels: tf.Tensor1D, // [T + 1], last = no-object
    boxes: tf.Tensor2D, // [T, 4]
    sizes: readonly number[],
    numBoxes: number,
    logClassError: boolean,
  ): Partial<Record<LayerLossName | 'class_error', tf.Scalar>> {
    const [b, nq, numLogits] = layer.predLogits.shape as [number, number, number];
    const logits = tf.reshape(layer.predLogits, [b * nq, numLogits]) as tf.Tensor2D;
    const src = tf.tensor1d(flat.src, 'int32');
    const tgt = tf.tensor1d(flat.tgt, 'int32');
    const targetClasses = tf.gather(labels, tf.tensor1d(flat.targetOfQuery, 'int32')); // [B·NQ]
    const out: Partial<Record<LayerLossName | 'class_error', tf.Scalar>> = {
      loss_ce: this.classificationLoss(logits, targetClasses, [b, nq], numBoxes),
      ...boxLosses(tf.gather(tf.reshape(layer.predBoxes, [b * nq, 4]), src), tf.gather(boxes, tgt), numBoxes),
      cardinality_error: cardinalityError(layer.predLogits, sizes),
    };
    if (logClassError) out.class_error = classError(tf.gather(logits, src), tf.gather(labels, tgt));
    return out;
  }

  /** logits [B·NQ, C], target classes [B·NQ] (numClasses = no object) → scalar. */
  private classificationLoss(logits: tf.Tensor2D, targetClasses: tf.Tensor, [b, nq]: [number, number], numBoxes: number): tf.Scalar {
    const k = this.config.numClasses;
    const spec = this.config.classification;
    const oneHot = tf.oneHot(targetClasses, k + 1).toFloat(); // [B·NQ, K + 1]
    if (spec.type === 'focal') {
      const targets = tf.reshape(tf.slice(oneHot, [0, 0], [-1, k]), [b, nq, k]);
      return tf.mul(sigmoidFocalLoss(tf.reshape(logits, [b, nq, k]), targets, numBoxes, spec.alpha), nq);
    }
    // F.cross_entropy with class weights (1, …, 1, eos_coef): Σ w·nll / Σ w
    const weight = tf.gather(tf.tensor1d([...new Array<number>(k).fill(1), spec.eosCoef]), targetClasses); // [B·NQ]
    const nll = tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), -1));
    return tf.div(tf.sum(tf.mul(weight, nll)), tf.sum(weight));
  }
}

function layersOf(outputs: DetectionOutputs): DetectionPrediction[] {
  return [...(outputs.auxOutputs ?? []), outputs];
}

/** Matched boxes [M, 4] cxcywh → L1 and 1 − GIoU, each summed and divided by numBoxes. */
export function boxLosses(srcBoxes: tf.Tensor, tgtBoxes: tf.Tensor, numBoxes: number): { loss_bbox: tf.Scalar; loss_giou: tf.Scalar } {
  if (srcBoxes.shape[0] === 0) return { loss_bbox: tf.scalar(0), loss_giou: tf.scalar(0) }; // empty sums (tfjs cannot split [0, 4])
  const giou = broadcastGeneralizedBoxIou(boxCxcywhToXyxy(srcBoxes), boxCxcywhToXyxy(tgtBoxes)); // [M], paired
  return {
    loss_bbox: tf.div(tf.sum(tf.abs(tf.sub(srcBoxes, tgtBoxes))), numBoxes) as tf.Scalar,
    loss_giou: tf.div(tf.sum(tf.sub(1, giou)), numBoxes) as tf.Scalar,
  };
}

/** 100 − top-1 accuracy (%) of the matched queries' logits [M, C] against their labels [M]; 100 when M = 0. */
function classError(matchedLogits: tf.Tensor, matchedLabels: tf.Tensor): tf.Scalar {
  if (matchedLabels.shape[0] === 0) return tf.scalar(100);
  const correct = tf.equal(tf.argMax(matchedLogits, -1), matchedLabels).toFloat();
  return tf.sub(100, tf.mul(tf.mean(correct), 100)) as tf.Scalar;
}

/**
 * Mean |#predictions whose argmax is not the last logit column − #targets| over images (logged only).
 * As in both official implementations the last column is used even without a no-object class.
 */
function cardinalityError(logits: tf.Tensor, sizes: readonly number[]): tf.Scalar {
  const numLogits = logits.shape[2] as number;
  const predicted = tf.sum(tf.notEqual(tf.argMax(logits, -1), numLogits - 1).toFloat(), 1); // [B]
  return tf.mean(tf.abs(tf.sub(predicted, tf.tensor1d(sizes.slice())))) as tf.Scalar;
}
