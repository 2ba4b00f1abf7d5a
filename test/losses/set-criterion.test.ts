import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import type { DetectionOutputs } from '../../losses/detection-types.js';
import { detectionWeightDict, type LossKey, SetCriterion } from '../../losses/set-criterion.js';
import { fixtureOutputs, fixtureTargets, type Part } from './detection-fixture.js';
import { type Fixture, loadFixture } from '../helpers/safetensors-fixture.js';

const CRITERIA: Record<Part, () => SetCriterion> = {
  detr: () => SetCriterion.detr(5, 3),
  cond_detr: () => SetCriterion.conditionalDetr(5, 3),
};

/** README tolerance for scalar losses: 1e-4 absolute plus 1e-5 relative. */
function expectLoss(actual: number, expected: number, what: string): void {
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).to.be.at.most(1e-4 + 1e-5 * Math.abs(expected));
}

describe('SetCriterion (official SetCriterion parity)', () => {
  let fx: Fixture;
  before(async () => {
    fx = await loadFixture('matcher_and_losses.safetensors');
  });
  after(() => fx.dispose());

  it('builds the official weight dict with aux copies', () => {
    expect(detectionWeightDict({ ce: 2, bbox: 5, giou: 2, numDecoderLayers: 3 })).to.deep.equal({
      loss_ce: 2, loss_bbox: 5, loss_giou: 2, loss_ce_0: 2, loss_bbox_0: 5, loss_giou_0: 2, loss_ce_1: 2, loss_bbox_1: 5, loss_giou_1: 2,
    });
  });

  for (const part of ['detr', 'cond_detr'] as const) {
    it(`${part}: every loss, aux loss, class/cardinality error and the weighted total`, async () => {
      const before = tf.memory().numTensors;
      const { losses, total } = await CRITERIA[part]().forward(fixtureOutputs(fx, part), fixtureTargets(fx));
      const prefix = `output.${part}.loss.`;
      const expectedKeys: string[] = [];
      for (const name of [
        'loss_ce', 'class_error', 'loss_bbox', 'loss_giou', 'cardinality_error',
        ...[0, 1].flatMap((j) => ['loss_ce', 'loss_bbox', 'loss_giou', 'cardinality_error'].map((k) => `${k}_${j}`)),
      ]) {
        expectedKeys.push(name);
        expectLoss(losses[name as LossKey].dataSync()[0] as number, fx.values(prefix + name)[0] as number, `${part} ${name}`);
      }
      expect(Object.keys(losses).sort()).to.deep.equal(expectedKeys.sort());
      expectLoss(total.dataSync()[0] as number, fx.values(`output.${part}.loss_weighted_total`)[0] as number, `${part} total`);
      tf.dispose([total, ...Object.values(losses)]);
      expect(tf.memory().numTensors).to.equal(before);
    });
  }

  it('handles a batch without any target (num_boxes 1, zero box losses, class_error 100)', () => {
    const empty = { labels: tf.tensor1d([], 'int32'), boxes: tf.zeros([0, 4]) };
    const outputs = fixtureOutputs(fx, 'detr');
    const criterion = CRITERIA.detr();
    const { losses, total } = criterion.compute(outputs, [empty, empty], criterion.matchSync(outputs, [empty, empty]));
    expect(losses.loss_bbox.dataSync()[0]).to.equal(0);
    expect(losses.loss_giou.dataSync()[0]).to.equal(0);
    expect(losses.class_error.dataSync()[0]).to.equal(100);
    // every query's target is the no-object class: loss_ce = Σ 0.1·nll / Σ 0.1 = mean nll of the last column
    const nll = tf.tidy(() => tf.neg(tf.mean(tf.slice(tf.logSoftmax(outputs.predLogits), [0, 0, 5], [-1, -1, 1]))));
    expect(losses.loss_ce.dataSync()[0]).to.be.closeTo(nll.dataSync()[0] as number, 1e-5);
    expect(Number.isFinite(total.dataSync()[0])).to.equal(true);
    tf.dispose([empty.labels, empty.boxes, nll, total, ...Object.values(losses)]);
  });

  for (const part of ['detr', 'cond_detr'] as const) {
    it(`${part}: gradients of the total through tf.variableGrads match finite differences`, () => {
      const criterion = CRITERIA[part]();
      const targets = fixtureTargets(fx);
      const base = fixtureOutputs(fx, part);
      const logits = tf.variable(base.predLogits.clone());
      const boxes = tf.variable(base.predBoxes.clone());
      const outputsOf = (l: tf.Tensor, b: tf.Tensor): DetectionOutputs => ({ predLogits: l, predBoxes: b, auxOutputs: base.auxOutputs });
      const matches = criterion.matchSync(outputsOf(logits, boxes), targets);
      const totalOf = (l: tf.Tensor, b: tf.Tensor): number => {
        const { losses, total } = criterion.compute(outputsOf(l, b), targets, matches);
        const v = total.dataSync()[0] as number;
        tf.dispose([total, ...Object.values(losses)]);
        return v;
      };
      const { value, grads } = tf.variableGrads(() => {
        const out = criterion.compute(outputsOf(logits, boxes), targets, criterion.matchSync(outputsOf(logits, boxes), targets));
        return out.total;
      }, [logits, boxes]);
      expectLoss(value.dataSync()[0] as number, fx.values(`output.${part}.loss_weighted_total`)[0] as number, 'variableGrads value');
      const eps = 1e-2;
      for (const [variable, probes] of [[logits, [0, 7, 12, 40]], [boxes, [0, 9, 10, 27]]] as const) {
        const g = grads[variable.name]!.dataSync();
        for (const i of probes) {
          const shift = (d: number): number => {
            const data = Float32Array.from(variable.dataSync());
            data[i] = (data[i] as number) + d;
            const moved = tf.tensor(data, variable.shape);
            const v = variable === logits ? totalOf(moved, boxes) : totalOf(logits, moved);
            moved.dispose();
            return v;
          };
          const fd = (shift(eps) - shift(-eps)) / (2 * eps);
          expect(g[i], `${variable.name}[${i}]`).to.be.closeTo(fd, 2e-2 * Math.max(1, Math.abs(fd)));
        }
      }
      tf.dispose([logits, boxes, value, ...Object.values(grads)]);
    });
  }
});
