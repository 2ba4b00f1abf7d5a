// `condformer train detect`: train DETR or Conditional DETR on a COCO directory or on synthetic
// shapes, with progress, checkpoints, resume, COCO evaluation every N epochs and log.jsonl; DAB-DETR
// anchors, DN-DETR denoising and Group DETR query groups as options.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJson } from '../../lib/io/decode.js';
import { DETECTOR_ANCHORS, DETECTOR_BACKBONES, DETECTOR_KINDS, type DetectorConfig, trainingAidProblem } from '../../lib/models/detector.js';
import { initBackend } from '../../lib/runtime/backend.js';
import { type DetectionRunConfig, decodeDetectionRunConfig } from '../../lib/tasks/detection/config.js';
import type { DetectionDataSpec } from '../../lib/tasks/detection/data.js';
import { loadDetectionData, trainDetector } from '../../lib/tasks/detection/run.js';
import { runPaths } from '../../lib/train/train.js';
import { choiceValue, defineCommand, inSection, intValue, numberValue, type OptionValues, UsageError } from '../shared/command.js';
import { finishRun } from '../shared/finish-run.js';
import { backendOption, epochsOption, quietOption, runDirOptions, seedOption } from '../shared/options.js';

const OPTIONS = {
  ...inSection('data', {
    data: {
      type: 'string',
      value: '<dir>|synthetic',
      help: 'COCO layout: <dir>/annotations/instances_{train,val}.json, images in <dir>/{train,val}/;\nsynthetic: synthetic shapes (5 classes) generated in memory from --seed',
    },
    'train-images': { type: 'string', value: 'N', help: 'synthetic: training images (default 512)' },
    'val-images': { type: 'string', value: 'N', help: 'synthetic: validation images (default 128)' },
    'image-size': { type: 'string', value: 'N', help: 'synthetic: image side; COCO: short side after resizing (default 64 / 800)' },
  }),
  ...inSection('model', {
    model: { type: 'string', value: 'conditional|detr', help: '(default conditional)' },
    backbone: { type: 'string', value: 'small|resnet18|resnet50', help: '(default small for synthetic data, resnet50 for COCO)' },
    queries: { type: 'string', value: 'N', help: 'object queries (default 300 conditional, 100 detr)' },
    'hidden-dim': { type: 'string', value: 'N', help: 'transformer width (default 256)' },
    heads: { type: 'string', value: 'N', help: 'attention heads (default 8)' },
    'enc-layers': { type: 'string', value: 'N', help: '(default 6)' },
    'dec-layers': { type: 'string', value: 'N', help: '(default 6)' },
    ffn: { type: 'string', value: 'N', help: 'feed-forward width (default 2048)' },
    dropout: { type: 'string', value: 'P', help: '(default 0.1)' },
    'small-channels': { type: 'string', value: 'a,b,c,d', help: "the small CNN's four stage widths (default 16,32,64,128)" },
  }),
  ...inSection('training aids (Conditional DETR; combine freely)', {
    anchors: { type: 'string', value: 'none|dab', help: 'dab: DAB-DETR 4-D anchor-box queries with iterative refinement (default none)' },
    'dn-groups': { type: 'string', value: 'N', help: 'DN-DETR denoising groups of noised ground truth, needs --anchors dab (default 0: off)' },
    'query-groups': { type: 'string', value: 'K', help: 'Group DETR: K query groups in training, one at inference (default 1: off)' },
  }),
  ...inSection('training', {
    ...epochsOption(50),
    'batch-size': { type: 'string', value: 'N', help: '(default 8)' },
    lr: { type: 'string', value: 'X', help: '(default 1e-4; the backbone gets --lr-backbone, default lr / 10)' },
    'lr-backbone': { type: 'string', value: 'X', help: 'default lr / 10' },
    'weight-decay': { type: 'string', value: 'X', help: '(default 1e-4)' },
    'lr-drop': { type: 'string', value: 'N', help: 'epochs between lr × 0.1 (default 2/3 of --epochs)' },
    'clip-max-norm': { type: 'string', value: 'X', help: '(default 0.1; 0 = off)' },
    'eval-every': { type: 'string', value: 'N', help: '(default 1)' },
    ...runDirOptions('runs/<model>-<backbone>'),
    ...seedOption(),
    ...backendOption,
    ...quietOption,
  }),
} as const;

type Values = OptionValues<typeof OPTIONS>;

function dataSpec(values: Values): DetectionDataSpec {
  if (values.data === undefined) throw new UsageError('--data is required (a COCO directory or "synthetic")');
  const int = (name: 'train-images' | 'val-images' | 'image-size', fallback: number) => intValue(values[name], name, fallback);
  if (values.data === 'synthetic') {
    const seed = intValue(values.seed, 'seed', 0, 0);
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

/** --anchors / --dn-groups / --query-groups → detector config fields (only those given: older configs stay as they were). */
function trainingAids(values: Values): Pick<DetectorConfig, 'anchors' | 'dnGroups' | 'queryGroups'> {
  return {
    ...(values.anchors === undefined ? {} : { anchors: choiceValue(values.anchors, 'anchors', DETECTOR_ANCHORS, 'none') }),
    ...(values['dn-groups'] === undefined ? {} : { dnGroups: intValue(values['dn-groups'], 'dn-groups', 0, 0) }),
    ...(values['query-groups'] === undefined ? {} : { queryGroups: intValue(values['query-groups'], 'query-groups', 1) }),
  };
}

type Categories = { id: number; name: string }[];

/** Validates every flag now; the run config is completed with the data's categories once loaded. */
function runConfigFromFlags(values: Values, data: DetectionDataSpec): (categories: Categories, numClasses: number) => DetectionRunConfig {
  const model = choiceValue(values.model, 'model', DETECTOR_KINDS, 'conditional');
  const detector: Omit<DetectorConfig, 'numClasses'> = {
    model,
    backbone: choiceValue(values.backbone, 'backbone', DETECTOR_BACKBONES, data.kind === 'synthetic' ? 'small' : 'resnet50'),
    numQueries: intValue(values.queries, 'queries', model === 'conditional' ? 300 : 100),
    hiddenDim: intValue(values['hidden-dim'], 'hidden-dim', 256),
    nheads: intValue(values.heads, 'heads', 8),
    encLayers: intValue(values['enc-layers'], 'enc-layers', 6),
    decLayers: intValue(values['dec-layers'], 'dec-layers', 6),
    dimFeedforward: intValue(values.ffn, 'ffn', 2048),
    dropout: numberValue(values.dropout, 'dropout', 0.1, { min: 0 }),
    ...(values['small-channels'] === undefined ? {} : { smallChannels: stageWidths(values['small-channels']) }),
    ...trainingAids(values),
  };
  const problem = trainingAidProblem({ ...detector, numClasses: 1 });
  if (problem !== null) throw new UsageError(problem);
  const epochs = intValue(values.epochs, 'epochs', 50);
  const lr = numberValue(values.lr, 'lr', 1e-4, { min: 0 });
  const training = {
    epochs,
    batchSize: intValue(values['batch-size'], 'batch-size', 8),
    lr,
    lrBackbone: numberValue(values['lr-backbone'], 'lr-backbone', lr / 10, { min: 0 }),
    weightDecay: numberValue(values['weight-decay'], 'weight-decay', 1e-4, { min: 0 }),
    lrDrop: intValue(values['lr-drop'], 'lr-drop', Math.max(1, Math.round((2 * epochs) / 3))),
    clipMaxNorm: numberValue(values['clip-max-norm'], 'clip-max-norm', 0.1, { min: 0 }),
    evalEvery: intValue(values['eval-every'], 'eval-every', 1),
    seed: intValue(values.seed, 'seed', 0, 0),
  };
  return (categories, numClasses) => ({ task: 'detect', detector: { ...detector, numClasses }, data, categories, training });
}

export const command = defineCommand(
  'train DETR / Conditional DETR on COCO data or synthetic shapes',
  {
    name: 'train detect',
    synopsis: '--data <coco-dir|synthetic> [options]',
    about: `Trains a detector with DETR's recipe (AdamW, backbone lr / 10, weight decay 1e-4, gradient
clipping 0.1, StepLR) and Hungarian-matched set losses; evaluates COCO mAP every --eval-every
epochs and after the last one. The run directory gets log.jsonl (losses per step and epoch, the 12
COCO stats per evaluation), config.json and checkpoints/last.safetensors.`,
    options: OPTIONS,
    footer: 'exit codes: 0 done, 130 interrupted with Ctrl-C (after saving a checkpoint), 1 error, 2 bad usage',
  },
  async (values) => {
    if (values.resume) {
      if (values['run-dir'] === undefined) throw new UsageError('--resume needs --run-dir');
      const runDir = values['run-dir'];
      const path = runPaths(runDir).config;
      const saved = decodeDetectionRunConfig(parseJson(readFileSync(path, 'utf8'), path), path);
      const epochs = intValue(values.epochs, 'epochs', saved.training.epochs);
      await initBackend(values.backend, { log: (line) => console.error(line) });
      const { result } = await trainDetector({ ...saved, training: { ...saved.training, epochs } }, { runDir, resume: true, quiet: values.quiet });
      return finishRun(runDir, result.status, result.checkpoint);
    }
    const spec = dataSpec(values);
    const complete = runConfigFromFlags(values, spec);
    await initBackend(values.backend, { log: (line) => console.error(line) });
    const data = await loadDetectionData({ data: spec });
    const config = complete(
      data.train.gt.categories.map((c) => ({ id: c.id, name: c.name })),
      data.train.categories.numClasses,
    );
    const runDir = values['run-dir'] ?? join('runs', `${config.detector.model}-${config.detector.backbone ?? 'resnet50'}`);
    const { result } = await trainDetector(config, { runDir, overwrite: values.overwrite, quiet: values.quiet, data });
    return finishRun(runDir, result.status, result.checkpoint);
  },
);
