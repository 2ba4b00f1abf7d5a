import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { HungarianMatcher } from '../../losses/hungarian-matcher.js';
import { linearSumAssignment } from '../../losses/linear-sum-assignment.js';
import { Rng } from '../../lib/runtime/rng.js';
import { fixtureLayer, fixtureTargets, NUM_LAYERS, type Part } from './detection-fixture.js';
import { type Fixture, loadFixture, maxAbsDiff } from '../helpers/safetensors-fixture.js';

const MATCHERS: Record<Part, () => HungarianMatcher> = {
  detr: () => HungarianMatcher.detr(),
  cond_detr: () => HungarianMatcher.conditionalDetr(),
};

function pairs(src: ArrayLike<number>, tgt: ArrayLike<number>): string[] {
  return Array.from(src, (s, i) => `${s}-${tgt[i]}`).sort();
}

/** Minimum assignment cost by enumerating every injective map of the smaller side into the larger. */
function bruteForceMinCost(cost: number[][]): number {
  const rows = cost.length;
  const cols = cost[0]?.length ?? 0;
  const tall = rows >= cols;
  const small = tall ? cols : rows;
  const large = tall ? rows : cols;
  const at = (s: number, l: number): number => (tall ? cost[l]![s]! : cost[s]![l]!);
  let best = Infinity;
  const used = new Array<boolean>(large).fill(false);
  const go = (s: number, acc: number): void => {
    if (s === small) {
      best = Math.min(best, acc);
      return;
    }
    for (let l = 0; l < large; l++) {
      if (used[l]) continue;
      used[l] = true;
      go(s + 1, acc + at(s, l));
      used[l] = false;
    }
  };
  go(0, 0);
  return best;
}

describe('linearSumAssignment (munkres)', () => {
  it('returns a valid optimal assignment ordered by row on tall, wide and square matrices', () => {
    const rng = new Rng(7);
    for (const [r, c] of [[7, 3], [3, 7], [5, 5], [6, 1], [1, 4], [8, 6]] as const) {
      for (let trial = 0; trial < 20; trial++) {
        const cost = Array.from({ length: r }, () => Array.from({ length: c }, () => rng.normal() * 3));
        const a = linearSumAssignment(cost);
        expect(a.rows.length).to.equal(Math.min(r, c));
        expect(Array.from(a.rows)).to.deep.equal([...a.rows].sort((x, y) => x - y));
        expect(new Set(a.rows).size).to.equal(a.rows.length);
        expect(new Set(a.cols).size).to.equal(a.cols.length);
        const sum = Array.from(a.rows).reduce((s, row, i) => s + cost[row]![a.cols[i]!]!, 0);
        expect(a.cost).to.be.closeTo(sum, 1e-9);
        expect(a.cost).to.be.closeTo(bruteForceMinCost(cost), 1e-9);
      }
    }
  });

  it('returns nothing for an empty matrix', () => {
    expect(linearSumAssignment([]).rows.length).to.equal(0);
    expect(linearSumAssignment([[], []]).cols.length).to.equal(0);
  });

  it('rejects non-finite costs and ragged rows', () => {
    expect(() => linearSumAssignment([[1, NaN], [0, 2]])).to.throw(/cost\[0\]\[1\] is NaN/);
    expect(() => linearSumAssignment([[1, 2], [0]])).to.throw(/row 1 has 1 columns/);
  });
});

describe('HungarianMatcher (official matcher.py parity)', () => {
  let fx: Fixture;
  before(async () => {
    fx = await loadFixture('matcher_and_losses.safetensors');
  });
  after(() => fx.dispose());

  for (const part of ['detr', 'cond_detr'] as const) {
    it(`${part}: builds the official cost matrices in one batched op`, () => {
      const matcher = MATCHERS[part]();
      const targets = fixtureTargets(fx);
      for (let l = 0; l < NUM_LAYERS; l++) {
        const cost = matcher.costMatrix(fixtureLayer(fx, part, l), targets); // [2·7, 3]
        expect(cost.shape).to.deep.equal([14, 3]);
        const image0 = tf.slice(cost, [0, 0], [7, 3]);
        expect(maxAbsDiff(image0.dataSync(), fx.values(`output.${part}.cost.${l}.0`))).to.be.below(1e-4);
        tf.dispose([cost, image0]);
      }
    });

    it(`${part}: matches every decoder layer exactly, with one read-back for all layers`, async () => {
      const matcher = MATCHERS[part]();
      const targets = fixtureTargets(fx);
      const layers = [0, 1, 2].map((l) => fixtureLayer(fx, part, l));
      const proto = tf.Tensor.prototype;
      const original = { data: proto.data, dataSync: proto.dataSync };
      let reads = 0;
      proto.data = function (this: tf.Tensor) {
        reads++;
        return original.data.call(this);
      } as typeof proto.data;
      proto.dataSync = function (this: tf.Tensor) {
        reads++;
        return original.dataSync.call(this);
      } as typeof proto.dataSync;
      let matches;
      try {
        matches = await matcher.matchLayers(layers, targets);
      } finally {
        Object.assign(proto, original);
      }
      expect(reads).to.equal(1);
      const sync = matcher.matchLayersSync(layers, targets);
      for (let l = 0; l < NUM_LAYERS; l++) {
        for (let i = 0; i < 2; i++) {
          const expected = pairs(fx.values(`output.${part}.match.${l}.${i}.src`), fx.values(`output.${part}.match.${l}.${i}.tgt`));
          const m = matches[l]![i]!;
          expect(pairs(m.src, m.tgt), `layer ${l} image ${i}`).to.deep.equal(expected);
          expect(pairs(sync[l]![i]!.src, sync[l]![i]!.tgt)).to.deep.equal(expected);
        }
        // the matched cost equals the optimum of the fixture's cost matrix
        const fixtureCost = fx.get(`output.${part}.cost.${l}.0`).arraySync() as number[][];
        const m = matches[l]![0]!;
        const matched = Array.from(m.src).reduce((s, q, k) => s + fixtureCost[q]![m.tgt[k]!]!, 0);
        expect(matched).to.be.closeTo(bruteForceMinCost(fixtureCost), 1e-5);
      }
    });
  }

  it('returns empty matches for a batch without any target', async () => {
    const matcher = HungarianMatcher.conditionalDetr();
    const empty = { labels: tf.tensor1d([], 'int32'), boxes: tf.zeros([0, 4]) };
    const layer = fixtureLayer(fx, 'cond_detr', 2);
    const [matches] = await matcher.matchLayers([layer], [empty, empty]);
    expect(matches!.map((m) => m.src.length + m.tgt.length)).to.deep.equal([0, 0]);
    tf.dispose([empty.labels, empty.boxes]);
  });

  it('leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    await HungarianMatcher.detr().matchLayers([0, 1, 2].map((l) => fixtureLayer(fx, 'detr', l)), fixtureTargets(fx));
    expect(tf.memory().numTensors).to.equal(before);
  });
});
