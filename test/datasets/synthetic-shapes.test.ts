import { expect } from 'chai';
import { decodeCocoGroundTruth } from '../../datasets/coco-format.js';
import { cocoAreaThresholds, generateSyntheticImage, generateSyntheticShapes, SHAPE_KINDS } from '../../datasets/synthetic-shapes.js';

const sameBytes = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean =>
  a !== undefined && b !== undefined && Buffer.from(a).equals(Buffer.from(b));

describe('synthetic shapes', () => {
  const config = { count: 60, height: 128, width: 128, seed: 7 };
  const set = generateSyntheticShapes(config);

  it('states COCO area limits rescaled by image area', () => {
    const { small, large } = cocoAreaThresholds(128, 128);
    expect(small).to.be.closeTo(1024 * (16384 / 307200), 1e-9); // 54.61
    expect(large).to.be.closeTo(9216 * (16384 / 307200), 1e-9); // 491.52
    expect(cocoAreaThresholds(480, 640)).to.deep.equal({ small: 1024, large: 9216 });
  });

  it('is valid COCO ground truth with boxes inside the images and every class present', () => {
    decodeCocoGroundTruth(JSON.parse(JSON.stringify(set.gt)), 'synthetic');
    expect(set.gt.categories.map((c) => c.name)).to.deep.equal([...SHAPE_KINDS]);
    expect(new Set(set.gt.annotations.map((a) => a.category_id)).size).to.equal(5);
    for (const a of set.gt.annotations) {
      const [x, y, w, h] = a.bbox;
      expect(x >= 0 && y >= 0 && x + w <= 128 && y + h <= 128).to.equal(true);
      expect(a.area)
        .to.be.greaterThan(0)
        .and.at.most(w * h);
      if (a.category_id === 1) expect(a.area).to.equal(w * h); // rectangles fill their box
    }
  });

  it('covers the small, medium and large ranges', () => {
    const { small, large } = cocoAreaThresholds(128, 128);
    const counts = [0, 0, 0];
    for (const a of set.gt.annotations) counts[a.area < small ? 0 : a.area < large ? 1 : 2]++;
    const n = set.gt.annotations.length;
    expect(n).to.be.greaterThan(150);
    // Each range gets at least 15% of the objects.
    counts.forEach((c) => expect(c / n).to.be.greaterThan(0.15));
  });

  it('fills a lone rectangle with one colour up to the fine shape noise', () => {
    for (let id = 1; id <= 5; id++) {
      const { image, annotations } = generateSyntheticImage({ ...config, kinds: ['rectangle'], minObjects: 1, maxObjects: 1 }, id);
      expect(annotations).to.have.length(1);
      const [x, y, w, h] = annotations[0].bbox;
      expect(annotations[0].area).to.equal(w * h);
      const inside: number[][] = [];
      for (let py = y; py < y + h; py++) {
        for (let px = x; px < x + w; px++) inside.push(Array.from(image.data.slice((py * 128 + px) * 3, (py * 128 + px) * 3 + 3)));
      }
      // Shape noise is ±0.04 of full scale: at most 0.08 * 255 ≈ 21 levels between two pixels of a channel.
      for (let c = 0; c < 3; c++) {
        const values = inside.map((p) => p[c]);
        expect(Math.max(...values) - Math.min(...values)).to.be.at.most(21);
      }
    }
  });

  it('is deterministic by seed and independent of count; different seeds differ', () => {
    const again = generateSyntheticShapes({ ...config, count: 5 });
    const other = generateSyntheticShapes({ ...config, count: 5, seed: 8 });
    for (let id = 1; id <= 5; id++) {
      expect(sameBytes(again.images.get(id)?.data, set.images.get(id)?.data)).to.equal(true);
      expect(sameBytes(other.images.get(id)?.data, set.images.get(id)?.data)).to.equal(false);
    }
    expect(again.gt.annotations).to.deep.equal(set.gt.annotations.filter((a) => a.image_id <= 5));
    expect(other.gt.annotations).to.not.deep.equal(again.gt.annotations);
  });

  it('generates 128x128 images fast enough for training', () => {
    const count = 100;
    const start = performance.now();
    for (let id = 1; id <= count; id++) generateSyntheticImage({ ...config, seed: 'speed' }, id);
    const perSecond = (count / (performance.now() - start)) * 1000;
    console.log(`      ${perSecond.toFixed(0)} images/s at 128x128 (1-6 shapes)`);
    expect(perSecond).to.be.greaterThan(20);
  });
});
