// Detection batches: images padded bottom/right with zeros to the batch's largest H and W (DETR's
// nested_tensor_from_tensor_list), a padding mask, and per-image targets; plus an epoch iterator
// that reads, augments and normalises samples ahead of the consumer.
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../lib/runtime/rng.js';
import { type DetectionSource, type NormalizedSample, normalizeSample } from './detection-sample.js';
import type { DetectionTransform } from './detection-transforms.js';

export interface DetectionBatchTarget {
  /** [n] int32. */
  readonly labels: tf.Tensor1D;
  /** [n, 4] float32 cxcywh normalised by the unpadded image size. */
  readonly boxes: tf.Tensor2D;
  readonly imageId: number;
  /** [h, w] before transforms. */
  readonly origSize: readonly [number, number];
  /** [h, w] after transforms, before padding. */
  readonly size: readonly [number, number];
}

export interface DetectionBatch {
  /** [B, H, W, 3] normalised pixels, zero in the padding. */
  readonly images: tf.Tensor4D;
  /** [B, H, W] bool, true = padding. */
  readonly mask: tf.Tensor3D;
  readonly targets: DetectionBatchTarget[];
}

/** Pad and stack normalised samples. The caller owns (and disposes) the returned tensors. */
export function collateDetection(samples: readonly NormalizedSample[]): DetectionBatch {
  if (samples.length === 0) throw new RangeError('collateDetection needs at least one sample');
  const H = Math.max(...samples.map((s) => s.height));
  const W = Math.max(...samples.map((s) => s.width));
  const pixels = new Float32Array(samples.length * H * W * 3);
  const mask = new Uint8Array(samples.length * H * W).fill(1);
  samples.forEach((s, b) => {
    for (let y = 0; y < s.height; y++) {
      const row = (b * H + y) * W;
      pixels.set(s.pixels.subarray(y * s.width * 3, (y + 1) * s.width * 3), row * 3);
      mask.fill(0, row, row + s.width);
    }
  });
  return {
    images: tf.tensor4d(pixels, [samples.length, H, W, 3]),
    mask: tf.tensor3d(mask, [samples.length, H, W], 'bool'),
    targets: samples.map(({ target }) => ({
      labels: tf.tensor1d(target.labels, 'int32'),
      boxes: tf.tensor2d(target.boxes, [target.labels.length, 4]),
      imageId: target.imageId,
      origSize: target.origSize,
      size: target.size,
    })),
  };
}

export function disposeDetectionBatch(batch: DetectionBatch): void {
  tf.dispose([batch.images, batch.mask, ...batch.targets.flatMap((t) => [t.labels, t.boxes])]);
}

/** The first image of a batch as a batch of its own (new tensors; free with disposeDetectionBatch). */
export function firstImageBatch(batch: DetectionBatch): DetectionBatch {
  const first = batch.targets[0];
  if (first === undefined) throw new Error('firstImageBatch: the batch is empty');
  return {
    images: tf.slice(batch.images, [0, 0, 0, 0], [1, -1, -1, -1]),
    mask: tf.slice(batch.mask, [0, 0, 0], [1, -1, -1]),
    targets: [{ ...first, labels: tf.clone(first.labels), boxes: tf.clone(first.boxes) }],
  };
}

export interface DetectionBatchOptions {
  readonly batchSize: number;
  /** Augmentation (e.g. detrTrainTransforms()); none by default. */
  readonly transform?: DetectionTransform;
  /** Shuffles the order (when `shuffle`) and seeds each sample's own generator. */
  readonly rng: Rng;
  readonly shuffle?: boolean;
  /** Drop a last, smaller batch (default false). */
  readonly dropLast?: boolean;
}

/**
 * One epoch of batches. Each sample gets its own generator forked from `rng` in order before any
 * reading starts, so results do not depend on I/O timing; the next batch is read and augmented
 * while the consumer works on the current one. Dispose each batch (disposeDetectionBatch).
 */
export async function* detectionBatches(source: DetectionSource, options: DetectionBatchOptions): AsyncGenerator<DetectionBatch> {
  const { batchSize, transform, rng } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const order = Array.from({ length: source.length }, (_, i) => i);
  if (options.shuffle ?? true) rng.shuffle(order);
  const count = options.dropLast ? Math.floor(order.length / batchSize) : Math.ceil(order.length / batchSize);
  const sampleRngs = order.slice(0, count * batchSize).map(() => rng.fork());
  const load = (k: number): Promise<NormalizedSample[]> =>
    Promise.all(
      order.slice(k * batchSize, (k + 1) * batchSize).map(async (index, i) => {
        const sample = await source.read(index);
        const sampleRng = sampleRngs[k * batchSize + i];
        return normalizeSample(transform === undefined ? sample : await transform(sample, sampleRng));
      }),
    );
  if (count === 0) return;
  let next = load(0);
  try {
    for (let k = 0; k < count; k++) {
      const current = await next;
      if (k + 1 < count) next = load(k + 1);
      yield collateDetection(current);
    }
  } finally {
    next.catch(() => undefined); // a consumer that stops early abandons the prefetched batch
  }
}
