import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { CAMERA_POSE_LOSS_PRESETS, CameraPoseLoss, sceneNllLoss } from '../../losses/camera-pose-loss.js';

// Row 0: position error (3, 4, 0) → 5, same orientation. Row 1: no position error; orientation
// gt (0,0,0,2) → (0,0,0,1), est (0,0,1,1) → (0,0,1/√2,1/√2): ‖diff‖ = sqrt(2 − √2).
const GT = [
  [0, 0, 0, 1, 0, 0, 0],
  [1, 2, 2, 0, 0, 0, 2],
];
const EST = [
  [3, 4, 0, 1, 0, 0, 0],
  [1, 2, 2, 0, 0, 1, 1],
];
const LX = 2.5;
const LQ = Math.sqrt(2 - Math.SQRT2) / 2; // 0.3826834

function run(loss: CameraPoseLoss): { lossX: number; lossQ: number; loss: number } {
  const out = loss.forward(tf.tensor2d(EST), tf.tensor2d(GT));
  const values = { lossX: out.lossX.dataSync()[0]!, lossQ: out.lossQ.dataSync()[0]!, loss: out.loss.dataSync()[0]! };
  tf.dispose([out.lossX, out.lossQ, out.loss]);
  return values;
}

describe('CameraPoseLoss', () => {
  it('learnable (7Scenes init s_x=0, s_q=-3): l_x, l_q and L = l_x e^-s_x + s_x + l_q e^-s_q + s_q', () => {
    const loss = new CameraPoseLoss(CAMERA_POSE_LOSS_PRESETS['7scenes']);
    const v = run(loss);
    expect(v.lossX).to.be.closeTo(LX, 1e-6);
    expect(v.lossQ).to.be.closeTo(0.3826834, 1e-6);
    expect(v.loss).to.be.closeTo(LX + 0 + LQ * Math.exp(3) - 3, 1e-5); // 7.186390
    expect(v.loss).to.be.closeTo(7.18639, 1e-4);
    expect(loss.namedParameters().map(([n]) => n)).to.deep.equal(['s_x', 's_q']);
    expect(loss.trainableVariables()).to.have.length(2);
    loss.dispose();
  });

  it('learnable (Cambridge init s_x=-3, s_q=-6.5)', () => {
    const loss = new CameraPoseLoss(CAMERA_POSE_LOSS_PRESETS.cambridge);
    expect(run(loss).loss).to.be.closeTo(LX * Math.exp(3) - 3 + LQ * Math.exp(6.5) - 6.5, 2e-3); // 295.2525
    loss.dispose();
  });

  it('fixed weights: L = s_x l_x + s_q l_q and no trainable parameters', () => {
    const loss = new CameraPoseLoss({ learnable: false, sX: 1, sQ: 10 });
    expect(run(loss).loss).to.be.closeTo(2.5 + 3.826834, 1e-5);
    expect(loss.trainableVariables()).to.have.length(0);
    expect([...loss.stateDict().keys()]).to.deep.equal(['s_x', 's_q']);
    loss.dispose();
  });

  it('gradient wrt s_x, s_q matches the closed form and central finite differences', () => {
    const loss = new CameraPoseLoss(CAMERA_POSE_LOSS_PRESETS['7scenes']);
    const est = tf.tensor2d(EST);
    const gt = tf.tensor2d(GT);
    const { grads } = tf.variableGrads(() => loss.forward(est, gt).loss, loss.trainableVariables());
    const gX = grads[loss.sX.name]!.dataSync()[0]!;
    const gQ = grads[loss.sQ.name]!.dataSync()[0]!;
    expect(gX).to.be.closeTo(1 - LX, 1e-5); // -1.5
    expect(gQ).to.be.closeTo(1 - LQ * Math.exp(3), 1e-4); // -6.68639
    const h = 1e-2;
    for (const [v, g] of [
      [loss.sX, gX],
      [loss.sQ, gQ],
    ] as const) {
      const at = (delta: number): number => {
        const original = v.dataSync()[0]!;
        v.assign(tf.tensor1d([original + delta]));
        const value = run(loss).loss;
        v.assign(tf.tensor1d([original]));
        return value;
      };
      const fd = (at(h) - at(-h)) / (2 * h);
      expect(fd).to.be.closeTo(g, 2e-3 * Math.max(1, Math.abs(g)));
    }
    tf.dispose([est, gt, ...Object.values(grads)]);
    loss.dispose();
  });

  it('zero error gives a finite (zero) gradient wrt the estimate, like torch.norm', () => {
    const loss = new CameraPoseLoss({ learnable: false, sX: 1, sQ: 1 });
    const gt = tf.tensor2d(GT);
    const g = tf.grad((est: tf.Tensor) => loss.forward(est as tf.Tensor2D, gt).loss)(tf.tensor2d(GT));
    expect(Array.from(g.dataSync()).every(Number.isFinite)).to.equal(true);
    tf.dispose([gt, g]);
    loss.dispose();
  });
});

describe('sceneNllLoss', () => {
  it('is the mean negative log-probability of the true scene', () => {
    const logProbs = tf.logSoftmax(
      tf.tensor2d([
        [1, 2, 3],
        [0, 0, 0],
      ]),
    ) as tf.Tensor2D;
    const value = sceneNllLoss(logProbs, tf.tensor1d([2, 0], 'int32'));
    // -log softmax([1,2,3])[2] = 0.4076060, -log(1/3) = 1.0986123
    expect(value.dataSync()[0]).to.be.closeTo((0.407606 + 1.0986123) / 2, 1e-6);
    tf.dispose([logProbs, value]);
  });

  it('takes column 0 with one scene (oneHot of depth 1)', () => {
    const logProbs = tf.tensor2d([[-0.5], [-1.5]]);
    const value = sceneNllLoss(logProbs, tf.tensor1d([0, 0], 'int32'));
    expect(value.dataSync()[0]).to.be.closeTo(1, 1e-7);
    tf.dispose([logProbs, value]);
  });
});
