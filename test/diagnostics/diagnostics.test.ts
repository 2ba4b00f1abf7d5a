import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { attentionEntropy, attentionEntropyPerHead, attentionRowEntropy, layerAttentionEntropies } from '../../lib/diagnostics/attention-entropy.js';
import { attentionMaps, encoderAttentionMaps } from '../../lib/diagnostics/attention-maps.js';
import { purityHistogram, queryRegionPurity } from '../../lib/diagnostics/query-region-purity.js';
import { Rng } from '../../lib/runtime/rng.js';

describe('attention entropy', () => {
  it('is log(Lk) for uniform rows, 0 for one-hot rows, and hand values otherwise', () => {
    const uniform = tf.fill([2, 3, 4, 7], 1 / 7);
    expect(attentionEntropy(uniform)).to.be.closeTo(Math.log(7), 1e-6);
    const oneHot = tf.oneHot(tf.tensor3d([[[0, 3]]], [1, 1, 2], 'int32'), 5).toFloat(); // [1,1,2,5]
    expect(attentionEntropy(oneHot)).to.equal(0);
    // Head 0: one row [0.5, 0.5, 0, 0] → log 2 (zeros contribute 0); head 1: [1, 0, 0, 0] → 0.
    const mixed = tf.tensor4d([[[[0.5, 0.5, 0, 0]], [[1, 0, 0, 0]]]]);
    expect(Array.from(attentionRowEntropy(mixed).dataSync())[0]).to.be.closeTo(Math.log(2), 1e-6);
    const perHead = attentionEntropyPerHead(mixed);
    expect(perHead[0]).to.be.closeTo(Math.log(2), 1e-6);
    expect(perHead[1]).to.equal(0);
    expect(attentionEntropy(mixed)).to.be.closeTo(Math.log(2) / 2, 1e-6);
    const perLayer = layerAttentionEntropies([uniform, mixed]);
    expect(perLayer[0]).to.be.closeTo(Math.log(7), 1e-6);
    expect(perLayer[1]).to.be.closeTo(Math.log(2) / 2, 1e-6);
    tf.dispose([uniform, oneHot, mixed]);
  });
});

describe('query-region purity', () => {
  it('is 1 for separated query and key clusters', () => {
    const rng = new Rng(3);
    const cloud = (n: number, centre: number): number[][] => Array.from({ length: n }, () => [centre + rng.normal(), centre + rng.normal()]);
    const q = tf.tensor4d([[cloud(12, 0)]]); // [1,1,12,2]
    const k = tf.tensor4d([[cloud(20, 100)]]); // [1,1,20,2]
    const p = queryRegionPurity(q, k, 10);
    expect(p.shape).to.deep.equal([1, 1, 12]);
    expect(Array.from(p.dataSync())).to.deep.equal(new Array(12).fill(1));
    // And the keys-around-queries view: one query sitting inside the key cluster has purity 0.
    const lone = tf.tensor4d([[[[100, 100]]]]);
    const p0 = queryRegionPurity(lone, k, 5);
    expect(p0.dataSync()[0]).to.equal(0);
    tf.dispose([q, k, p, lone, p0]);
  });

  it('identical query and key sets: (k−1)/2 queries among k neighbours (odd k)', () => {
    // 1-D points with distinct gaps; each query's twin key is at distance 0 and every other
    // location appears twice (its query and its key), so k = 1, 3, 5 give 0, 1/3, 2/5.
    const pts = [[0], [1], [3], [7], [15]];
    const q = tf.tensor4d([[pts]]);
    const k = tf.tensor4d([[pts]]);
    for (const [kk, expected] of [
      [1, 0],
      [3, 1 / 3],
      [5, 2 / 5],
    ] as const) {
      const p = queryRegionPurity(q, k, kk);
      for (const v of p.dataSync()) expect(v).to.be.closeTo(expected, 1e-6);
      p.dispose();
    }
    tf.dispose([q, k]);
  });

  it('hand-computed mixed case and batch/head independence', () => {
    // Head 0: q = {0, 10}, k = {1, 2}; k = 2: q@0 → neighbours 1(k), 2(k) → 0;
    // q@10 → 2(k) at 8, 1(k) at 9, (0(q) at 10 is third) → 0.
    // Head 1: q = {0, 1}, k = {5, 6}: q@0 → 1(q), 5(k) → 1/2; q@1 → 0(q), 5(k) → 1/2.
    const q = tf.tensor4d([
      [
        [[0], [10]],
        [[0], [1]],
      ],
    ]);
    const k = tf.tensor4d([
      [
        [[1], [2]],
        [[5], [6]],
      ],
    ]);
    const p = queryRegionPurity(q, k, 2);
    expect(Array.from(p.dataSync())).to.deep.equal([0, 0, 0.5, 0.5]);
    tf.dispose([q, k, p]);
  });

  it('rejects k outside [1, Lq + Lk − 1]', () => {
    const q = tf.zeros([1, 1, 2, 3]);
    const k = tf.zeros([1, 1, 2, 3]);
    expect(() => queryRegionPurity(q, k, 4)).to.throw(/k must be/);
    expect(() => queryRegionPurity(q, k, 0)).to.throw(/k must be/);
    tf.dispose([q, k]);
  });

  it('accumulates a histogram over batches with exact bin edges', () => {
    const a = tf.tensor1d([0, 0.1, 0.7, 1, 0.95]); // float32 0.7 → bin 7, 1 → last bin
    const b = tf.tensor1d([0.05, 0.3]);
    const h1 = purityHistogram(a);
    expect(h1).to.deep.equal([1, 1, 0, 0, 0, 0, 0, 1, 0, 2]);
    const h2 = purityHistogram(b, 10, h1);
    expect(h2).to.deep.equal([2, 1, 0, 1, 0, 0, 0, 1, 0, 2]);
    expect(h1).to.deep.equal([1, 1, 0, 0, 0, 0, 0, 1, 0, 2]); // not mutated
    tf.dispose([a, b]);
  });
});

describe('attention maps', () => {
  it('reshapes cross-attention rows onto the grid and picks encoder tokens by cell', () => {
    const h = 2;
    const w = 3;
    const weights = tf.reshape(tf.range(0, 2 * 6 * 6), [1, 2, 6, 6]); // [B=1,H=2,HW,HW]
    const maps = attentionMaps(weights, h, w);
    expect(maps.shape).to.deep.equal([1, 2, 6, 2, 3]);
    // map of head 1, query 4, cell (y=1, x=2) = key token 1·3+2 = 5 → value 36 + 4·6 + 5.
    expect((maps.arraySync() as number[][][][][])[0]?.[1]?.[4]?.[1]?.[2]).to.equal(36 + 24 + 5);
    const chosen = encoderAttentionMaps(weights, h, w, [
      { y: 1, x: 0 },
      { y: 0, x: 2 },
    ]); // tokens 3, 2
    expect(chosen.shape).to.deep.equal([1, 2, 2, 2, 3]);
    const c = chosen.arraySync() as number[][][][][];
    expect(c[0]?.[0]?.[0]?.[0]?.[0]).to.equal(3 * 6);
    expect(c[0]?.[1]?.[1]?.[1]?.[1]).to.equal(36 + 2 * 6 + 4);
    expect(() => encoderAttentionMaps(weights, h, w, [{ y: 2, x: 0 }])).to.throw(/outside/);
    expect(() => attentionMaps(weights, 3, 3)).to.throw(/expected/);
    tf.dispose([weights, maps, chosen]);
  });
});

describe('diagnostics memory', () => {
  it('leaves numTensors unchanged', () => {
    const w = tf.fill([1, 2, 3, 4], 0.25);
    const q = tf.randomNormal([1, 2, 3, 4], 0, 1, 'float32', 1);
    const k = tf.randomNormal([1, 2, 5, 4], 0, 1, 'float32', 2);
    const selfAttention = tf.fill([1, 1, 4, 4], 0.25);
    const before = tf.memory().numTensors;
    attentionEntropy(w);
    attentionEntropyPerHead(w);
    layerAttentionEntropies([w, w]);
    const p = queryRegionPurity(q, k, 3);
    purityHistogram(p);
    tf.dispose([p, attentionRowEntropy(w), attentionMaps(w, 2, 2), encoderAttentionMaps(selfAttention, 2, 2, [{ y: 0, x: 1 }])]);
    expect(tf.memory().numTensors).to.equal(before);
    tf.dispose([w, q, k, selfAttention]);
  });
});
