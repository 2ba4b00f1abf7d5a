import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { type CocoEvalDetection, type CocoEvalGroundTruth, evaluateCoco } from '../../lib/metrics/coco-eval.js';
import { defaultCocoEvalParams } from '../../lib/metrics/coco-params.js';

interface CocoFixture {
  gt: CocoEvalGroundTruth;
  dt: CocoEvalDetection[];
  stats: number[];
  per_category: Record<string, { AP: number; AP50: number; AR100: number }>;
  summary: string[];
}

// test data (a trusted fixture), not external input
const fixture = JSON.parse(readFileSync(new URL('../../../shared/fixtures/coco_eval.json', import.meta.url), 'utf8')) as CocoFixture;

describe('evaluateCoco (pycocotools COCOeval parity)', () => {
  const result = evaluateCoco(fixture.gt, fixture.dt);

  it('reproduces the 12 stats within 1e-6', () => {
    expect(result.stats).to.have.length(12);
    result.stats.forEach((s, i) => expect(s, `stats[${i}]`).to.be.closeTo(fixture.stats[i] as number, 1e-6));
  });

  it('reproduces per-category AP, AP50 and AR100 within 1e-6', () => {
    expect(result.perCategory.map((c) => c.categoryId)).to.deep.equal([1, 3, 7]);
    for (const c of result.perCategory) {
      const expected = fixture.per_category[String(c.categoryId)]!;
      expect(c.ap).to.be.closeTo(expected.AP, 1e-6);
      expect(c.ap50).to.be.closeTo(expected.AP50, 1e-6);
      expect(c.ar100).to.be.closeTo(expected.AR100, 1e-6);
    }
  });

  it("prints pycocotools' summary lines", () => {
    // every pycocotools line starts with a space; the fixture's first line lost it (captured stdout was stripped)
    expect(result.summary.every((l) => l.startsWith(' Average '))).to.equal(true);
    expect(result.summary.map((l) => l.trimStart())).to.deep.equal(fixture.summary.map((l) => l.trimStart()));
  });

  it('uses the numpy linspace thresholds', () => {
    const p = defaultCocoEvalParams();
    expect(p.iouThrs).to.have.length(10);
    expect(p.iouThrs[8]).to.equal(0.8999999999999999);
    expect(p.iouThrs[5]).to.equal(0.75);
    expect(p.recThrs[57]).to.equal(0.5700000000000001);
    expect(p.recThrs[100]).to.equal(1);
  });
});

describe('evaluateCoco (hand-computed cases)', () => {
  const image = (id: number) => ({ id });
  const ann = (id: number, bbox: number[], extra: Partial<{ iscrowd: number; area: number; category_id: number; image_id: number }> = {}) => ({
    id, image_id: 1, category_id: 1, bbox, area: (bbox[2] as number) * (bbox[3] as number), iscrowd: 0, ...extra,
  });

  it('scores a perfect detector 1 and a disjoint detector 0; -1 where no GT', () => {
    const gt = { images: [image(1)], categories: [{ id: 1 }, { id: 2 }], annotations: [ann(1, [10, 10, 50, 50])] };
    const perfect = evaluateCoco(gt, [{ image_id: 1, category_id: 1, bbox: [10, 10, 50, 50], score: 0.9 }]);
    // precision is tp / (tp + fp + eps), so a perfect AP is 1 − 2.2e-16 in pycocotools too
    const expected = [1, 1, 1, -1, 1, -1, 1, 1, 1, -1, 1, -1];
    perfect.stats.forEach((s, i) => expect(s).to.be.closeTo(expected[i] as number, 1e-12));
    expect(perfect.perCategory[1]).to.deep.equal({ categoryId: 2, ap: -1, ap50: -1, ar100: -1 });
    const miss = evaluateCoco(gt, [{ image_id: 1, category_id: 1, bbox: [100, 100, 5, 5], score: 0.9 }]);
    expect(miss.stats[0]).to.equal(0);
    expect(miss.stats[8]).to.equal(0);
  });

  it('ranks a false positive above a true positive: AP = mean over the 101 recall points of the envelope', () => {
    // 1 GT; detections: FP (0.9), TP (0.8) → precision 0.5 at recall 1 at every IoU threshold
    const gt = { images: [image(1)], categories: [{ id: 1 }], annotations: [ann(1, [0, 0, 40, 40])] };
    const res = evaluateCoco(gt, [
      { image_id: 1, category_id: 1, bbox: [200, 200, 40, 40], score: 0.9 },
      { image_id: 1, category_id: 1, bbox: [0, 0, 40, 40], score: 0.8 },
    ]);
    expect(res.stats[0]).to.be.closeTo(0.5, 1e-12);
    expect(res.stats[6]).to.equal(0); // AR@1: only the FP survives the cut of 1
    expect(res.stats[7]).to.equal(1);
  });

  it('treats crowd GT as an ignore region matched by intersection over detection area', () => {
    // a detection inside a crowd box: IoU (union) would be 0.04, crowd IoU is 1 → ignored, not a FP
    const gt = {
      images: [image(1)],
      categories: [{ id: 1 }],
      annotations: [ann(1, [0, 0, 100, 100], { iscrowd: 1 }), ann(2, [300, 300, 50, 50])],
    };
    const dets = [
      { image_id: 1, category_id: 1, bbox: [10, 10, 20, 20], score: 0.95 },
      { image_id: 1, category_id: 1, bbox: [300, 300, 50, 50], score: 0.5 },
    ];
    expect(evaluateCoco(gt, dets).stats[0]).to.be.closeTo(1, 1e-12);
    // without the crowd flag: 2 GT, the small detection is a false positive ranked first, so
    // AP50 = precision 0.5 on the 51 recall points 0 … 0.5, 0 above
    const plain = { ...gt, annotations: gt.annotations.map((a) => ({ ...a, iscrowd: 0 })) };
    expect(evaluateCoco(plain, dets).stats[1]).to.be.closeTo(0.5 * (51 / 101), 1e-12);
  });

  it('rejects detections on images that are not in the ground truth (loadRes)', () => {
    const gt = { images: [image(1)], categories: [{ id: 1 }], annotations: [] };
    expect(() => evaluateCoco(gt, [{ image_id: 9, category_id: 1, bbox: [0, 0, 1, 1], score: 1 }])).to.throw(/image_id 9/);
  });
});
