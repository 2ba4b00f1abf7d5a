import { expect } from 'chai';
import type { RgbImage } from '../../datasets/image.js';
import { colorJitter, cropOrigin, poseTestConfig, poseTrainConfig, transformPoseImage } from '../../datasets/pose-transforms.js';
import { Rng } from '../../lib/runtime/rng.js';

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

function gradient(height: number, width: number): RgbImage {
  const data = new Uint8Array(height * width * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set([10 * x, 20 * y, 100 + x + y], (y * width + x) * 3);
  return { data, height, width };
}

const image2 = (pixels: number[][]) => ({ data: Float32Array.from(pixels.flat()), height: 1, width: pixels.length });
/** The factor colorJitter draws after its randperm(4), replayed from the same seed. */
function replayFactor(seed: number, lo: number, hi: number): number {
  const rng = new Rng(seed);
  rng.shuffle([0, 1, 2, 3]);
  return rng.range(lo, hi);
}

describe('pose transforms', () => {
  it('center crop uses Python rounding; random crop covers [0, H − size] inclusive', () => {
    expect(cropOrigin(10, 9, 5, null)).to.deep.equal([2, 2]); // round(2.5) = 2, round(2) = 2
    expect(cropOrigin(12, 9, 5, null)).to.deep.equal([4, 2]); // round(3.5) = 4
    const rng = new Rng(1);
    const tops = new Set(Array.from({ length: 200 }, () => cropOrigin(7, 5, 5, rng)[0]));
    expect([...tops].sort()).to.deep.equal([0, 1, 2]);
    expect(() => cropOrigin(4, 9, 5, null)).to.throw(/larger/);
  });

  it('brightness multiplies and clamps', () => {
    const f = replayFactor(3, 0.5, 1.5);
    const out = colorJitter(
      image2([
        [0.2, 0.4, 0.6],
        [0.9, 0.8, 0.7],
      ]),
      { brightness: 0.5, contrast: 0, saturation: 0, hue: 0 },
      new Rng(3),
    );
    close(
      out.data,
      [0.2, 0.4, 0.6, 0.9, 0.8, 0.7].map((v) => Math.min(1, v * f)),
    );
  });

  it('contrast blends with the mean grey level (0.2989 r + 0.587 g + 0.114 b)', () => {
    const f = replayFactor(4, 0.5, 1.5);
    const px = [
      [0.2, 0.4, 0.6],
      [0.9, 0.8, 0.7],
    ];
    const mean = px.reduce((s, [r, g, b]) => s + 0.2989 * r! + 0.587 * g! + 0.114 * b!, 0) / 2;
    const out = colorJitter(image2(px), { brightness: 0, contrast: 0.5, saturation: 0, hue: 0 }, new Rng(4));
    close(
      out.data,
      px.flat().map((v) => Math.min(1, Math.max(0, f * v + (1 - f) * mean))),
    );
  });

  it('saturation blends each pixel with its own grey', () => {
    const f = replayFactor(5, 0, 2);
    const px = [
      [0.2, 0.4, 0.6],
      [0.9, 0.8, 0.7],
    ];
    const out = colorJitter(image2(px), { brightness: 0, contrast: 0, saturation: 1, hue: 0 }, new Rng(5));
    const expected = px.flatMap(([r, g, b]) =>
      [r!, g!, b!].map((v) => Math.min(1, Math.max(0, f * v + (1 - f) * (0.2989 * r! + 0.587 * g! + 0.114 * b!)))),
    );
    close(out.data, expected);
  });

  it('hue rotates pure red along the colour wheel', () => {
    for (const seed of [6, 7, 8, 9]) {
      const h = replayFactor(seed, -0.2, 0.2);
      const out = colorJitter(image2([[1, 0, 0]]), { brightness: 0, contrast: 0, saturation: 0, hue: 0.2 }, new Rng(seed));
      // hsv(h, 1, 1): h ∈ (0, 1/6) → (1, 6h, 0); h ∈ (1/6, 1/3) → (2 − 6h, 1, 0); h < 0 → (1, 0, −6h)
      const expected = h < 0 ? [1, 0, -6 * h] : h < 1 / 6 ? [1, 6 * h, 0] : [2 - 6 * h, 1, 0];
      close(out.data, expected, 1e-5);
    }
  });

  it('test transform: resize is a no-op at the target size, center crop, ImageNet normalisation', async () => {
    const img = gradient(6, 8);
    const { pixels, size } = await transformPoseImage(img, poseTestConfig(6, 4), new Rng(0));
    expect(size).to.equal(4);
    expect(pixels).to.have.length(4 * 4 * 3);
    // top = round((6 − 4) / 2) = 1, left = round((8 − 4) / 2) = 2
    for (const [y, x] of [
      [0, 0],
      [3, 3],
      [1, 2],
    ] as const) {
      for (let c = 0; c < 3; c++) {
        const source = img.data[((1 + y) * 8 + 2 + x) * 3 + c]!;
        expect(pixels[(y * 4 + x) * 3 + c]).to.be.closeTo((source / 255 - MEAN[c]!) / STD[c]!, 1e-6);
      }
    }
  });

  it('train transform: short side resized (long side truncated), deterministic per Rng seed', async () => {
    const img = gradient(20, 30);
    const config = poseTrainConfig(10, 8);
    const a = await transformPoseImage(img, config, new Rng(11));
    const b = await transformPoseImage(img, config, new Rng(11));
    const c = await transformPoseImage(img, config, new Rng(12));
    expect(a.pixels).to.have.length(8 * 8 * 3);
    expect(Array.from(a.pixels)).to.deep.equal(Array.from(b.pixels));
    expect(Array.from(a.pixels)).to.not.deep.equal(Array.from(c.pixels));
  });
});

function close(actual: ArrayLike<number>, expected: readonly number[], tol = 1e-6): void {
  expect(actual.length).to.equal(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]).to.be.closeTo(expected[i]!, tol, `index ${i}`);
}
