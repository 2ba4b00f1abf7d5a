import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { collateDetection, detectionBatches, disposeDetectionBatch } from '../../datasets/batching.js';
import { IMAGENET_MEAN, IMAGENET_STD, normalizeSample } from '../../datasets/detection-sample.js';
import { DETR_AUGMENT, detrTrainTransforms, scaleAugmentConfig } from '../../datasets/detection-transforms.js';
import { generateSyntheticShapes, syntheticShapesSource } from '../../datasets/synthetic-shapes.js';
import { Rng } from '../../lib/runtime/rng.js';

/** Solid-colour sample with the given boxes (xyxy pixels). */
function solid(height: number, width: number, value: number, boxes: number[], imageId: number) {
  return normalizeSample({
    image: { data: new Uint8Array(height * width * 3).fill(value), height, width },
    target: {
      boxes: Float32Array.from(boxes),
      labels: Int32Array.from({ length: boxes.length / 4 }, (_, i) => i + imageId),
      imageId,
      origSize: [height * 2, width * 2],
    },
  });
}

describe('detection batching', () => {
  it('normalises pixels with ImageNet statistics and boxes to cxcywh of the unpadded size', () => {
    const s = solid(4, 8, 255, [2, 1, 6, 3], 1);
    expect(s.pixels[0]).to.be.closeTo((1 - 0.485) / 0.229, 1e-6);
    expect(s.pixels[2]).to.be.closeTo((1 - 0.406) / 0.225, 1e-6);
    expect(IMAGENET_MEAN).to.deep.equal([0.485, 0.456, 0.406]);
    expect(IMAGENET_STD).to.deep.equal([0.229, 0.224, 0.225]);
    expect(Array.from(s.target.boxes)).to.deep.equal([0.5, 0.5, 0.5, 0.5]);
    expect(s.target.size).to.deep.equal([4, 8]);
  });

  it('pads to the batch max H and W with zeros and marks padding true', () => {
    const a = solid(2, 3, 255, [0, 0, 3, 2], 1);
    const b = solid(3, 2, 0, [], 2);
    const batch = collateDetection([a, b]);
    expect(batch.images.shape).to.deep.equal([2, 3, 3, 3]);
    expect(batch.mask.dtype).to.equal('bool');
    const [o, x] = [0, 1]; // bool tensors read back as 0 / 1
    expect(batch.mask.arraySync()).to.deep.equal([
      [
        [o, o, o],
        [o, o, o],
        [x, x, x],
      ],
      [
        [o, o, x],
        [o, o, x],
        [o, o, x],
      ],
    ]);
    const images = batch.images.arraySync();
    const white = (1 - 0.485) / 0.229;
    const black = -0.485 / 0.229;
    expect(images[0][1][2][0]).to.be.closeTo(white, 1e-6);
    expect(images[0][2][0]).to.deep.equal([0, 0, 0]);
    expect(images[1][2][1][0]).to.be.closeTo(black, 1e-6);
    expect(images[1][0][2]).to.deep.equal([0, 0, 0]);
    expect(batch.targets[0].labels.dtype).to.equal('int32');
    expect(batch.targets[0].labels.arraySync()).to.deep.equal([1]);
    expect(batch.targets[0].boxes.arraySync()).to.deep.equal([[0.5, 0.5, 1, 1]]);
    expect(batch.targets[1].boxes.shape).to.deep.equal([0, 4]);
    expect(batch.targets[1].origSize).to.deep.equal([6, 4]);
    expect(batch.targets[1].size).to.deep.equal([3, 2]);
    disposeDetectionBatch(batch);
  });

  it('iterates an epoch deterministically by seed, without leaking tensors', async () => {
    const source = syntheticShapesSource(generateSyntheticShapes({ count: 7, height: 48, width: 64, seed: 2 }));
    const transform = detrTrainTransforms(scaleAugmentConfig(DETR_AUGMENT, 0.1));
    const epoch = async (seed: number, dropLast: boolean) => {
      const summary: { ids: number[]; shape: number[]; sum: number }[] = [];
      const before = tf.memory().numTensors;
      for await (const batch of detectionBatches(source, { batchSize: 3, transform, rng: new Rng(seed), dropLast })) {
        const shape = batch.images.shape;
        // Every unpadded row/column of the mask has a real pixel; padding starts after the image's own size.
        const mask = batch.mask.arraySync();
        batch.targets.forEach((t, b) => {
          expect(mask[b][t.size[0] - 1][t.size[1] - 1]).to.equal(0);
          if (t.size[0] < shape[1]) expect(mask[b][t.size[0]][0]).to.equal(1);
          if (t.size[1] < shape[2]) expect(mask[b][0][t.size[1]]).to.equal(1);
        });
        const sum = tf.tidy(() => batch.images.sum().dataSync()[0]);
        summary.push({ ids: batch.targets.map((t) => t.imageId), shape, sum });
        disposeDetectionBatch(batch);
      }
      expect(tf.memory().numTensors).to.equal(before);
      return summary;
    };
    const first = await epoch(9, false);
    expect(first.map((b) => b.ids.length)).to.deep.equal([3, 3, 1]);
    expect(first.flatMap((b) => b.ids).sort()).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
    expect(await epoch(9, false)).to.deep.equal(first);
    const other = await epoch(10, true);
    expect(other.map((b) => b.ids.length)).to.deep.equal([3, 3]);
    expect(other).to.not.deep.equal(first.slice(0, 2));
  });
});
