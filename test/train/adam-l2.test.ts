// torch.optim.Adam with weight_decay (coupled L2): three steps against values computed by hand
// (float64 Python): g = ∂L/∂p + wd·p, then Adam with bias correction; no decoupled decay.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Adam, AdamW } from '../../lib/train/adamw.js';

describe('Adam (torch.optim.Adam weight_decay, coupled L2) vs AdamW', () => {
  function threeSteps(l2WeightDecay: boolean): number[][] {
    const p = tf.variable(tf.tensor1d([1, -0.5]), true, 'adam_l2_p');
    const q = tf.variable(tf.tensor1d([2]), true, 'adam_l2_q');
    const options = { lr: 0.1, weightDecay: 0.1, eps: 1e-10 };
    const opt = l2WeightDecay
      ? new Adam(
          [
            ['p', p],
            ['q', q],
          ],
          options,
        )
      : new AdamW(
          [
            ['p', p],
            ['q', q],
          ],
          options,
        );
    const out: number[][] = [];
    for (let step = 0; step < 3; step++) {
      // L = Σ p² + 0·q: q's data gradient is exactly 0, so only weight decay moves it.
      const { value, grads } = tf.variableGrads(() => tf.add(tf.sum(tf.square(p)), tf.sum(tf.mul(q, 0))) as tf.Scalar, [p, q]);
      opt.step(grads);
      tf.dispose([value, ...Object.values(grads)]);
      out.push([...p.dataSync(), ...q.dataSync()]);
    }
    opt.dispose();
    tf.dispose([p, q]);
    return out;
  }

  it('matches hand-computed coupled-L2 Adam steps (lr 0.1, wd 0.1, eps 1e-10)', () => {
    const expected = [
      [0.9, -0.4, 1.9],
      [0.8004122277, -0.3011874196, 1.8001664857],
      [0.7015862714, -0.2048712494, 1.7006233914],
    ];
    threeSteps(true).forEach((row, i) => row.forEach((x, j) => expect(x).to.be.closeTo(expected[i]![j]!, 1e-6)));
  });

  it('differs from the decoupled AdamW update with the same hyper-parameters', () => {
    // Decoupled: p ← p·(1 − lr·wd) first, and a zero-gradient parameter only shrinks by that factor.
    const decoupled = threeSteps(false);
    expect(decoupled[0]![0]).to.be.closeTo(0.89, 1e-6);
    expect(decoupled[2]![0]).to.be.closeTo(0.6751012201, 1e-6);
    expect(decoupled[0]![2]).to.be.closeTo(2 * 0.99, 1e-6);
  });
});
