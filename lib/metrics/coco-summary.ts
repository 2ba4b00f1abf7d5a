// pycocotools COCOeval.summarize() for bbox: the 12 stats, their printed lines, and per-category
// AP / AP50 / AR100 (area all, the largest maxDets).
import { formatFixed } from '../io/python-number.js';
import type { CocoEvalParams } from './coco-params.js';

/** pycocotools' 12 summary stats, in order, as metric names. */
/** What COCOeval.accumulate() leaves for the summary (lib/metrics/coco-eval.ts computes it). */
export interface CocoAccumulation {
  readonly params: CocoEvalParams;
  /** Sorted category ids: the K axis. */
  readonly catIds: readonly number[];
  /** [T, R, K, A, M] row-major; -1 where the setting has no GT. */
  readonly precision: Float64Array;
  /** [T, K, A, M] row-major; -1 where the setting has no GT. */
  readonly recall: Float64Array;
}

export const COCO_STAT_NAMES = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'] as const;

export interface CocoCategoryMetrics {
  readonly categoryId: number;
  /** AP @[.50:.95], -1 without GT. */
  readonly ap: number;
  /** AP @ .50, -1 without GT. */
  readonly ap50: number;
  /** AR @[.50:.95] with the largest maxDets, -1 without GT. */
  readonly ar100: number;
}

export interface CocoSummary {
  /** AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl (pycocotools' order). */
  readonly stats: number[];
  /** The lines pycocotools prints, in the same order. */
  readonly summary: string[];
  readonly perCategory: CocoCategoryMetrics[];
}

interface Selection {
  readonly ap: boolean;
  readonly iouThr?: number;
  readonly areaRng: string;
  readonly maxDets: number;
  /** Restrict to one category index (per-category metrics); all when absent. */
  readonly k?: number;
}

/** Mean of the entries > -1 of the selected precision / recall block, -1 when there are none. */
function meanOf(acc: CocoAccumulation, sel: Selection): number {
  const { iouThrs, recThrs, areaRngLbl, maxDets } = acc.params;
  const [, R, K, A, M] = [iouThrs.length, recThrs.length, acc.catIds.length, areaRngLbl.length, maxDets.length];
  // as numpy: an exact match on the threshold, an empty selection if none
  const ts = iouThrs.flatMap((thr, t) => (sel.iouThr === undefined || thr === sel.iouThr ? [t] : []));
  const as = areaRngLbl.flatMap((lbl, a) => (lbl === sel.areaRng ? [a] : []));
  const ms = maxDets.flatMap((d, m) => (d === sel.maxDets ? [m] : []));
  const ks = sel.k === undefined ? Array.from({ length: K }, (_, k) => k) : [sel.k];
  let sum = 0;
  let count = 0;
  const add = (v: number): void => {
    if (v > -1) {
      sum += v;
      count++;
    }
  };
  for (const t of ts) {
    for (const r of sel.ap ? Array.from({ length: R }, (_, r) => r) : [0]) {
      for (const k of ks) {
        for (const a of as) {
          for (const m of ms) add(sel.ap ? acc.precision[(((t * R + r) * K + k) * A + a) * M + m] : acc.recall[((t * K + k) * A + a) * M + m]);
        }
      }
    }
  }
  return count === 0 ? -1 : sum / count;
}

/** ` Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.143` */
function summaryLine(acc: CocoAccumulation, sel: Selection, value: number): string {
  const { iouThrs } = acc.params;
  const title = (sel.ap ? 'Average Precision' : 'Average Recall').padEnd(18);
  const type = sel.ap ? '(AP)' : '(AR)';
  const iou = sel.iouThr === undefined ? `${formatFixed(iouThrs[0], 2)}:${formatFixed(iouThrs[iouThrs.length - 1], 2)}` : formatFixed(sel.iouThr, 2);
  return ` ${title} ${type} @[ IoU=${iou.padEnd(9)} | area=${sel.areaRng.padStart(6)} | maxDets=${String(sel.maxDets).padStart(3)} ] = ${formatFixed(value, 3)}`;
}

export function summarizeCoco(acc: CocoAccumulation): CocoSummary {
  const [m0, m1, m2] = acc.params.maxDets as [number, number, number];
  const selections: Selection[] = [
    { ap: true, areaRng: 'all', maxDets: m2 },
    { ap: true, iouThr: 0.5, areaRng: 'all', maxDets: m2 },
    { ap: true, iouThr: 0.75, areaRng: 'all', maxDets: m2 },
    { ap: true, areaRng: 'small', maxDets: m2 },
    { ap: true, areaRng: 'medium', maxDets: m2 },
    { ap: true, areaRng: 'large', maxDets: m2 },
    { ap: false, areaRng: 'all', maxDets: m0 },
    { ap: false, areaRng: 'all', maxDets: m1 },
    { ap: false, areaRng: 'all', maxDets: m2 },
    { ap: false, areaRng: 'small', maxDets: m2 },
    { ap: false, areaRng: 'medium', maxDets: m2 },
    { ap: false, areaRng: 'large', maxDets: m2 },
  ];
  const stats = selections.map((sel) => meanOf(acc, sel));
  const perCategory = acc.catIds.map((categoryId, k) => ({
    categoryId,
    ap: meanOf(acc, { ap: true, areaRng: 'all', maxDets: m2, k }),
    ap50: meanOf(acc, { ap: true, iouThr: 0.5, areaRng: 'all', maxDets: m2, k }),
    ar100: meanOf(acc, { ap: false, areaRng: 'all', maxDets: m2, k }),
  }));
  return { stats, summary: selections.map((sel, i) => summaryLine(acc, sel, stats[i] as number)), perCategory };
}
