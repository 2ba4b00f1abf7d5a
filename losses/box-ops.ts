// Box conversions and (generalized) IoU, as DETR `util/box_ops.py`, on tensors and on plain arrays.
// Formats: cxcywh = (center x, center y, width, height); xyxy = (x0, y0, x1, y1) with x1 >= x0, y1 >= y0.
import * as tf from '@tensorflow/tfjs';

/** A box as 4 plain numbers, in whichever format the function names. */
export type Box = readonly [number, number, number, number];

/** [..., 4] cxcywh → [..., 4] xyxy. */
export function boxCxcywhToXyxy(boxes: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [cx, cy, w, h] = tf.unstack(boxes, -1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const hw = tf.mul(w, 0.5);
    const hh = tf.mul(h, 0.5);
    return tf.stack([tf.sub(cx, hw), tf.sub(cy, hh), tf.add(cx, hw), tf.add(cy, hh)], -1);
  });
}

/** [..., 4] xyxy → [..., 4] cxcywh. */
export function boxXyxyToCxcywh(boxes: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [x0, y0, x1, y1] = tf.unstack(boxes, -1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    return tf.stack([tf.div(tf.add(x0, x1), 2), tf.div(tf.add(y0, y1), 2), tf.sub(x1, x0), tf.sub(y1, y0)], -1);
  });
}

export interface IouWithUnion<T> {
  readonly iou: T;
  readonly union: T;
}

/** Both tensors broadcast to their common shape (tfjs' maximum / minimum gradients need equal shapes). */
function broadcastBoth(a: tf.Tensor, b: tf.Tensor): [tf.Tensor, tf.Tensor] {
  const shape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
  return [tf.broadcastTo(a, shape), tf.broadcastTo(b, shape)];
}

/** Area between corners lo (x, y) and hi (x, y): [..., 2] → [...]. */
function area(lo: tf.Tensor, hi: tf.Tensor): tf.Tensor {
  return widthTimesHeight(tf.sub(hi, lo));
}

/** Area between corners lo and hi with negative extents clamped to 0 (an empty overlap): [..., 2] → [...]. */
function clampedArea(lo: tf.Tensor, hi: tf.Tensor): tf.Tensor {
  return widthTimesHeight(tf.relu(tf.sub(hi, lo)));
}

/** [..., 2] (w, h) → [...] w·h. */
function widthTimesHeight(wh: tf.Tensor): tf.Tensor {
  const [w, h] = tf.unstack(wh, -1) as [tf.Tensor, tf.Tensor];
  return tf.mul(w, h);
}

/**
 * IoU and union area of broadcast-compatible xyxy boxes a [..., 4] and b [..., 4] → [...]. The pairwise
 * matrix is `boxIou`; equal shapes give the elementwise (paired) IoU.
 */
export function broadcastBoxIou(a: tf.Tensor, b: tf.Tensor): IouWithUnion<tf.Tensor> {
  return tf.tidy(() => {
    [a, b] = broadcastBoth(a, b);
    const [aLo, aHi] = tf.split(a, 2, -1) as [tf.Tensor, tf.Tensor];
    const [bLo, bHi] = tf.split(b, 2, -1) as [tf.Tensor, tf.Tensor];
    const inter = clampedArea(tf.maximum(aLo, bLo), tf.minimum(aHi, bHi));
    const union = tf.sub(tf.add(area(aLo, aHi), area(bLo, bHi)), inter);
    return { iou: tf.div(inter, union), union };
  });
}

/** Generalized IoU of broadcast-compatible xyxy boxes a [..., 4] and b [..., 4] → [...]. */
export function broadcastGeneralizedBoxIou(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    [a, b] = broadcastBoth(a, b);
    const { iou, union } = broadcastBoxIou(a, b);
    const [aLo, aHi] = tf.split(a, 2, -1) as [tf.Tensor, tf.Tensor];
    const [bLo, bHi] = tf.split(b, 2, -1) as [tf.Tensor, tf.Tensor];
    const hull = clampedArea(tf.minimum(aLo, bLo), tf.maximum(aHi, bHi));
    return tf.sub(iou, tf.div(tf.sub(hull, union), hull));
  });
}

/** Pairwise IoU and union of xyxy boxes [N, 4] × [M, 4] → [N, M] each (DETR `box_iou`). */
export function boxIou(boxes1: tf.Tensor2D, boxes2: tf.Tensor2D): IouWithUnion<tf.Tensor2D> {
  return tf.tidy(() => {
    const { iou, union } = broadcastBoxIou(tf.expandDims(boxes1, 1), tf.expandDims(boxes2, 0));
    return { iou: iou as tf.Tensor2D, union: union as tf.Tensor2D };
  });
}

/** Pairwise generalized IoU of xyxy boxes [N, 4] × [M, 4] → [N, M] (DETR `generalized_box_iou`). */
export function generalizedBoxIou(boxes1: tf.Tensor2D, boxes2: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => broadcastGeneralizedBoxIou(tf.expandDims(boxes1, 1), tf.expandDims(boxes2, 0)) as tf.Tensor2D);
}

// ---- plain arrays ----

export function cxcywhToXyxy([cx, cy, w, h]: Box): Box {
  return [cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h];
}

export function xyxyToCxcywh([x0, y0, x1, y1]: Box): Box {
  return [(x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0];
}

function xyxyArea([x0, y0, x1, y1]: Box): number {
  return (x1 - x0) * (y1 - y0);
}

function clampedXyxyArea([x0, y0, x1, y1]: Box): number {
  return Math.max(x1 - x0, 0) * Math.max(y1 - y0, 0);
}

/** IoU and union area of two xyxy boxes. */
export function iouOfBoxes(a: Box, b: Box): IouWithUnion<number> {
  const inter = clampedXyxyArea([Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])]);
  const union = xyxyArea(a) + xyxyArea(b) - inter;
  return { iou: inter / union, union };
}

/** Generalized IoU of two xyxy boxes. */
export function generalizedIouOfBoxes(a: Box, b: Box): number {
  const { iou, union } = iouOfBoxes(a, b);
  const hull = clampedXyxyArea([Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])]);
  return iou - (hull - union) / hull;
}

/** `fn` over every pair: boxes1 [N] × boxes2 [M] → N rows of M values. */
export function pairwiseBoxes<T>(boxes1: readonly Box[], boxes2: readonly Box[], fn: (a: Box, b: Box) => T): T[][] {
  return boxes1.map((a) => boxes2.map((b) => fn(a, b)));
}
