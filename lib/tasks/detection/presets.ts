// Named detection recipes for `condformer train detect --preset NAME`: the model size, the
// learning rates and schedule, the image size and the augmentation in one place. Explicit flags
// override a preset's values; `--data synthetic` without `--preset` uses `cpu-small`; the run's
// config.json records the preset's name (`preset`) next to the resolved values.
import type { DetectionAugment } from '../../../datasets/detection-transforms.js';
import type { DetectorConfig } from '../../models/detector.js';
import type { DetectionTraining } from './config.js';

export interface DetectionPreset {
  /** One line for the docs and --help. */
  readonly summary: string;
  /** Detector fields (the model kind and class count come from the flags and the data). */
  readonly detector: Omit<DetectorConfig, 'model' | 'numClasses'>;
  /** Training fields; `lrDrop` absent: the CLI's default (2/3 of the epochs). */
  readonly training: Pick<DetectionTraining, 'epochs' | 'batchSize' | 'lr' | 'lrBackbone' | 'weightDecay' | 'clipMaxNorm'> &
    Partial<Pick<DetectionTraining, 'lrDrop'>>;
  /** Synthetic: the image side; COCO: the short side after resizing. */
  readonly imageSize: number;
  readonly augment: readonly DetectionAugment[];
}

export const DETECTION_PRESET_NAMES = ['cpu-small'] as const;
export type DetectionPresetName = (typeof DETECTION_PRESET_NAMES)[number];

export const DETECTION_PRESETS: Readonly<Record<DetectionPresetName, DetectionPreset>> = {
  // Measured on the digits dev set (bench/digits-coco.ts, docs/results.md "cpu-small recipe"): a
  // stride-8 small CNN (64² → an 8×8 map) trained from scratch at the transformer's lr, 16 queries
  // for 1–3 objects, lr 5e-4 (5× DETR's; 1e-3 learned slower), batch 16, no dropout, no
  // augmentation (flips change digits). Conditional DETR reached AP50 0.72 on val after 1,786
  // steps (420 s on 1 thread).
  'cpu-small': {
    summary:
      'small CNN 32/64/96/128 at stride 8, d 128, 8 heads, 2+3 layers, FFN 256, 16 queries, lr 5e-4 (backbone too), batch 16, 64 px, no augmentation',
    detector: {
      backbone: 'small',
      smallChannels: [32, 64, 96, 128],
      smallStride: 8,
      hiddenDim: 128,
      nheads: 8,
      encLayers: 2,
      decLayers: 3,
      dimFeedforward: 256,
      numQueries: 16,
      dropout: 0,
    },
    training: { epochs: 60, batchSize: 16, lr: 5e-4, lrBackbone: 5e-4, weightDecay: 1e-4, clipMaxNorm: 0.1, lrDrop: 40 },
    imageSize: 64,
    augment: [],
  },
};
