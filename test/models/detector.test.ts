import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { focalBiasValue } from '../../heads/detection-heads.js';
import { buildDetector, type DetectorConfig, decodeDetectorConfig } from '../../lib/models/detector.js';
import { type DetectorInputs, disposeDetectorOutputs } from '../../lib/models/set-detector.js';
import { inverseSigmoid } from '../../lib/nn/functional.js';
import { Rng } from '../../lib/runtime/rng.js';
import { SetCriterion } from '../../losses/set-criterion.js';

const TINY: Omit<DetectorConfig, 'model'> = {
  numClasses: 3,
  backbone: 'small',
  smallChannels: [4, 8, 8, 16],
  numQueries: 6,
  hiddenDim: 16,
  nheads: 2,
  encLayers: 1,
  decLayers: 2,
  dimFeedforward: 32,
  dropout: 0,
};

function tiny(model: 'conditional' | 'detr', extra: Partial<DetectorConfig> = {}) {
  return buildDetector({ ...TINY, model, ...extra }, new Rng(3));
}

/** Two images, 64×80 and 40×48, padded to 64×80 (the second is padded bottom and right). */
function paddedBatch(): DetectorInputs {
  const rng = new Rng(11);
  const pixels = Array.from({ length: 2 * 64 * 80 * 3 }, () => rng.normal());
  const maskValues = new Uint8Array(2 * 64 * 80);
  for (let y = 0; y < 64; y++) for (let x = 0; x < 80; x++) maskValues[64 * 80 + y * 80 + x] = y >= 40 || x >= 48 ? 1 : 0;
  const mask = tf.tensor3d(maskValues, [2, 64, 80], 'bool');
  const images = tf.tidy(() => tf.mul(tf.tensor4d(pixels, [2, 64, 80, 3]), tf.logicalNot(mask).toFloat().expandDims(-1))) as tf.Tensor4D;
  return { images, mask };
}

const targets = () => [
  {
    labels: tf.tensor1d([0, 2], 'int32'),
    boxes: tf.tensor2d([
      [0.3, 0.4, 0.2, 0.3],
      [0.7, 0.6, 0.3, 0.2],
    ]),
  },
  { labels: tf.tensor1d([1], 'int32'), boxes: tf.tensor2d([[0.5, 0.5, 0.4, 0.4]]) },
];

describe('detectors (DETR, Conditional DETR)', () => {
  let inputs: DetectorInputs;
  before(() => {
    inputs = paddedBatch();
  });
  after(() => tf.dispose([inputs.images, inputs.mask]));

  for (const kind of ['conditional', 'detr'] as const) {
    it(`${kind}: output shapes for a padded batch of two image sizes`, () => {
      const model = tiny(kind);
      const out = model.forward(inputs);
      const logits = kind === 'conditional' ? 3 : 4;
      expect(out.predLogits.shape).to.deep.equal([2, 6, logits]);
      expect(out.predBoxes.shape).to.deep.equal([2, 6, 4]);
      expect(out.auxOutputs?.map((a) => a.predLogits.shape)).to.deep.equal([[2, 6, logits]]);
      expect(out.featureMask.shape).to.deep.equal([2, 4, 5]); // stride 16
      // image 2 is 40×48 of 64×80: nearest-downsampled mask rows 0..2 / cols 0..2 valid
      const m = Array.from(out.featureMask.dataSync(), (v) => String(v));
      expect(m.slice(0, 20).join('')).to.equal('0'.repeat(20));
      expect(m.slice(20).join('')).to.equal('00011000110001111111');
      const boxes = out.predBoxes.dataSync();
      expect(boxes.every((v) => v > 0 && v < 1)).to.equal(true);
      expect(out.references === undefined).to.equal(kind === 'detr');
      disposeDetectorOutputs(out);
      model.dispose();
    });

    it(`${kind}: padded keys get exactly zero attention in the encoder and the cross-attention`, () => {
      const model = tiny(kind);
      model.eval();
      const out = model.forward(inputs, { returnAttention: true });
      const padded = tf.tidy(() => tf.reshape(out.featureMask, [2, 1, 1, 20]).toFloat());
      const records = [...(out.encoderAttention ?? []), ...(out.decoderAttention ?? []).map((d) => d.crossAttention)];
      expect(records.length).to.equal(3);
      for (const { weights } of records) {
        const [onPadding, rowError] = tf.tidy(() => [
          tf.max(tf.mul(weights, padded)).dataSync()[0],
          tf.max(tf.abs(tf.sub(tf.sum(weights, -1), 1))).dataSync()[0],
        ]);
        expect(onPadding).to.equal(0);
        expect(rowError).to.be.below(1e-5);
      }
      disposeDetectorOutputs(out);
      padded.dispose();
      model.dispose();
    });
  }

  it('the batch-max image is unaffected by a padded neighbour (eval mode)', () => {
    for (const kind of ['conditional', 'detr'] as const) {
      const model = tiny(kind).eval();
      const both = model.forward(inputs);
      const alone = tf.tidy(() => ({ images: tf.slice(inputs.images, [0], [1]), mask: tf.slice(inputs.mask, [0], [1]) }));
      const single = model.forward(alone);
      const diff = tf.tidy(() => [
        tf.max(tf.abs(tf.sub(tf.slice(both.predLogits, [0], [1]), single.predLogits))).dataSync()[0] as number,
        tf.max(tf.abs(tf.sub(tf.slice(both.predBoxes, [0], [1]), single.predBoxes))).dataSync()[0] as number,
      ]);
      expect(Math.max(...diff), kind).to.be.below(1e-5);
      tf.dispose([alone.images, alone.mask]);
      disposeDetectorOutputs(both);
      disposeDetectorOutputs(single);
      model.dispose();
    }
  });

  it('conditional: the zero-initialised box head puts every initial box centre on its reference point', () => {
    const model = tiny('conditional');
    const out = model.forward(inputs);
    const refs = out.references as tf.Tensor3D;
    for (const layer of [out, ...(out.auxOutputs ?? [])]) {
      const [centreErr, sizeErr] = tf.tidy(() => {
        const centre = tf.slice(layer.predBoxes, [0, 0, 0], [2, 6, 2]);
        const size = tf.slice(layer.predBoxes, [0, 0, 2], [2, 6, 2]);
        return [tf.max(tf.abs(tf.sub(centre, refs))).dataSync()[0], tf.max(tf.abs(tf.sub(size, 0.5))).dataSync()[0]];
      });
      expect(centreErr).to.be.below(1e-6);
      expect(sizeErr).to.equal(0);
    }
    // references differ across queries (they come from query_embed through ref_point_head)
    const r = refs.dataSync();
    expect(Math.abs((r[0] as number) - (r[2] as number))).to.be.above(1e-4);
    disposeDetectorOutputs(out);
    model.dispose();
  });

  it('conditional: a non-zero offset moves the centre in logit space relative to the reference', () => {
    const model = tiny('conditional');
    const last = model.bbox_embed.layers.at(2);
    tf.tidy(() => last.bias?.assign(tf.tensor1d([0.5, -1, 0.25, 0])));
    const out = model.forward(inputs);
    const expected = tf.tidy(() => tf.sigmoid(tf.add(inverseSigmoid(out.references as tf.Tensor), tf.tensor1d([0.5, -1]))));
    const centre = tf.slice(out.predBoxes, [0, 0, 0], [2, 6, 2]);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(centre, expected))).dataSync()[0]);
    expect(diff).to.be.below(1e-6);
    const w = tf.tidy(() => tf.slice(out.predBoxes, [0, 0, 2], [1, 1, 1]).dataSync()[0]);
    expect(w).to.be.closeTo(1 / (1 + Math.exp(-0.25)), 1e-6);
    tf.dispose([expected, centre]);
    disposeDetectorOutputs(out);
    model.dispose();
  });

  it('class heads: focal prior bias −log(99) and K logits; DETR K + 1 logits', () => {
    const cond = tiny('conditional');
    const bias = Array.from(cond.class_embed.bias?.dataSync() ?? []);
    expect(bias).to.have.length(3);
    bias.forEach((b) => expect(b).to.be.closeTo(-Math.log(99), 1e-6));
    expect(focalBiasValue()).to.be.closeTo(-4.59512, 1e-5);
    const last = cond.bbox_embed.layers.at(2);
    expect(tf.tidy(() => tf.max(tf.abs(last.weight)).dataSync()[0])).to.equal(0);
    const detr = tiny('detr');
    expect(detr.class_embed.weight.shape).to.deep.equal([16, 4]);
    expect(tf.tidy(() => tf.max(tf.abs(detr.bbox_embed.layers.at(2).weight)).dataSync()[0])).to.be.above(0);
    cond.dispose();
    detr.dispose();
  });

  for (const kind of ['conditional', 'detr'] as const) {
    it(`${kind}: the loss gradient reaches every trainable parameter`, () => {
      const model = tiny(kind);
      // move the zero-initialised box layer so gradients pass through it
      tf.tidy(() => model.bbox_embed.layers.at(2).weight.assign(tf.randomNormal([16, 4], 0, 0.1, 'float32', 5)));
      const criterion = kind === 'conditional' ? SetCriterion.conditionalDetr(3, 2) : SetCriterion.detr(3, 2);
      const t = targets();
      const names = new Map(model.namedParameters().map(([n, v]) => [v.name, n]));
      const { value, grads } = tf.variableGrads(() => {
        const out = model.forward(inputs);
        return criterion.compute(out, t, criterion.matchSync(out, t)).total;
      }, model.trainableVariables());
      const zero: string[] = [];
      for (const [key, g] of Object.entries(grads)) {
        const norm = tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0] as number);
        expect(Number.isFinite(norm)).to.equal(true);
        if (norm === 0) zero.push(names.get(key) as string);
      }
      expect(Object.keys(grads).length).to.equal(model.trainableVariables().length);
      expect(model.trainableVariables().length).to.equal(model.namedParameters().length);
      // As in the official code at initialisation, the decoder target starts at zero, so in layer 0
      // the weights that act on tgt get no gradient: Conditional DETR's content projections, and in
      // DETR the self-attention (its values are all in_proj_bias = 0, so the softmax and out_proj
      // see constants) and norm1 (its input is 0). Everything else must move.
      const expected =
        kind === 'conditional'
          ? [
              'transformer.decoder.layers.0.sa_kcontent_proj.weight',
              'transformer.decoder.layers.0.sa_qcontent_proj.weight',
              'transformer.decoder.layers.0.sa_v_proj.weight',
            ]
          : [
              'transformer.decoder.layers.0.norm1.weight',
              'transformer.decoder.layers.0.self_attn.in_proj_weight',
              'transformer.decoder.layers.0.self_attn.out_proj.weight',
            ];
      expect(zero.sort()).to.deep.equal(expected);
      tf.dispose([value, ...Object.values(grads), ...t.flatMap((x) => [x.labels, x.boxes])]);
      model.dispose();
    });
  }

  it('decodes configs and names the path of a bad field', () => {
    expect(decodeDetectorConfig({ model: 'detr', numClasses: 5, backbone: 'resnet18' }, 'cfg.json').backbone).to.equal('resnet18');
    expect(() => decodeDetectorConfig({ model: 'yolo', numClasses: 0 }, 'cfg.json')).to.throw(
      /cfg\.json: at \$\.model: expected 'conditional' \| 'detr', got "yolo"; at \$\.numClasses: expected positive integer, got 0/,
    );
  });
});
