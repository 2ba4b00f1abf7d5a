// The composites beyond fixture parity: official names per configuration, DETR's xavier reset,
// attention records, gradient wiring, dropout modes, Query-Key Alignment training, memory.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Rng } from '../../lib/runtime/rng.js';
import { ConditionalTransformer } from '../../lib/transformer/conditional-transformer.js';
import { DetrTransformer } from '../../lib/transformer/detr-transformer.js';
import { MSTTransformer } from '../../lib/transformer/mst-transformer.js';
import type { TransformerInputs } from '../../lib/transformer/tokens.js';
import { qkAlignmentLoss } from '../../losses/qk-alignment.js';

const C = 16;
const NH = 2;
const config = { dModel: C, nhead: NH, numEncoderLayers: 2, numDecoderLayers: 2, dimFeedforward: 24, dropout: 0 } as const;

/** B = 2 maps of 3×4 with image 1's last column padded; 5 queries. */
function toyInputs(seed: number, withMask = true): TransformerInputs {
  const rng = new Rng(seed);
  const n = (shape: number[]) => tf.randomNormal(shape, 0, 1, 'float32', rng.seed());
  const mask = tf.tidy(() => tf.greater(tf.tensor3d([0, 0, 0, 0, 0, 0, 0, 1], [2, 1, 4]).tile([1, 3, 1]), 0));
  return { src: n([2, 3, 4, C]), pos: n([2, 3, 4, C]), queryEmbed: n([5, C]), ...(withMask ? { mask } : {}) };
}

describe('transformer composites', () => {
  it('names MS-Transformer parameters as ActMST (pre-norm: encoder.norm, multihead_attn) and Conditional DETR as official', () => {
    const mst = new MSTTransformer({ ...config, rng: new Rng(0) });
    const names = [...mst.stateDict().keys()];
    expect(names).to.include.members([
      'encoder.norm.weight',
      'encoder.layers.1.self_attn.in_proj_weight',
      'decoder.layers.0.multihead_attn.in_proj_bias',
      'decoder.norm.bias',
    ]);
    expect(mst.torchStateDict().get('encoder.layers.0.self_attn.in_proj_weight')?.shape).to.deep.equal([3 * C, C]);
    const cond = new ConditionalTransformer({ ...config, rng: new Rng(0) });
    const condNames = [...cond.stateDict().keys()];
    expect(condNames).to.include('decoder.layers.0.ca_qpos_proj.weight');
    expect(condNames).not.to.include('decoder.layers.1.ca_qpos_proj.weight');
    expect(condNames).not.to.include('encoder.norm.weight');
    expect(condNames.filter((n) => n.includes('in_proj') && n.startsWith('decoder'))).to.deep.equal([]);
    mst.dispose();
    cond.dispose();
  });

  it('starts layers as clones of layer 0, then redraws every rank-2 parameter with xavier_uniform (_get_clones, _reset_parameters)', () => {
    const model = new DetrTransformer({ dModel: 64, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 1, dimFeedforward: 128, rng: new Rng(1) });
    const [layer0, layer1] = model.encoder.layers.items;
    expect(layer0?.linear1.bias?.arraySync()).to.deep.equal(layer1?.linear1.bias?.arraySync());
    expect(layer0?.linear1.weight.arraySync()).to.not.deep.equal(layer1?.linear1.weight.arraySync());
    const torch = model.torchStateDict();
    for (const [name, t] of torch) {
      if (t.rank !== 2) continue;
      const [fanOut, fanIn] = t.shape as [number, number];
      const bound = Math.sqrt(6 / (fanIn + fanOut));
      const values = Array.from(t.dataSync());
      const max = values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const variance = values.reduce((s, v) => s + v * v, 0) / values.length;
      expect(max, name).to.be.at.most(bound);
      expect(variance / ((bound * bound) / 3), name).to.be.within(0.9, 1.1);
    }
    tf.dispose([...torch.values()]);
    model.dispose();
  });

  it('returns per-layer attention records; the concat cross-attention has 2C/H-wide heads and ignores padding', () => {
    const model = new ConditionalTransformer({ ...config, rng: new Rng(2) }).eval();
    const inputs = toyInputs(3);
    const before = tf.memory().numTensors;
    const out = model.forward(inputs, { returnAttention: true });
    expect(out.hs.shape).to.deep.equal([2, 2, 5, C]);
    expect(out.references.shape).to.deep.equal([2, 5, 2]);
    expect(out.memory.shape).to.deep.equal([2, 12, C]);
    expect(out.encoderAttention?.map((a) => a.weights.shape)).to.deep.equal([
      [2, NH, 12, 12],
      [2, NH, 12, 12],
    ]);
    const cross = out.decoderAttention?.[1]?.crossAttention;
    expect(cross?.queries.shape).to.deep.equal([2, NH, 5, (2 * C) / NH]);
    expect(cross?.keys.shape).to.deep.equal([2, NH, 12, (2 * C) / NH]);
    const weights = cross?.weights.arraySync() as number[][][][];
    const paddedColumn = [3, 7, 11]; // image 1, w = 3 in each of the 3 rows
    for (const row of weights[1]?.flat() ?? []) expect(paddedColumn.map((t) => row[t])).to.deep.equal([0, 0, 0]);
    // hs, references, memory; 2 encoder records and 2 decoder layers × 2 records of 3 tensors each
    expect(tf.memory().numTensors - before).to.equal(3 + 2 * 3 + 2 * 2 * 3);
    tf.dispose([out, Object.values(inputs)]);
    model.dispose();
  });

  it('sends gradient to every parameter of ConditionalTransformer except the weights that see tgt = 0 in layer 0', () => {
    const model = new ConditionalTransformer({ ...config, rng: new Rng(4) });
    model.train();
    const inputs = toyInputs(5);
    const { grads } = tf.variableGrads(() =>
      tf.tidy(() => {
        const { hs, references } = model.forward(inputs);
        return tf.add(tf.sum(tf.mul(hs, tf.randomNormal(hs.shape, 0, 1, 'float32', 6))), tf.sum(tf.square(references))) as tf.Scalar;
      }),
    );
    // Layer 0's self-attention content projections read the zero target: only their biases matter.
    const seesZeros = ['sa_qcontent_proj', 'sa_kcontent_proj', 'sa_v_proj'].map((p) => `decoder.layers.0.${p}.weight`);
    for (const [name, v] of model.namedParameters()) {
      const g = grads[v.name];
      expect(g, name).to.not.equal(undefined);
      const largest = tf.tidy(() => tf.max(tf.abs(g as tf.Tensor)).dataSync()[0] as number);
      if (seesZeros.includes(name)) expect(largest, name).to.equal(0);
      else expect(largest, name).to.be.above(0);
    }
    tf.dispose([Object.values(grads), Object.values(inputs)]);
    model.dispose();
  });

  it('applies dropout in training mode only', () => {
    const model = new DetrTransformer({ ...config, dropout: 0.3, rng: new Rng(7) });
    const inputs = toyInputs(8);
    const hs = (m: DetrTransformer) => tf.tidy(() => m.forward(inputs).hs.arraySync() as number[][][][]);
    const [trainA, trainB] = [hs(model.train()), hs(model)];
    const [evalA, evalB] = [hs(model.eval()), hs(model)];
    expect(evalA).to.deep.equal(evalB);
    expect(trainA).to.not.deep.equal(trainB);
    expect(trainA).to.not.deep.equal(evalA);
    tf.dispose(Object.values(inputs));
    model.dispose();
  });

  it('MSTTransformer: Query-Key Alignment loss from the encoder records decreases under SGD on the encoder', () => {
    const model = new MSTTransformer({ ...config, rng: new Rng(9) }).eval();
    const inputs = toyInputs(10, false);
    const optimizer = tf.train.sgd(0.05);
    const qka = () =>
      tf.tidy(() => {
        const { encoderAttention = [], hs, memory } = model.forward(inputs, { returnAttention: true });
        tf.dispose([hs, memory]);
        return qkAlignmentLoss(encoderAttention);
      });
    const losses: number[] = [];
    for (let step = 0; step < 5; step++) {
      const loss = optimizer.minimize(qka, true, model.encoder.trainableVariables()) as tf.Scalar;
      losses.push(loss.dataSync()[0] as number);
      loss.dispose();
    }
    expect(losses[4]).to.be.below((losses[0] as number) * 0.9);
    optimizer.dispose();
    tf.dispose(Object.values(inputs));
    model.dispose();
  });
});
