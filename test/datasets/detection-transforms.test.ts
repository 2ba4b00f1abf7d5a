import { expect } from 'chai';
import { type DetectionSample, normalizeSample } from '../../datasets/detection-sample.js';
import {
  adjustColors,
  augmentTransforms,
  cropSample,
  DETR_AUGMENT,
  detrMultiScale,
  detrTrainTransforms,
  detrValTransforms,
  hflipSample,
  randomColorJitter,
  randomSizeCrop,
  resizedShape,
  resizeSample,
  scaleAugmentConfig,
} from '../../datasets/detection-transforms.js';
import type { RgbImage } from '../../datasets/image.js';
import { generateSyntheticShapes, syntheticShapesSource } from '../../datasets/synthetic-shapes.js';
import { Rng } from '../../lib/runtime/rng.js';

/** An image whose pixel (y, x) has red = x, green = y, blue = 7. */
function rampImage(height: number, width: number): RgbImage {
  const data = new Uint8Array(height * width * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set([x, y, 7], (y * width + x) * 3);
  return { data, height, width };
}

function sample(height: number, width: number, boxes: number[], labels: number[]): DetectionSample {
  return {
    image: rampImage(height, width),
    target: { boxes: Float32Array.from(boxes), labels: Int32Array.from(labels), imageId: 1, origSize: [height, width] },
  };
}

describe('detection transforms', () => {
  it('hflip mirrors pixels and maps x0, x1 to W - x1, W - x0', () => {
    const out = hflipSample(sample(6, 10, [1, 2, 4, 6, 0, 0, 10, 3], [3, 1]));
    expect(Array.from(out.target.boxes)).to.deep.equal([6, 2, 9, 6, 0, 0, 10, 3]);
    expect(Array.from(out.target.labels)).to.deep.equal([3, 1]);
    // Pixel (y=2, x=0) now holds what was at x = 9.
    expect(Array.from(out.image.data.slice((2 * 10 + 0) * 3, (2 * 10 + 1) * 3))).to.deep.equal([9, 2, 7]);
  });

  it('computes DETR output sizes (truncation, max-size cap, Python round half to even)', () => {
    expect(resizedShape(480, 640, 800, 1333)).to.deep.equal([800, 1066]);
    expect(resizedShape(640, 480, 800, 1333)).to.deep.equal([1066, 800]);
    // 400/100 * 800 > 1333 → short side round(1333 * 100 / 400) = 333, long int(333 * 4) = 1332.
    expect(resizedShape(100, 400, 800, 1333)).to.deep.equal([333, 1332]);
    // round(5 * 1 / 2) = round(2.5) = 2 in Python.
    expect(resizedShape(1, 2, 10, 5)).to.deep.equal([2, 4]);
    expect(resizedShape(300, 500, 300)).to.deep.equal([300, 500]);
  });

  it('resize keeps normalised boxes and respects the max size', async () => {
    const input = sample(30, 50, [5, 6, 20, 27, 0, 0, 50, 30], [0, 1]);
    const out = await resizeSample(input, 40, 60);
    // 50/30 * 40 = 66.7 > 60 → short side round(60 * 30 / 50) = 36, long int(36 * 50 / 30) = 60.
    expect([out.image.height, out.image.width]).to.deep.equal([36, 60]);
    expect(Array.from(out.target.boxes)).to.deep.equal([6, 7.199999809265137, 24, 32.400001525878906, 0, 0, 60, 36]);
    const before = normalizeSample(input).target.boxes;
    const after = normalizeSample(out).target.boxes;
    after.forEach((v, i) => expect(v).to.be.closeTo(before[i], 1e-6));
  });

  it('crop shifts and clips boxes and removes those outside the window', () => {
    const input = sample(20, 20, [2, 2, 8, 8, 12, 12, 18, 18, 4, 9, 16, 11], [1, 2, 3]);
    const out = cropSample(input, { top: 5, left: 3, height: 6, width: 8 });
    // Box 1 → [-1, -3, 5, 3] clipped to [0, 0, 5, 3]; box 2 → [9, 7, ...] outside; box 3 → [1, 4, 13, 6] → [1, 4, 8, 6].
    expect(Array.from(out.target.boxes)).to.deep.equal([0, 0, 5, 3, 1, 4, 8, 6]);
    expect(Array.from(out.target.labels)).to.deep.equal([1, 3]);
    expect([out.image.height, out.image.width]).to.deep.equal([6, 8]);
    expect(Array.from(out.image.data.slice(0, 3))).to.deep.equal([3, 5, 7]);
  });

  it('randomSizeCrop draws sizes in [min, min(side, max)] inside the image', async () => {
    const rng = new Rng(3);
    const transform = randomSizeCrop(8, 12);
    for (let i = 0; i < 50; i++) {
      const out = await transform(sample(20, 10, [0, 0, 10, 20], [0]), rng);
      expect(out.image.width).to.be.within(8, 10);
      expect(out.image.height).to.be.within(8, 12);
      // The ramp's red / green values locate the window inside the source image.
      const [left, top] = out.image.data;
      expect(left + out.image.width).to.be.at.most(10);
      expect(top + out.image.height).to.be.at.most(20);
      expect(Array.from(out.target.boxes)).to.deep.equal([0, 0, out.image.width, out.image.height]);
    }
  });

  it('scales the DETR sizes for small experiments', () => {
    expect(DETR_AUGMENT.scales).to.deep.equal([480, 512, 544, 576, 608, 640, 672, 704, 736, 768, 800]);
    expect(scaleAugmentConfig(DETR_AUGMENT, 0.2)).to.deep.equal({
      scales: [96, 102, 109, 115, 122, 128, 134, 141, 147, 154, 160],
      maxSize: 267,
      cropResizeScales: [80, 100, 120],
      cropMinSize: 77,
      cropMaxSize: 120,
    });
  });

  it('DETR train transforms: max size respected, boxes valid, deterministic by seed', async () => {
    const set = generateSyntheticShapes({ count: 4, height: 96, width: 160, seed: 5 });
    const source = syntheticShapesSource(set);
    const config = scaleAugmentConfig(DETR_AUGMENT, 0.2);
    const transform = detrTrainTransforms(config);
    const rng = new Rng(11);
    const shorts = new Set<number>();
    for (let k = 0; k < 24; k++) {
      const out = await transform(await source.read(k % 4), rng);
      const { height, width } = out.image;
      expect(Math.max(height, width)).to.be.at.most(config.maxSize);
      shorts.add(Math.min(height, width));
      const b = out.target.boxes;
      for (let i = 0; i < b.length; i += 4) {
        expect(b[i + 2]).to.be.greaterThan(b[i]);
        expect(b[i + 3]).to.be.greaterThan(b[i + 1]);
        expect(b[i]).to.be.at.least(0);
        expect(b[i + 2]).to.be.at.most(width + 1e-3);
        expect(b[i + 3]).to.be.at.most(height + 1e-3);
      }
    }
    expect(shorts.size).to.be.greaterThan(3);
    const a = await transform(await source.read(1), new Rng(42));
    const b = await transform(await source.read(1), new Rng(42));
    expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).to.equal(true);
    expect(a.target).to.deep.equal(b.target);
  });

  it('DETR val transform resizes the short side to the scale', async () => {
    const out = await detrValTransforms(64, 100)(sample(30, 50, [0, 0, 50, 30], [0]), new Rng(0));
    expect([out.image.height, out.image.width]).to.deep.equal([60, 100]);
    expect(Array.from(out.target.boxes)).to.deep.equal([0, 0, 100, 60]);
  });

  it('adjustColors: brightness, contrast around the mean grey, saturation around the pixel grey (hand-computed)', () => {
    const image = { data: Uint8Array.from([100, 50, 0, 200, 150, 100]), height: 1, width: 2 };
    // ×1.2 → (120, 60, 0), (240, 180, 120); mean grey 131.1; contrast 0.5 → 65.55 + v / 2; saturation 0 → each pixel's grey
    expect(Array.from(adjustColors(image, { brightness: 1.2, contrast: 0.5, saturation: 0 }).data)).to.deep.equal([101, 101, 101, 161, 161, 161]);
    expect(Array.from(adjustColors(image, { brightness: 3, contrast: 1, saturation: 1 }).data)).to.deep.equal([255, 150, 0, 255, 255, 255]);
    expect(Array.from(adjustColors(image, { brightness: 1, contrast: 1, saturation: 1 }).data)).to.deep.equal(Array.from(image.data));
  });

  it('augment none is the identity (or only the fixed resize); flip maps boxes exactly; colour keeps boxes', async () => {
    const multiscale = scaleAugmentConfig(DETR_AUGMENT, 0.08);
    const input = sample(10, 20, [2, 1, 6, 5], [4]);
    const none = await augmentTransforms([], { multiscale })(input, new Rng(0));
    expect(none).to.equal(input);
    const fixed = await augmentTransforms([], { multiscale, fixed: detrValTransforms(20, 100) })(input, new Rng(0));
    expect([fixed.image.height, fixed.image.width]).to.deep.equal([20, 40]);
    expect(Array.from(fixed.target.boxes)).to.deep.equal([4, 2, 12, 10]);
    const outcomes = new Set<string>();
    for (let seed = 0; seed < 8; seed++) {
      const flipped = new Rng(seed).uniform() < 0.5;
      const out = await augmentTransforms(['flip'], { multiscale })(input, new Rng(seed));
      expect(Array.from(out.target.boxes)).to.deep.equal(flipped ? [14, 1, 18, 5] : [2, 1, 6, 5]);
      expect(out.image.data[0]).to.equal(flipped ? 19 : 0); // red = x of the source pixel
      outcomes.add(String(flipped));
    }
    expect(outcomes.size).to.equal(2);
    const draws = new Rng(3);
    const factor = () => 0.6 + 0.8 * draws.uniform();
    const factors = { brightness: factor(), contrast: factor(), saturation: factor() };
    const coloured = await randomColorJitter()(input, new Rng(3));
    expect(coloured.target).to.equal(input.target);
    expect(Array.from(coloured.image.data)).to.deep.equal(Array.from(adjustColors(input.image, factors).data));
  });

  it("augmentTransforms applies DETR's order whatever the list's; flip,multiscale is detrTrainTransforms draw for draw", async () => {
    const source = syntheticShapesSource(generateSyntheticShapes({ count: 2, height: 64, width: 64, seed: 2 }));
    const multiscale = scaleAugmentConfig(DETR_AUGMENT, 64 / 800);
    const reference = detrTrainTransforms(multiscale);
    for (let seed = 0; seed < 6; seed++) {
      const image = await source.read(seed % 2);
      const a = await augmentTransforms(['multiscale', 'flip'], { multiscale })(image, new Rng(seed));
      const b = await reference(image, new Rng(seed));
      expect(a.target).to.deep.equal(b.target);
      expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).to.equal(true);
      const scaled = await detrMultiScale(multiscale)(image, new Rng(seed));
      expect(multiscale.scales).to.include(Math.min(scaled.image.height, scaled.image.width));
    }
  });
});
