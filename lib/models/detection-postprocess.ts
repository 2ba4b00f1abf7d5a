// The official `PostProcess` modules and COCO results: Conditional DETR keeps the top 100 of the
// sigmoid scores over queries × classes; DETR takes each query's softmax max without the no-object
// class. Boxes go cxcywh → xyxy and are scaled to the original image size (absolute pixels); the
// COCO results (xywh, the dataset's category ids) are made in lib/tasks/detection/coco-results.ts.
import * as tf from '@tensorflow/tfjs';
import type { ClassHeadKind } from '../../heads/detection-heads.js';
import { boxCxcywhToXyxy } from '../../losses/box-ops.js';
import type { DetectionPrediction } from '../../losses/detection-types.js';

/** One image's detections, best first for `focal`, in query order for `softmax`. */
export interface ImageDetections {
  readonly scores: Float32Array; // [n]
  readonly labels: Int32Array; // [n] training labels
  readonly boxes: Float32Array; // [n * 4] x0, y0, x1, y1 in pixels of the original image
}

/** Conditional DETR's PostProcess keeps this many (query, class) pairs per image. */
export const CONDITIONAL_DETR_TOP_K = 100;

/**
 * prediction: logits [B, NQ, K'] and boxes [B, NQ, 4]; imageSizes[b] = [h, w] to scale to (DETR's
 * `orig_size`). `focal`: top `topK` of sigmoid(logits) flattened over NQ·K (query = i div K,
 * label = i mod K); `softmax`: max of softmax(logits)[..., :-1] per query.
 */
export async function postprocessDetections(
  prediction: DetectionPrediction,
  imageSizes: readonly (readonly [number, number])[],
  kind: ClassHeadKind,
  topK = CONDITIONAL_DETR_TOP_K,
): Promise<ImageDetections[]> {
  const [b, nq, numLogits] = prediction.predLogits.shape as [number, number, number];
  if (imageSizes.length !== b) throw new Error(`postprocessDetections: ${imageSizes.length} image sizes for a batch of ${b}`);
  const scale = tf.tensor3d(
    imageSizes.flatMap(([h, w]) => [w, h, w, h]),
    [b, 1, 4],
  );
  const [scores, labels, boxes] = tf.tidy(() => {
    const xyxy = tf.mul(boxCxcywhToXyxy(prediction.predBoxes), scale) as tf.Tensor3D; // [B, NQ, 4]
    if (kind === 'softmax') {
      const prob = tf.slice(tf.softmax(prediction.predLogits), [0, 0, 0], [b, nq, numLogits - 1]);
      return [tf.max(prob, -1), tf.argMax(prob, -1), xyxy];
    }
    const k = Math.min(topK, nq * numLogits);
    const top = tf.topk(tf.reshape(tf.sigmoid(prediction.predLogits), [b, nq * numLogits]), k);
    const classes = tf.scalar(numLogits, 'int32');
    const query = tf.cast(tf.floorDiv(top.indices, classes), 'int32'); // [B, k] (wasm's floorDiv returns float32)
    const label = tf.sub(top.indices, tf.mul(query, classes));
    // gather over the flattened batch (the wasm backend mis-handles gather's batchDims)
    const flatQuery = tf.add(query, tf.mul(tf.range(0, b, 1, 'int32').reshape([b, 1]), tf.scalar(nq, 'int32'))); // [B, k]
    const kept = tf.reshape(tf.gather(tf.reshape(xyxy, [b * nq, 4]), tf.reshape(flatQuery, [-1])), [b, k, 4]);
    return [top.values, label, kept];
  });
  scale.dispose();
  const [s, l, x] = await Promise.all([scores.data(), labels.data(), boxes.data()]);
  tf.dispose([scores, labels, boxes]);
  const n = scores.shape[1] as number;
  return imageSizes.map((_, i) => ({
    scores: Float32Array.from(s.subarray(i * n, (i + 1) * n)),
    labels: Int32Array.from(l.subarray(i * n, (i + 1) * n)),
    boxes: Float32Array.from(x.subarray(i * n * 4, (i + 1) * n * 4)),
  }));
}
