// Parity with the official PyTorch modules on /work/shared/fixtures (tolerance 1e-4 absolute):
// DETR and Conditional DETR `Transformer`, ActMST's encoder with its QKA centroid distances.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { qkCentroidDistance } from '../../lib/diagnostics/qk-centroid.js';
import { ConditionalTransformer } from '../../lib/transformer/conditional-transformer.js';
import { DetrTransformer } from '../../lib/transformer/detr-transformer.js';
import { TransformerEncoder } from '../../lib/transformer/encoder.js';
import { qkAlignmentLoss } from '../../losses/qk-alignment.js';
import { loadFixture, maxAbsDiff, nhwc } from './fixture.js';

const TOL = 1e-4;
const small = { dModel: 64, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 3, dimFeedforward: 96, dropout: 0 } as const;

describe('transformer parity with the official code', () => {
  it('ConditionalTransformer matches Conditional DETR (hs, references, memory)', async () => {
    const fx = await loadFixture('cond_detr_transformer.safetensors');
    const model = new ConditionalTransformer(small).eval();
    expect([...model.stateDict().keys()].sort()).to.deep.equal([...fx.weights.keys()].sort());
    model.loadStateDict(fx.weights, { layout: 'torch' });
    const before = tf.memory().numTensors;
    const out = tf.tidy(() =>
      model.forward({ src: nhwc(fx.input('src')), mask: fx.input('mask'), queryEmbed: fx.input('query_embed'), pos: nhwc(fx.input('pos_embed')) }),
    );
    const diffs = tf.tidy(() => ({
      hs: maxAbsDiff(out.hs, fx.output('hs')),
      references: maxAbsDiff(out.references, fx.output('references')),
      memory: maxAbsDiff(out.memory, tf.transpose(fx.output('memory'), [1, 0, 2])),
    }));
    console.log(`      max |Δ| hs ${diffs.hs.toExponential(2)}, references ${diffs.references.toExponential(2)}, memory ${diffs.memory.toExponential(2)}`);
    expect(diffs.hs).to.be.below(TOL);
    expect(diffs.references).to.be.below(TOL);
    expect(diffs.memory).to.be.below(TOL);
    tf.dispose(out);
    expect(tf.memory().numTensors).to.equal(before);
    model.dispose();
    fx.dispose();
  });

  it('DetrTransformer matches DETR (hs, memory)', async () => {
    const fx = await loadFixture('detr_transformer.safetensors');
    const model = new DetrTransformer(small).eval();
    expect([...model.stateDict().keys()].sort()).to.deep.equal([...fx.weights.keys()].sort());
    model.loadStateDict(fx.weights, { layout: 'torch' });
    const out = tf.tidy(() =>
      model.forward({ src: nhwc(fx.input('src')), mask: fx.input('mask'), queryEmbed: fx.input('query_embed'), pos: nhwc(fx.input('pos_embed')) }),
    );
    const [b, c, h, w] = fx.output('memory').shape as number[];
    const diffs = tf.tidy(() => ({
      hs: maxAbsDiff(out.hs, fx.output('hs')),
      memory: maxAbsDiff(out.memory, tf.reshape(nhwc(fx.output('memory')), [b as number, (h as number) * (w as number), c as number])),
    }));
    console.log(`      max |Δ| hs ${diffs.hs.toExponential(2)}, memory ${diffs.memory.toExponential(2)}`);
    expect(diffs.hs).to.be.below(TOL);
    expect(diffs.memory).to.be.below(TOL);
    tf.dispose(out);
    model.dispose();
    fx.dispose();
  });

  it('the pre-norm gelu encoder matches ActMST (memory, QK centroid distances, QKA loss)', async () => {
    const fx = await loadFixture('mst_encoder_qka.safetensors');
    const encoder = new TransformerEncoder(
      { dModel: 64, nhead: 4, dimFeedforward: 64, dropout: 0, activation: 'gelu', normalizeBefore: true },
      3,
      { finalNorm: true },
    ).eval();
    encoder.loadStateDict(fx.weights, { layout: 'torch' });
    const seqFirstToBatchFirst = (x: tf.Tensor) => tf.transpose(x, [1, 0, 2]);
    const { output, attention = [] } = tf.tidy(() =>
      encoder.forward(seqFirstToBatchFirst(fx.input('src')), { pos: seqFirstToBatchFirst(fx.input('pos')), returnAttention: true }),
    );
    expect(attention).to.have.length(3);
    expect(attention[0]?.queries.shape).to.deep.equal([2, 4, 30, 16]);
    const diffs = tf.tidy(() => ({
      memory: maxAbsDiff(output, seqFirstToBatchFirst(fx.output('memory'))),
      centroid: maxAbsDiff(tf.stack(attention.map((a) => qkCentroidDistance(a.queries, a.keys)), 1), fx.output('qk_centroid_dist')),
      loss: Math.abs((qkAlignmentLoss(attention).dataSync()[0] as number) - (fx.output('qka_loss').dataSync()[0] as number)),
    }));
    console.log(`      max |Δ| memory ${diffs.memory.toExponential(2)}, qk_centroid_dist ${diffs.centroid.toExponential(2)}, qka_loss ${diffs.loss.toExponential(2)}`);
    expect(diffs.memory).to.be.below(TOL);
    expect(diffs.centroid).to.be.below(TOL);
    expect(diffs.loss).to.be.below(TOL);
    tf.dispose([output, attention]);
    encoder.dispose();
    fx.dispose();
  });
});
