// Group DETR's per-group matching and loss averaging, against values computed by hand.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { groupedSetLosses } from '../../losses/query-groups.js';
import { SetCriterion } from '../../losses/set-criterion.js';

const LN2 = Math.log(2);
// 1 − GIoU of (0.5, 0.5, 0.2, 0.2) and (0.52, 0.5, 0.2, 0.2): ∩ 0.18·0.2 = 0.036, ∪ 0.044 = the enclosing box
const ONE_MINUS_GIOU = 1 - 0.036 / 0.044;
const value = (t: tf.Tensor | undefined) => (t?.dataSync()[0] as number) ?? Number.NaN;

describe('Group DETR criterion (one-to-one matching per group)', () => {
  it('matches each group on its own and averages the losses over the groups', () => {
    const criterion = SetCriterion.conditionalDetr(2, 1);
    const target = [{ labels: tf.tensor1d([0], 'int32'), boxes: tf.tensor2d([[0.5, 0.5, 0.2, 0.2]]) }];
    // group 0 = queries 0, 1 (query 1 is on the target); group 1 = queries 2, 3 (query 2 is 0.02 off)
    const outputs = {
      predLogits: tf.zeros([1, 4, 2]),
      predBoxes: tf.tensor3d([
        [
          [0.1, 0.1, 0.2, 0.2],
          [0.5, 0.5, 0.2, 0.2],
          [0.52, 0.5, 0.2, 0.2],
          [0.9, 0.9, 0.1, 0.1],
        ],
      ]),
    };
    const { matches, losses, total } = groupedSetLosses(criterion, outputs, target, 2);
    // [group][layer][image]: one match per group, the query index within its group
    expect(matches.map((g) => [Array.from(g[0]?.[0]?.src ?? []), Array.from(g[0]?.[0]?.tgt ?? [])])).to.deep.equal([
      [[1], [0]],
      [[0], [0]],
    ]);
    // L1: (0 + 0.02) / 2; GIoU: (0 + (1 − 9/11)) / 2. Focal with logits 0 (p = ½) per group: the matched
    // query costs α(½)² ln2 + (1−α)(½)² ln2 = ¼ ln2, the other (1−α)(½)²·2 ln2 = ⅜ ln2; mean over the
    // 2 queries, ÷ 1 box, × 2 queries = ⅝ ln2, the same in both groups.
    expect(value(losses.loss_bbox)).to.be.closeTo(0.01, 1e-6);
    expect(value(losses.loss_giou)).to.be.closeTo(ONE_MINUS_GIOU / 2, 1e-6);
    expect(value(losses.loss_ce)).to.be.closeTo((5 / 8) * LN2, 1e-6);
    expect(value(total)).to.be.closeTo(2 * (5 / 8) * LN2 + 5 * 0.01 + (2 * ONE_MINUS_GIOU) / 2, 1e-5);
    tf.dispose([target, outputs, Object.values(losses), total]);
  });
});
