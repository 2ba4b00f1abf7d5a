// The benchmark scenes: classes, object counts and sizes as each rung states (every side at least
// 10 px at 64², more than a stride-8 cell), squares' exact pixels, determinism and scaling.
import { expect } from 'chai';
import { decodeCocoGroundTruth } from '../../datasets/coco-format.js';
import { DETECTION_SCENES, detectionSceneConfig, generateDetectionScene } from '../../datasets/detection-scenes.js';

describe('detection benchmark scenes', () => {
  const at64 = { count: 40, height: 64, width: 64, seed: 1 };
  const expected = {
    squares: { classes: ['rectangle'], objects: [1, 1], sides: [12, 35] },
    shapes: { classes: ['rectangle', 'ellipse', 'triangle'], objects: [1, 3], sides: [14, 32] },
    clutter: { classes: ['rectangle', 'ellipse', 'triangle', 'cross', 'star'], objects: [2, 6], sides: [10, 28] },
  } as const;

  for (const scene of DETECTION_SCENES) {
    it(`${scene}: valid COCO, its classes, object counts and box sides`, () => {
      const set = generateDetectionScene(scene, at64);
      decodeCocoGroundTruth(JSON.parse(JSON.stringify(set.gt)), scene);
      const want = expected[scene];
      expect(set.gt.categories.map((c) => c.name)).to.deep.equal([...want.classes]);
      expect(new Set(set.gt.annotations.map((a) => a.category_id)).size).to.equal(want.classes.length);
      const perImage = set.gt.images.map((image) => set.gt.annotations.filter((a) => a.image_id === image.id).length);
      expect(Math.min(...perImage)).to.be.at.least(want.objects[0]);
      expect(Math.max(...perImage)).to.equal(want.objects[1]);
      const sides = set.gt.annotations.flatMap((a) => [a.bbox[2], a.bbox[3]]);
      expect(Math.min(...sides)).to.be.at.least(want.sides[0]);
      expect(Math.max(...sides)).to.be.at.most(want.sides[1]);
    });
  }

  it('squares are white rectangles on black: exactly the box is 255', () => {
    const set = generateDetectionScene('squares', { ...at64, count: 3 });
    for (const a of set.gt.annotations) {
      const image = set.images.get(a.image_id)!;
      const [x, y, w, h] = a.bbox;
      let inside = 0;
      for (let p = 0; p < 64 * 64; p++) {
        const [px, py] = [p % 64, Math.floor(p / 64)];
        const isInside = px >= x && px < x + w && py >= y && py < y + h;
        expect(image.data[p * 3], `pixel ${px},${py}`).to.equal(isInside ? 255 : 0);
        if (isInside) inside++;
      }
      expect(inside).to.equal(w * h);
      expect(a.area).to.equal(w * h);
    }
  });

  it('is deterministic in the seed, differs between seeds and scenes, and scales sides with the image', () => {
    const a = generateDetectionScene('shapes', { ...at64, count: 4 });
    const b = generateDetectionScene('shapes', { ...at64, count: 4 });
    expect(b.gt).to.deep.equal(a.gt);
    expect(Buffer.from(b.images.get(4)!.data).equals(Buffer.from(a.images.get(4)!.data))).to.equal(true);
    expect(generateDetectionScene('shapes', { ...at64, count: 4, seed: 2 }).gt).to.not.deep.equal(a.gt);
    expect(generateDetectionScene('clutter', { ...at64, count: 4 }).gt).to.not.deep.equal(a.gt);
    expect(detectionSceneConfig('shapes', { ...at64, height: 128, width: 128 }).sides).to.deep.equal([28, 64]);
    expect(detectionSceneConfig('clutter', { ...at64, height: 96, width: 128 }).sides).to.deep.equal([15, 42]);
  });
});
