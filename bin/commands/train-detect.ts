// `condformer train detect`: train DETR or Conditional DETR on a COCO directory or on synthetic
// shapes, with progress, checkpoints, resume, COCO evaluation every N epochs and log.jsonl.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../cli.js';
import { DETECTOR_BACKBONES, DETECTOR_KINDS, type DetectorConfig } from '../../lib/models/detector.js';
import { initBackend } from '../../lib/runtime/backend.js';
import { type DetectionDataSpec, type DetectionRunConfig, decodeDetectionRunConfig } from '../../lib/tasks/detection-run.js';
import { loadDetectionData, trainDetector } from '../../lib/tasks/detection-training.js';
import { parseJson } from '../../lib/io/decode.js';
import { runPaths } from '../../lib/train/train.js';
import { finishRun } from './finish-run.js';
import { parseCommandArgs, UsageError, usageExit } from './args.js';

const USAGE = `usage: condformer train detect --data <coco-dir|synthetic> [options]

Trains a detector with DETR's recipe (AdamW, backbone lr / 10, weight decay 1e-4, gradient
clipping 0.1, StepLR) and Hungarian-matched set losses; evaluates COCO mAP every --eval-every
epochs and after the last one. The run directory gets log.jsonl (losses per step and epoch, the 12
COCO stats per evaluation), config.json and checkpoints/last.safetensors.

data:
  --data <dir>             COCO layout: <dir>/annotations/instances_{train,val}.json, images in <dir>/{train,val}/
  --data synthetic         synthetic shapes (5 classes) generated in memory from --seed
  --train-images N         synthetic: training images (default 512)
  --val-images N           synthetic: validation images (default 128)
  --image-size N           synthetic: image side; COCO: short side after resizing (default 64 / 800)

model:
  --model conditional|detr     (default conditional)
  --backbone small|resnet18|resnet50  (default small for synthetic data, resnet50 for COCO)
  --queries N              object queries (default 300 conditional, 100 detr)
  --hidden-dim N           transformer width (default 256)
  --heads N                attention heads (default 8)
  --enc-layers N, --dec-layers N  (default 6, 6)
  --ffn N                  feed-forward width (default 2048)
  --dropout P              (default 0.1)
  --small-channels a,b,c,d the small CNN's four stage widths (default 16,32,64,128)

training:
  --epochs N               (default 50)
  --batch-size N           (default 8)
  --lr X                   (default 1e-4; the backbone gets --lr-backbone, default lr / 10)
  --lr-backbone X
  --weight-decay X         (default 1e-4)
  --lr-drop N              epochs between lr × 0.1 (default 2/3 of --epochs)
  --clip-max-norm X        (default 0.1; 0 = off)
  --eval-every N           (default 1)
  --run-dir DIR            (default runs/<model>-<backbone>)
  --resume                 continue the run in --run-dir from its last checkpoint (config.json is reused; --epochs may extend it)
  --overwrite              start afresh even if --run-dir holds a checkpoint
  --seed N                 (default 0)
  --backend NAME           tfjs backend (auto, wasm, cpu, tfjs-node, ...; default auto)
  --quiet                  no progress output
  -h, --help               this help

exit codes: 0 done (or interrupted with Ctrl-C after saving), 1 error, 2 bad usage`;

const OPTIONS = {
  data: { type: 'string' },
  'train-images': { type: 'string' },
  'val-images': { type: 'string' },
  'image-size': { type: 'string' },
  model: { type: 'string' },
  backbone: { type: 'string' },
  queries: { type: 'string' },
  'hidden-dim': { type: 'string' },
  heads: { type: 'string' },
  'enc-layers': { type: 'string' },
  'dec-layers': { type: 'string' },
  ffn: { type: 'string' },
  dropout: { type: 'string' },
  'small-channels': { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  'lr-backbone': { type: 'string' },
  'weight-decay': { type: 'string' },
  'lr-drop': { type: 'string' },
  'clip-max-norm': { type: 'string' },
  'eval-every': { type: 'string' },
  'run-dir': { type: 'string' },
  resume: { type: 'boolean' },
  overwrite: { type: 'boolean' },
  seed: { type: 'string' },
  backend: { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = Exclude<ReturnType<typeof parseCommandArgs<typeof OPTIONS>>, number>['values'];

/** A number option: absent → fallback; otherwise it must parse and satisfy `integer` / `min`. */
export function numberOption(values: Readonly<Record<string, unknown>>, name: string, fallback: number, rule: { integer?: boolean; min?: number } = {}): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  const { integer = false, min = -Infinity } = rule;
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min) {
    throw new UsageError(`--${name}: expected ${integer ? 'an integer' : 'a number'}${min > -Infinity ? ` >= ${min}` : ''}, got '${String(raw)}'`);
  }
  return n;
}

function choice<T extends string>(value: string | undefined, name: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw new UsageError(`--${name}: expected one of ${allowed.join(', ')}, got '${value}'`);
  return found;
}

function dataSpec(values: Values): DetectionDataSpec {
  if (values.data === undefined) throw new UsageError('--data is required (a COCO directory or "synthetic")');
  const int = (name: string, fallback: number) => numberOption(values, name, fallback, { integer: true, min: 1 });
  if (values.data === 'synthetic') {
    const seed = numberOption(values, 'seed', 0, { integer: true, min: 0 });
    return { kind: 'synthetic', seed, trainImages: int('train-images', 512), valImages: int('val-images', 128), imageSize: int('image-size', 64) };
  }
  return { kind: 'coco', dir: values.data, imageSize: int('image-size', 800) };
}

function stageWidths(raw: string): [number, number, number, number] {
  const widths = raw.split(',').map(Number);
  if (widths.length !== 4 || !widths.every((w) => Number.isInteger(w) && w > 0)) {
    throw new UsageError(`--small-channels: expected four positive integers like 16,32,64,128, got '${raw}'`);
  }
  return widths as [number, number, number, number];
}

type Categories = { id: number; name: string }[];

/** Validates every flag now; the run config is completed with the data's categories once loaded. */
function runConfigFromFlags(values: Values, data: DetectionDataSpec): (categories: Categories, numClasses: number) => DetectionRunConfig {
  const int = (name: string, fallback: number, min = 1) => numberOption(values, name, fallback, { integer: true, min });
  const model = choice(values.model, 'model', DETECTOR_KINDS, 'conditional');
  const detector: Omit<DetectorConfig, 'numClasses'> = {
    model,
    backbone: choice(values.backbone, 'backbone', DETECTOR_BACKBONES, data.kind === 'synthetic' ? 'small' : 'resnet50'),
    numQueries: int('queries', model === 'conditional' ? 300 : 100),
    hiddenDim: int('hidden-dim', 256),
    nheads: int('heads', 8),
    encLayers: int('enc-layers', 6),
    decLayers: int('dec-layers', 6),
    dimFeedforward: int('ffn', 2048),
    dropout: numberOption(values, 'dropout', 0.1, { min: 0 }),
    ...(values['small-channels'] === undefined ? {} : { smallChannels: stageWidths(values['small-channels']) }),
  };
  const epochs = int('epochs', 50);
  const lr = numberOption(values, 'lr', 1e-4, { min: 0 });
  const training = {
    epochs,
    batchSize: int('batch-size', 8),
    lr,
    lrBackbone: numberOption(values, 'lr-backbone', lr / 10, { min: 0 }),
    weightDecay: numberOption(values, 'weight-decay', 1e-4, { min: 0 }),
    lrDrop: int('lr-drop', Math.max(1, Math.round((2 * epochs) / 3))),
    clipMaxNorm: numberOption(values, 'clip-max-norm', 0.1, { min: 0 }),
    evalEvery: int('eval-every', 1),
    seed: int('seed', 0, 0),
  };
  return (categories, numClasses) => ({ task: 'detect', detector: { ...detector, numClasses }, data, categories, training });
}

export const command: Command = {
  summary: 'train DETR / Conditional DETR on COCO data or synthetic shapes',
  async run(args: string[]): Promise<number> {
    const parsed = parseCommandArgs(args, OPTIONS, USAGE);
    if (typeof parsed === 'number') return parsed;
    const values: Values = parsed.values;
    try {
      if (values.resume) {
        if (values['run-dir'] === undefined) throw new UsageError('--resume needs --run-dir');
        const runDir = values['run-dir'];
        const path = runPaths(runDir).config;
        const saved = decodeDetectionRunConfig(parseJson(readFileSync(path, 'utf8'), path), path);
        const epochs = numberOption(values, 'epochs', saved.training.epochs, { integer: true, min: 1 });
        await initBackend(values.backend, { log: (line) => console.error(line) });
        const { result } = await trainDetector({ ...saved, training: { ...saved.training, epochs } }, { runDir, resume: true, quiet: values.quiet });
        return finishRun(runDir, result.status, result.checkpoint);
      }
      const spec = dataSpec(values);
      const complete = runConfigFromFlags(values, spec);
      await initBackend(values.backend, { log: (line) => console.error(line) });
      const data = await loadDetectionData({ data: spec });
      const config = complete(data.train.gt.categories.map((c) => ({ id: c.id, name: c.name })), data.train.categories.numClasses);
      const runDir = values['run-dir'] ?? join('runs', `${config.detector.model}-${config.detector.backbone ?? 'resnet50'}`);
      const { result } = await trainDetector(config, { runDir, overwrite: values.overwrite, quiet: values.quiet, data });
      return finishRun(runDir, result.status, result.checkpoint);
    } catch (err) {
      return usageExit(err, USAGE);
    }
  },
};
