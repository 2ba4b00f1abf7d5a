// Layer wiring: positions reach queries and keys but never values; Conditional DETR's first-layer
// rule for the cross-attention's content query / key.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { splitHeads } from '../../lib/attention/heads.js';
import type { MultiHeadAttention } from '../../lib/attention/multi-head-attention.js';
import { Rng } from '../../lib/runtime/rng.js';
import { ConditionalDecoderLayer } from '../../lib/transformer/conditional-decoder-layer.js';
import { TransformerDecoderLayer } from '../../lib/transformer/decoder-layer.js';
import { TransformerEncoderLayer } from '../../lib/transformer/encoder-layer.js';
import { maxAbsDiff } from './fixture.js';

const C = 8;
const NH = 2;
const layerOptions = { dModel: C, nhead: NH, dimFeedforward: 12, dropout: 0 } as const;

function randn(shape: number[], rng: Rng): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', rng.seed());
}

/** Zero the q and k columns of a packed in-projection: every query then attends uniformly. */
function flattenQueryKey(attention: MultiHeadAttention): void {
  const weight = attention.inProjWeight as tf.Variable;
  const bias = attention.inProjBias as tf.Variable;
  tf.tidy(() => {
    weight.assign(tf.concat([tf.zeros([C, 2 * C]), tf.slice(weight, [0, 2 * C], [C, C])], 1));
    bias.assign(tf.concat([tf.zeros([2 * C]), tf.slice(bias, [2 * C], [C])]));
  });
}

describe('transformer layers', () => {
  for (const normalizeBefore of [false, true]) {
    it(`encoder layer (${normalizeBefore ? 'pre' : 'post'}-norm) adds positions to q and k only`, () => {
      const rng = new Rng(1);
      const layer = new TransformerEncoderLayer({ ...layerOptions, normalizeBefore, activation: 'gelu', rng }).eval();
      const [src, pos, otherPos] = [randn([2, 6, C], rng), randn([2, 6, C], rng), randn([2, 6, C], rng)];
      const run = (p: tf.Tensor) => layer.forward(src, { pos: p }).output;
      const [a, b] = [run(pos), run(otherPos)];
      expect(maxAbsDiff(a, b)).to.be.above(1e-3); // positions matter through q and k …
      flattenQueryKey(layer.self_attn);
      const [c, d] = [run(pos), run(otherPos)];
      expect(maxAbsDiff(c, d)).to.be.below(1e-6); // … and only through them
      tf.dispose([src, pos, otherPos, a, b, c, d]);
      layer.dispose();
    });
  }

  it('DETR decoder layer adds query_pos / pos to q and k only, in both attentions', () => {
    const rng = new Rng(2);
    const layer = new TransformerDecoderLayer({ ...layerOptions, rng }).eval();
    const [tgt, memory] = [randn([2, 3, C], rng), randn([2, 6, C], rng)];
    const positions = () => ({ pos: randn([2, 6, C], rng), queryPos: randn([2, 3, C], rng) });
    const [p1, p2] = [positions(), positions()];
    const run = (p: typeof p1) => layer.forward(tgt, memory, p).output;
    const [a, b] = [run(p1), run(p2)];
    expect(maxAbsDiff(a, b)).to.be.above(1e-3);
    flattenQueryKey(layer.self_attn);
    flattenQueryKey(layer.multihead_attn);
    const [c, d] = [run(p1), run(p2)];
    expect(maxAbsDiff(c, d)).to.be.below(1e-6);
    tf.dispose([tgt, memory, Object.values(p1), Object.values(p2), a, b, c, d]);
    layer.dispose();
  });

  it('Conditional decoder layer: query/key positions join the content only in the first layer; k_pos and the sine query are concatenated always', () => {
    const rng = new Rng(3);
    const first = new ConditionalDecoderLayer({ ...layerOptions, isFirst: true, rng }).eval();
    const later = new ConditionalDecoderLayer({ ...layerOptions, isFirst: false, rng }).eval();
    const shared = new Map([...first.stateDict()].filter(([name]) => !name.startsWith('ca_qpos_proj.')));
    later.loadStateDict(shared);
    expect(later.ca_qpos_proj).to.equal(null);
    const [tgt, memory, pos, queryPos, querySineEmbed] = [[2, 3], [2, 6], [2, 6], [2, 3], [2, 3]].map((s) => randn([...s, C], rng));
    const options = { pos, queryPos, querySineEmbed, returnAttention: true } as const;
    const dh = C / NH;
    const contentHalf = (x: tf.Tensor) => tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, dh]);
    const spatialHalf = (x: tf.Tensor) => tf.slice(x, [0, 0, 0, dh], [-1, -1, -1, dh]);
    tf.tidy(() => {
      const kContent = first.ca_kcontent_proj.forward(memory);
      const kPos = first.ca_kpos_proj.forward(pos);
      const sine = first.ca_qpos_sine_proj.forward(querySineEmbed);
      for (const [layer, isFirst] of [[first, true], [later, false]] as const) {
        const cross = layer.forward(tgt, memory, options).attention?.crossAttention;
        const keys = cross?.keys as tf.Tensor;
        const queries = cross?.queries as tf.Tensor;
        const expectedContent = isFirst ? tf.add(kContent, kPos) : kContent;
        expect(maxAbsDiff(contentHalf(keys), splitHeads(expectedContent, NH))).to.be.below(1e-5);
        expect(maxAbsDiff(spatialHalf(keys), splitHeads(kPos, NH))).to.be.below(1e-5);
        expect(maxAbsDiff(spatialHalf(queries), splitHeads(sine, NH))).to.be.below(1e-5);
      }
    });
    tf.dispose([tgt, memory, pos, queryPos, querySineEmbed]);
    first.dispose();
    later.dispose();
  });
});
