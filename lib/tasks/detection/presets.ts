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
  // The settings of bench/detr-vs-conditional.ts, the only recipe that learns so far (the squares
  // control: Conditional DETR AP50 0.88 after 1,600 steps): a 4-stage small CNN trained from
  // scratch at the transformer's lr (DETR's lr / 10 assumes a pretrained backbone), no dropout.
  'cpu-small': {
    summary: 'small CNN 16/32/64/64, d 64, 4 heads, 2+3 layers, FFN 128, 20 queries, lr 1e-3 (backbone too), batch 4, 64 px, flips',
    detector: {
      backbone: 'small',
      smallChannels: [16, 32, 64, 64],
      hiddenDim: 64,
      nheads: 4,
      encLayers: 2,
      decLayers: 3,
      dimFeedforward: 128,
      numQueries: 20,
      dropout: 0,
    },
    training: { epochs: 50, batchSize: 4, lr: 1e-3, lrBackbone: 1e-3, weightDecay: 1e-4, clipMaxNorm: 0.1 },
    imageSize: 64,
    augment: ['flip'],
  },
};
