import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { buildDetector } from '../../lib/models/detector.js';
import { toTorchLayout } from '../../lib/nn/module.js';
import { Rng } from '../../lib/runtime/rng.js';
import { loadFixture } from '../transformer/fixture.js';

/** torchvision resnet18 / resnet50 state_dict names without `fc` and num_batches_tracked (DETR's FrozenBatchNorm2d). */
function torchvisionResnetKeys(depth: 18 | 50): string[] {
  const bn = (p: string) => ['weight', 'bias', 'running_mean', 'running_var'].map((k) => `${p}.${k}`);
  const convs = depth === 50 ? [1, 2, 3] : [1, 2];
  const keys = ['conv1.weight', ...bn('bn1')];
  (depth === 50 ? [3, 4, 6, 3] : [2, 2, 2, 2]).forEach((blocks, i) => {
    for (let b = 0; b < blocks; b++) {
      const p = `layer${i + 1}.${b}`;
      for (const j of convs) keys.push(`${p}.conv${j}.weight`, ...bn(`${p}.bn${j}`));
      if (b === 0 && (depth === 50 || i > 0)) keys.push(`${p}.downsample.0.weight`, ...bn(`${p}.downsample.1`));
    }
  });
  return keys;
}

const HEADS = ['class_embed.weight', 'class_embed.bias', 'query_embed.weight', 'input_proj.weight', 'input_proj.bias'];
const BBOX = [0, 1, 2].flatMap((i) => [`bbox_embed.layers.${i}.weight`, `bbox_embed.layers.${i}.bias`]);

describe('detector state_dict names (official checkpoints load with layout conversion only)', () => {
  const cases = [
    { kind: 'conditional', fixture: 'cond_detr_transformer.safetensors', depth: 50, logits: 91 },
    { kind: 'detr', fixture: 'detr_transformer.safetensors', depth: 18, logits: 92 },
  ] as const;
  for (const { kind, fixture, depth, logits } of cases) {
    it(`${kind} with ResNet-${depth}: the key set and head shapes are the official ones; an official-layout dict loads`, async () => {
      const fx = await loadFixture(fixture);
      const layerCount = (part: string) => new Set([...fx.weights.keys()].flatMap((k) => new RegExp(`^${part}\\.layers\\.(\\d+)\\.`).exec(k)?.[1] ?? [])).size;
      // the fixture's transformer: d 64, 4 heads, FFN 96 (fixtures/README.md)
      const model = buildDetector(
        { model: kind, numClasses: 91, backbone: depth === 50 ? 'resnet50' : 'resnet18', hiddenDim: 64, nheads: 4, encLayers: layerCount('encoder'), decLayers: layerCount('decoder'), dimFeedforward: 96, numQueries: 7 },
        new Rng(0),
      );
      const backboneKeys = torchvisionResnetKeys(depth).map((k) => `backbone.0.body.${k}`);
      const expected = [...[...fx.weights.keys()].map((k) => `transformer.${k}`), ...HEADS, ...BBOX, ...backboneKeys];
      const state = model.stateDict();
      expect([...state.keys()].sort()).to.deep.equal(expected.sort());
      // torch-layout shapes (what an official checkpoint holds)
      const layouts = model.layouts();
      const torchShape = (name: string) => tf.tidy(() => toTorchLayout(state.get(name) as tf.Tensor, layouts.get(name) ?? 'plain').shape);
      expect(torchShape('class_embed.weight')).to.deep.equal([logits, 64]);
      expect(torchShape('input_proj.weight')).to.deep.equal([64, depth === 50 ? 2048 : 512, 1, 1]);
      expect(torchShape('query_embed.weight')).to.deep.equal([7, 64]);
      expect(torchShape('bbox_embed.layers.2.weight')).to.deep.equal([4, 64]);
      // the fixture's transformer + heads in torch layout load; only the backbone is reported missing
      const dict = new Map([...fx.weights].map(([k, v]) => [`transformer.${k}`, v]));
      const heads = [...HEADS, ...BBOX].map((k) => [k, toTorchLayout(state.get(k) as tf.Tensor, layouts.get(k) ?? 'plain')] as const);
      for (const [k, v] of heads) dict.set(k, v);
      const report = model.loadStateDict(dict, { layout: 'torch', strict: false });
      expect(report.unexpected).to.deep.equal([]);
      expect(report.mismatched).to.deep.equal([]);
      expect(report.missing.sort()).to.deep.equal(backboneKeys.sort());
      const loaded = model.transformer.stateDict().get('decoder.norm.weight') as tf.Tensor;
      expect(Array.from(loaded.dataSync())).to.deep.equal(Array.from((fx.weights.get('decoder.norm.weight') as tf.Tensor).dataSync()));
      // DETR's freezing with lr_backbone > 0: conv1 / bn1 / layer1 frozen, layer2..4 train
      const trainable = new Set(model.trainableVariables().map((v) => v.name));
      const isTrainable = (name: string) => trainable.has((state.get(name) as tf.Variable).name);
      expect(['conv1.weight', 'layer1.0.conv1.weight', 'layer2.0.conv1.weight', 'layer4.1.conv2.weight'].map((k) => isTrainable(`backbone.0.body.${k}`))).to.deep.equal([false, false, true, true]);
      heads.forEach(([, v]) => v.dispose());
      fx.dispose();
      model.dispose();
    });
  }
});
