// `condformer eval pose --checkpoint <file> [--data <csv|synthetic>] [--json]`: per-scene median
// position / orientation errors of a trained pose regressor on the test split (argmax scenes, as
// the official test mode). The model and, by default, the data come from the checkpoint's config.
import { formatPoseTable, poseEvaluationJson } from '../../lib/metrics/pose-metrics.js';
import { initBackend } from '../../lib/runtime/backend.js';
import { Rng } from '../../lib/runtime/rng.js';
import { disposeCheckpoint, loadCheckpoint } from '../../lib/train/checkpoint.js';
import { decodePoseTrainConfig, evaluatePredictions, PoseTrainingModel, predictPoses, sceneMeanBaseline } from '../../lib/tasks/pose.js';
import { csvDataSpec, decodePoseDataSpec, describePoseData, loadPoseSplits, type PoseDataSpec } from '../../lib/tasks/pose-data.js';
import type { Command } from '../cli.js';
import { parseCommandArgs } from './args.js';

const USAGE = `usage: condformer eval pose --checkpoint <file.safetensors> [options]

options:
  --data <csv|synthetic>  test data (default: the data the run was trained on)
  --root <dir>            image root for a CSV
  --json                  print { scenes: [{ scene, medianPositionError, medianOrientationError }], average, recall }
  --baseline              also print the scene-mean baseline (table mode)
  --backend <name>        tfjs backend (default: automatic)
  -h, --help              this help`;

export const command: Command = {
  summary: 'evaluate a trained pose regressor: per-scene median errors and recall',
  async run(args: string[]): Promise<number> {
    const parsed = parseCommandArgs(args, {
      checkpoint: { type: 'string' },
      data: { type: 'string' },
      root: { type: 'string' },
      json: { type: 'boolean' },
      baseline: { type: 'boolean' },
      backend: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    }, USAGE);
    if (typeof parsed === 'number') return parsed;
    const { values } = parsed;
    if (values.checkpoint === undefined) {
      console.error(`--checkpoint is required\n\n${USAGE}`);
      return 2;
    }
    await initBackend(values.backend, { log: values.json ? null : undefined });
    const checkpoint = await loadCheckpoint(values.checkpoint);
    try {
      const config = decodePoseTrainConfig(checkpoint.config, `${values.checkpoint} (config)`);
      const stored = decodePoseDataSpec(checkpoint.config.data, `${values.checkpoint} (config.data)`);
      if (values.data === 'synthetic' && stored.source !== 'synthetic') throw new Error(`${values.checkpoint} was not trained on the synthetic scenes`);
      const spec: PoseDataSpec = values.data === undefined || values.data === 'synthetic' ? stored : csvDataSpec(values.data, values.root);
      const model = new PoseTrainingModel(config, new Rng(0));
      model.loadStateDict(checkpoint.weights);
      const data = await loadPoseSplits(spec);
      const predictions = await predictPoses(model.model, data.test, { resize: config.resize, crop: config.crop, batchSize: 16, rng: new Rng(0) }).finally(() => model.dispose());
      const evaluation = evaluatePredictions(predictions);
      if (values.json) {
        console.log(JSON.stringify(poseEvaluationJson(evaluation), null, 2));
      } else {
        console.log(`${values.checkpoint} on ${describePoseData(spec)} (test split, ${data.test.table.rows.length} images)\n`);
        console.log(formatPoseTable(evaluation));
        console.log(`\nscene classification accuracy ${(100 * predictions.sceneAccuracy).toFixed(1)}%`);
        if (values.baseline) console.log(`\nscene-mean baseline:\n${formatPoseTable(sceneMeanBaseline(data.train, data.test))}`);
      }
      return 0;
    } finally {
      disposeCheckpoint(checkpoint);
    }
  },
};
