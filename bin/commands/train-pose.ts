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
import { choiceValue, defineCommand, intValue, numberValue, optionalInt, required } from '../shared/command.js';
import { finishRun } from '../shared/finish-run.js';
import { backendOption, budgetOptions, budgetValues, epochsOption, poseCsvRootOption, runDirOptions, seedOption } from '../shared/options.js';

export const command = defineCommand(
  'train the MS-Transformer multi-scene pose regressor (QKA, fixed / learned PE)',
  {
    name: 'train pose',
    synopsis: '--data <labels.csv|synthetic> [options] | --resume --run-dir <dir>',
    options: {
      data: {
        type: 'string',
        value: '<csv|synthetic>',
        help: "MS-Transformer label CSV (split column train/test, images relative\nto the CSV's folder or --root) or the built-in synthetic scenes\n(split unseen-trajectories: 2000 views per scene over its free region\nand headings, tested on 2 separately rendered trajectories per scene)",
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
    // Every flag is checked before any work starts (bad usage: exit 2 with the usage).
    const dataFlag = values.resume ? values.data : required(values.data, '--data is required (except with --resume: the run dir has it)');
    const backbone = choiceValue(values.backbone, 'backbone', ['small', 'efficientnet'] as const, 'small');
    const positionEmbedding = choiceValue(values['pos-encoding'], 'pos-encoding', ['sine', 'learned'] as const, 'sine');
    const runDir = values['run-dir'] ?? join('runs', 'pose');
    const seed = intValue(values.seed, 'seed', 0, 0);
    const budget = budgetValues(values);
    const epochs = intValue(values.epochs, 'epochs', 30);
    const numScenes = intValue(values.scenes, 'scenes', 4);
    const lr = optionalNumber(values.lr, 'lr');
    const qka = optionalNumber(values.qka, 'qka');
    const batchSize = optionalInt(values['batch-size'], 'batch-size', 1);
    const imageSize = optionalInt(values['image-size'], 'image-size', 1);
    await initBackend(values.backend);

    let config: PoseTrainConfig;
    let storedSpec: PoseDataSpec | null = null;
    if (values.resume) {
      const path = runPaths(runDir).config;
      ({ config, data: storedSpec } = decodePoseRunConfig(parseJson(await readFile(path, 'utf8'), path), path));
    } else {
      const csv = dataFlag === undefined || dataFlag === 'synthetic' ? null : dataFlag;
      const base = poseTrainConfigFor(backbone, csv === null ? numScenes : await csvSceneCount(csv, values.root), positionEmbedding);
      const crop = imageSize ?? base.crop;
      const resize = Math.ceil((crop * base.resize) / base.crop);
      config = { ...base, qkaLambda: qka ?? base.qkaLambda, lr: lr ?? base.lr, batchSize: batchSize ?? base.batchSize, crop, resize };
    }
    const spec: PoseDataSpec =
      dataFlag !== undefined && dataFlag !== 'synthetic'
        ? csvDataSpec(dataFlag, values.root)
        : (storedSpec ?? { ...syntheticBenchmarkSpec({ numScenes: config.model.numScenes, seed }), size: config.resize });
    const data = await loadPoseSplits(spec);
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

/** A number flag ≥ 0 that may be absent (→ undefined: the preset's value). */
function optionalNumber(raw: string | undefined, name: string): number | undefined {
  return raw === undefined ? undefined : numberValue(raw, name, 0, { min: 0 });
}
