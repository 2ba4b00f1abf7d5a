// DETR's image + box augmentations (facebookresearch/detr datasets/transforms.py and
// make_coco_transforms in datasets/coco.py) on 8-bit images with absolute xyxy pixel boxes, plus
// a colour jitter, and `augmentTransforms`: the training transform of an augment list (`--augment`).
// Every random draw goes through the Rng passed to the transform.

import { roundHalfEven } from '../lib/io/python-number.js';
import type { Rng } from '../lib/runtime/rng.js';
import type { DetectionSample } from './detection-sample.js';
import { cropRgb, flipRgbHorizontal, type RgbImage, resizeRgb } from './image.js';

export type DetectionTransform = (sample: DetectionSample, rng: Rng) => Promise<DetectionSample>;

/** Pixel window `top, left, height, width` (torchvision's crop region `i, j, h, w`). */
export interface CropRegion {
  readonly top: number;
  readonly left: number;
  readonly height: number;
  readonly width: number;
}

/** Mirror the image; box x0' = W - x1, x1' = W - x0. */
export function hflipSample(sample: DetectionSample): DetectionSample {
  const { image, target } = sample;
  const boxes = new Float32Array(target.boxes.length);
  for (let i = 0; i < boxes.length; i += 4) {
    boxes.set([image.width - target.boxes[i + 2], target.boxes[i + 1], image.width - target.boxes[i], target.boxes[i + 3]], i);
  }
  return { image: flipRgbHorizontal(image), target: { ...target, boxes } };
}

/**
 * DETR's get_size_with_aspect_ratio: the [h, w] whose short side is `size`, unless the long side
 * would then exceed `maxSize`, in which case the short side shrinks so the long side is about
 * `maxSize`. Integer truncation and Python rounding as in the original.
 */
export function resizedShape(height: number, width: number, size: number, maxSize?: number): [number, number] {
  let target = size;
  if (maxSize !== undefined) {
    const minOriginal = Math.min(width, height);
    const maxOriginal = Math.max(width, height);
    if ((maxOriginal / minOriginal) * target > maxSize) target = roundHalfEven((maxSize * minOriginal) / maxOriginal);
  }
  if ((width <= height && width === target) || (height <= width && height === target)) return [height, width];
  return width < height ? [Math.trunc((target * height) / width), target] : [target, Math.trunc((target * width) / height)];
}

/** Resize so the short side is `size` (long side capped by `maxSize`); boxes scale with the image. */
export async function resizeSample(sample: DetectionSample, size: number, maxSize?: number): Promise<DetectionSample> {
  const { image, target } = sample;
  const [height, width] = resizedShape(image.height, image.width, size, maxSize);
  const rx = width / image.width;
  const ry = height / image.height;
  const boxes = target.boxes.map((v, i) => v * (i % 2 === 0 ? rx : ry));
  return { image: await resizeRgb(image, height, width), target: { ...target, boxes } };
}

/** Crop to `region`; boxes shift, clip to the window, and those left with no area are removed. */
export function cropSample(sample: DetectionSample, region: CropRegion): DetectionSample {
  const { image, target } = sample;
  const { top, left, height, width } = region;
  const kept: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < target.labels.length; i++) {
    const x0 = Math.max(0, Math.min(width, target.boxes[4 * i] - left));
    const y0 = Math.max(0, Math.min(height, target.boxes[4 * i + 1] - top));
    const x1 = Math.max(0, Math.min(width, target.boxes[4 * i + 2] - left));
    const y1 = Math.max(0, Math.min(height, target.boxes[4 * i + 3] - top));
    if (x1 > x0 && y1 > y0) {
      kept.push(x0, y0, x1, y1);
      labels.push(target.labels[i]);
    }
  }
  return {
    image: cropRgb(image, top, left, height, width),
    target: { ...target, boxes: Float32Array.from(kept), labels: Int32Array.from(labels) },
  };
}

/** Integer uniform in [lo, hi], both inclusive (Python's random.randint). */
function randint(rng: Rng, lo: number, hi: number): number {
  return lo + rng.int(hi - lo + 1);
}

export function randomHorizontalFlip(p = 0.5): DetectionTransform {
  return async (sample, rng) => (rng.uniform() < p ? hflipSample(sample) : sample);
}

/** Resize with a short side drawn uniformly from `sizes`. */
export function randomResize(sizes: readonly number[], maxSize?: number): DetectionTransform {
  if (sizes.length === 0) throw new RangeError('randomResize needs at least one size');
  return (sample, rng) => resizeSample(sample, sizes[rng.int(sizes.length)], maxSize);
}

/**
 * DETR's RandomSizeCrop: a crop of width in [minSize, min(W, maxSize)] and height in
 * [minSize, min(H, maxSize)] at a uniform position. An image smaller than `minSize` (where the
 * original raises) keeps its full extent on that side.
 */
export function randomSizeCrop(minSize: number, maxSize: number): DetectionTransform {
  return async (sample, rng) => {
    const { height: H, width: W } = sample.image;
    const width = randint(rng, Math.min(minSize, W), Math.min(W, maxSize));
    const height = randint(rng, Math.min(minSize, H), Math.min(H, maxSize));
    const top = randint(rng, 0, H - height);
    const left = randint(rng, 0, W - width);
    return cropSample(sample, { top, left, height, width });
  };
}

/** `first` with probability p, else `second`. */
export function randomSelect(first: DetectionTransform, second: DetectionTransform, p = 0.5): DetectionTransform {
  return (sample, rng) => (rng.uniform() < p ? first(sample, rng) : second(sample, rng));
}

export function composeTransforms(...transforms: DetectionTransform[]): DetectionTransform {
  return async (sample, rng) => {
    let out = sample;
    for (const transform of transforms) out = await transform(out, rng);
    return out;
  };
}

/** The sizes of DETR's COCO augmentation (pixels). */
export interface DetrAugmentConfig {
  /** Short-side choices of the final resize. */
  readonly scales: readonly number[];
  /** Long-side cap. */
  readonly maxSize: number;
  /** Short-side choices of the resize before the random crop. */
  readonly cropResizeScales: readonly number[];
  readonly cropMinSize: number;
  readonly cropMaxSize: number;
}

/** make_coco_transforms('train') sizes: scales 480..800 step 32, max 1333, crop branch 400/500/600 → 384..600. */
export const DETR_AUGMENT: DetrAugmentConfig = {
  scales: Array.from({ length: 11 }, (_, i) => 480 + 32 * i),
  maxSize: 1333,
  cropResizeScales: [400, 500, 600],
  cropMinSize: 384,
  cropMaxSize: 600,
};

/**
 * Every size of `config` times `factor`, rounded, duplicates dropped: e.g. factor 0.2 turns DETR's
 * sizes into scales 96..160, max 267, crop branch 80/100/120 → 77..120 for ~128-pixel experiments.
 */
export function scaleAugmentConfig(config: DetrAugmentConfig, factor: number): DetrAugmentConfig {
  const scale = (sizes: readonly number[]): number[] => [...new Set(sizes.map((s) => Math.max(1, Math.round(s * factor))))];
  return {
    scales: scale(config.scales),
    maxSize: Math.round(config.maxSize * factor),
    cropResizeScales: scale(config.cropResizeScales),
    cropMinSize: Math.max(1, Math.round(config.cropMinSize * factor)),
    cropMaxSize: Math.max(1, Math.round(config.cropMaxSize * factor)),
  };
}

/** DETR's multi-scale + crop: RandomSelect(RandomResize(scales, max), Compose(RandomResize(cropResizeScales), RandomSizeCrop(min, max), RandomResize(scales, max))). */
export function detrMultiScale(config: DetrAugmentConfig = DETR_AUGMENT): DetectionTransform {
  const finalResize = randomResize(config.scales, config.maxSize);
  return randomSelect(
    finalResize,
    composeTransforms(randomResize(config.cropResizeScales), randomSizeCrop(config.cropMinSize, config.cropMaxSize), finalResize),
  );
}

/** DETR training augmentation: RandomHorizontalFlip, then the multi-scale + crop (detrMultiScale). */
export function detrTrainTransforms(config: DetrAugmentConfig = DETR_AUGMENT): DetectionTransform {
  return composeTransforms(randomHorizontalFlip(), detrMultiScale(config));
}

/** Colour factors: 1 leaves the image as it is. */
export interface ColorFactors {
  readonly brightness: number;
  readonly contrast: number;
  readonly saturation: number;
}

/** Jitter strengths s: each factor is drawn uniformly from [max(0, 1 − s), 1 + s] (torchvision ColorJitter(0.4, 0.4, 0.4)). */
export const COLOR_JITTER: ColorFactors = { brightness: 0.4, contrast: 0.4, saturation: 0.4 };

/** ITU-R 601 luma, as torchvision's rgb_to_grayscale. */
function grey(r: number, g: number, b: number): number {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}

/**
 * torchvision's adjust_brightness (v·b), adjust_contrast (blend with the image's mean grey, m + c·(v − m))
 * and adjust_saturation (blend with the pixel's grey, g + s·(v − g)) in that order, computed in float
 * with one rounding and clamp to 0..255 at the end (torchvision rounds after each step).
 */
export function adjustColors(image: RgbImage, factors: ColorFactors): RgbImage {
  const { data } = image;
  const n = data.length / 3;
  let sum = 0;
  for (let i = 0; i < data.length; i += 3) sum += grey(data[i] as number, data[i + 1] as number, data[i + 2] as number);
  const mean = (factors.brightness * sum) / Math.max(1, n); // the mean grey after the brightness step
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i += 3) {
    const rgb = [0, 1, 2].map((c) => {
      const v = factors.brightness * (data[i + c] as number);
      return mean + factors.contrast * (v - mean);
    });
    const g = grey(rgb[0] as number, rgb[1] as number, rgb[2] as number);
    for (let c = 0; c < 3; c++) out[i + c] = Math.max(0, Math.min(255, Math.round(g + factors.saturation * ((rgb[c] as number) - g))));
  }
  return { data: out, height: image.height, width: image.width };
}

/** A random colour jitter (brightness, contrast, saturation factors drawn in that order); boxes are unchanged. */
export function randomColorJitter(strength: ColorFactors = COLOR_JITTER): DetectionTransform {
  const draw = (rng: Rng, s: number): number => Math.max(0, 1 - s) + rng.uniform() * (1 + s - Math.max(0, 1 - s));
  return async (sample, rng) => {
    const factors = {
      brightness: draw(rng, strength.brightness),
      contrast: draw(rng, strength.contrast),
      saturation: draw(rng, strength.saturation),
    };
    return { image: adjustColors(sample.image, factors), target: sample.target };
  };
}

/** The augmentations `--augment` chooses from (an empty list is `none`). */
export const DETECTION_AUGMENTS = ['flip', 'multiscale', 'color'] as const;
export type DetectionAugment = (typeof DETECTION_AUGMENTS)[number];

export interface AugmentSizes {
  /** The multi-scale + crop sizes (e.g. DETR_AUGMENT scaled to the image size). */
  readonly multiscale: DetrAugmentConfig;
  /** Applied instead of the multi-scale step when it is off (e.g. COCO's fixed resize); default none. */
  readonly fixed?: DetectionTransform;
}

/**
 * The training transform of an augment list, in DETR's order whatever the list's: flip (p 0.5), the
 * multi-scale + crop (or `sizes.fixed` without it), then colour jitter. `[]` is `sizes.fixed` alone
 * (the identity when there is none).
 */
export function augmentTransforms(augment: readonly DetectionAugment[], sizes: AugmentSizes): DetectionTransform {
  const on = new Set(augment);
  const steps: DetectionTransform[] = [];
  if (on.has('flip')) steps.push(randomHorizontalFlip());
  if (on.has('multiscale')) steps.push(detrMultiScale(sizes.multiscale));
  else if (sizes.fixed) steps.push(sizes.fixed);
  if (on.has('color')) steps.push(randomColorJitter());
  return composeTransforms(...steps);
}

/** DETR validation transform: resize the short side to `size` with the long side capped at `maxSize`. */
export function detrValTransforms(size = 800, maxSize = 1333): DetectionTransform {
  return (sample) => resizeSample(sample, size, maxSize);
}
