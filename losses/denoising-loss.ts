// DN-DETR's reconstruction losses (models/DN_DAB_DETR/dn_components.py `compute_dn_loss`): each
// denoising query must give back the clean target it was noised from — no matching. Per decoder
// layer the rows that hold a target are gathered (image `batch_idx[known_indice]`, row
// `map_known_indice`) and scored like matched queries: the sigmoid focal loss against the clean
// label (`tgt_loss_ce`, × the number of rows, as the official code), L1 and 1 − GIoU against the
// clean box (`tgt_loss_bbox`, `tgt_loss_giou`), each divided by the number of denoising targets.
// Layer j < L−1 gets the `_j` keys; weights are the set losses' (loss_ce → tgt_loss_ce, …).
import * as tf from '@tensorflow/tfjs';
import type { DetectionOutputs } from './detection-types.js';
import { sigmoidFocalLoss } from './focal-loss.js';
import { boxLosses, type WeightDict } from './set-criterion.js';

/** What the reconstruction needs from DN-DETR's bookkeeping (lib/models/denoising.ts `DenoisingPlan`). N = targets, S = groups. */
export interface DenoisingBookkeeping {
  readonly padSize: number;
  readonly knownIndice: Int32Array; // [N·S] target of each entry
  readonly batchIdx: Int32Array; // [N] image of each target
  readonly mapKnownIndice: Int32Array; // [N·S] row of each entry within its image
  readonly knownLabels: Int32Array; // [N·S] clean labels
  readonly knownBoxes: Float32Array; // [N·S·4] clean cxcywh
}

export type DenoisingLossName = 'tgt_loss_ce' | 'tgt_loss_bbox' | 'tgt_loss_giou';

export interface DenoisingLossOutput {
  readonly losses: Record<string, tf.Scalar>;
  /** Σ weight · loss, the weights of the matching losses (loss_ce_j → tgt_loss_ce_j, …). */
  readonly total: tf.Scalar;
}

/** outputs: the denoising part of every decoder layer ([B, padSize, K] focal logits, [B, padSize, 4] boxes). */
export function denoisingLosses(
  outputs: DetectionOutputs,
  book: DenoisingBookkeeping,
  weightDict: WeightDict,
  focalAlpha = 0.25,
): DenoisingLossOutput {
  const layers = [...(outputs.auxOutputs ?? []), outputs];
  return tf.tidy(() => {
    const numTargets = book.knownIndice.length;
    const rows = tf.tensor1d(
      Int32Array.from(book.knownIndice, (t, j) => (book.batchIdx[t] as number) * book.padSize + (book.mapKnownIndice[j] as number)),
      'int32',
    );
    const numClasses = layers[0]?.predLogits.shape[2] as number;
    // As the official scatter into K + 1 columns, then the last dropped (tf.oneHot needs a depth ≥ 2).
    const onehot = tf.slice(tf.oneHot(tf.tensor1d(book.knownLabels, 'int32'), numClasses + 1).toFloat(), [0, 0], [-1, numClasses]); // [N·S, K]
    const clean = tf.tensor2d(book.knownBoxes, [numTargets, 4]);
    const losses: Record<string, tf.Scalar> = {};
    const weighted: tf.Scalar[] = [];
    layers.forEach((layer, l) => {
      const suffix = l === layers.length - 1 ? '' : `_${l}`;
      const [b, pad, k] = layer.predLogits.shape as [number, number, number];
      const logits = tf.gather(tf.reshape(layer.predLogits, [b * pad, k]), rows); // [N·S, K]
      const boxes = tf.gather(tf.reshape(layer.predBoxes, [b * pad, 4]), rows); // [N·S, 4]
      const ce = tf.mul(sigmoidFocalLoss(tf.expandDims(logits, 0), tf.expandDims(onehot, 0), numTargets, focalAlpha), numTargets) as tf.Scalar;
      const { loss_bbox, loss_giou } = boxLosses(boxes, clean, numTargets);
      const named: Record<DenoisingLossName, tf.Scalar> = { tgt_loss_ce: ce, tgt_loss_bbox: loss_bbox, tgt_loss_giou: loss_giou };
      for (const [name, loss] of Object.entries(named)) {
        losses[`${name}${suffix}`] = loss;
        const weight = weightDict[`${name.slice('tgt_'.length)}${suffix}` as keyof WeightDict];
        if (weight !== undefined) weighted.push(tf.mul(loss, weight) as tf.Scalar);
      }
    });
    return { losses, total: (weighted.length === 0 ? tf.scalar(0) : tf.addN(weighted)) as tf.Scalar };
  });
}
