// Convergence diagnostics of set detectors, the symptoms users of every DETR repository report on
// small data: query collapse (every query predicting the same box and class) and unstable
// matching (the Hungarian matcher assigning an object to a different query from one epoch to the
// next). Plain numbers in, plain numbers out.

export interface QueryCollapseStats {
  /** Mean over images of the mean L1 distance (normalised cxcywh) of each query's box to the image's mean query box. */
  readonly boxSpread: number;
  /** Mean over images of the share of queries whose most likely object class (no-object excluded) is the image's most common one. */
  readonly topClassShare: number;
}

/** Collapsed: boxes within this spread of their mean... */
export const COLLAPSE_BOX_SPREAD = 0.02;
/** ...and at least this share of queries on one class. */
export const COLLAPSE_CLASS_SHARE = 0.95;

/**
 * `logits` [images, queries, classes] (the last class is DETR's no-object, ignored; pass
 * `noObject: false` for sigmoid heads without one), `boxes` [images, queries, 4] cxcywh in 0..1.
 */
export function queryCollapseStats(
  logits: ArrayLike<number>,
  boxes: ArrayLike<number>,
  shape: { readonly images: number; readonly queries: number; readonly classes: number },
  noObject = true,
): QueryCollapseStats {
  const { images, queries, classes } = shape;
  const objectClasses = noObject ? classes - 1 : classes;
  let spread = 0;
  let share = 0;
  for (let b = 0; b < images; b++) {
    const mean = [0, 0, 0, 0];
    for (let q = 0; q < queries; q++)
      for (let c = 0; c < 4; c++) mean[c] = (mean[c] as number) + (boxes[(b * queries + q) * 4 + c] as number) / queries;
    const counts = new Map<number, number>();
    let distance = 0;
    for (let q = 0; q < queries; q++) {
      for (let c = 0; c < 4; c++) distance += Math.abs((boxes[(b * queries + q) * 4 + c] as number) - (mean[c] as number));
      let best = 0;
      for (let k = 1; k < objectClasses; k++) {
        if ((logits[(b * queries + q) * classes + k] as number) > (logits[(b * queries + q) * classes + best] as number)) best = k;
      }
      counts.set(best, (counts.get(best) ?? 0) + 1);
    }
    spread += distance / (queries * 4);
    share += Math.max(...counts.values()) / queries;
  }
  return { boxSpread: spread / Math.max(1, images), topClassShare: share / Math.max(1, images) };
}

export function isCollapsed(stats: QueryCollapseStats): boolean {
  return stats.boxSpread < COLLAPSE_BOX_SPREAD && stats.topClassShare >= COLLAPSE_CLASS_SHARE;
}

/** The query each target of an image was matched to, by image id (`queryOfTarget[t]`). */
export type MatchRecord = Map<number, Int32Array>;

/**
 * Matching change between two epochs: over the images matched in both with the same number of
 * targets, the fraction of matched targets whose query differs; null when no image is comparable.
 */
export function matchingChange(previous: MatchRecord, current: MatchRecord): number | null {
  let changed = 0;
  let total = 0;
  for (const [imageId, now] of current) {
    const before = previous.get(imageId);
    if (before === undefined || before.length !== now.length) continue;
    for (let t = 0; t < now.length; t++) if (now[t] !== before[t]) changed += 1;
    total += now.length;
  }
  return total === 0 ? null : changed / total;
}

/** `queryOfTarget` from a matcher's pairs (query `src[i]` ↔ target `tgt[i]`) of an image with `targets` targets. */
export function queryOfTarget(match: { readonly src: ArrayLike<number>; readonly tgt: ArrayLike<number> }, targets: number): Int32Array {
  const out = new Int32Array(targets).fill(-1);
  for (let i = 0; i < match.src.length; i++) out[match.tgt[i] as number] = match.src[i] as number;
  return out;
}
