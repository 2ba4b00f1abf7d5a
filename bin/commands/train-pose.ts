// `condformer train pose`: train the MS-Transformer pose regressor (QKA, fixed or learned PE) on a
// label CSV or the built-in synthetic scenes, then print the per-scene test errors next to the
// scene-mean baseline.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from '../cli.js';
import { parseJson } from '../../lib/io/decode.js';
import { formatPoseTable } from '../../lib/metrics/pose-metrics.js';
import { initBackend } from '../../lib/runtime/backend.js';
import { decodePoseTrainConfig, poseTrainConfigFor, type PoseTrainConfig } from '../../lib/tasks/pose.js';
import { csvDataSpec, decodePoseDataSpec, describePoseData, loadPoseSplits, syntheticBenchmarkSpec, type PoseDataSpec } from '../../lib/tasks/pose-data.js';
import { runPoseTraining } from '../../lib/tasks/pose-run.js';
import { finishRun } from './finish-run.js';
import { parseCommandArgs } from './args.js';

const USAGE = `usage: condformer train pose --data <labels.csv|synthetic> [options]

options:
  --data <csv|synthetic>     MS-Transformer label CSV (split column train/test, images relative
                             to the CSV's folder or --root) or the built-in synthetic scenes
                             (6 trajectories × 40 frames per scene, every 4th frame held out)
  --root <dir>               image root for a CSV
  --qka <λ>                  Query-Key Alignment weight (default 0.1, 0 = off)
  --pos-encoding sine|learned  fixed 2-D sine (ActMST, default) or learned (MS-Transformer)
  --backbone small|efficientnet  small CNN (default; fast CPU preset) or EfficientNet-B0 (official sizes)
  --epochs <n>               default 30
  --batch-size <n>           default 32 (small) / 8 (efficientnet)
  --image-size <n>           square crop side (default 32 small, no crop augmentation / 224
                             efficientnet, resized to ⌈n·8/7⌉ first as official 256 → 224)
  --lr <lr>                  default 1e-3 (small) / 1e-4 (efficientnet, official)
  --scenes <n>               synthetic scenes (default 4)
  --run-dir <dir>            default runs/pose
  --resume                   continue the run in --run-dir from its last checkpoint
  --overwrite                start over in a run directory that holds a checkpoint
  --seed <n>                 default 0
  --backend <name>           tfjs backend (default: automatic, see CONDFORMER_BACKEND)
  -h, --help                 this help`;

export const command: Command = {
  summary: 'train the MS-Transformer multi-scene pose regressor (QKA, fixed / learned PE)',
  async run(args: string[]): Promise<number> {
    const parsed = parseCommandArgs(args, {
      data: { type: 'string' },
      root: { type: 'string' },
      qka: { type: 'string' },
      'pos-encoding': { type: 'string' },
      backbone: { type: 'string' },
      epochs: { type: 'string' },
      'batch-size': { type: 'string' },
      'image-size': { type: 'string' },
      lr: { type: 'string' },
      scenes: { type: 'string' },
      'run-dir': { type: 'string' },
      resume: { type: 'boolean' },
      overwrite: { type: 'boolean' },
      seed: { type: 'string' },
      backend: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    }, USAGE);
    if (typeof parsed === 'number') return parsed;
    const { values } = parsed;
    if (values.data === undefined) {
      console.error(`--data is required\n\n${USAGE}`);
      return 2;
    }
    const backbone = values.backbone ?? 'small';
    if (backbone !== 'small' && backbone !== 'efficientnet') throw new Error(`--backbone must be small or efficientnet, got ${backbone}`);
    const posEncoding = values['pos-encoding'] ?? 'sine';
    if (posEncoding !== 'sine' && posEncoding !== 'learned') throw new Error(`--pos-encoding must be sine or learned, got ${posEncoding}`);
    const runDir = values['run-dir'] ?? join('runs', 'pose');
    const seed = intOption(values.seed, 'seed', 0);
    await initBackend(values.backend);
  
    let config: PoseTrainConfig;
    let storedSpec: PoseDataSpec | null = null;
    if (values.resume) {
      const path = join(runDir, 'config.json');
      const raw = parseJson(await readFile(path, 'utf8'), path);
      config = decodePoseTrainConfig(raw, path);
      storedSpec = decodePoseDataSpec(typeof raw === 'object' && raw !== null && 'data' in raw ? raw.data : undefined, `${path} (data)`);
    } else {
      const numScenes = intOption(values.scenes, 'scenes', 4);
      const base = poseTrainConfigFor(backbone, values.data === 'synthetic' ? numScenes : await csvSceneCount(values.data, values.root), posEncoding);
      const crop = intOption(values['image-size'], 'image-size', base.crop);
      const resize = Math.ceil((crop * base.resize) / base.crop);
      config = {
        ...base,
        qkaLambda: numberOption(values.qka, 'qka', base.qkaLambda),
        lr: numberOption(values.lr, 'lr', base.lr),
        batchSize: intOption(values['batch-size'], 'batch-size', base.batchSize),
        crop,
        resize,
      };
    }
    const spec =
      values.data !== 'synthetic'
        ? csvDataSpec(values.data, values.root)
        : storedSpec ?? { ...syntheticBenchmarkSpec({ numScenes: config.model.numScenes, seed }), size: config.resize };
    const data = await loadPoseSplits(spec);
    const epochs = intOption(values.epochs, 'epochs', 30);
    console.log(`data: ${describePoseData(spec)}: ${data.train.table.rows.length} train / ${data.test.table.rows.length} test images`);
    const result = await runPoseTraining({ data, config, epochs, runDir, seed, resume: values.resume, overwrite: values.overwrite });
    console.log(`\n${formatPoseTable(result.evaluation)}`);
    console.log(`\nscene-mean baseline (each scene's mean training pose):\n${formatPoseTable(result.baseline)}`);
    console.log(`\nscene classification accuracy ${(100 * result.predictions.sceneAccuracy).toFixed(1)}%`);
    return finishRun(runDir, result.train.status, result.checkpoint);
  },
};

async function csvSceneCount(path: string, root?: string): Promise<number> {
  return (await loadPoseSplits(csvDataSpec(path, root))).train.table.scenes.length;
}

export function intOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got '${value}'`);
  return n;
}

export function numberOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got '${value}'`);
  return n;
}
