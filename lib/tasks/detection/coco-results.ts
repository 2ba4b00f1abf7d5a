// Detections as COCO results and their evaluation: one image's post-processed detections
// (lib/models/detection-postprocess.ts) → COCO results with the dataset's category ids, and the
// COCO bbox evaluation of a ground-truth JSON file against a results JSON file, both decoded with
// the io-ts codecs of datasets/coco-format (errors name the file, the JSON path and what was expected).
import { type CategoryMap, categoryIdOf } from '../../../datasets/category-map.js';
import { type CocoResult, readCocoGroundTruth, readCocoResults } from '../../../datasets/coco-format.js';
import { type CocoEvalResult, evaluateCoco } from '../../metrics/coco-eval.js';
import type { ImageDetections } from '../../models/detection-postprocess.js';

/**
 * COCO results ([x, y, w, h], category ids mapped back from training labels) of one image. In
 * 'category-id' label mode a label that is no category (a gap in the ids) is dropped, as COCOeval
 * would ignore it.
 */
export function toCocoResults(detections: ImageDetections, imageId: number, categories: CategoryMap): CocoResult[] {
  const { scores, labels, boxes } = detections;
  const out: CocoResult[] = [];
  scores.forEach((score, i) => {
    const label = labels[i] as number;
    if (categories.mode === 'category-id' && !categories.names.has(label)) return;
    const [x0, y0, x1, y1] = [0, 1, 2, 3].map((j) => boxes[i * 4 + j] as number) as [number, number, number, number];
    out.push({ image_id: imageId, category_id: categoryIdOf(categories, label), bbox: [x0, y0, x1 - x0, y1 - y0], score });
  });
  return out;
}

export async function evaluateCocoFiles(groundTruthPath: string, resultsPath: string): Promise<CocoEvalResult> {
  const gt = await readCocoGroundTruth(groundTruthPath);
  const results = await readCocoResults(resultsPath, gt);
  return evaluateCoco(gt, results);
}
