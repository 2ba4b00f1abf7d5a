// `condformer eval coco <gt.json> <results.json> [--json]`: COCO bbox evaluation equal to pycocotools
// COCOeval; prints its 12-line summary, or `{"stats": [...]}` with --json.
import { DecodeError } from '../../lib/io/decode.js';
import { evaluateCocoFiles } from '../../lib/tasks/detection/coco-results.js';
import { defineCommand, UsageError } from '../shared/command.js';

export const command = defineCommand(
  'COCO bbox evaluation (pycocotools COCOeval) of a results file against ground truth',
  {
    name: 'eval coco',
    synopsis: '<gt.json> <results.json> [--json]',
    about: `Evaluates COCO-format bbox results ([{image_id, category_id, bbox: [x, y, w, h], score}, ...])
against COCO ground truth as pycocotools COCOeval(iouType='bbox') does (IoU .50:.05:.95,
areas all/small/medium/large, maxDets 1/10/100) and prints its summary.`,
    options: {
      json: { type: 'boolean', help: 'print one JSON object {"stats": [AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl]}' },
    },
    positionals: true,
    footer: 'exit codes: 0 done, 1 unreadable or malformed input, 2 bad usage',
    inputError: (err) => err instanceof DecodeError,
  },
  async (values, positionals) => {
    const [gtPath, resultsPath, ...extra] = positionals;
    if (gtPath === undefined || resultsPath === undefined || extra.length > 0) throw new UsageError('expected <gt.json> <results.json>');
    const result = await evaluateCocoFiles(gtPath, resultsPath);
    console.log(values.json ? JSON.stringify({ stats: result.stats }) : result.summary.join('\n'));
    return 0;
  },
);
