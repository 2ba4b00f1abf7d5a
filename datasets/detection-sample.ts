// One detection example on its way from the dataset to the model: an 8-bit image with absolute
// xyxy pixel boxes while transforms run (as DETR keeps them), then `normalizeSample` gives the
// model-ready form: ImageNet-normalised float pixels and normalised cxcywh boxes.
import type { CategoryMap } from './category-map.js';
import type { RgbImage } from './image.js';

export interface DetectionSampleTarget {
  /** [n * 4] `x0, y0, x1, y1` in pixels of the current image. */
  readonly boxes: Float32Array;
  /** [n] training labels (see CategoryMap). */
  readonly labels: Int32Array;
  readonly imageId: number;
  /** [h, w] of the image as stored, before any transform. */
  readonly origSize: readonly [number, number];
}

export interface DetectionSample {
  readonly image: RgbImage;
  readonly target: DetectionSampleTarget;
}

/** Random-access detection data (a COCO directory, synthetic shapes in memory, ...). */
export interface DetectionSource {
  readonly length: number;
  readonly categories: CategoryMap;
  read(index: number): Promise<DetectionSample>;
}

export interface NormalizedTarget {
  /** [n] int32 labels. */
  readonly labels: Int32Array;
  /** [n * 4] cxcywh, normalised by the unpadded image size `size`. */
  readonly boxes: Float32Array;
  readonly imageId: number;
  /** [h, w] before transforms (what COCO results are scaled back to). */
  readonly origSize: readonly [number, number];
  /** [h, w] of the transformed, unpadded image. */
  readonly size: readonly [number, number];
}

export interface NormalizedSample {
  /** [H, W, 3] HWC float, (x / 255 - mean) / std per channel. */
  readonly pixels: Float32Array;
  readonly height: number;
  readonly width: number;
  readonly target: NormalizedTarget;
}

export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/** DETR's `ToTensor` + `Normalize`: ImageNet normalisation and xyxy pixels → normalised cxcywh. */
export function normalizeSample(sample: DetectionSample): NormalizedSample {
  const { image, target } = sample;
  const { height, width } = image;
  const pixels = new Float32Array(image.data.length);
  for (let p = 0; p < pixels.length; p += 3) {
    for (let c = 0; c < 3; c++) {
      pixels[p + c] = (image.data[p + c] / 255 - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
    }
  }
  const boxes = new Float32Array(target.boxes.length);
  for (let i = 0; i < boxes.length; i += 4) {
    const x0 = target.boxes[i],
      y0 = target.boxes[i + 1],
      x1 = target.boxes[i + 2],
      y1 = target.boxes[i + 3];
    boxes.set([(x0 + x1) / 2 / width, (y0 + y1) / 2 / height, (x1 - x0) / width, (y1 - y0) / height], i);
  }
  return {
    pixels,
    height,
    width,
    target: { labels: target.labels, boxes, imageId: target.imageId, origSize: target.origSize, size: [height, width] },
  };
}
