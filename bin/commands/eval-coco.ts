// `condformer eval coco <gt.json> <results.json> [--json]`: COCO bbox evaluation equal to pycocotools
// COCOeval; prints its 12-line summary, or `{"stats": [...]}` with --json.
import type { Command } from '../cli.js';
import { DecodeError } from '../../lib/io/decode.js';
import { evaluateCocoFiles } from '../../lib/metrics/coco-eval-files.js';
import { parseCommandArgs } from './args.js';

const USAGE = `usage: condformer eval coco <gt.json> <results.json> [--json]

Evaluates COCO-format bbox results ([{image_id, category_id, bbox: [x, y, w, h], score}, ...])
against COCO ground truth as pycocotools COCOeval(iouType='bbox') does (IoU .50:.05:.95,
areas all/small/medium/large, maxDets 1/10/100) and prints its summary.

options:
  --json       print one JSON object {"stats": [AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl]}
  -h, --help   this help

exit codes: 0 done, 1 unreadable or malformed input, 2 bad usage`;

export const command: Command = {
  summary: 'COCO bbox evaluation (pycocotools COCOeval) of a results file against ground truth',
  async run(args: string[]): Promise<number> {
    const parsed = parseCommandArgs(args, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, USAGE, true);
    if (typeof parsed === 'number') return parsed;
    const { values, positionals } = parsed;
    const [gtPath, resultsPath, ...extra] = positionals;
    if (gtPath === undefined || resultsPath === undefined || extra.length > 0) {
      console.error(USAGE);
      return 2;
    }
    let result;
    try {
      result = await evaluateCocoFiles(gtPath, resultsPath);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      console.error(err.message);
      return 1;
    }
    console.log(values.json ? JSON.stringify({ stats: result.stats }) : result.summary.join('\n'));
    return 0;
  },
};
