// `condformer eval pose --checkpoint <file> [--data <csv|synthetic>] [--json]`: per-scene median
// position / orientation errors of a trained pose regressor on the test split (argmax scenes, as
// the official test mode). The model and, by default, the data come from the checkpoint's config.
import { formatPoseTable, type PoseThreshold, parsePoseThresholds } from '../../lib/metrics/pose-metrics.js';
import { initBackend } from '../../lib/runtime/backend.js';
import { loadPoseCheckpoint } from '../../lib/tasks/pose/checkpoint.js';
import { csvDataSpec, describePoseData, type PoseDataSpec } from '../../lib/tasks/pose/data.js';
import { evaluatePoseModel, poseTestResultJson } from '../../lib/tasks/pose/evaluate.js';
import { defineCommand, required, UsageError } from '../shared/command.js';
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
      json: { type: 'boolean', help: 'print { split, scenes, average, recall, baseline: { average, scenes, recall } }' },
      thresholds: {
        type: 'string',
        value: '<m:deg,…>',
        help: 'recall thresholds (default: table 4 of the paper, Cambridge 1:5,1:10,2:5,2:10\nfor Cambridge and the synthetic scenes, 7Scenes 0.2:5,0.2:10,0.3:5,0.3:10)',
      },
      baseline: { type: 'boolean', help: 'also print the scene-mean baseline (table mode)' },
      ...backendOption,
    },
    footer: 'exit codes: 0 done, 1 error, 2 bad usage',
  },
  async (values) => {
    const path = required(values.checkpoint, '--checkpoint is required');
    const thresholds = values.thresholds === undefined ? undefined : thresholdsValue(values.thresholds);
    await initBackend(values.backend, { log: values.json ? null : undefined });
    const { trained, config, data: stored } = await loadPoseCheckpoint(path);
    try {
      if (values.data === 'synthetic' && stored.kind !== 'synthetic') throw new Error(`${path} was not trained on the synthetic scenes`);
      const spec: PoseDataSpec = values.data === undefined || values.data === 'synthetic' ? stored : csvDataSpec(values.data, values.root);
      const result = await evaluatePoseModel(trained, config, spec, thresholds);
      if (values.json) {
        console.log(JSON.stringify(poseTestResultJson(result), null, 2));
      } else {
        console.log(`${path} on ${describePoseData(spec)} (split ${result.split}, ${result.data.test.table.rows.length} images)\n`);
        console.log(formatPoseTable(result.evaluation));
        console.log(`\nscene classification accuracy ${(100 * result.sceneAccuracy).toFixed(1)}%`);
        if (values.baseline) console.log(`\nscene-mean baseline:\n${formatPoseTable(result.baseline)}`);
      }
      return 0;
    } finally {
      trained.dispose();
    }
  },
);

/** --thresholds: a malformed list is bad usage (exit 2). */
function thresholdsValue(raw: string): readonly PoseThreshold[] {
  try {
    return parsePoseThresholds(raw, '--thresholds');
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
