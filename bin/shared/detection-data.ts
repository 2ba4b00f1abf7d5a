// `--data synthetic[:<scene>]` of the detection commands: the original synthetic shapes or one of
// the benchmark scenes (datasets/detection-scenes.ts), with their --train-images / --val-images /
// --image-size / --seed. Shared by train detect and data synthetic.
import { DETECTION_SCENES } from '../../datasets/detection-scenes.js';
import type { SyntheticDetectionSpec } from '../../lib/tasks/detection/data.js';
import { choiceValue, intValue, type OptionSpec } from './command.js';

export const SYNTHETIC_DATA_HELP = `synthetic: synthetic shapes (5 classes) generated in memory from --seed;
synthetic:<scene>: a benchmark scene, ${DETECTION_SCENES.join(' | ')} (docs/detectors.md)`;

export const syntheticSizeOptions = {
  'train-images': { type: 'string', value: 'N', help: 'synthetic: training images (default 512)' },
  'val-images': { type: 'string', value: 'N', help: 'synthetic: validation images (default 128)' },
} as const satisfies Record<string, OptionSpec>;

/** Whether `--data` names synthetic data (`synthetic` or `synthetic:<scene>`). */
export function isSyntheticData(data: string): boolean {
  return data === 'synthetic' || data.startsWith('synthetic:');
}

/** The spec of `--data synthetic[:<scene>]`; an unknown scene is a usage error naming the scenes. */
export function syntheticDataSpec(
  data: string,
  values: { readonly 'train-images'?: string; readonly 'val-images'?: string; readonly 'image-size'?: string; readonly seed?: string },
  defaultImageSize = 64,
): SyntheticDetectionSpec {
  const spec: SyntheticDetectionSpec = {
    kind: 'synthetic',
    seed: intValue(values.seed, 'seed', 0, 0),
    trainImages: intValue(values['train-images'], 'train-images', 512),
    valImages: intValue(values['val-images'], 'val-images', 128),
    imageSize: intValue(values['image-size'], 'image-size', defaultImageSize),
  };
  if (data === 'synthetic') return spec;
  const scene = choiceValue(data.slice('synthetic:'.length), 'data synthetic:<scene>', DETECTION_SCENES, 'shapes');
  return { ...spec, scene };
}
