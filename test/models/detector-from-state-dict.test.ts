// A DetectorConfig from official weights: sizes from the shapes, heads / dilation from the pickled
// args or overrides, backbones from the block layout; what cannot be told is an error naming the flag.
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { DecodeError } from '../../lib/io/decode.js';
import { detectorConfigFromStateDict } from '../../lib/models/detector-from-state-dict.js';
import { readStateDictFile } from '../../lib/models/state-dict-file.js';
import { readSafetensors } from '../../lib/nn/safetensors.js';
import { TINY_DETECTORS } from '../fixtures/make-tiny-detectors.js';

const PTH = fileURLToPath(new URL('../fixtures/pth/', import.meta.url));

describe('detector config from a state dict', () => {
  it('detector config from the weights and the pickled args; what they cannot tell is an error naming the flag', async () => {
    const pth = await readStateDictFile(`${PTH}official-tiny-conditional-detr.pth`);
    const derived = detectorConfigFromStateDict(pth.tensors, pth.args, {}, 'official.pth');
    expect(derived.config).to.deep.equal({
      ...TINY_DETECTORS['conditional-detr'],
      positionEmbedding: 'sine',
      trainBackbone: false,
      dropout: 0.1,
      auxLoss: true,
    });
    expect(derived.notes).to.deep.equal([]);
    expect(() => detectorConfigFromStateDict(pth.tensors, { ...pth.args, hidden_dim: 256 }, {}, 'official.pth')).to.throw(
      DecodeError,
      'official.pth: args.hidden_dim = 256 disagrees with the weights (8)',
    );
    const detr = await readStateDictFile(`${PTH}hf-tiny-detr.bin`);
    expect(() => detectorConfigFromStateDict(detr.tensors, undefined, {}, 'hf.bin')).to.throw(
      DecodeError,
      /hf\.bin: cannot determine the number of attention heads.*pass --heads N/,
    );
    const fromShapes = detectorConfigFromStateDict(detr.tensors, undefined, { nheads: 2 }, 'hf.bin');
    expect(fromShapes.config).to.deep.equal({ ...TINY_DETECTORS.detr, positionEmbedding: 'sine', trainBackbone: false });
    const noQueries = new Map([...detr.tensors].filter(([k]) => k !== 'query_embed.weight'));
    expect(() => detectorConfigFromStateDict(noQueries, undefined, { nheads: 2 }, 'hf.bin')).to.throw(
      DecodeError,
      "hf.bin: cannot determine the number of queries and the hidden size: the state dict has no 'query_embed.weight'",
    );
    expect(() => detectorConfigFromStateDict(detr.tensors, undefined, { nheads: 3 }, 'hf.bin')).to.throw(
      DecodeError,
      'hf.bin: hidden size 8 is not divisible by 3 heads',
    );
    tf.dispose([...pth.tensors.values(), ...detr.tensors.values()]);
  });

  it('detector config: ResNet-18 / ResNet-50 from the block layout (dilation assumed off, with a note), other ResNets refused', async () => {
    const { tensors } = await readSafetensors(`${PTH}tiny-detr.safetensors`);
    const head = new Map([...tensors].filter(([k]) => !k.startsWith('backbone.')));
    const one = tf.zeros([1]);
    const withResnet = (blocks: number[], bottleneck: boolean) => {
      const dict = new Map(head);
      blocks.forEach((n, i) => {
        for (let b = 0; b < n; b++)
          for (const c of bottleneck ? [1, 2, 3] : [1, 2]) dict.set(`backbone.0.body.layer${i + 1}.${b}.conv${c}.weight`, one);
      });
      return dict;
    };
    const r50 = detectorConfigFromStateDict(withResnet([3, 4, 6, 3], true), undefined, { nheads: 2 }, 'r50.pth');
    expect(r50.config).to.include({ backbone: 'resnet50', dilation: false, model: 'detr', numClasses: 3 });
    expect(r50.notes).to.deep.equal([
      'dilation (DC5) is not visible in the weights and the checkpoint has no args.dilation: assuming a plain ResNet (pass --dilation for a DC5 model)',
    ]);
    const dc5 = detectorConfigFromStateDict(withResnet([3, 4, 6, 3], true), { nheads: 2, dilation: true, backbone: 'resnet50' }, {}, 'r50-dc5.pth');
    expect([dc5.config.dilation, dc5.notes]).to.deep.equal([true, []]);
    expect(detectorConfigFromStateDict(withResnet([2, 2, 2, 2], false), undefined, { nheads: 2 }, 'r18.pth').config.backbone).to.equal('resnet18');
    expect(() => detectorConfigFromStateDict(withResnet([3, 4, 23, 3], true), undefined, { nheads: 2 }, 'r101.pth')).to.throw(
      DecodeError,
      'r101.pth: unsupported backbone: bottleneck blocks [3,4,23,3]',
    );
    expect(() => detectorConfigFromStateDict(withResnet([3, 4, 6, 3], true), { nheads: 2, backbone: 'resnet101' }, {}, 'x.pth')).to.throw(
      DecodeError,
      "x.pth: args.backbone = 'resnet101' disagrees with the weights (resnet50)",
    );
    expect(() => detectorConfigFromStateDict(head, undefined, { nheads: 2 }, 'none.pth')).to.throw(
      DecodeError,
      "none.pth: cannot determine the backbone: no 'backbone.0.body.*' weights",
    );
    one.dispose();
    tf.dispose([...tensors.values()]);
  });
});
