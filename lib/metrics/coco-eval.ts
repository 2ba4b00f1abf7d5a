// COCO bounding-box evaluation equal to pycocotools `COCOeval(iouType='bbox')`: evaluate (per image
// and category: greedy matching by score at every IoU threshold, crowd GT as ignore regions, area
// ranges from the GT `area` field and w·h for detections), accumulate (101-point interpolated
// precision with the monotone envelope, -1 where a category has no GT) and summarize.
// Works on plain typed objects; `coco-eval-files.ts` reads and decodes JSON files.
import { cocoBoxIou } from './coco-box-iou.js';
import { type CocoEvalParams, defaultCocoEvalParams } from './coco-params.js';
import { type CocoAccumulation, type CocoSummary, summarizeCoco } from './coco-summary.js';

export interface CocoEvalAnnotation {
  readonly id: number;
  readonly image_id: number;
  readonly category_id: number;
  /** [x, y, w, h] */
  readonly bbox: readonly number[];
  readonly area: number;
  readonly iscrowd: number;
}

export interface CocoEvalGroundTruth {
  readonly images: readonly { readonly id: number }[];
  readonly annotations: readonly CocoEvalAnnotation[];
  readonly categories: readonly { readonly id: number }[];
}

export interface CocoEvalDetection {
  readonly image_id: number;
  readonly category_id: number;
  /** [x, y, w, h] */
  readonly bbox: readonly number[];
  readonly score: number;
}

export interface CocoEvalResult extends CocoAccumulation, CocoSummary {}

/** A detection after pycocotools `loadRes`: id 1..N in list order, area = w·h. */
interface LoadedDetection {
  readonly id: number;
  readonly bbox: readonly number[];
  readonly score: number;
  readonly area: number;
}

/** The ground truth and detections of one (image, category), each in input order. */
interface Group {
  /** Category index into the sorted category ids. */
  readonly k: number;
  readonly gts: CocoEvalAnnotation[];
  readonly dts: LoadedDetection[];
}

/** Machine epsilon at 1 (numpy's np.spacing(1)), the precision denominator's guard. */
const SPACING_1 = 2 ** -52;

/** Stable descending order by score (numpy's argsort(-score, kind='mergesort')). */
function byScoreDescending<T extends { readonly score: number }>(items: readonly T[]): T[] {
  return items
    .map((item, i) => ({ item, i }))
    .sort((a, b) => b.item.score - a.item.score || a.i - b.i)
    .map((e) => e.item);
}

/**
 * GT and detections grouped per (image, category): one list per category index, images ascending
 * (the order of pycocotools' evalImgs). Detections get loadRes ids and areas; those of categories outside the
 * GT categories are dropped, those of unknown images rejected (loadRes asserts).
 */
function groupByImageAndCategory(
  gt: CocoEvalGroundTruth,
  dets: readonly CocoEvalDetection[],
  imgIds: readonly number[],
  catIds: readonly number[],
): Group[][] {
  const imgIndex = new Map(imgIds.map((id, i) => [id, i]));
  const catIndex = new Map(catIds.map((id, k) => [id, k]));
  const groups = new Map<number, Group>();
  const groupOf = (imageId: number, categoryId: number): Group | undefined => {
    const i = imgIndex.get(imageId);
    const k = catIndex.get(categoryId);
    if (i === undefined || k === undefined) return undefined;
    const key = k * imgIds.length + i;
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { k, gts: [], dts: [] }));
    return g;
  };
  for (const a of gt.annotations) groupOf(a.image_id, a.category_id)?.gts.push(a);
  dets.forEach((d, n) => {
    if (!imgIndex.has(d.image_id)) {
      throw new Error(`results do not correspond to the ground truth: detection ${n} has image_id ${d.image_id}, not a ground-truth image`);
    }
    groupOf(d.image_id, d.category_id)?.dts.push({ id: n + 1, bbox: d.bbox, score: d.score, area: (d.bbox[2] as number) * (d.bbox[3] as number) });
  });
  const perCategory = catIds.map((): Group[] => []);
  for (const [, g] of [...groups.entries()].sort((x, y) => x[0] - y[0])) perCategory[g.k].push(g);
  return perCategory;
}

/** A category's detections over all images, concatenated in image order (each image's best first, capped). */
interface CategoryDetections {
  readonly scores: Float64Array;
  /** Position of each detection within its image's list (for the maxDets cut). */
  readonly rank: Int32Array;
}

/**
 * pycocotools evaluateImg for one image, category and area range [lo, hi]. `dts` are score-sorted
 * and capped, `ious` is [D, G] against the GT in input order. Writes outcome[t·n + at + d]
 * (1 true positive, -1 false positive, 0 ignored) and returns the number of GT not ignored.
 */
function evaluateImage(
  gts: readonly CocoEvalAnnotation[],
  dts: readonly LoadedDetection[],
  ious: Float64Array,
  [lo, hi]: readonly [number, number],
  iouThrs: readonly number[],
  outcome: Int8Array,
  n: number,
  at: number,
): number {
  const numGts = gts.length;
  const numDets = dts.length;
  if (numGts === 0) {
    // the common case: every detection is a false positive, or ignored outside the area range
    for (let d = 0; d < numDets; d++) {
      const outside = dts[d].area < lo || dts[d].area > hi;
      for (let t = 0; t < iouThrs.length; t++) outcome[t * n + at + d] = outside ? 0 : -1;
    }
    return 0;
  }
  // GT order: not ignored first, then ignored, each in input order (a stable sort on the flag)
  const order: number[] = [];
  const ignoredOnes: number[] = [];
  for (let j = 0; j < numGts; j++) {
    const g = gts[j];
    (g.iscrowd !== 0 || g.area < lo || g.area > hi ? ignoredOnes : order).push(j);
  }
  const numPositives = order.length;
  order.push(...ignoredOnes);
  const crowd = Int8Array.from(order, (j) => (gts[j].iscrowd !== 0 ? 1 : 0));
  const matchedBy = new Float64Array(numGts); // detection id per GT, 0 = free
  for (let t = 0; t < iouThrs.length; t++) {
    matchedBy.fill(0);
    for (let d = 0; d < numDets; d++) {
      let best = Math.min(iouThrs[t], 1 - 1e-10);
      let m = -1;
      for (let s = 0; s < numGts; s++) {
        if (matchedBy[s] > 0 && crowd[s] === 0) continue; // taken, and not a crowd region
        if (m > -1 && m < numPositives && s >= numPositives) break; // have a regular match; only ignored GT remain
        const iou = ious[d * numGts + order[s]];
        if (iou < best) continue;
        best = iou;
        m = s;
      }
      const det = dts[d];
      // pycocotools stores the matched GT id, so a GT with id 0 counts as unmatched: kept for parity
      const matchedId = m === -1 ? 0 : gts[order[m]].id;
      if (m !== -1) matchedBy[m] = det.id;
      const ignore = m >= numPositives || (matchedId === 0 && (det.area < lo || det.area > hi));
      outcome[t * n + at + d] = ignore ? 0 : matchedId !== 0 ? 1 : -1;
    }
  }
  return numPositives;
}

/**
 * pycocotools evaluate() + accumulate() for one category (its groups in image order): writes
 * precision[:, :, k, :, :] and recall[:, k, :, :] where the category has GT.
 */
function accumulateCategory(
  groups: readonly Group[],
  k: number,
  params: CocoEvalParams,
  precision: Float64Array,
  recall: Float64Array,
  numCats: number,
): void {
  const { iouThrs, recThrs, areaRng, maxDets } = params;
  const [T, R, K, A, M] = [iouThrs.length, recThrs.length, numCats, areaRng.length, maxDets.length];
  const maxDet = maxDets[M - 1];
  const sortedDets = groups.map((g) => byScoreDescending(g.dts).slice(0, maxDet));
  const n = sortedDets.reduce((s, d) => s + d.length, 0);
  const all: CategoryDetections = { scores: new Float64Array(n), rank: new Int32Array(n) };
  const offsets: number[] = [];
  let at = 0;
  for (const dts of sortedDets) {
    offsets.push(at);
    dts.forEach((d, j) => {
      all.scores[at + j] = d.score;
      all.rank[at + j] = j;
    });
    at += dts.length;
  }
  const ious = groups.map((g, i) =>
    cocoBoxIou(
      sortedDets[i].map((d) => d.bbox),
      g.gts.map((gt) => gt.bbox),
      Int8Array.from(g.gts, (gt) => gt.iscrowd),
    ),
  );
  // One stable sort by descending score of the concatenation; filtering it by rank equals
  // accumulate's sort of each maxDets-capped concatenation.
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => all.scores[y] - all.scores[x] || x - y);
  const keptPerM = maxDets.map((cap) => Int32Array.from(order.filter((i) => all.rank[i] < cap)));
  const outcome = new Int8Array(T * n);
  for (let a = 0; a < A; a++) {
    let numPositives = 0;
    groups.forEach((g, i) => {
      numPositives += evaluateImage(g.gts, sortedDets[i], ious[i], areaRng[a], iouThrs, outcome, n, offsets[i]);
    });
    if (numPositives === 0) continue;
    for (let m = 0; m < M; m++) {
      const kept = keptPerM[m];
      const nd = kept.length;
      const rc = new Float64Array(nd);
      const pr = new Float64Array(nd);
      for (let t = 0; t < T; t++) {
        let tp = 0;
        let fp = 0;
        for (let j = 0; j < nd; j++) {
          const o = outcome[t * n + kept[j]];
          if (o === 1) tp++;
          else if (o === -1) fp++;
          rc[j] = tp / numPositives;
          pr[j] = tp / (fp + tp + SPACING_1);
        }
        recall[((t * K + k) * A + a) * M + m] = nd > 0 ? rc[nd - 1] : 0;
        for (let j = nd - 1; j > 0; j--) if (pr[j] > pr[j - 1]) pr[j - 1] = pr[j]; // monotone envelope
        // q[r] = pr[searchsorted(rc, recThrs[r], 'left')], 0 past the end
        let j = 0;
        for (let r = 0; r < R; r++) {
          while (j < nd && rc[j] < recThrs[r]) j++;
          precision[(((t * R + r) * K + k) * A + a) * M + m] = j < nd ? pr[j] : 0;
        }
      }
    }
  }
}

/** COCOeval(gt, loadRes(dets), 'bbox'): evaluate, accumulate and summarize with the default params. */
export function evaluateCoco(
  gt: CocoEvalGroundTruth,
  dets: readonly CocoEvalDetection[],
  params: CocoEvalParams = defaultCocoEvalParams(),
): CocoEvalResult {
  const imgIds = [...new Set(gt.images.map((im) => im.id))].sort((a, b) => a - b);
  const catIds = [...new Set(gt.categories.map((c) => c.id))].sort((a, b) => a - b);
  const sortedParams = { ...params, maxDets: [...params.maxDets].sort((a, b) => a - b) };
  const { iouThrs, recThrs, areaRng, maxDets } = sortedParams;
  const K = catIds.length;
  const precision = new Float64Array(iouThrs.length * recThrs.length * K * areaRng.length * maxDets.length).fill(-1);
  const recall = new Float64Array(iouThrs.length * K * areaRng.length * maxDets.length).fill(-1);
  const groups = groupByImageAndCategory(gt, dets, imgIds, catIds);
  groups.forEach((ofCategory, k) => accumulateCategory(ofCategory, k, sortedParams, precision, recall, K));
  const accumulation = { params: sortedParams, catIds, precision, recall };
  return { ...accumulation, ...summarizeCoco(accumulation) };
}
