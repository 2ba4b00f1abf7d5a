import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { qkAlignmentLoss, type LayerQueriesKeys } from '../../losses/qk-alignment.js';
import { qkCentroidDistance } from '../../lib/diagnostics/qk-centroid.js';
import { LayerNorm } from '../../lib/nn/layer-norm.js';
import { readSafetensors, type Safetensors } from '../../lib/nn/safetensors.js';
import { Rng } from '../../lib/runtime/rng.js';

const HEADS = 4;

/** [S, B, C] sequence-first → per-head [B, H, S, C/H]. */
function toHeads(x: tf.Tensor): tf.Tensor {
  const [s, b, c] = x.shape as [number, number, number];
  return tf.transpose(tf.reshape(x, [s, b, HEADS, c / HEADS]), [1, 2, 0, 3]);
}

describe('qkCentroidDistance / qkAlignmentLoss', () => {
  it('hand-computed centroids', () => {
    // B=1, H=2, dh=2. Head 0: q centroid (1, 1), k centroid (4, 5) → 5. Head 1: equal centroids → 0.
    const q = tf.tensor4d([[[[0, 0], [2, 2]], [[1, 0], [-1, 0]]]]);
    const k = tf.tensor4d([[[[4, 5], [4, 5], [4, 5]], [[0, 3], [0, -3], [0, 0]]]]);
    const d = qkCentroidDistance(q, k);
    expect(d.shape).to.deep.equal([1, 2]);
    const [d0, d1] = Array.from(d.dataSync());
    expect(d0).to.be.closeTo(5, 1e-6);
    expect(d1).to.be.closeTo(0, 1e-6);
    const loss = qkAlignmentLoss([{ queries: q, keys: k }]);
    expect(loss.dataSync()[0]).to.be.closeTo(2.5, 1e-6);
    tf.dispose([q, k, d, loss]);
  });

  it('gives a zero, not NaN, gradient when the centroids coincide', () => {
    const q = tf.tensor4d([[[[1, 2], [3, 4]]]]);
    const k = tf.tensor4d([[[[2, 3]]]]);
    const g = tf.grad((x: tf.Tensor) => qkAlignmentLoss([{ queries: x, keys: k }]))(q);
    expect(Array.from(g.dataSync())).to.deep.equal([0, 0, 0, 0]);
    tf.dispose([q, k, g]);
  });

  it('matches finite differences', () => {
    const rng = new Rng(7);
    const make = (shape: number[]): tf.Tensor => tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b) }, () => rng.normal()), shape);
    const layers: LayerQueriesKeys[] = [
      { queries: make([2, 3, 4, 5]), keys: make([2, 3, 6, 5]) },
      { queries: make([2, 3, 4, 5]), keys: make([2, 3, 6, 5]) },
    ];
    const [q0, k1] = [layers[0]?.queries as tf.Tensor, layers[1]?.keys as tf.Tensor];
    const f = (a: tf.Tensor, b: tf.Tensor): tf.Scalar =>
      qkAlignmentLoss([{ queries: a, keys: layers[0]?.keys as tf.Tensor }, { queries: layers[1]?.queries as tf.Tensor, keys: b }]);
    const [ga, gb] = tf.grads((a: tf.Tensor, b: tf.Tensor) => f(a, b))([q0, k1]) as [tf.Tensor, tf.Tensor];
    const eps = 1e-2;
    let worst = 0;
    for (const [x, g, which] of [[q0, ga, 0], [k1, gb, 1]] as const) {
      const base = x.dataSync();
      const grad = g.dataSync();
      for (const i of [0, 7, 19, 40, base.length - 1]) {
        const bump = (delta: number): number => {
          const v = Float32Array.from(base);
          v[i] = (v[i] as number) + delta;
          return tf.tidy(() => {
            const t = tf.tensor(v, x.shape);
            return (which === 0 ? f(t, k1) : f(q0, t)).dataSync()[0] as number;
          });
        };
        const numeric = (bump(eps) - bump(-eps)) / (2 * eps);
        worst = Math.max(worst, Math.abs(numeric - (grad[i] as number)));
      }
    }
    expect(worst).to.be.below(1e-4);
    tf.dispose([ga, gb, ...layers.flatMap((l) => [l.queries, l.keys])]);
  });

  it('reproduces ActMST res_means of encoder layer 0 (mst_encoder_qka fixture)', async () => {
    const fx: Safetensors = await readSafetensors('../shared/fixtures/mst_encoder_qka.safetensors');
    const get = (k: string): tf.Tensor => fx.tensors.get(k) as tf.Tensor;
    const norm1 = new LayerNorm(64);
    norm1.loadStateDict({ weight: get('layers.0.norm1.weight'), bias: get('layers.0.norm1.bias') });
    const d = tf.tidy(() => {
      const x = tf.add(norm1.forward(get('input.src')), get('input.pos')); // [S, B, C]
      const [wq, wk] = tf.split(get('layers.0.self_attn.in_proj_weight'), 3, 0).slice(0, 2) as [tf.Tensor, tf.Tensor];
      const [bq, bk] = tf.split(get('layers.0.self_attn.in_proj_bias'), 3, 0).slice(0, 2) as [tf.Tensor, tf.Tensor];
      const q = tf.add(tf.matMul(tf.reshape(x, [-1, 64]), wq, false, true), bq).reshape(x.shape);
      const k = tf.add(tf.matMul(tf.reshape(x, [-1, 64]), wk, false, true), bk).reshape(x.shape);
      return qkCentroidDistance(toHeads(q), toHeads(k)); // [B, H]
    });
    const expected = tf.tidy(() => tf.squeeze(tf.slice(get('output.qk_centroid_dist'), [0, 0, 0], [-1, 1, -1]), [1]));
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(d, expected))).dataSync()[0] as number);
    expect(diff).to.be.below(1e-4);
    // The loss is the mean over B, L, H of the official distances.
    const fromOfficial = tf.tidy(() => tf.mean(get('output.qk_centroid_dist')).dataSync()[0] as number);
    expect(fromOfficial).to.be.closeTo(get('output.qka_loss').dataSync()[0] as number, 1e-5);
    tf.dispose([d, expected, ...fx.tensors.values()]);
    norm1.dispose();
  });

  it('leaks no tensors', () => {
    const q = tf.ones([1, 2, 3, 4]);
    const k = tf.zeros([1, 2, 5, 4]);
    const before = tf.memory().numTensors;
    tf.dispose([qkCentroidDistance(q, k), qkAlignmentLoss([{ queries: q, keys: k }])]);
    const g = tf.grad((x: tf.Tensor) => qkAlignmentLoss([{ queries: x, keys: k }]))(q);
    g.dispose();
    expect(tf.memory().numTensors).to.equal(before);
    tf.dispose([q, k]);
  });
});
