// MultiHeadAttention against an independent float64 reference (both layouts and combine modes),
// key padding, finite-difference gradients, seeded dropout and memory hygiene.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import type { AttentionInputs } from '../../lib/attention/attend.js';
import { MultiHeadAttention } from '../../lib/attention/multi-head-attention.js';
import { Rng } from '../../lib/runtime/rng.js';
import { type Matrix, type ReferenceWeights, referenceAttention } from './reference.js';

const B = 2;
const LQ = 3;
const LK = 5;
const C = 8;
const H = 2;
const CV = 6; // concat layout: value / output width differs from the query / key width
const PADDED = [
  [false, false, false, false, false],
  [false, false, false, true, true],
]; // [B, Lk]

function normal(shape: number[], rng: Rng, scale = 1): tf.Tensor {
  return tf.randomNormal(shape, 0, scale, 'float32', rng.seed());
}

function makeInputs(rng: Rng, valueDim: number): AttentionInputs {
  return {
    queryContent: normal([B, LQ, C], rng),
    querySpatial: normal([B, LQ, C], rng),
    keyContent: normal([B, LK, C], rng),
    keySpatial: normal([B, LK, C], rng),
    value: normal([B, LK, valueDim], rng),
    keyPaddingMask: tf.tensor2d(PADDED, [B, LK], 'bool'),
  };
}

/** Random PyTorch-layout weights, loaded by name, and the same numbers for the reference. */
function loadRandomTorchWeights(attention: MultiHeadAttention, rng: Rng): ReferenceWeights {
  const torch = attention.torchStateDict();
  const values = new Map([...torch].map(([name, t]) => [name, tf.tidy(() => normal(t.shape, rng, 0.4))]));
  tf.dispose([...torch.values()]);
  attention.loadStateDict(values, { layout: 'torch' });
  const matrix = (name: string) => values.get(name)?.arraySync() as Matrix;
  const vector = (name: string) => values.get(name)?.arraySync() as number[];
  const weights: ReferenceWeights = {
    inProj: values.has('in_proj_weight') ? { weight: matrix('in_proj_weight'), bias: vector('in_proj_bias') } : undefined,
    outWeight: matrix('out_proj.weight'),
    outBias: vector('out_proj.bias'),
  };
  tf.dispose([...values.values()]);
  return weights;
}

function maxAbs(a: unknown, b: unknown): number {
  const fa = [a].flat(Infinity) as number[];
  const fb = [b].flat(Infinity) as number[];
  expect(fa.length).to.equal(fb.length);
  return fa.reduce((m, v, i) => Math.max(m, Math.abs(v - (fb[i] as number))), 0);
}

const layouts = [
  { name: 'add, packed in-projection (nn.MultiheadAttention)', combine: 'add', inputProjection: true, valueDim: C },
  { name: 'concat, no in-projection (Conditional DETR)', combine: 'concat', inputProjection: false, valueDim: CV },
] as const;

describe('MultiHeadAttention', () => {
  for (const layout of layouts) {
    it(`${layout.name} matches the float64 reference (output, weights, per-head q/k)`, () => {
      const rng = new Rng(1);
      const attention = new MultiHeadAttention({ embedDim: C, numHeads: H, ...layout, rng });
      expect([...attention.torchStateDict().keys()]).to.deep.equal(
        layout.inputProjection ? ['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias'] : ['out_proj.weight', 'out_proj.bias'],
      );
      const reference = loadRandomTorchWeights(attention, rng);
      const inputs = makeInputs(rng, layout.valueDim);
      const { output, attention: record } = attention.forward(inputs, { returnAttention: true });
      const headDim = layout.combine === 'concat' ? (2 * C) / H : C / H;
      expect(record?.weights.shape).to.deep.equal([B, H, LQ, LK]);
      expect(record?.queries.shape).to.deep.equal([B, H, LQ, headDim]);
      expect(record?.keys.shape).to.deep.equal([B, H, LK, headDim]);
      const arrays = (t: tf.Tensor | undefined) => t?.arraySync() as Matrix[];
      for (let b = 0; b < B; b++) {
        const at = (t: tf.Tensor | undefined) => arrays(t)[b] as unknown as Matrix;
        const expected = referenceAttention(
          {
            queryContent: at(inputs.queryContent),
            querySpatial: at(inputs.querySpatial),
            keyContent: at(inputs.keyContent),
            keySpatial: at(inputs.keySpatial),
            value: at(inputs.value),
            padded: PADDED[b],
          },
          reference,
          H,
          layout.combine,
        );
        expect(maxAbs(at(output), expected.output)).to.be.below(1e-5);
        expect(maxAbs(at(record?.weights), expected.weights)).to.be.below(1e-6);
        expect(maxAbs(at(record?.queries), expected.queries)).to.be.below(1e-5);
        expect(maxAbs(at(record?.keys), expected.keys)).to.be.below(1e-5);
      }
      tf.dispose([output, record, Object.values(inputs)]);
      attention.dispose();
    });
  }

  it('gives padded keys exactly zero weight and zero influence', () => {
    const rng = new Rng(2);
    const attention = new MultiHeadAttention({ embedDim: C, numHeads: H, combine: 'concat', inputProjection: false, valueDim: CV, rng });
    const inputs = makeInputs(rng, CV);
    const { output, attention: record } = attention.forward(inputs, { returnAttention: true });
    const weights = record?.weights.arraySync() as number[][][][];
    for (const row of weights[1]?.flat() ?? []) {
      expect(row.slice(3)).to.deep.equal([0, 0]);
      expect(row.reduce((a, v) => a + v, 0)).to.be.closeTo(1, 1e-6);
    }
    // Replace the padded keys and values of image 1 by something else: the output must not move.
    const keep = tf.tensor3d([
      [[1], [1], [1], [1], [1]],
      [[1], [1], [1], [0], [0]],
    ]);
    const scramble = (x: tf.Tensor | undefined) => tf.tidy(() => tf.add(tf.mul(x as tf.Tensor, keep), tf.mul(tf.sub(1, keep), 100)));
    const moved = attention.forward({
      ...inputs,
      keyContent: scramble(inputs.keyContent),
      keySpatial: scramble(inputs.keySpatial),
      value: scramble(inputs.value),
    });
    expect(maxAbs(moved.output.arraySync(), output.arraySync())).to.equal(0);
    tf.dispose([output, record, moved, keep, Object.values(inputs)]);
    attention.dispose();
  });

  for (const layout of layouts) {
    it(`${layout.name}: gradients match central finite differences, padded keys get none`, () => {
      const rng = new Rng(3);
      const attention = new MultiHeadAttention({ embedDim: C, numHeads: H, ...layout, rng });
      loadRandomTorchWeights(attention, rng);
      const inputs = makeInputs(rng, layout.valueDim);
      const readout = normal([B, LQ, layout.valueDim], rng, 1 / Math.sqrt(B * LQ * layout.valueDim));
      const names = ['queryContent', 'querySpatial', 'keyContent', 'keySpatial', 'value'] as const;
      const loss = (replaced: Partial<Record<(typeof names)[number], tf.Tensor>>): tf.Scalar =>
        tf.sum(tf.mul(attention.forward({ ...inputs, ...replaced }).output, readout));
      const inputGrads = tf.grads((...xs: tf.Tensor[]) => loss(Object.fromEntries(names.map((n, i) => [n, xs[i] as tf.Tensor]))));
      const grads = inputGrads(names.map((n) => inputs[n] as tf.Tensor));
      const { grads: paramGrads } = tf.variableGrads(() => loss({}));
      const eps = 1e-2;
      let worst = 0;
      const check = (label: string, x: tf.Tensor, gradient: tf.Tensor, evaluate: (shifted: tf.Tensor) => number) => {
        const direction = tf.tidy(() => {
          const d = normal(x.shape, rng);
          return tf.div(d, tf.norm(d));
        });
        const analytic = tf.tidy(() => tf.sum(tf.mul(gradient, direction)).dataSync()[0] as number);
        const shifted = (s: number) => tf.tidy(() => evaluate(tf.add(x, tf.mul(direction, s))));
        const numeric = (shifted(eps) - shifted(-eps)) / (2 * eps);
        direction.dispose();
        worst = Math.max(worst, Math.abs(analytic - numeric) / Math.max(Math.abs(analytic), 1e-1));
        expect(Math.abs(analytic - numeric), `${label}: analytic ${analytic} vs numeric ${numeric}`).to.be.below(
          1e-2 * Math.max(Math.abs(analytic), 1e-1),
        );
      };
      names.forEach((name, i) => {
        check(name, inputs[name] as tf.Tensor, grads[i] as tf.Tensor, (x) => loss({ [name]: x }).dataSync()[0] as number);
      });
      for (const [name, variable] of attention.namedParameters()) {
        const original = variable.clone();
        check(name, original, paramGrads[variable.name] as tf.Tensor, (x) => {
          variable.assign(x);
          return loss({}).dataSync()[0] as number;
        });
        variable.assign(original);
        original.dispose();
      }
      console.log(
        `      worst relative error over ${names.length} inputs and ${attention.namedParameters().length} parameters: ${worst.toExponential(2)}`,
      );
      // Image 1's keys 3 and 4 are padding: their key (content and spatial) and value gradients are exactly 0.
      for (const i of [2, 3, 4]) {
        const padded = tf.tidy(() => tf.slice(grads[i] as tf.Tensor, [1, 3, 0], [1, 2, -1]));
        expect(tf.tidy(() => tf.max(tf.abs(padded)).dataSync()[0])).to.equal(0);
        padded.dispose();
      }
      tf.dispose([grads, Object.values(paramGrads), readout, Object.values(inputs)]);
      attention.dispose();
    });
  }

  it('drops attention weights reproducibly in training and not at all in eval', () => {
    const make = () => new MultiHeadAttention({ embedDim: C, numHeads: H, dropout: 0.5, rng: new Rng(4) });
    const [a, b] = [make(), make()];
    const inputs = makeInputs(new Rng(5), C);
    const first = a.forward(inputs).output;
    const again = b.forward(inputs).output;
    expect(maxAbs(first.arraySync(), again.arraySync())).to.equal(0);
    const trainedTwice = a.forward(inputs).output; // the Rng has moved on: a new mask
    expect(maxAbs(first.arraySync(), trainedTwice.arraySync())).to.be.above(1e-3);
    const evalOut = a.eval().forward(inputs).output;
    const noDropout = new MultiHeadAttention({ embedDim: C, numHeads: H, dropout: 0, rng: new Rng(4) });
    expect(maxAbs(evalOut.arraySync(), noDropout.forward(inputs).output.arraySync())).to.be.below(1e-6);
    tf.dispose([first, again, trainedTwice, evalOut, Object.values(inputs)]);
    [a, b, noDropout].forEach((m) => m.dispose());
  });

  it('keeps nothing extra unless asked, and leaks nothing', () => {
    const attention = new MultiHeadAttention({ embedDim: C, numHeads: H, rng: new Rng(6) });
    const inputs = makeInputs(new Rng(7), C);
    const before = tf.memory().numTensors;
    const plain = attention.forward(inputs);
    expect(plain.attention).to.equal(undefined);
    expect(tf.memory().numTensors).to.equal(before + 1);
    const full = attention.forward(inputs, { returnAttention: true });
    expect(tf.memory().numTensors).to.equal(before + 5);
    tf.dispose([plain, full]);
    expect(tf.memory().numTensors).to.equal(before);
    tf.dispose(Object.values(inputs));
    attention.dispose();
  });

  it('rejects concat with a packed projection and concat without spatial parts', () => {
    expect(() => new MultiHeadAttention({ embedDim: C, numHeads: H, combine: 'concat' })).to.throw(/inputProjection: false/);
    const attention = new MultiHeadAttention({ embedDim: C, numHeads: H, combine: 'concat', inputProjection: false });
    const inputs = makeInputs(new Rng(8), C);
    expect(() => attention.forward({ ...inputs, querySpatial: undefined })).to.throw(/querySpatial and keySpatial/);
    tf.dispose(Object.values(inputs));
    attention.dispose();
  });
});
