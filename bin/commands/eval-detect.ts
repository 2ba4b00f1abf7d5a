// `condformer eval detect --checkpoint <file> [--data <coco-dir|synthetic>]`: COCO evaluation of a
// trained detector; prints pycocotools' summary (or the 12 stats as JSON).
import { writeFileAtomic } from '../../lib/io/atomic.js';
import { initBackend } from '../../lib/runtime/backend.js';
import { loadDetectorCheckpoint } from '../../lib/tasks/detection/checkpoint.js';
import {
  type DetectionDataSpec,
  type DetectionSplit,
  detectionAreas,
  detectionTransforms,
  loadDetectionSplit,
} from '../../lib/tasks/detection/data.js';
import { evaluateDetector } from '../../lib/tasks/detection/task.js';
import { choiceValue, defineCommand, intValue, required, UsageError } from '../shared/command.js';
import { backendOption } from '../shared/options.js';

const SPLITS: readonly DetectionSplit[] = ['val', 'train'];

export const command = defineCommand(
  'COCO evaluation of a trained detector checkpoint',
  {
    name: 'eval detect',
    synopsis: '--checkpoint <file> [options]',
    about: `Runs the detector of a training checkpoint over a split, post-processes its predictions as the
official code does and prints pycocotools' COCOeval summary (12 lines).`,
    options: {
      checkpoint: { type: 'string', value: 'FILE', help: 'a checkpoint of `condformer train detect` (its config names model and data)' },
      data: {
        type: 'string',
        value: '<dir>',
        help: 'evaluate on this COCO directory (<dir>/annotations/instances_<split>.json, <dir>/<split>/)\ninstead of the run\'s data; "synthetic" = the run\'s synthetic data',
      },
      split: { type: 'string', value: 'train|val', help: '(default val)' },
      'batch-size': { type: 'string', value: 'N', help: '(default 8)' },
      results: { type: 'string', value: 'FILE', help: 'also write the COCO results JSON ([{image_id, category_id, bbox, score}])' },
      json: { type: 'boolean', help: 'print {"stats": [...], "metrics": {...}} instead of the summary' },
      ...backendOption,
    },
    footer: 'exit codes: 0 done, 1 error, 2 bad usage',
  },
  async (values) => {
    const checkpoint = required(values.checkpoint, '--checkpoint is required');
    const split = choiceValue(values.split, 'split', SPLITS, 'val');
    const batchSize = intValue(values['batch-size'], 'batch-size', 8);
    await initBackend(values.backend, { log: (line) => console.error(line) });
    const { model, config } = await loadDetectorCheckpoint(checkpoint);
    const spec: DetectionDataSpec =
      values.data === undefined || values.data === 'synthetic' ? config.data : { kind: 'coco', dir: values.data, imageSize: config.data.imageSize };
    if (values.data === 'synthetic' && spec.kind !== 'synthetic') throw new UsageError('--data synthetic: the run was not trained on synthetic data');
    const source = await loadDetectionSplit(spec, split);
    const evaluation = await evaluateDetector(model, source, { batchSize, transform: detectionTransforms(spec).val, areas: detectionAreas(spec) });
    model.dispose();
    if (values.results !== undefined) await writeFileAtomic(values.results, JSON.stringify(evaluation.results));
    if (values.json) console.log(JSON.stringify({ stats: evaluation.coco.stats, metrics: evaluation.metrics }));
    else console.log(evaluation.coco.summary.join('\n'));
    console.error(`${source.length} images, ${evaluation.imagesPerSec.toFixed(1)} images/s`);
    return 0;
  },
);
