import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import {
  type Box,
  boxCxcywhToXyxy,
  boxIou,
  boxXyxyToCxcywh,
  cxcywhToXyxy,
  generalizedBoxIou,
  generalizedIouOfBoxes,
  iouOfBoxes,
  pairwiseBoxes,
  xyxyToCxcywh,
} from '../../losses/box-ops.js';
import { type Fixture, loadFixture, maxAbsDiff } from '../helpers/safetensors-fixture.js';

const TOL = 1e-4;

function rows(t: tf.Tensor): Box[] {
  return (t.arraySync() as number[][]).map((r) => r as unknown as Box);
}

describe('box ops (DETR util/box_ops.py parity)', () => {
  let fx: Fixture;
  before(async () => {
    fx = await loadFixture('box_ops.safetensors');
  });
  after(() => fx.dispose());

  it('converts cxcywh ↔ xyxy on tensors and plain arrays', () => {
    const xyxy = boxCxcywhToXyxy(fx.get('input.cxcywh'));
    expect(maxAbsDiff(xyxy.dataSync(), fx.values('output.cxcywh_to_xyxy'))).to.be.below(TOL);
    const cxcy = boxXyxyToCxcywh(fx.get('input.boxes1'));
    expect(maxAbsDiff(cxcy.dataSync(), fx.values('output.boxes1_xyxy_to_cxcywh'))).to.be.below(TOL);
    expect(maxAbsDiff(rows(fx.get('input.cxcywh')).flatMap(cxcywhToXyxy), fx.values('output.cxcywh_to_xyxy'))).to.be.below(TOL);
    expect(maxAbsDiff(rows(fx.get('input.boxes1')).flatMap(xyxyToCxcywh), fx.values('output.boxes1_xyxy_to_cxcywh'))).to.be.below(TOL);
    tf.dispose([xyxy, cxcy]);
  });

  it('computes the IoU, union and generalized IoU matrices', () => {
    const b1 = fx.get('input.boxes1') as tf.Tensor2D;
    const b2 = fx.get('input.boxes2') as tf.Tensor2D;
    const { iou, union } = boxIou(b1, b2);
    const giou = generalizedBoxIou(b1, b2);
    expect(iou.shape).to.deep.equal([6, 4]);
    expect(maxAbsDiff(iou.dataSync(), fx.values('output.box_iou'))).to.be.below(TOL);
    expect(maxAbsDiff(union.dataSync(), fx.values('output.box_iou_union'))).to.be.below(TOL);
    expect(maxAbsDiff(giou.dataSync(), fx.values('output.generalized_box_iou'))).to.be.below(TOL);
    // the fixture's designed cases: identical boxes, a disjoint box (GIoU < 0), a contained box
    const g = giou.arraySync();
    expect(g[0]?.[0]).to.be.closeTo(1, 1e-6);
    expect(Math.max(...(iou.arraySync().map((r) => r[1] as number)))).to.equal(0);
    expect(Math.max(...g.map((r) => r[1] as number))).to.be.below(0);
    tf.dispose([iou, union, giou]);
  });

  it('gives the same matrices from the plain-array functions', () => {
    const b1 = rows(fx.get('input.boxes1'));
    const b2 = rows(fx.get('input.boxes2'));
    const iou = pairwiseBoxes(b1, b2, iouOfBoxes);
    expect(maxAbsDiff(iou.flat().map((r) => r.iou), fx.values('output.box_iou'))).to.be.below(TOL);
    expect(maxAbsDiff(iou.flat().map((r) => r.union), fx.values('output.box_iou_union'))).to.be.below(TOL);
    expect(maxAbsDiff(pairwiseBoxes(b1, b2, generalizedIouOfBoxes).flat(), fx.values('output.generalized_box_iou'))).to.be.below(TOL);
  });

  it('has finite-difference gradients for the generalized IoU', () => {
    const a = tf.tensor2d([[0.1, 0.2, 0.5, 0.6], [0.3, 0.12, 0.9, 0.4]]); // no coordinate ties (max/min are not differentiable there)
    const b = tf.tensor2d([[0.2, 0.1, 0.6, 0.7], [0.0, 0.5, 0.2, 0.9], [0.25, 0.15, 0.7, 0.5]]);
    const f = (x: tf.Tensor): tf.Scalar => tf.sum(generalizedBoxIou(x as tf.Tensor2D, b));
    const grad = tf.grad(f)(a).dataSync();
    const base = a.dataSync();
    const eps = 1e-3;
    for (let i = 0; i < base.length; i++) {
      const plus = Float32Array.from(base);
      const minus = Float32Array.from(base);
      plus[i] = (plus[i] as number) + eps;
      minus[i] = (minus[i] as number) - eps;
      const fd = (f(tf.tensor2d(plus, [2, 4])).dataSync()[0]! - f(tf.tensor2d(minus, [2, 4])).dataSync()[0]!) / (2 * eps);
      expect(grad[i]).to.be.closeTo(fd, 2e-2);
    }
    tf.dispose([a, b]);
  });
});
