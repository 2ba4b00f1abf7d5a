// pycocotools `maskUtils.iou` for [x, y, w, h] boxes (the C `bbIou`): a crowd ground truth's
// overlap is divided by the detection's area instead of the union.

/** dets [D] × gts [G] → [D·G] row-major (detection rows), in double precision. */
export function cocoBoxIou(dets: readonly (readonly number[])[], gts: readonly (readonly number[])[], iscrowd: ArrayLike<number>): Float64Array {
  const numGts = gts.length;
  const out = new Float64Array(dets.length * numGts);
  for (let g = 0; g < numGts; g++) {
    const [gx, gy, gw, gh] = gts[g] as [number, number, number, number];
    const gtArea = gw * gh;
    const crowd = iscrowd[g] !== 0;
    for (let d = 0; d < dets.length; d++) {
      const [dx, dy, dw, dh] = dets[d] as [number, number, number, number];
      const w = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
      if (w <= 0) continue;
      const h = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
      if (h <= 0) continue;
      const inter = w * h;
      const detArea = dw * dh;
      out[d * numGts + g] = inter / (crowd ? detArea : detArea + gtArea - inter);
    }
  }
  return out;
}
