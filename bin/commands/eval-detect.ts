// `condformer eval detect --checkpoint <file> [--data <coco-dir|synthetic>]`: COCO evaluation of a
// trained detector; prints pycocotools' summary (or the 12 stats as JSON).
import type { Command } from '../cli.js';
import { writeFileAtomic } from '../../lib/io/atomic.js';
import { initBackend } from '../../lib/runtime/backend.js';
import { evaluateDetector } from '../../lib/tasks/detection.js';
import { type DetectionDataSpec, type DetectionSplit, detectionAreas, detectionTransforms, loadDetectionSplit } from '../../lib/tasks/detection-run.js';
import { loadDetectorCheckpoint } from '../../lib/tasks/detection-training.js';
import { numberOption } from './train-detect.js';
import { parseCommandArgs, UsageError, usageExit } from './args.js';

const USAGE = `usage: condformer eval detect --checkpoint <file> [options]

Runs the detector of a training checkpoint over a split, post-processes its predictions as the
official code does and prints pycocotools' COCOeval summary (12 lines).

options:
  --checkpoint FILE     a checkpoint of \`condformer train detect\` (its config names model and data)
  --data <dir>          evaluate on this COCO directory (<dir>/annotations/instances_<split>.json, <dir>/<split>/)
                        instead of the run's data; "synthetic" = the run's synthetic data
  --split train|val     (default val)
  --batch-size N        (default 8)
  --results FILE        also write the COCO results JSON ([{image_id, category_id, bbox, score}])
  --json                print {"stats": [...], "metrics": {...}} instead of the summary
  --backend NAME        tfjs backend (default auto)
  -h, --help            this help

exit codes: 0 done, 1 error, 2 bad usage`;

const OPTIONS = {
  checkpoint: { type: 'string' },
  data: { type: 'string' },
  split: { type: 'string' },
  'batch-size': { type: 'string' },
  results: { type: 'string' },
  json: { type: 'boolean' },
  backend: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const command: Command = {
  summary: 'COCO evaluation of a trained detector checkpoint',
  async run(args: string[]): Promise<number> {
    const parsed = parseCommandArgs(args, OPTIONS, USAGE);
    if (typeof parsed === 'number') return parsed;
    const { values } = parsed;
    try {
      if (values.checkpoint === undefined) throw new UsageError('--checkpoint is required');
      const split: DetectionSplit = values.split === undefined || values.split === 'val' ? 'val' : values.split === 'train' ? 'train' : badSplit(values.split);
      const batchSize = numberOption(values, 'batch-size', 8, { integer: true, min: 1 });
      await initBackend(values.backend, { log: (line) => console.error(line) });
      const { model, config } = await loadDetectorCheckpoint(values.checkpoint);
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
    } catch (err) {
      return usageExit(err, USAGE);
    }
  },
};

function badSplit(split: string): never {
  throw new UsageError(`--split: expected train or val, got '${split}'`);
}
