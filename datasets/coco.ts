// COCO detection data as a DetectionSource: a directory of images plus a COCO ground-truth JSON
// (or the same ground truth with images already in memory). Targets follow DETR's
// ConvertCocoPolysToMask: crowd annotations are dropped, xywh → xyxy, boxes clipped to the image
// and those left without area removed; category ids map to labels through a CategoryMap.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { DecodeError } from '../lib/io/decode.js';
import { type CategoryMap, categoryMap, type LabelMode, labelOf } from './category-map.js';
import { type CocoAnnotation, type CocoGroundTruth, type CocoImage, checkBoxesInsideImages, readCocoGroundTruth } from './coco-format.js';
import type { DetectionSample, DetectionSampleTarget, DetectionSource } from './detection-sample.js';
import { type RgbImage, readRgbImage } from './image.js';

/** Training target of one image: non-crowd boxes clipped to the image, degenerate ones removed. */
export function cocoTarget(image: CocoImage, annotations: readonly CocoAnnotation[], categories: CategoryMap): DetectionSampleTarget {
  const boxes: number[] = [];
  const labels: number[] = [];
  for (const a of annotations) {
    if (a.iscrowd === 1) continue;
    const [x, y, w, h] = a.bbox;
    const x0 = Math.min(Math.max(x, 0), image.width);
    const y0 = Math.min(Math.max(y, 0), image.height);
    const x1 = Math.min(Math.max(x + w, 0), image.width);
    const y1 = Math.min(Math.max(y + h, 0), image.height);
    if (x1 > x0 && y1 > y0) {
      boxes.push(x0, y0, x1, y1);
      labels.push(labelOf(categories, a.category_id));
    }
  }
  return { boxes: Float32Array.from(boxes), labels: Int32Array.from(labels), imageId: image.id, origSize: [image.height, image.width] };
}

interface IndexedImage {
  readonly image: CocoImage;
  /** Index in $.images, for error paths. */
  readonly jsonIndex: number;
  readonly target: DetectionSampleTarget;
}

/** Images sorted by id (as torchvision's CocoDetection), each with its prepared target. */
function indexImages(gt: CocoGroundTruth, categories: CategoryMap): IndexedImage[] {
  const byImage = new Map<number, CocoAnnotation[]>();
  for (const a of gt.annotations) {
    const list = byImage.get(a.image_id);
    if (list === undefined) byImage.set(a.image_id, [a]);
    else list.push(a);
  }
  return gt.images
    .map((image, jsonIndex) => ({ image, jsonIndex, target: cocoTarget(image, byImage.get(image.id) ?? [], categories) }))
    .sort((a, b) => a.image.id - b.image.id);
}

function checkSize(image: RgbImage, entry: IndexedImage, source: string, file: string): void {
  if (image.height !== entry.image.height || image.width !== entry.image.width) {
    throw new DecodeError(source, [
      `at $.images[${entry.jsonIndex}]: expected the size of ${file} (${image.width}x${image.height}), got width ${entry.image.width}, height ${entry.image.height}`,
    ]);
  }
}

export interface CocoDetectionOptions {
  readonly annotationFile: string;
  /** Directory that `file_name`s are relative to. */
  readonly imageDir: string;
  readonly labelMode?: LabelMode;
  /** Pixels a box may overhang its image before it is an error (default 1; overhang is clipped). */
  readonly boxTolerance?: number;
  /** Check at load time that every image file exists (default true). */
  readonly checkFiles?: boolean;
}

export interface CocoDetectionSet extends DetectionSource {
  readonly gt: CocoGroundTruth;
  /** Image ids in the order `read(index)` uses. */
  readonly imageIds: readonly number[];
}

async function missingFileProblems(entries: readonly IndexedImage[], imageDir: string): Promise<string[]> {
  const missing = await Promise.all(
    entries.map(async ({ image, jsonIndex }) => {
      const file = join(imageDir, image.file_name);
      const exists = await fs.stat(file).then(
        (s) => s.isFile(),
        () => false,
      );
      return exists ? [] : [`at $.images[${jsonIndex}].file_name: expected an existing image file, got ${file} (image id ${image.id})`];
    }),
  );
  return missing.flat();
}

/** Load a COCO annotation file; images are read (with sharp) on `read(index)`. */
export async function loadCocoDetection(options: CocoDetectionOptions): Promise<CocoDetectionSet> {
  const { annotationFile, imageDir } = options;
  const gt = await readCocoGroundTruth(annotationFile);
  checkBoxesInsideImages(gt, annotationFile, options.boxTolerance ?? 1);
  const categories = categoryMap(gt.categories, options.labelMode);
  const entries = indexImages(gt, categories);
  if (options.checkFiles ?? true) {
    const problems = await missingFileProblems(entries, imageDir);
    if (problems.length > 0) throw new DecodeError(annotationFile, problems);
  }
  return detectionSet(gt, categories, entries, async (entry) => {
    const file = join(imageDir, entry.image.file_name);
    const image = await readRgbImage(file, `image id ${entry.image.id}, $.images[${entry.jsonIndex}].file_name of ${annotationFile}`);
    checkSize(image, entry, annotationFile, file);
    return image;
  });
}

/** The dataset over indexed images whose pixels `pixels` fetches. */
function detectionSet(
  gt: CocoGroundTruth,
  categories: CategoryMap,
  entries: readonly IndexedImage[],
  pixels: (entry: IndexedImage) => Promise<RgbImage>,
): CocoDetectionSet {
  return {
    gt,
    categories,
    length: entries.length,
    imageIds: entries.map((e) => e.image.id),
    async read(index: number): Promise<DetectionSample> {
      const entry = entries[index];
      if (entry === undefined) throw new RangeError(`index ${index} outside a dataset of ${entries.length} images`);
      return { image: await pixels(entry), target: entry.target };
    },
  };
}

/** The same source over ground truth whose images are already in memory (by image id). */
export function cocoDetectionFromMemory(
  gt: CocoGroundTruth,
  images: ReadonlyMap<number, RgbImage>,
  source: string,
  labelMode?: LabelMode,
): CocoDetectionSet {
  checkBoxesInsideImages(gt, source, 0);
  const categories = categoryMap(gt.categories, labelMode);
  const entries = indexImages(gt, categories);
  return detectionSet(gt, categories, entries, async (entry) => {
    const image = images.get(entry.image.id);
    if (image === undefined) throw new RangeError(`${source}: no pixels for image id ${entry.image.id}`);
    checkSize(image, entry, source, `image ${entry.image.id}`);
    return image;
  });
}

/**
 * The first `count` images of `set` (in `read` order) with their ground truth alone: the training
 * and evaluation set of an overfitting check (`train detect --overfit N`). Categories stay the set's.
 */
export function firstImagesOf(set: CocoDetectionSet, count: number): CocoDetectionSet {
  if (!(Number.isInteger(count) && count >= 1 && count <= set.length)) {
    throw new RangeError(`the first ${count} images were asked of a set of ${set.length}`);
  }
  const imageIds = set.imageIds.slice(0, count);
  const kept = new Set(imageIds);
  const gt: CocoGroundTruth = {
    ...set.gt,
    images: set.gt.images.filter((image) => kept.has(image.id)),
    annotations: set.gt.annotations.filter((annotation) => kept.has(annotation.image_id)),
  };
  return {
    gt,
    categories: set.categories,
    length: count,
    imageIds,
    read: (index) => (index < count ? set.read(index) : Promise.reject(new RangeError(`index ${index} outside a dataset of ${count} images`))),
  };
}
