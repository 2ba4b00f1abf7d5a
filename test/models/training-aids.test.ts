// DAB-DETR / DN-DETR / Group DETR as options of the Conditional DETR detector: state-dict names,
// what runs in training and what is left at inference, and that the masks keep the parts apart
// (the matching queries of group 0 give the same outputs in training as the whole model in eval).
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { DABDETR } from '../../lib/models/dab-detr.js';
import { buildDetector, type DetectorConfig, decodeDetectorConfig, detectionCriterion } from '../../lib/models/detector.js';
import { type DetectorInputs, disposeDetectorOutputs } from '../../lib/models/set-detector.js';
import { Rng } from '../../lib/runtime/rng.js';
import { denoisingLosses } from '../../losses/denoising-loss.js';
import { groupedSetLosses } from '../../losses/query-groups.js';

const TINY: DetectorConfig = {
  model: 'conditional',
  numClasses: 3,
  backbone: 'small',
  smallChannels: [4, 8, 8, 16],
  numQueries: 4,
  hiddenDim: 16,
  nheads: 2,
  encLayers: 1,
  decLayers: 2,
  dimFeedforward: 32,
  dropout: 0,
};

function batch(): DetectorInputs {
  const rng = new Rng(5);
  const images = tf.tensor4d(
    Array.from({ length: 2 * 32 * 32 * 3 }, () => rng.normal()),
    [2, 32, 32, 3],
  );
  return { images, mask: tf.zeros([2, 32, 32], 'bool') as tf.Tensor3D };
}

const targets = () => [
  { labels: tf.tensor1d([0, 2], 'int32'), boxes: tf.tensor2d([0.3, 0.4, 0.2, 0.3, 0.7, 0.6, 0.3, 0.2], [2, 4]) },
  { labels: tf.tensor1d([1], 'int32'), boxes: tf.tensor2d([[0.5, 0.5, 0.4, 0.4]]) },
];

describe('training aids of the Conditional DETR detector (DAB, DN, Group DETR)', () => {
  it('DAB-DETR has the official names and shares bbox_embed with the decoder (counted once)', () => {
    const model = buildDetector({ ...TINY, anchors: 'dab', dnGroups: 2 }, new Rng(1));
    expect(model).to.be.instanceOf(DABDETR);
    const names = [...model.stateDict().keys()];
    for (const name of [
      'refpoint_embed.weight',
      'label_enc.weight',
      'bbox_embed.layers.2.weight',
      'transformer.decoder.bbox_embed.layers.2.weight',
    ]) {
      expect(names).to.include(name);
    }
    expect(names).to.include('transformer.encoder.query_scale.layers.0.weight');
    expect(names).to.include('transformer.decoder.layers.0.activation.weight');
    expect(names).to.not.include('query_embed.weight');
    expect(model.stateDict().get('bbox_embed.layers.0.weight')).to.equal(model.stateDict().get('transformer.decoder.bbox_embed.layers.0.weight'));
    const params = model.namedParameters();
    expect(new Set(params.map(([, v]) => v)).size).to.equal(params.length);
    // listed once, under its first name (the transformer is registered first, as in DABDETR)
    expect(params.filter(([n]) => n.endsWith('bbox_embed.layers.0.weight')).map(([n]) => n)).to.deep.equal([
      'transformer.decoder.bbox_embed.layers.0.weight',
    ]);
    expect(model.stateDict().get('refpoint_embed.weight')?.shape).to.deep.equal([4, 4]);
    expect(model.stateDict().get('label_enc.weight')?.shape).to.deep.equal([4, 15]);
    model.dispose();
  });

  it('refuses aids that do not combine, and decodes them from JSON', () => {
    expect(() => buildDetector({ ...TINY, dnGroups: 3 })).to.throw(/needs anchor-box queries/);
    expect(() => buildDetector({ ...TINY, model: 'detr', anchors: 'dab' })).to.throw(/Conditional DETR/);
    const config = decodeDetectorConfig({ ...TINY, anchors: 'dab', dnGroups: 5, queryGroups: 3 }, 'config.json');
    expect(config).to.include({ anchors: 'dab', dnGroups: 5, queryGroups: 3 });
    expect(() => decodeDetectorConfig({ ...TINY, anchors: 'yes' }, 'config.json')).to.throw(/config\.json.*anchors.*'none' \| 'dab'/s);
    expect(() => decodeDetectorConfig({ ...TINY, dnGroups: -1 }, 'config.json')).to.throw(/dnGroups.*integer >= 0/s);
  });

  for (const aids of [
    { name: 'Group DETR (3 groups)', config: { queryGroups: 3 } },
    { name: 'DAB + DN (2 groups)', config: { anchors: 'dab', dnGroups: 2 } },
    { name: 'DAB + DN + Group DETR', config: { anchors: 'dab', dnGroups: 2, queryGroups: 2 } },
  ] as const) {
    it(`${aids.name}: training runs every part, eval only group 0, and the masks keep them apart`, () => {
      const model = buildDetector({ ...TINY, ...aids.config }, new Rng(2));
      model.backbone.eval(); // BatchNorm statistics the same in both modes; dropout is 0
      const inputs = batch();
      const gt = targets();
      const before = tf.memory().numTensors;
      const training = model.forward(inputs, { targets: gt });
      const groups = (aids.config as { queryGroups?: number }).queryGroups ?? 1;
      expect(training.queryGroups).to.equal(groups);
      expect(training.predLogits.shape).to.deep.equal([2, 4 * groups, 3]);
      const dn = (aids.config as { dnGroups?: number }).dnGroups ?? 0;
      if (dn > 0) {
        expect(training.denoising?.plan.padSize).to.equal(2 * dn); // the largest image has 2 targets
        expect(training.denoising?.outputs.predBoxes.shape).to.deep.equal([2, 2 * dn, 4]);
      } else {
        expect(training.denoising).to.equal(undefined);
      }
      model.transformer.eval();
      model.eval();
      const inference = model.forward(inputs, { targets: gt });
      expect(inference.queryGroups).to.equal(1);
      expect(inference.denoising).to.equal(undefined);
      expect(inference.predLogits.shape).to.deep.equal([2, 4, 3]);
      const groupZero = tf.tidy(() => tf.slice(training.predBoxes, [0, 0], [-1, 4]));
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(groupZero, inference.predBoxes))).dataSync()[0] as number);
      expect(diff).to.be.below(1e-5);
      tf.dispose(groupZero);
      disposeDetectorOutputs(training);
      disposeDetectorOutputs(inference);
      expect(tf.memory().numTensors).to.equal(before);
      tf.dispose([inputs.images, inputs.mask, gt]);
      model.dispose();
    });
  }

  it('one training loss with every aid has a gradient for the queries, label_enc and the shared box head', () => {
    const model = buildDetector({ ...TINY, anchors: 'dab', dnGroups: 2, queryGroups: 2 }, new Rng(4));
    const criterion = detectionCriterion(model);
    const inputs = batch();
    const gt = targets();
    const { value, grads } = tf.variableGrads(() => {
      const outputs = model.forward(inputs, { targets: gt });
      const set = groupedSetLosses(criterion, outputs, gt, outputs.queryGroups);
      const dn = outputs.denoising;
      if (dn === undefined) throw new Error('no denoising part in training');
      return tf.add(set.total, denoisingLosses(dn.outputs, dn.plan, criterion.config.weightDict).total) as tf.Scalar;
    });
    expect(Number.isFinite(value.dataSync()[0])).to.equal(true);
    const named = new Map(model.namedParameters().map(([n, v]) => [n, grads[v.name]]));
    const norm = (name: string) => tf.tidy(() => tf.norm(named.get(name) as tf.Tensor).dataSync()[0] as number);
    expect(norm('refpoint_embed.weight')).to.be.above(0);
    expect(norm('label_enc.weight')).to.be.above(0);
    expect(norm('transformer.decoder.bbox_embed.layers.2.weight')).to.be.above(0); // layers 0, 1 get none until the zero-initialised last layer moves
    tf.dispose([value, Object.values(grads), inputs.images, inputs.mask, gt]);
    model.dispose();
  });
});
