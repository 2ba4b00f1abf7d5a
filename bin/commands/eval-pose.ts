// `condformer eval pose --checkpoint <file> [--data <csv|synthetic>] [--json]`: per-scene median
// position / orientation errors of a trained pose regressor on the test split (argmax scenes, as
// the official test mode). The model and, by default, the data come from the checkpoint's config.
import { formatPoseTable, poseEvaluationJson } from '../../lib/metrics/pose-metrics.js';
import { initBackend } from '../../lib/runtime/backend.js';
import { Rng } from '../../lib/runtime/rng.js';
import { loadPoseCheckpoint } from '../../lib/tasks/pose/checkpoint.js';
import { csvDataSpec, describePoseData, loadPoseSplits, type PoseDataSpec } from '../../lib/tasks/pose/data.js';
import { evaluatePredictions, predictPoses, sceneMeanBaseline } from '../../lib/tasks/pose/task.js';
import { defineCommand, required } from '../shared/command.js';
import { backendOption, poseCsvRootOption } from '../shared/options.js';

export const command = defineCommand(
  'evaluate a trained pose regressor: per-scene median errors and recall',
  {
    name: 'eval pose',
    synopsis: '--checkpoint <file.safetensors> [options]',
    options: {
      checkpoint: { type: 'string', value: '<file>', help: 'a checkpoint of `condformer train pose` (its config names model and data)' },
      data: { type: 'string', value: '<csv|synthetic>', help: 'test data (default: the data the run was trained on)' },
      ...poseCsvRootOption,
      json: { type: 'boolean', help: 'print { scenes: [{ scene, medianPositionError, medianOrientationError }], average, recall }' },
      baseline: { type: 'boolean', help: 'also print the scene-mean baseline (table mode)' },
      ...backendOption,
    },
    footer: 'exit codes: 0 done, 1 error, 2 bad usage',
  },
  async (values) => {
    const path = required(values.checkpoint, '--checkpoint is required');
    await initBackend(values.backend, { log: values.json ? null : undefined });
    const { trained, config, data: stored } = await loadPoseCheckpoint(path);
    try {
      if (values.data === 'synthetic' && stored.kind !== 'synthetic') throw new Error(`${path} was not trained on the synthetic scenes`);
      const spec: PoseDataSpec = values.data === undefined || values.data === 'synthetic' ? stored : csvDataSpec(values.data, values.root);
      const data = await loadPoseSplits(spec);
      const predictions = await predictPoses(trained.model, data.test, { resize: config.resize, crop: config.crop, batchSize: 16, rng: new Rng(0) });
      const evaluation = evaluatePredictions(predictions);
      if (values.json) {
        console.log(JSON.stringify(poseEvaluationJson(evaluation), null, 2));
      } else {
        console.log(`${path} on ${describePoseData(spec)} (test split, ${data.test.table.rows.length} images)\n`);
        console.log(formatPoseTable(evaluation));
        console.log(`\nscene classification accuracy ${(100 * predictions.sceneAccuracy).toFixed(1)}%`);
        if (values.baseline) console.log(`\nscene-mean baseline:\n${formatPoseTable(sceneMeanBaseline(data.train, data.test))}`);
      }
      return 0;
    } finally {
      trained.dispose();
    }
  },
);
