// DAB-DETR's transformer against the official IDEA-Research/DAB-DETR module
// (dab_detr_transformer.safetensors: iterative anchor refinement, PReLU, the HW sine position
// embedding; tolerance 1e-4 absolute), plus a finite-difference gradient check through the
// width/height-modulated cross-attention.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { sinePositionEmbedding } from '../../lib/position/sine-embedding.js';
import { DabTransformer } from '../../lib/transformer/dab-transformer.js';
import { loadFixture, maxAbsDiff, nhwc } from './fixture.js';

const TOL = 1e-4;
const small = { dModel: 64, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 3, dimFeedforward: 96, dropout: 0, activation: 'prelu' } as const;

describe('DAB-DETR transformer parity with the official code', () => {
  it('matches every stored output (hs, references, memory) and the HW sine position embedding', async () => {
    const fx = await loadFixture('dab_detr_transformer.safetensors');
    const model = new DabTransformer(small).eval();
    expect([...model.stateDict().keys()].sort()).to.deep.equal([...fx.weights.keys()].sort());
    model.loadStateDict(fx.weights, { layout: 'torch' });
    const before = tf.memory().numTensors;
    const out = tf.tidy(() =>
      model.forward({ src: nhwc(fx.input('src')), mask: fx.input('mask'), queryEmbed: fx.input('refpoint_embed'), pos: nhwc(fx.input('pos_embed')) }),
    );
    const diffs = tf.tidy(() => ({
      hs: maxAbsDiff(out.hs, fx.output('hs')),
      references: maxAbsDiff(out.references, fx.output('references')),
      memory: maxAbsDiff(out.memory, tf.transpose(fx.output('memory'), [1, 0, 2])),
      posEmbed: maxAbsDiff(
        sinePositionEmbedding(fx.input('mask'), { numPosFeats: 32, temperatureH: 20, temperatureW: 20, normalize: true }),
        nhwc(fx.input('pos_embed')),
      ),
    }));
    console.log(
      `      max |Δ| hs ${diffs.hs.toExponential(2)}, references ${diffs.references.toExponential(2)}, memory ${diffs.memory.toExponential(2)}, pos_embed ${diffs.posEmbed.toExponential(2)}`,
    );
    expect(diffs.hs).to.be.below(TOL);
    expect(diffs.references).to.be.below(TOL);
    expect(diffs.memory).to.be.below(TOL);
    expect(diffs.posEmbed).to.be.below(TOL);
    // The refinement is not a no-op: later layers receive other anchors than layer 0.
    const moved = tf.tidy(() => maxAbsDiff(tf.slice(out.references, [0], [1]), tf.slice(out.references, [2], [1])));
    expect(moved).to.be.above(1e-2);
    tf.dispose(out);
    expect(tf.memory().numTensors).to.equal(before);
    model.dispose();
    fx.dispose();
  });

  it('differentiates through the width/height-modulated cross-attention (finite differences)', async () => {
    // f = Σ w ⊙ hs[0]: layer 0's output depends on the anchors (sine query, modulation by 1 / (w, h))
    // and on ref_anchor_head (the modulation's refW, refH), but not on any detached refinement.
    const fx = await loadFixture('dab_detr_transformer.safetensors');
    const model = new DabTransformer(small).eval();
    model.loadStateDict(fx.weights, { layout: 'torch' });
    const src = nhwc(fx.input('src'));
    const pos = nhwc(fx.input('pos_embed'));
    const mask = fx.input('mask');
    const weights = tf.tidy(() => tf.sin(tf.reshape(tf.range(0, 2 * 7 * 64), [2, 7, 64])));
    const headBias = model.decoder.ref_anchor_head.layers.at(1).bias as tf.Variable;
    const f = (anchors: tf.Tensor): tf.Scalar =>
      tf.tidy(() => {
        const { hs } = model.forward({ src, mask, queryEmbed: anchors, pos });
        return tf.sum(tf.mul(tf.squeeze(tf.slice(hs, [0], [1]), [0]), weights));
      });
    const anchors = fx.input('refpoint_embed');
    const { value, grads } = tf.variableGrads(() => f(anchors), [headBias]);
    const anchorGrad = tf.grad(f)(anchors);
    const eps = 1e-2;
    const numeric = (perturb: (delta: number) => number): number => (perturb(eps) - perturb(-eps)) / (2 * eps);
    const base = anchors.dataSync();
    // Every query's w and h (columns 2, 3) and one centre; query 0/1 sit on the clamp, so use 2…6.
    const indices = [2, 3, 6, 7, 10, 11, 14, 15, 19, 23, 26, 27];
    const g = anchorGrad.dataSync();
    for (const i of indices) {
      const at = (delta: number) => {
        const v = Float32Array.from(base);
        v[i] = (v[i] as number) + delta;
        return tf.tidy(() => f(tf.tensor(v, anchors.shape)).dataSync()[0] as number);
      };
      const expected = numeric(at);
      expect(g[i], `d f / d anchor[${i}]`).to.be.closeTo(expected, 2e-2 * Math.abs(expected) + 2e-3);
    }
    const analytic = grads[headBias.name] as tf.Tensor;
    const hb = headBias.dataSync().slice();
    const gb = analytic.dataSync();
    for (let i = 0; i < 2; i++) {
      const at = (delta: number) => {
        const v = Float32Array.from(hb);
        v[i] = (v[i] as number) + delta;
        headBias.assign(tf.tensor1d(v));
        return tf.tidy(() => f(anchors).dataSync()[0] as number);
      };
      const expected = numeric(at);
      headBias.assign(tf.tensor1d(hb));
      expect(Math.abs(expected), 'the modulation changes the output').to.be.above(1e-3);
      expect(gb[i], `d f / d ref_anchor_head bias[${i}]`).to.be.closeTo(expected, 2e-2 * Math.abs(expected) + 2e-3);
    }
    tf.dispose([value, anchorGrad, weights, src, pos, ...Object.values(grads)]);
    model.dispose();
    fx.dispose();
  });
});
