// `condformer train detect`: train DETR or Conditional DETR on a COCO directory or on synthetic
// shapes, with progress, checkpoints, resume, COCO evaluation every N epochs and log.jsonl; DAB-DETR
// anchors, DN-DETR denoising and Group DETR query groups as options.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DETECTION_AUGMENTS, type DetectionAugment } from '../../datasets/detection-transforms.js';
import { parseJson } from '../../lib/io/decode.js';
import { DETECTOR_ANCHORS, DETECTOR_BACKBONES, DETECTOR_KINDS, type DetectorConfig, trainingAidProblem } from '../../lib/models/detector.js';
import { initBackend } from '../../lib/runtime/backend.js';
import { type DetectionRunConfig, decodeDetectionRunConfig } from '../../lib/tasks/detection/config.js';
import { type DetectionDataSpec, defaultAugment } from '../../lib/tasks/detection/data.js';
import { DETECTION_PRESET_NAMES, DETECTION_PRESETS, type DetectionPreset } from '../../lib/tasks/detection/presets.js';
import { loadDetectionData, trainDetector } from '../../lib/tasks/detection/run.js';
import { runPaths } from '../../lib/train/train.js';
import { choiceValue, defineCommand, inSection, intValue, numberValue, type OptionValues, optionalInt, UsageError } from '../shared/command.js';
import { isSyntheticData, SYNTHETIC_DATA_HELP, syntheticDataSpec, syntheticSizeOptions } from '../shared/detection-data.js';
import { finishRun } from '../shared/finish-run.js';
import { backendOption, budgetOptions, budgetValues, epochsOption, quietOption, runDirOptions, seedOption } from '../shared/options.js';

const OPTIONS = {
  ...inSection('data', {
    data: {
      type: 'string',
      value: '<dir>|synthetic[:<scene>]',
      help: `COCO layout: <dir>/annotations/instances_{train,val}.json, images in <dir>/{train,val}/;\n${SYNTHETIC_DATA_HELP}`,
    },
    preset: {
      type: 'string',
      value: 'cpu-small|none',
      help: 'a recipe (lib/tasks/detection/presets.ts) for the model, training and augmentation flags;\nflags given override it (default cpu-small for synthetic data, none for COCO)',
    },
    ...syntheticSizeOptions,
    'image-size': { type: 'string', value: 'N', help: 'synthetic: image side; COCO: short side after resizing (default 64 / 800)' },
    augment: {
      type: 'string',
      value: 'none|LIST',
      help: "training augmentation, a comma list of flip, multiscale (DETR's multi-scale resize + crop,\nscaled to --image-size), color (brightness / contrast / saturation jitter 0.4);\ndefault flip,multiscale for COCO, flip for synthetic",
    },
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
    'small-stride': { type: 'string', value: '8|16', help: "the small CNN's output stride (default 16; 8: a 64² image gives an 8×8 map)" },
  }),
  ...inSection('training aids (Conditional DETR; combine freely)', {
    anchors: { type: 'string', value: 'none|dab', help: 'dab: DAB-DETR 4-D anchor-box queries with iterative refinement (default none)' },
    'dn-groups': { type: 'string', value: 'N', help: 'DN-DETR denoising groups of noised ground truth, needs --anchors dab (default 0: off)' },
    'query-groups': { type: 'string', value: 'K', help: 'Group DETR: K query groups in training, one at inference (default 1: off)' },
  }),
  ...inSection('training', {
    ...epochsOption(50),
    ...budgetOptions,
    'batch-size': { type: 'string', value: 'N', help: '(default 8)' },
    lr: { type: 'string', value: 'X', help: "(default 1e-4 or the preset's; the backbone gets --lr-backbone)" },
    'lr-backbone': { type: 'string', value: 'X', help: "default lr / 10, or lr × the preset's ratio (cpu-small: 1)" },
    'weight-decay': { type: 'string', value: 'X', help: '(default 1e-4)' },
    'lr-drop': { type: 'string', value: 'N', help: 'epochs between lr × 0.1 (default 2/3 of --epochs)' },
    'clip-max-norm': { type: 'string', value: 'X', help: '(default 0.1; 0 = off)' },
    'eval-every': { type: 'string', value: 'N', help: '(default 1)' },
    overfit: {
      type: 'string',
      value: 'N',
      help: 'train on the first N training images and evaluate on the same N (AP50 should reach ~1);\ndefaults then: one batch of min(N, 32) images, 300 steps, lr 1e-3, lr drop at 2/3,\nno clipping, ~12 evaluations, --augment none',
    },
    ...runDirOptions('runs/<model>-<backbone>'),
    ...seedOption(),
    ...backendOption,
    ...quietOption,
  }),
} as const;

export type TrainDetectValues = OptionValues<typeof OPTIONS>;
type Values = TrainDetectValues;

/** `--preset NAME` (`none`: no preset); absent: cpu-small for synthetic data, none for COCO. */
function presetOf(values: Values): { name: string; preset: DetectionPreset } | null {
  const name = choiceValue(
    values.preset,
    'preset',
    [...DETECTION_PRESET_NAMES, 'none'],
    values.data !== undefined && isSyntheticData(values.data) ? 'cpu-small' : 'none',
  );
  return name === 'none' ? null : { name, preset: DETECTION_PRESETS[name] };
}

function dataSpec(values: Values, preset: DetectionPreset | undefined): DetectionDataSpec {
  if (values.data === undefined) throw new UsageError('--data is required (a COCO directory or "synthetic")');
  if (isSyntheticData(values.data)) return syntheticDataSpec(values.data, values, preset?.imageSize);
  return { kind: 'coco', dir: values.data, imageSize: intValue(values['image-size'], 'image-size', preset?.imageSize ?? 800) };
}

function stageWidths(raw: string): [number, number, number, number] {
  const widths = raw.split(',').map(Number);
  if (widths.length !== 4 || !widths.every((w) => Number.isInteger(w) && w > 0)) {
    throw new UsageError(`--small-channels: expected four positive integers like 16,32,64,128, got '${raw}'`);
  }
  return widths as [number, number, number, number];
}

/** `--augment`: `none` or a comma list of DETECTION_AUGMENTS without repeats. */
export function augmentValue(raw: string | undefined, fallback: DetectionAugment[]): DetectionAugment[] {
  if (raw === undefined) return fallback;
  if (raw === 'none') return [];
  const names = raw.split(',').map((name) => name.trim());
  const list = names.map((name) => choiceValue(name, 'augment', DETECTION_AUGMENTS, 'flip'));
  if (new Set(list).size !== list.length) throw new UsageError(`--augment: '${raw}' names an augmentation twice`);
  return list;
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

/** `--overfit N` without `--batch-size`: all N images in one batch, at most 32. */
function overfitBatchSize(count: number): number {
  return Math.min(count, 32);
}

/**
 * `--overfit N`'s schedule, in place of the preset's (docs/detectors.md "Training on a CPU budget"):
 * 300 optimizer steps at lr 1e-3 without gradient clipping (DETR's 0.1 slows the start); no
 * `lrDrop`, so the drop falls to 2/3 of the epochs.
 */
function overfitSchedule(count: number, batchSize: number): Pick<DetectionPreset['training'], 'epochs' | 'lr' | 'clipMaxNorm' | 'lrDrop'> {
  return { epochs: Math.ceil(300 / Math.ceil(count / batchSize)), lr: 1e-3, clipMaxNorm: 0 };
}

/**
 * Validates every flag now; the run config is completed with the data's categories once loaded.
 * Each value: the flag, else the preset's, else DETR's default.
 */
function runConfigFromFlags(
  values: Values,
  data: DetectionDataSpec,
  named: { name: string; preset: DetectionPreset } | null,
): (categories: Categories, numClasses: number) => DetectionRunConfig {
  const p = named?.preset.detector;
  const t = named?.preset.training;
  const model = choiceValue(values.model, 'model', DETECTOR_KINDS, 'conditional');
  const smallChannels = values['small-channels'] === undefined ? p?.smallChannels : stageWidths(values['small-channels']);
  const smallStride =
    values['small-stride'] === undefined
      ? p?.smallStride
      : choiceValue(values['small-stride'], 'small-stride', ['8', '16'] as const, '16') === '8'
        ? 8
        : 16;
  const detector: Omit<DetectorConfig, 'numClasses'> = {
    model,
    backbone: choiceValue(values.backbone, 'backbone', DETECTOR_BACKBONES, p?.backbone ?? (data.kind === 'synthetic' ? 'small' : 'resnet50')),
    numQueries: intValue(values.queries, 'queries', p?.numQueries ?? (model === 'conditional' ? 300 : 100)),
    hiddenDim: intValue(values['hidden-dim'], 'hidden-dim', p?.hiddenDim ?? 256),
    nheads: intValue(values.heads, 'heads', p?.nheads ?? 8),
    encLayers: intValue(values['enc-layers'], 'enc-layers', p?.encLayers ?? 6),
    decLayers: intValue(values['dec-layers'], 'dec-layers', p?.decLayers ?? 6),
    dimFeedforward: intValue(values.ffn, 'ffn', p?.dimFeedforward ?? 2048),
    dropout: numberValue(values.dropout, 'dropout', p?.dropout ?? 0.1, { min: 0 }),
    ...(smallChannels === undefined ? {} : { smallChannels }),
    ...(smallStride === undefined ? {} : { smallStride }),
    ...trainingAids(values),
  };
  const problem = trainingAidProblem({ ...detector, numClasses: 1 });
  if (problem !== null) throw new UsageError(problem);
  const overfit = optionalInt(values.overfit, 'overfit', 1);
  const batchSize = intValue(values['batch-size'], 'batch-size', overfit === undefined ? (t?.batchSize ?? 8) : overfitBatchSize(overfit));
  const schedule = overfit === undefined ? t : overfitSchedule(overfit, batchSize);
  const epochs = intValue(values.epochs, 'epochs', schedule?.epochs ?? 50);
  const lr = numberValue(values.lr, 'lr', schedule?.lr ?? 1e-4, { min: 0 });
  const training = {
    epochs,
    batchSize,
    lr,
    // without --lr-backbone the backbone keeps the preset's ratio to the lr (DETR's 1 / 10 without a preset)
    lrBackbone: numberValue(values['lr-backbone'], 'lr-backbone', lr * (t ? t.lrBackbone / t.lr : 0.1), { min: 0 }),
    weightDecay: numberValue(values['weight-decay'], 'weight-decay', t?.weightDecay ?? 1e-4, { min: 0 }),
    lrDrop: intValue(values['lr-drop'], 'lr-drop', schedule?.lrDrop ?? Math.max(1, Math.round((2 * epochs) / 3))),
    clipMaxNorm: numberValue(values['clip-max-norm'], 'clip-max-norm', schedule?.clipMaxNorm ?? 0.1, { min: 0 }),
    // --overfit: about 12 evaluations of its few images
    evalEvery: intValue(values['eval-every'], 'eval-every', overfit === undefined ? 1 : Math.max(1, Math.round(epochs / 12))),
    seed: intValue(values.seed, 'seed', 0, 0),
    ...budgetValues(values),
    augment: augmentValue(values.augment, overfit !== undefined ? [] : named ? [...named.preset.augment] : defaultAugment(data)),
    ...(overfit === undefined ? {} : { overfit }),
  };
  refuseInconsistent(detector, training, data, values);
  const preset = named === null ? {} : { preset: named.name };
  return (categories, numClasses) => ({ task: 'detect', ...preset, detector: { ...detector, numClasses }, data, categories, training });
}

/** Combinations of flags that cannot train, refused (exit 2) before the backend or the data is touched, with the numbers. */
function refuseInconsistent(
  detector: Omit<DetectorConfig, 'numClasses'>,
  training: { readonly overfit?: number },
  data: DetectionDataSpec,
  values: Values,
): void {
  const { hiddenDim = 256, nheads = 8, dropout = 0 } = detector;
  if (hiddenDim % nheads !== 0) {
    throw new UsageError(`--hidden-dim ${hiddenDim} is not divisible by --heads ${nheads} (each head gets hidden-dim / heads channels)`);
  }
  if (!(dropout < 1)) throw new UsageError(`--dropout: expected a probability in [0, 1), got ${dropout}`);
  if (values['small-channels'] !== undefined && detector.backbone !== 'small') {
    throw new UsageError(`--small-channels sets the small CNN's widths, but --backbone is ${detector.backbone}`);
  }
  if (training.overfit !== undefined && data.kind === 'synthetic' && training.overfit > data.trainImages) {
    throw new UsageError(`--overfit ${training.overfit} needs at least ${training.overfit} training images, --train-images is ${data.trainImages}`);
  }
}

/** Every flag of a fresh run checked and resolved (flag, else preset, else DETR's default): the data spec, and the config once the data's categories are known. */
export function configFromFlags(values: Values): { data: DetectionDataSpec; complete: ReturnType<typeof runConfigFromFlags> } {
  const preset = presetOf(values);
  const data = dataSpec(values, preset?.preset);
  return { data, complete: runConfigFromFlags(values, data, preset) };
}

export const command = defineCommand(
  'train DETR / Conditional DETR on COCO data or synthetic shapes',
  {
    name: 'train detect',
    synopsis: '--data <coco-dir|synthetic> [options]',
    about: `Trains a detector with DETR's recipe (AdamW, backbone lr / 10, weight decay 1e-4, gradient
clipping 0.1, StepLR) and Hungarian-matched set losses; evaluates COCO mAP every --eval-every
epochs and after the last one. The run directory gets log.jsonl (losses per step and epoch, the 12
COCO stats per evaluation), config.json and checkpoints/last.safetensors. The defaults below are
DETR's; a --preset (cpu-small, the default for synthetic data) replaces them, and flags given
override both.`,
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
      const training = { ...saved.training, epochs, ...budgetValues(values) }; // budget flags replace the saved ones
      await initBackend(values.backend, { log: (line) => console.error(line) });
      const { result } = await trainDetector({ ...saved, training }, { runDir, resume: true, quiet: values.quiet });
      return finishRun(runDir, result.status, result.checkpoint);
    }
    const { data: spec, complete } = configFromFlags(values);
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
