// `condformer train pose`: train the MS-Transformer pose regressor (QKA, fixed or learned PE) on a
// label CSV or the built-in synthetic scenes, then print the per-scene test errors next to the
// scene-mean baseline.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseJson } from '../../lib/io/decode.js';
import { formatPoseTable } from '../../lib/metrics/pose-metrics.js';
import { initBackend } from '../../lib/runtime/backend.js';
import { decodePoseRunConfig, type PoseTrainConfig, poseTrainConfigFor } from '../../lib/tasks/pose/config.js';
import { csvDataSpec, describePoseData, loadPoseSplits, type PoseDataSpec, syntheticBenchmarkSpec } from '../../lib/tasks/pose/data.js';
import { runPoseTraining } from '../../lib/tasks/pose/run.js';
import { runPaths } from '../../lib/train/train.js';
import { choiceValue, defineCommand, intValue, numberValue, required } from '../shared/command.js';
import { finishRun } from '../shared/finish-run.js';
import { backendOption, budgetOptions, budgetValues, epochsOption, poseCsvRootOption, runDirOptions, seedOption } from '../shared/options.js';

export const command = defineCommand(
  'train the MS-Transformer multi-scene pose regressor (QKA, fixed / learned PE)',
  {
    name: 'train pose',
    synopsis: '--data <labels.csv|synthetic> [options]',
    options: {
      data: {
        type: 'string',
        value: '<csv|synthetic>',
        help: "MS-Transformer label CSV (split column train/test, images relative\nto the CSV's folder or --root) or the built-in synthetic scenes\n(6 trajectories × 40 frames per scene, every 4th frame held out)",
      },
      ...poseCsvRootOption,
      qka: { type: 'string', value: '<λ>', help: 'Query-Key Alignment weight (default 0.1, 0 = off)' },
      'pos-encoding': { type: 'string', value: 'sine|learned', help: 'fixed 2-D sine (ActMST, default) or learned (MS-Transformer)' },
      backbone: { type: 'string', value: 'small|efficientnet', help: 'small CNN (default; fast CPU preset) or EfficientNet-B0 (official sizes)' },
      ...epochsOption(30),
      ...budgetOptions,
      'batch-size': { type: 'string', value: '<n>', help: 'default 32 (small) / 8 (efficientnet)' },
      'image-size': {
        type: 'string',
        value: '<n>',
        help: 'square crop side (default 32 small, no crop augmentation / 224\nefficientnet, resized to ⌈n·8/7⌉ first as official 256 → 224)',
      },
      lr: { type: 'string', value: '<lr>', help: 'default 1e-3 (small) / 1e-4 (efficientnet, official)' },
      scenes: { type: 'string', value: '<n>', help: 'synthetic scenes (default 4)' },
      ...runDirOptions('runs/pose'),
      ...seedOption(),
      ...backendOption,
    },
    footer: 'exit codes: 0 done, 130 interrupted with Ctrl-C (after saving a checkpoint), 1 error, 2 bad usage',
  },
  async (values) => {
    const dataFlag = required(values.data, '--data is required');
    const backbone = choiceValue(values.backbone, 'backbone', ['small', 'efficientnet'] as const, 'small');
    const positionEmbedding = choiceValue(values['pos-encoding'], 'pos-encoding', ['sine', 'learned'] as const, 'sine');
    const runDir = values['run-dir'] ?? join('runs', 'pose');
    const seed = intValue(values.seed, 'seed', 0, 0);
    const budget = budgetValues(values);
    await initBackend(values.backend);

    let config: PoseTrainConfig;
    let storedSpec: PoseDataSpec | null = null;
    if (values.resume) {
      const path = runPaths(runDir).config;
      ({ config, data: storedSpec } = decodePoseRunConfig(parseJson(await readFile(path, 'utf8'), path), path));
    } else {
      const numScenes = intValue(values.scenes, 'scenes', 4);
      const base = poseTrainConfigFor(backbone, dataFlag === 'synthetic' ? numScenes : await csvSceneCount(dataFlag, values.root), positionEmbedding);
      const crop = intValue(values['image-size'], 'image-size', base.crop);
      const resize = Math.ceil((crop * base.resize) / base.crop);
      config = {
        ...base,
        qkaLambda: numberValue(values.qka, 'qka', base.qkaLambda, { min: 0 }),
        lr: numberValue(values.lr, 'lr', base.lr, { min: 0 }),
        batchSize: intValue(values['batch-size'], 'batch-size', base.batchSize),
        crop,
        resize,
      };
    }
    const spec =
      dataFlag !== 'synthetic'
        ? csvDataSpec(dataFlag, values.root)
        : (storedSpec ?? { ...syntheticBenchmarkSpec({ numScenes: config.model.numScenes, seed }), size: config.resize });
    const data = await loadPoseSplits(spec);
    const epochs = intValue(values.epochs, 'epochs', 30);
    console.log(`data: ${describePoseData(spec)}: ${data.train.table.rows.length} train / ${data.test.table.rows.length} test images`);
    const result = await runPoseTraining({ data, config, epochs, runDir, seed, resume: values.resume, overwrite: values.overwrite, ...budget });
    console.log(`\n${formatPoseTable(result.evaluation)}`);
    console.log(`\nscene-mean baseline (each scene's mean training pose):\n${formatPoseTable(result.baseline)}`);
    console.log(`\nscene classification accuracy ${(100 * result.predictions.sceneAccuracy).toFixed(1)}%`);
    return finishRun(runDir, result.train.status, result.checkpoint);
  },
);

async function csvSceneCount(path: string, root?: string): Promise<number> {
  return (await loadPoseSplits(csvDataSpec(path, root))).train.table.scenes.length;
}
