// What the set-prediction losses consume: a decoder layer's predictions and the per-image targets.
import type * as tf from '@tensorflow/tfjs';

/** One decoder layer's output for a batch. */
export interface DetectionPrediction {
  /** [B, NQ, K] (sigmoid / focal; Conditional DETR) or [B, NQ, K + 1] (softmax, last = no-object; DETR). */
  readonly predLogits: tf.Tensor;
  /** [B, NQ, 4] normalised (cx, cy, w, h). */
  readonly predBoxes: tf.Tensor;
}

/** The model output: the last decoder layer plus, for auxiliary losses, the earlier layers in order. */
export interface DetectionOutputs extends DetectionPrediction {
  readonly auxOutputs?: readonly DetectionPrediction[];
}

/** One image's ground truth. */
export interface DetectionTarget {
  /** [n] int32 class ids in [0, K). */
  readonly labels: tf.Tensor;
  /** [n, 4] normalised (cx, cy, w, h). */
  readonly boxes: tf.Tensor;
}

/** The matching of one image: query `src[i]` ↔ target `tgt[i]`, ordered by ascending query index. */
export interface ImageMatch {
  readonly src: Int32Array;
  readonly tgt: Int32Array;
}
