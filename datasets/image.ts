// 8-bit RGB images in memory (row-major HWC) and their I/O with sharp: read any format sharp reads,
// write PNG, resize, crop, flip, draw boxes. Geometric transforms stay 8-bit like DETR's PIL
// pipeline; conversion to float happens once, at normalisation.

import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import sharp from 'sharp';

/** An 8-bit RGB image: `data[(y * width + x) * 3 + c]`, length height * width * 3. */
export interface RgbImage {
  readonly data: Uint8Array;
  readonly height: number;
  readonly width: number;
}

/** Float RGB in [0, 1], same layout as `RgbImage`. */
export interface RgbFloatImage {
  readonly data: Float32Array;
  readonly height: number;
  readonly width: number;
}

/** `[x0, y0, x1, y1]` in pixels. */
export type XyxyBox = readonly [number, number, number, number];

export type RgbColour = readonly [number, number, number];

export class ImageReadError extends Error {
  constructor(
    readonly path: string,
    readonly context: string,
    cause: string,
  ) {
    super(`${path}: cannot read image${context ? ` (${context})` : ''}: ${cause}`);
    this.name = 'ImageReadError';
  }
}

/** Blank image filled with `colour`. */
export function blankRgb(height: number, width: number, colour: RgbColour = [0, 0, 0]): RgbImage {
  const data = new Uint8Array(height * width * 3);
  for (let p = 0; p < data.length; p += 3) data.set(colour, p);
  return { data, height, width };
}

/**
 * Read an image file as 8-bit sRGB (grey is expanded, alpha dropped, EXIF orientation ignored as
 * PIL does, so annotations keep matching the stored pixels). `context` says who asked for the file
 * (annotation file, image id) and goes into the error when the file is missing or unreadable.
 */
export async function readRgbImage(path: string, context = ''): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(path).toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded ${info.channels} channels, expected 3`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), height: info.height, width: info.width };
  } catch (err) {
    const cause = (await fileExists(path)) ? (err as Error).message : 'no such file';
    throw new ImageReadError(path, context, cause);
  }
}

/**
 * Check that every file is a readable image (its header decodes, so a missing, truncated-header or
 * non-image file is found) before any work starts; `context(i)` says who lists file i. Throws the
 * first ImageReadError and how many of the files are bad. Reads headers only, `concurrency` at once.
 */
export async function checkImages(paths: readonly string[], context: (index: number) => string, concurrency = 16): Promise<void> {
  const bad: { index: number; cause: string }[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < paths.length) {
      const index = next++;
      const path = paths[index] as string;
      try {
        const meta = await sharp(path).metadata();
        if (!(meta.width && meta.height)) throw new Error('no image size in the header');
      } catch (err) {
        bad.push({ index, cause: (await fileExists(path)) ? (err as Error).message : 'no such file' });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, paths.length) }, worker));
  if (bad.length === 0) return;
  const first = bad.reduce((a, b) => (b.index < a.index ? b : a));
  const more = bad.length > 1 ? ` (and ${bad.length - 1} more of ${paths.length} images)` : '';
  throw new ImageReadError(paths[first.index] as string, context(first.index), `${first.cause}${more}`);
}

async function fileExists(path: string): Promise<boolean> {
  return fs.access(path).then(
    () => true,
    () => false,
  );
}

/** 8-bit → float in [0, 1]. */
export function rgbToFloat(image: RgbImage): RgbFloatImage {
  const data = new Float32Array(image.data.length);
  for (let i = 0; i < data.length; i++) data[i] = image.data[i] / 255;
  return { data, height: image.height, width: image.width };
}

/** Float in [0, 1] → 8-bit (rounded, clamped). */
export function floatToRgb(image: RgbFloatImage): RgbImage {
  const data = new Uint8Array(image.data.length);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(Math.min(1, Math.max(0, image.data[i])) * 255);
  return { data, height: image.height, width: image.width };
}

/** Read an image file as float RGB in [0, 1]. */
export async function readRgbFloat(path: string, context = ''): Promise<RgbFloatImage> {
  return rgbToFloat(await readRgbImage(path, context));
}

function sharpRaw(image: RgbImage): sharp.Sharp {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
}

/** PNG-encode `image` to `path` (parent directories are created). */
export async function writePng(path: string, image: RgbImage): Promise<void> {
  await fs.mkdir(dirname(path), { recursive: true });
  await sharpRaw(image).png().toFile(path);
}

/** Bilinear (antialiased when shrinking, like PIL's) resize to exactly height × width. */
export async function resizeRgb(image: RgbImage, height: number, width: number): Promise<RgbImage> {
  if (height === image.height && width === image.width) return image;
  const data = await sharpRaw(image).resize(width, height, { kernel: 'linear', fit: 'fill' }).raw().toBuffer();
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), height, width };
}

/** The `height × width` window whose top-left pixel is (top, left); it must lie inside the image. */
export function cropRgb(image: RgbImage, top: number, left: number, height: number, width: number): RgbImage {
  if (top < 0 || left < 0 || top + height > image.height || left + width > image.width) {
    throw new RangeError(`crop (${top}, ${left}, ${height}, ${width}) outside a ${image.height}x${image.width} image`);
  }
  const data = new Uint8Array(height * width * 3);
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * image.width + left) * 3;
    data.set(image.data.subarray(from, from + width * 3), y * width * 3);
  }
  return { data, height, width };
}

/** Mirror left ↔ right. */
export function flipRgbHorizontal(image: RgbImage): RgbImage {
  const { height, width } = image;
  const data = new Uint8Array(image.data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const src = (y * width + x) * 3;
      const dst = (y * width + (width - 1 - x)) * 3;
      data[dst] = image.data[src];
      data[dst + 1] = image.data[src + 1];
      data[dst + 2] = image.data[src + 2];
    }
  }
  return { data, height, width };
}

/** A copy of `image` with box outlines (`thickness` pixels, inside the box) drawn in `colour`. */
export function drawBoxes(image: RgbImage, boxes: readonly XyxyBox[], colour: RgbColour = [255, 0, 0], thickness = 1): RgbImage {
  const out = { data: image.data.slice(), height: image.height, width: image.width };
  const fill = (x0: number, y0: number, x1: number, y1: number): void => {
    for (let y = Math.max(0, y0); y < Math.min(out.height, y1); y++) {
      for (let x = Math.max(0, x0); x < Math.min(out.width, x1); x++) out.data.set(colour, (y * out.width + x) * 3);
    }
  };
  for (const [bx0, by0, bx1, by1] of boxes) {
    const [x0, y0, x1, y1] = [Math.round(bx0), Math.round(by0), Math.round(bx1), Math.round(by1)];
    fill(x0, y0, x1, y0 + thickness);
    fill(x0, y1 - thickness, x1, y1);
    fill(x0, y0, x0 + thickness, y1);
    fill(x1 - thickness, y0, x1, y1);
  }
  return out;
}
