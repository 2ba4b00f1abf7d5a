import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { readSafetensors, type Safetensors } from '../../lib/nn/safetensors.js';
import { buildPositionEncoding } from '../../lib/position/build.js';
import { PositionEmbeddingLearned } from '../../lib/position/learned-embedding.js';
import { sineEmbedReferencePoints } from '../../lib/position/reference-points.js';
import { PositionEmbeddingSine, sinePositionEmbedding } from '../../lib/position/sine-embedding.js';

const FIXTURE = '../shared/fixtures/position_encodings.safetensors';
const TOL = 1e-4;

/** max |ours − fixture|, with the NCHW fixture moved to NHWC. */
function maxDiffNchw(ours: tf.Tensor, nchw: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(ours, tf.transpose(nchw, [0, 2, 3, 1])))).dataSync()[0] as number);
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
}

describe('position encodings (fixture parity)', () => {
  let fx: Safetensors;
  const get = (k: string): tf.Tensor => {
    const t = fx.tensors.get(k);
    if (t === undefined) throw new Error(`fixture key ${k} missing`);
    return t;
  };
  before(async () => {
    fx = await readSafetensors(FIXTURE);
  });
  after(() => {
    for (const t of fx.tensors.values()) t.dispose();
  });

  const sineCases: [string, string, boolean][] = [
    ['output.detr_sine_normalized', 'input.mask', true],
    ['output.detr_sine', 'input.mask', false],
    ['output.actmst_sine', 'input.mask', false],
    ['output.actmst_sine_nopad', 'input.mask_nopad', false],
  ];
  for (const [out, mask, normalize] of sineCases) {
    it(`PositionEmbeddingSine matches ${out}`, () => {
      const pe = new PositionEmbeddingSine({ numPosFeats: 32, normalize });
      const y = pe.forward(get(mask));
      expect(y.shape).to.deep.equal([2, 5, 6, 64]);
      expect(maxDiffNchw(y, get(out))).to.be.below(TOL);
      y.dispose();
    });
  }

  it('PositionEmbeddingLearned with the fixture weights matches output.actmst_learned', () => {
    const pe = new PositionEmbeddingLearned(32);
    expect(pe.namedParameters().map(([n, v]) => [n, v.shape])).to.deep.equal([
      ['row_embed.weight', [50, 32]],
      ['col_embed.weight', [50, 32]],
    ]);
    pe.loadStateDict({ 'row_embed.weight': get('row_embed.weight'), 'col_embed.weight': get('col_embed.weight') }, { layout: 'torch' });
    const y = pe.forward(get('input.mask'));
    expect(y.shape).to.deep.equal([2, 5, 6, 64]);
    expect(maxDiffNchw(y, get('output.actmst_learned'))).to.be.below(TOL);
    y.dispose();
    pe.dispose();
  });

  it('gen_sineembed_for_position at 128 features (official) and 32 (generalised)', () => {
    const official = sineEmbedReferencePoints(get('input.ref_points'));
    const generalised = sineEmbedReferencePoints(get('input.ref_points'), 32);
    expect(official.shape).to.deep.equal([7, 2, 256]);
    expect(generalised.shape).to.deep.equal([7, 2, 64]);
    expect(maxDiff(official, get('output.cond_query_sine'))).to.be.below(TOL);
    expect(maxDiff(generalised, get('output.cond_query_sine_generalized'))).to.be.below(TOL);
    tf.dispose([official, generalised]);
  });
});

describe('position encodings (hand-computed)', () => {
  it('codes channel 0/1 as sin/cos of the raw 1-based position and channel 2 with T^(2/F)', () => {
    const mask = tf.tensor3d([[[false, false, true]]], [1, 1, 3], 'bool');
    const y = sinePositionEmbedding(mask, { numPosFeats: 4, temperature: 100 }); // [1,1,3,8]
    const v = y.arraySync() as number[][][][];
    const row = v[0]?.[0] as number[][];
    // y-embedding: every cell has cumsum-y 1 except the padded one (0).
    expect(row[0]?.[0]).to.be.closeTo(Math.sin(1), 1e-6);
    expect(row[0]?.[1]).to.be.closeTo(Math.cos(1), 1e-6);
    expect(row[2]?.[0]).to.be.closeTo(0, 1e-6); // padded cell: cumsum 0
    // x-embedding of cell 1 (x = 2): channels 4..7 with dim_t [1, 1, 100^(2/4), 100^(2/4)] = [1,1,10,10].
    const expected = [Math.sin(2), Math.cos(2), Math.sin(0.2), Math.cos(0.2)];
    (row[1]?.slice(4) as number[]).forEach((x, i) => expect(x).to.be.closeTo(expected[i] as number, 1e-6));
    // x of the padded cell stays at the previous count (2).
    (row[2]?.slice(4) as number[]).forEach((x, i) => expect(x).to.be.closeTo(expected[i] as number, 1e-6));
    tf.dispose([mask, y]);
  });

  it('normalises to scale at the last valid cell', () => {
    const mask = tf.tensor3d([[[false, false, false, false]]], [1, 1, 4], 'bool');
    const y = sinePositionEmbedding(mask, { numPosFeats: 2, normalize: true, scale: Math.PI / 2 });
    const v = (y.arraySync() as number[][][][])[0]?.[0] as number[][];
    // x = (i+1)/4 · π/2 / (1 + 1e-6/4 …): last cell sin ≈ 1.
    expect(v[3]?.[2]).to.be.closeTo(1, 1e-5);
    expect(v[1]?.[2]).to.be.closeTo(Math.sin(Math.PI / 4), 1e-5);
    tf.dispose([mask, y]);
  });

  it('initialises the learned tables U(0, 1) and rejects maps larger than 50', () => {
    const pe = new PositionEmbeddingLearned(8);
    const w = pe.rowEmbed.weight.dataSync();
    expect(Math.min(...w)).to.be.at.least(0);
    expect(Math.max(...w)).to.be.below(1);
    const big = tf.zeros([1, 51, 2], 'bool');
    expect(() => pe.forward(big)).to.throw(/exceeds/);
    tf.dispose(big);
    pe.dispose();
  });

  it('buildPositionEncoding gives hiddenDim channels', () => {
    const mask = tf.zeros([1, 3, 4], 'bool');
    for (const kind of ['sine', 'learned'] as const) {
      const pe = buildPositionEncoding(16, kind);
      expect(pe.channels).to.equal(16);
      const y = pe.forward(mask);
      expect(y.shape).to.deep.equal([1, 3, 4, 16]);
      tf.dispose(y);
      pe.dispose();
    }
    mask.dispose();
  });

  it('differentiates the reference-point embedding (finite differences)', () => {
    // Σ_c w_c · embed(p)_c with fixed weights; d/dp checked numerically per coordinate.
    const p = tf.tensor3d([[[0.3, 0.7]], [[0.55, 0.2]]]); // [2, 1, 2]
    const wts = tf.tensor1d(Array.from({ length: 16 }, (_, i) => Math.cos(i)));
    const f = (x: tf.Tensor): tf.Scalar => tf.sum(tf.mul(sineEmbedReferencePoints(x, 8), wts));
    const g = tf.grad(f)(p);
    const base = p.dataSync();
    const grad = g.dataSync();
    const eps = 1e-3;
    for (let i = 0; i < base.length; i++) {
      const at = (delta: number): number =>
        tf.tidy(() => {
          const v = Float32Array.from(base);
          v[i] = (v[i] as number) + delta;
          return f(tf.tensor(v, p.shape)).dataSync()[0] as number;
        });
      expect(grad[i]).to.be.closeTo((at(eps) - at(-eps)) / (2 * eps), 5e-3);
    }
    tf.dispose([p, wts, g]);
  });

  it('rejects an odd feature count and a scale without normalize', () => {
    const mask = tf.zeros([1, 2, 2], 'bool');
    expect(() => sinePositionEmbedding(mask, { numPosFeats: 3 })).to.throw(/even/);
    expect(() => sinePositionEmbedding(mask, { scale: 1 })).to.throw(/normalize/);
    mask.dispose();
  });

  it('leaks no tensors', () => {
    const mask = tf.zeros([2, 3, 4], 'bool');
    const pts = tf.fill([3, 2, 2], 0.5);
    const learned = new PositionEmbeddingLearned(4);
    const before = tf.memory().numTensors;
    tf.dispose([sinePositionEmbedding(mask, { normalize: true }), sineEmbedReferencePoints(pts, 16), learned.forward(mask)]);
    expect(tf.memory().numTensors).to.equal(before);
    tf.dispose([mask, pts]);
    learned.dispose();
  });
});
