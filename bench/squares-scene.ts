// The easy control scene of the detector benches: one white square (12–35 px a side) on black.
import { type CocoDetectionSet, cocoDetectionFromMemory } from '../datasets/coco.js';
import type { CocoGroundTruth } from '../datasets/coco-format.js';
import { blankRgb, type RgbImage } from '../datasets/image.js';
import type { Rng } from '../lib/runtime/rng.js';

/** `count` size×size images with one white square each, ids from `firstId`, one category 'square'. */
export function squaresScene(count: number, firstId: number, size: number, rng: Rng): CocoDetectionSet {
  const images = new Map<number, RgbImage>();
  const gt: CocoGroundTruth = { images: [], annotations: [], categories: [{ id: 1, name: 'square' }] };
  for (let id = firstId; id < firstId + count; id++) {
    const [w, h] = [12 + rng.int(24), 12 + rng.int(24)];
    const [x, y] = [rng.int(size - w), rng.int(size - h)];
    const image = blankRgb(size, size);
    for (let row = y; row < y + h; row++) image.data.fill(255, (row * size + x) * 3, (row * size + x + w) * 3);
    images.set(id, image);
    gt.images.push({ id, file_name: `${id}.png`, width: size, height: size });
    gt.annotations.push({ id, image_id: id, category_id: 1, bbox: [x, y, w, h], area: w * h, iscrowd: 0 });
  }
  return cocoDetectionFromMemory(gt, images, 'squares');
}
