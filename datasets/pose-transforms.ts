// MS-Transformer image preprocessing (`util/utils.py` train_transforms / test_transforms):
//   train: Resize(256) → RandomCrop(224) → ColorJitter(0.5, 0.5, 0.5, 0.2) → ToTensor → Normalize
//   test:  Resize(256) → CenterCrop(224) → ToTensor → Normalize
// with the sizes configurable (small experiments: e.g. resize 64, crop 56). Resize and crop work on
// 8-bit images (sharp, antialiased bilinear like PIL); colour jitter runs on float pixels with
// torchvision's tensor formulas. Output: [crop, crop, 3] HWC float, ImageNet-normalised.

import { roundHalfEven } from '../lib/io/python-number.js';
import type { Rng } from '../lib/runtime/rng.js';
import { IMAGENET_MEAN, IMAGENET_STD } from './detection-sample.js';
import { resizedShape } from './detection-transforms.js';
import { cropRgb, type RgbFloatImage, type RgbImage, resizeRgb, rgbToFloat } from './image.js';

/** torchvision ColorJitter strengths: factors drawn from [max(0, 1 − s), 1 + s], hue from [−h, h]. */
export interface ColorJitterConfig {
  readonly brightness: number;
  readonly contrast: number;
  readonly saturation: number;
  readonly hue: number;
}

export const MS_TRANSFORMER_JITTER: ColorJitterConfig = { brightness: 0.5, contrast: 0.5, saturation: 0.5, hue: 0.2 };

export interface PoseTransformConfig {
  /** Short side after resizing (official 256). */
  readonly resize: number;
  /** Square crop side (official 224). */
  readonly crop: number;
  /** Random crop + colour jitter (training) or center crop (test). */
  readonly train: boolean;
  /** Training colour jitter; null disables it (official: MS_TRANSFORMER_JITTER). */
  readonly colorJitter: ColorJitterConfig | null;
}

export function poseTrainConfig(resize = 256, crop = 224, colorJitter: ColorJitterConfig | null = MS_TRANSFORMER_JITTER): PoseTransformConfig {
  return { resize, crop, train: true, colorJitter };
}

export function poseTestConfig(resize = 256, crop = 224): PoseTransformConfig {
  return { resize, crop, train: false, colorJitter: null };
}

/** [crop, crop, 3] normalised pixels. */
export interface PoseImageTensorData {
  readonly pixels: Float32Array;
  readonly size: number;
}

/** Top-left of a `size` crop: uniform (torchvision RandomCrop randint(0, h − size) inclusive) or centered. */
export function cropOrigin(height: number, width: number, size: number, rng: Rng | null): [number, number] {
  if (size > height || size > width) throw new RangeError(`crop ${size} larger than the ${height}x${width} image`);
  if (rng === null) return [roundHalfEven((height - size) / 2), roundHalfEven((width - size) / 2)];
  return [rng.int(height - size + 1), rng.int(width - size + 1)];
}

const luma = (r: number, g: number, b: number) => 0.2989 * r + 0.587 * g + 0.114 * b; // torchvision rgb_to_grayscale
const clamp01 = (x: number) => (x < 0 ? 0 : x > 1 ? 1 : x);

/** Hue rotation by `shift` turns (torchvision _rgb2hsv / _hsv2rgb). In place. */
function shiftHue(d: Float32Array, shift: number): void {
  for (let p = 0; p < d.length; p += 3) {
    const r = d[p]!,
      g = d[p + 1]!,
      b = d[p + 2]!;
    const maxc = Math.max(r, g, b);
    const minc = Math.min(r, g, b);
    const cr = maxc - minc;
    const s = cr / (maxc === 0 ? 1 : maxc);
    let h = 0;
    if (cr > 0) {
      const rc = (maxc - r) / cr,
        gc = (maxc - g) / cr,
        bc = (maxc - b) / cr;
      h = maxc === r ? bc - gc : maxc === g ? 2 + rc - bc : 4 + gc - rc;
      h = (((h / 6) % 1) + 1) % 1;
    }
    h = (((h + shift) % 1) + 1) % 1;
    const v = maxc;
    const i6 = Math.floor(h * 6);
    const f = h * 6 - i6;
    const pp = clamp01(v * (1 - s)),
      q = clamp01(v * (1 - s * f)),
      t = clamp01(v * (1 - s * (1 - f)));
    const [nr, ng, nb] = [
      [v, t, pp],
      [q, v, pp],
      [pp, v, t],
      [pp, q, v],
      [t, pp, v],
      [v, pp, q],
    ][i6 % 6]!;
    d[p] = nr!;
    d[p + 1] = ng!;
    d[p + 2] = nb!;
  }
}

/**
 * torchvision ColorJitter on float RGB in [0, 1]: the four adjustments in a random order
 * (randperm(4)), each with its factor drawn once: brightness x·f, contrast blend with the mean
 * grey level, saturation blend with the per-pixel grey, hue rotation. Returns a new image.
 */
export function colorJitter(image: RgbFloatImage, config: ColorJitterConfig, rng: Rng): RgbFloatImage {
  const order = rng.shuffle([0, 1, 2, 3]);
  const factor = (s: number) => rng.range(Math.max(0, 1 - s), 1 + s);
  const brightness = config.brightness > 0 ? factor(config.brightness) : null;
  const contrast = config.contrast > 0 ? factor(config.contrast) : null;
  const saturation = config.saturation > 0 ? factor(config.saturation) : null;
  const hue = config.hue > 0 ? rng.range(-config.hue, config.hue) : null;
  const d = image.data.slice();
  for (const op of order) {
    if (op === 0 && brightness !== null) {
      for (let i = 0; i < d.length; i++) d[i] = clamp01(d[i]! * brightness);
    } else if (op === 1 && contrast !== null) {
      let mean = 0;
      for (let p = 0; p < d.length; p += 3) mean += luma(d[p]!, d[p + 1]!, d[p + 2]!);
      mean /= d.length / 3;
      for (let i = 0; i < d.length; i++) d[i] = clamp01(contrast * d[i]! + (1 - contrast) * mean);
    } else if (op === 2 && saturation !== null) {
      for (let p = 0; p < d.length; p += 3) {
        const grey = luma(d[p]!, d[p + 1]!, d[p + 2]!);
        for (let c = 0; c < 3; c++) d[p + c] = clamp01(saturation * d[p + c]! + (1 - saturation) * grey);
      }
    } else if (op === 3 && hue !== null) {
      shiftHue(d, hue);
    }
  }
  return { data: d, height: image.height, width: image.width };
}

/** (x − mean) / std per channel (ImageNet statistics); x in [0, 1]. */
export function normalizeImagenet(image: RgbFloatImage): Float32Array {
  const out = new Float32Array(image.data.length);
  for (let p = 0; p < out.length; p += 3) {
    for (let c = 0; c < 3; c++) out[p + c] = (image.data[p + c]! - IMAGENET_MEAN[c]!) / IMAGENET_STD[c]!;
  }
  return out;
}

/**
 * Resize (short side → config.resize, long side truncated as torchvision), crop (random when
 * training, else centered), colour jitter (training), ImageNet normalisation. Every random draw
 * comes from `rng`.
 */
export async function transformPoseImage(image: RgbImage, config: PoseTransformConfig, rng: Rng): Promise<PoseImageTensorData> {
  const [height, width] = resizedShape(image.height, image.width, config.resize);
  const resized = await resizeRgb(image, height, width);
  const [top, left] = cropOrigin(height, width, config.crop, config.train ? rng : null);
  let pixels = rgbToFloat(cropRgb(resized, top, left, config.crop, config.crop));
  if (config.train && config.colorJitter !== null) pixels = colorJitter(pixels, config.colorJitter, rng);
  return { pixels: normalizeImagenet(pixels), size: config.crop };
}
