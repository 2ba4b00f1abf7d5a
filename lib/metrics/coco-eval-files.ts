// COCO bbox evaluation of a ground-truth JSON file against a results JSON file, both decoded with
// the io-ts codecs of datasets/coco-format (errors name the file, the JSON path and what was expected).
import { readCocoGroundTruth, readCocoResults } from '../../datasets/coco-format.js';
import { type CocoEvalResult, evaluateCoco } from './coco-eval.js';

export async function evaluateCocoFiles(groundTruthPath: string, resultsPath: string): Promise<CocoEvalResult> {
  const gt = await readCocoGroundTruth(groundTruthPath);
  const results = await readCocoResults(resultsPath, gt);
  return evaluateCoco(gt, results);
}
