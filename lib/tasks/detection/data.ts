// What a detector run is trained on, as JSON (part of config.json and the checkpoint metadata)
// with an io-ts codec, and the data it names: a COCO directory (`<dir>/annotations/instances_{train,val}.json`
// with images in `<dir>/{train,val}/`) or synthetic shapes generated in memory from a seed: the
// original 5-class generator (no `scene`) or one of the benchmark scenes (datasets/detection-scenes.ts).
import { join } from 'node:path';
import * as t from 'io-ts';
import { type CocoDetectionSet, loadCocoDetection } from '../../../datasets/coco.js';
import { DETECTION_SCENES, generateDetectionScene } from '../../../datasets/detection-scenes.js';
import {
  augmentTransforms,
  DETECTION_AUGMENTS,
  DETR_AUGMENT,
  type DetectionAugment,
  type DetectionTransform,
  detrValTransforms,
  scaleAugmentConfig,
} from '../../../datasets/detection-transforms.js';
import {
  cocoAreaThresholds,
  generateSyntheticShapes,
  type SyntheticShapes,
  syntheticShapesSource,
  writeSyntheticShapes,
} from '../../../datasets/synthetic-shapes.js';
import { keysOf } from '../../io/codecs.js';
import type { AreaThresholds } from './task.js';

export type DetectionSplit = 'train' | 'val';

export const DetectionDataSpecCodec = t.union([
  t.intersection([
    t.type({ kind: t.literal('synthetic'), seed: t.number, trainImages: t.number, valImages: t.number, imageSize: t.number }),
    /** A benchmark scene; absent: the original 5-class synthetic shapes (runs written before scenes existed). */
    t.partial({ scene: keysOf(DETECTION_SCENES) }),
  ]),
  t.type({ kind: t.literal('coco'), dir: t.string, imageSize: t.number }),
]);
export type DetectionDataSpec = t.TypeOf<typeof DetectionDataSpecCodec>;
export type SyntheticDetectionSpec = Extract<DetectionDataSpec, { kind: 'synthetic' }>;

/** `<dir>/annotations/instances_<split>.json` and `<dir>/<split>/`. */
export function cocoSplitPaths(dir: string, split: DetectionSplit): { annotationFile: string; imageDir: string } {
  return { annotationFile: join(dir, 'annotations', `instances_${split}.json`), imageDir: join(dir, split) };
}

/** One synthetic split, pixels and COCO ground truth (the split is part of the seed). */
export function generateSyntheticSplit(spec: SyntheticDetectionSpec, split: DetectionSplit): SyntheticShapes {
  const options = { count: split === 'train' ? spec.trainImages : spec.valImages, height: spec.imageSize, width: spec.imageSize };
  const seed = `${spec.seed}:${split}`;
  return spec.scene === undefined ? generateSyntheticShapes({ ...options, seed }) : generateDetectionScene(spec.scene, { ...options, seed });
}

/** Load (COCO) or generate (synthetic) one split. */
export async function loadDetectionSplit(spec: DetectionDataSpec, split: DetectionSplit): Promise<CocoDetectionSet> {
  if (spec.kind === 'coco') return loadCocoDetection(cocoSplitPaths(spec.dir, split));
  return syntheticShapesSource(generateSyntheticSplit(spec, split));
}

/** Write both splits of a synthetic spec in the COCO layout `--data <dir>` reads (cocoSplitPaths). */
export async function writeSyntheticCoco(spec: SyntheticDetectionSpec, dir: string): Promise<void> {
  for (const split of ['train', 'val'] as const) {
    await writeSyntheticShapes(dir, generateSyntheticSplit(spec, split), {
      annotationFile: join('annotations', `instances_${split}.json`),
      imageDir: split,
    });
  }
}

/** Longest side DETR allows for a short side of `size` (1333 at 800). */
export function maxSizeFor(size: number): number {
  return Math.round((1333 * size) / 800);
}

/** A training run's augment list (config.json `training.augment`; `[]` is none). */
export const DetectionAugmentsCodec = t.array(keysOf(DETECTION_AUGMENTS));

/**
 * The augmentation a data source gets when `--augment` is not given: DETR's flip + multi-scale crop
 * for COCO directories (as DETR trains COCO), flips only for synthetic scenes (generated at their
 * size, with every object inside; a crop would only cut objects).
 */
export function defaultAugment(spec: DetectionDataSpec): DetectionAugment[] {
  return spec.kind === 'coco' ? ['flip', 'multiscale'] : ['flip'];
}

/**
 * Train: the augment list (augmentTransforms) with DETR's multi-scale sizes scaled to `imageSize`;
 * without `multiscale`, COCO images get the val resize. Val: the short side resized to `imageSize`
 * (COCO), none (synthetic images are generated at their size).
 */
export function detectionTransforms(
  spec: DetectionDataSpec,
  augment: readonly DetectionAugment[] = defaultAugment(spec),
): { train: DetectionTransform; val?: DetectionTransform } {
  const multiscale = scaleAugmentConfig(DETR_AUGMENT, spec.imageSize / 800);
  if (spec.kind === 'synthetic') return { train: augmentTransforms(augment, { multiscale }) };
  const val = detrValTransforms(spec.imageSize, maxSizeFor(spec.imageSize));
  return { train: augmentTransforms(augment, { multiscale, fixed: val }), val };
}

/** COCO area ranges for evaluation: rescaled to the image area for synthetic data, COCO's own otherwise. */
export function detectionAreas(spec: DetectionDataSpec): AreaThresholds | undefined {
  return spec.kind === 'synthetic' ? cocoAreaThresholds(spec.imageSize, spec.imageSize) : undefined;
}
