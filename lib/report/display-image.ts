// Model inputs back to pictures: ImageNet-normalised pixels → 8-bit RGB for overlays.
import type * as tf from '@tensorflow/tfjs';
import { IMAGENET_MEAN, IMAGENET_STD } from '../../datasets/detection-sample.js';
import { type RgbImage, resizeRgb } from '../../datasets/image.js';

/** images [B, H, W, 3] normalised ((x/255 − mean)/std) → image `index`, optionally cropped to its unpadded [h, w]. */
export async function denormalisedImage(images: tf.Tensor4D, index = 0, size?: readonly [number, number]): Promise<RgbImage> {
  const [, H, W] = images.shape;
  const [height, width] = size ?? [H, W];
  const all = await images.data();
  const data = new Uint8Array(height * width * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        const v = all[((index * H + y) * W + x) * 3 + c] as number;
        data[(y * width + x) * 3 + c] = Math.round(Math.min(1, Math.max(0, v * (IMAGENET_STD[c] as number) + (IMAGENET_MEAN[c] as number))) * 255);
      }
    }
  }
  return { data, height, width };
}

/** Enlarged (bilinear) so that the short side is at least `minSide` pixels, for legible overlays; `scale` = new / old. */
export async function enlargeForDisplay(image: RgbImage, minSide = 224): Promise<{ image: RgbImage; scale: number }> {
  const scale = Math.max(1, minSide / Math.min(image.height, image.width));
  if (scale === 1) return { image, scale };
  const height = Math.round(image.height * scale);
  const width = Math.round(image.width * scale);
  return { image: await resizeRgb(image, height, width), scale: width / image.width };
}
