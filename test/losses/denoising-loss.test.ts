// DN-DETR's reconstruction losses, against values computed by hand.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { denoisingLosses } from '../../losses/denoising-loss.js';
import { SetCriterion } from '../../losses/set-criterion.js';

const LN2 = Math.log(2);
// 1 − GIoU of (0.5, 0.5, 0.2, 0.2) and (0.52, 0.5, 0.2, 0.2): ∩ 0.18·0.2 = 0.036, ∪ 0.044 = the enclosing box
const ONE_MINUS_GIOU = 1 - 0.036 / 0.044;
const value = (t: tf.Tensor | undefined) => (t?.dataSync()[0] as number) ?? Number.NaN;

describe('DN-DETR reconstruction losses (no matching)', () => {
  it('scores each denoising row against the clean target it was noised from, every layer', () => {
    // 1 image, 1 target (label 1), 2 groups → rows 0 and 1; row 0 is exact, row 1 is 0.02 off in x
    const book = {
      padSize: 2,
      knownIndice: Int32Array.from([0, 0]),
      batchIdx: Int32Array.from([0]),
      mapKnownIndice: Int32Array.from([0, 1]),
      knownLabels: Int32Array.from([1, 1]),
      knownBoxes: Float32Array.from([0.5, 0.5, 0.2, 0.2, 0.5, 0.5, 0.2, 0.2]),
    };
    const layer = () => ({
      predLogits: tf.zeros([1, 2, 2]),
      predBoxes: tf.tensor3d([
        [
          [0.5, 0.5, 0.2, 0.2],
          [0.52, 0.5, 0.2, 0.2],
        ],
      ]),
    });
    const outputs = { ...layer(), auxOutputs: [layer()] };
    const criterion = SetCriterion.conditionalDetr(2, 2);
    const { losses, total } = denoisingLosses(outputs, book, criterion.config.weightDict);
    // focal: each row ¼ ln2 (one positive, one negative class); mean over rows ÷ 2 targets × 2 rows = ¼ ln2
    for (const suffix of ['', '_0']) {
      expect(value(losses[`tgt_loss_ce${suffix}`])).to.be.closeTo(LN2 / 4, 1e-6);
      expect(value(losses[`tgt_loss_bbox${suffix}`])).to.be.closeTo(0.02 / 2, 1e-6);
      expect(value(losses[`tgt_loss_giou${suffix}`])).to.be.closeTo(ONE_MINUS_GIOU / 2, 1e-6);
    }
    // weights ce 2, bbox 5, giou 2 on both layers
    expect(value(total)).to.be.closeTo(2 * (2 * (LN2 / 4) + 5 * 0.01 + 2 * (ONE_MINUS_GIOU / 2)), 1e-5);
    tf.dispose([outputs.predLogits, outputs.predBoxes, outputs.auxOutputs, Object.values(losses), total]);
  });

  it('works with a single class (the focal targets have K columns, as the official K + 1 minus the last)', () => {
    const book = {
      padSize: 1,
      knownIndice: Int32Array.from([0]),
      batchIdx: Int32Array.from([0]),
      mapKnownIndice: Int32Array.from([0]),
      knownLabels: Int32Array.from([0]),
      knownBoxes: Float32Array.from([0.5, 0.5, 0.2, 0.2]),
    };
    const outputs = { predLogits: tf.zeros([1, 1, 1]), predBoxes: tf.tensor3d([[[0.5, 0.5, 0.2, 0.2]]]) };
    const { losses, total } = denoisingLosses(outputs, book, {});
    expect(value(losses.tgt_loss_ce)).to.be.closeTo(0.25 * 0.25 * LN2, 1e-6); // α (1 − ½)² ln 2
    expect(value(losses.tgt_loss_bbox)).to.be.closeTo(0, 1e-7);
    tf.dispose([outputs.predLogits, outputs.predBoxes, Object.values(losses), total]);
  });
});
