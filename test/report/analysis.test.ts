import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import sharp from 'sharp';
import { multiHeadAttention } from '../../lib/attention/attend.js';
import { attentionEntropy } from '../../lib/diagnostics/attention-entropy.js';
import { buildDetector } from '../../lib/models/detector.js';
import { buildPoseRegressor } from '../../lib/models/pose-regressor.js';
import { analyzeDetectors } from '../../lib/report/analyze-detector.js';
import { analyzePoseRegressors, gridShape } from '../../lib/report/analyze-pose.js';
import { PANEL_LABEL_HEIGHT } from '../../lib/report/attention-overlay.js';
import { conditionalAttentionParts } from '../../lib/report/cross-attention-parts.js';
import { denormalisedImage } from '../../lib/report/display-image.js';
import { EncoderStatistics } from '../../lib/report/encoder-statistics.js';
import { Rng } from '../../lib/runtime/rng.js';

const normal = (rng: Rng, shape: number[]): tf.Tensor =>
  tf.tensor(
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()),
    shape,
  );

describe('conditional cross-attention parts', () => {
  it('content and spatial maps multiply (and renormalise) to the weights the attention used', () => {
    const rng = new Rng(5);
    const [B, Lq, Lk, C, H] = [1, 3, 6, 8, 2];
    const inputs = {
      queryContent: normal(rng, [B, Lq, C]),
      querySpatial: normal(rng, [B, Lq, C]),
      keyContent: normal(rng, [B, Lk, C]),
      keySpatial: normal(rng, [B, Lk, C]),
      value: normal(rng, [B, Lk, C]),
      keyPaddingMask: tf.tensor2d([[false, false, false, false, true, true]], [1, Lk], 'bool'),
    };
    const out = multiHeadAttention(
      inputs,
      { inProj: null, outProj: { weight: tf.eye(C), bias: null } },
      { numHeads: H, combine: 'concat', returnAttention: true },
    );
    const parts = conditionalAttentionParts(out.attention!, inputs.keyPaddingMask);
    const product = tf.tidy(() => {
      const p = tf.mul(parts.content, parts.spatial);
      return tf.div(p, tf.sum(p, -1, true));
    });
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(product, out.attention!.weights))).dataSync()[0] as number);
    expect(diff).to.be.lessThan(1e-6);
    // hand check of one content weight: head 0, query 0, key 1 of softmax(q_c·k_c/√(2C/H)) over the 4 valid keys
    const qc = (inputs.queryContent.arraySync() as number[][][])[0]![0]!.slice(0, C / H);
    const kc = (inputs.keyContent.arraySync() as number[][][])[0]!.map((k) => k.slice(0, C / H));
    const logits = kc.slice(0, 4).map((k) => k.reduce((s, v, i) => s + v * qc[i]!, 0) / Math.sqrt((2 * C) / H));
    const z = logits.reduce((s, l) => s + Math.exp(l), 0);
    const content = parts.content.arraySync() as number[][][][];
    expect(content[0]![0]![0]![1]).to.be.closeTo(Math.exp(logits[1]!) / z, 1e-6);
    expect(content[0]![0]![0]![5]).to.equal(0); // padded key
    tf.dispose([
      ...Object.values(inputs),
      out.output,
      out.attention!.weights,
      out.attention!.queries,
      out.attention!.keys,
      ...Object.values(parts),
      product,
    ]);
  });
});

describe('encoder statistics', () => {
  it('averages entropy and per-head QK distance over images and pools purity over heads', () => {
    const rng = new Rng(2);
    const stats = new EncoderStatistics({ purityK: 3, bins: 4 });
    const records = [0, 1].map(() => ({
      weights: tf.softmax(normal(rng, [2, 2, 5, 5])) as tf.Tensor4D,
      queries: normal(rng, [2, 2, 5, 3]) as tf.Tensor4D,
      keys: tf.add(normal(rng, [2, 2, 5, 3]), 50) as tf.Tensor4D,
    }));
    stats.add(records);
    const rows = stats.rows('arm', 'position');
    expect(rows.entropy.map((r) => r.entropy)).to.deep.equal(records.map((r) => attentionEntropy(r.weights)));
    expect(rows.entropy[0]).to.include({ arm: 'arm', branch: 'position', layer: 0 });
    // keys shifted by 50 in every dim: separated clouds → purity 1 for every query (2 images × 2 heads × 5 queries)
    expect(rows.purity[1]!.counts).to.deep.equal([0, 0, 0, 20]);
    const expected = tf.tidy(
      () => tf.mean(tf.norm(tf.sub(tf.mean(records[0]!.queries, 2), tf.mean(records[0]!.keys, 2)), 'euclidean', -1), 0).arraySync() as number[],
    );
    expect(rows.qkDistance.filter((r) => r.layer === 0).map((r) => r.distance)).to.have.length(2);
    rows.qkDistance.filter((r) => r.layer === 0).forEach((r, h) => expect(r.distance).to.be.closeTo(expected[h]!, 1e-4));
    expect(rows.qkDistance[0]!.arm).to.equal('arm · position');
    tf.dispose(records.flatMap((r) => [r.weights, r.queries, r.keys]));
  });

  it('gridShape factors the token count by the image aspect', () => {
    expect(gridShape(49, 224, 224)).to.deep.equal([7, 7]);
    expect(gridShape(24, 32, 48)).to.deep.equal([4, 6]);
    expect(gridShape(24, 48, 32)).to.deep.equal([6, 4]);
  });
});

describe('attention analysis of models', function () {
  this.timeout(120_000);

  it('detectors: statistics per arm and a spatial/content/combined panel per top query', async () => {
    const small = {
      numClasses: 3,
      backbone: 'small' as const,
      smallChannels: [4, 8, 8, 16] as [number, number, number, number],
      numQueries: 6,
      hiddenDim: 16,
      nheads: 2,
      encLayers: 2,
      decLayers: 2,
      dimFeedforward: 16,
      dropout: 0,
    };
    const conditional = buildDetector({ model: 'conditional', ...small }, new Rng(1)).eval();
    const detr = buildDetector({ model: 'detr', ...small }, new Rng(2)).eval();
    const rng = new Rng(3);
    // one 64×96 image padded to 64×128: the overlay covers only the unpadded part
    const images = tf.tidy(() => tf.concat([tf.clipByValue(normal(rng, [1, 64, 96, 3]), -2, 2), tf.zeros([1, 64, 32, 3])], 2) as tf.Tensor4D);
    const mask = tf.tidy(() => tf.concat([tf.zeros([1, 64, 96], 'bool'), tf.ones([1, 64, 32], 'bool')], 2).cast('bool') as tf.Tensor3D);
    const before = tf.memory().numTensors;
    const data = await analyzeDetectors(
      [
        { label: 'Conditional DETR', model: conditional },
        { label: 'DETR', model: detr },
      ],
      [{ images, mask }],
      { rng: new Rng(4), queries: 2, umapEpochs: 50 },
    );
    expect(tf.memory().numTensors).to.equal(before);
    expect(data.entropy!.map((r) => `${r.arm}|${r.layer}`)).to.deep.equal(['Conditional DETR|0', 'Conditional DETR|1', 'DETR|0', 'DETR|1']);
    expect(data.qkDistance).to.have.length(2 * 2 * 2); // arms × layers × heads
    // purity counts: one per query token (h·w = 4·8 at the small CNN's stride 16 on 64×128) and head
    expect(data.purity![0]!.counts.reduce((a, b) => a + b, 0)).to.equal(2 * 4 * 8);
    expect(data.embeddings!.map((e) => e.name)).to.deep.equal(['conditional-detr', 'detr']);
    expect(data.embeddings![0]!.points).to.have.length(64); // 32 queries + 32 keys
    expect(data.attention!.map((a) => a.name)).to.have.length(4);
    const [condPanel, detrPanel] = [data.attention![0]!, data.attention![2]!];
    expect(condPanel.name).to.match(/^conditional-detr-query-\d$/);
    expect(condPanel.caption).to.include('spatial, content and combined');
    const condMeta = await sharp(condPanel.png).metadata();
    const detrMeta = await sharp(detrPanel.png).metadata();
    // 3 tiles of the unpadded 64×96 image, enlarged ×3.5 to a 224 px short side
    expect([condMeta.width, condMeta.height]).to.deep.equal([3 * 336 + 2 * 6, 224 + PANEL_LABEL_HEIGHT]);
    expect([detrMeta.width, detrMeta.height]).to.deep.equal([336, 224 + PANEL_LABEL_HEIGHT]); // combined only
    tf.dispose([images, mask]);
    conditional.dispose();
    detr.dispose();
  });

  it('pose regressors: both branches per arm and token attention panels', async () => {
    const tiny = {
      numScenes: 2,
      backbone: 'small' as const,
      smallChannels: [4, 8, 8, 12] as [number, number, number, number],
      hiddenDim: 16,
      nheads: 4,
      dimFeedforward: 16,
      dropout: 0,
      numTEncoderLayers: 2,
      numTDecoderLayers: 1,
      numRotEncoderLayers: 1,
      numRotDecoderLayers: 1,
      regressorHidden: 8,
    };
    const arms = [
      { label: 'baseline', model: buildPoseRegressor(tiny, new Rng(1)) },
      { label: '+QKA', model: buildPoseRegressor(tiny, new Rng(2)) },
    ];
    for (const arm of arms) arm.model.eval();
    const rng = new Rng(3);
    const images = [0, 1].map(() => tf.tidy(() => tf.clipByValue(normal(rng, [1, 64, 64, 3]), -2, 2) as tf.Tensor4D));
    const data = await analyzePoseRegressors(arms, images, { rng: new Rng(4), umapEpochs: 50 });
    expect(data.entropy!.map((r) => `${r.arm}|${r.branch}|${r.layer}`)).to.deep.equal([
      'baseline|position|0',
      'baseline|position|1',
      'baseline|orientation|0',
      '+QKA|position|0',
      '+QKA|position|1',
      '+QKA|orientation|0',
    ]);
    expect(data.attention!.map((a) => a.name)).to.deep.equal([
      'baseline-position-tokens',
      'baseline-orientation-tokens',
      'qka-position-tokens',
      'qka-orientation-tokens',
    ]);
    const meta = await sharp(data.attention![0]!.png).metadata();
    expect([meta.width, meta.height]).to.deep.equal([2 * 224 + 6, 224 + PANEL_LABEL_HEIGHT]); // 2 tokens, 64 px enlarged to 224
    expect(data.embeddings).to.have.length(2);
    const shown = await denormalisedImage(images[0]!);
    expect([shown.height, shown.width]).to.deep.equal([64, 64]);
    tf.dispose(images);
    for (const arm of arms) arm.model.dispose();
  });
});
