// Backbones: torchvision / efficientnet_pytorch parameter names and counts, output shapes at
// small resolutions, DETR-style freezing, gradient flow, and the padding-mask resize.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { EfficientNetB0 } from '../../../lib/models/backbone/efficientnet.js';
import { interpolateMask, nearestSourceIndices, withMasks } from '../../../lib/models/backbone/mask.js';
import { MBConvBlock } from '../../../lib/models/backbone/mbconv.js';
import { ResNet } from '../../../lib/models/backbone/resnet.js';
import { SmallCNN } from '../../../lib/models/backbone/small-cnn.js';
import { BatchNorm2d } from '../../../lib/nn/batch-norm.js';
import { FrozenBatchNorm2d } from '../../../lib/nn/frozen-batch-norm.js';
import { type Module, toTorchLayout } from '../../../lib/nn/module.js';
import { Rng } from '../../../lib/runtime/rng.js';

/** Scalars in the norms' affine weight / bias (parameters of BatchNorm2d, buffers of FrozenBatchNorm2d). */
function normAffineSize(m: Module): number {
  return m.namedModules().reduce((n, [, c]) => n + (c instanceof BatchNorm2d || c instanceof FrozenBatchNorm2d ? 2 * c.numFeatures : 0), 0);
}

function shapes(maps: Record<string, tf.Tensor>): Record<string, number[]> {
  return Object.fromEntries(Object.entries(maps).map(([k, v]) => [k, v.shape]));
}

describe('ResNet backbone (torchvision names, DETR freezing)', () => {
  it('ResNet-50 (DC5): torchvision names, 23,508,032 parameters without fc (25,557,032 − 2,049,000); layer4 stays at stride 16', () => {
    const net = new ResNet({ depth: 50, norm: 'batch', dilation: true, rng: new Rng(0) }).eval();
    expect(net.numParameters()).to.equal(23_508_032);
    expect(net.numChannels).to.equal(2048);
    const dict = net.stateDict();
    // 53 convs + 53 norms × 5 (weight, bias, running_mean, running_var, num_batches_tracked), no fc
    expect(dict.size).to.equal(53 + 53 * 5);
    expect([...dict.keys()].slice(0, 7)).to.deep.equal([
      'conv1.weight',
      'bn1.weight',
      'bn1.bias',
      'bn1.running_mean',
      'bn1.running_var',
      'bn1.num_batches_tracked',
      'layer1.0.conv1.weight',
    ]);
    const torchShape = (name: string) => {
      const t = toTorchLayout(dict.get(name) as tf.Tensor, net.layouts().get(name) ?? 'plain');
      t.dispose();
      return t.shape;
    };
    expect(torchShape('conv1.weight')).to.deep.equal([64, 3, 7, 7]);
    expect(torchShape('layer1.0.downsample.0.weight')).to.deep.equal([256, 64, 1, 1]);
    expect(torchShape('layer1.0.downsample.1.running_var')).to.deep.equal([256]);
    expect(torchShape('layer3.5.conv2.weight')).to.deep.equal([256, 256, 3, 3]);
    expect(torchShape('layer4.2.bn3.weight')).to.deep.equal([2048]);
    expect(dict.has('layer2.1.downsample.0.weight')).to.equal(false);
    expect([...dict.keys()].some((k) => k.startsWith('fc.'))).to.equal(false);
    expect(net.layers[3]?.at(0)).to.have.nested.property('conv2.dilation', 1);
    expect(net.layers[3]?.at(1)).to.have.nested.property('conv2.dilation', 2);
    const maps = net.extractEndpoints(tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 1));
    expect(shapes(maps)).to.deep.equal({ layer1: [1, 8, 8, 256], layer2: [1, 4, 4, 512], layer3: [1, 2, 2, 1024], layer4: [1, 2, 2, 2048] });
    tf.dispose(Object.values(maps));
    net.dispose();
  });

  it('ResNet-18 (FrozenBatchNorm2d): 11,176,512 weights without fc; a DETR-style `backbone.0.body.*` torch dict loads with layout conversion only', () => {
    const source = new ResNet({ depth: 18, rng: new Rng(1) });
    expect(source.numParameters() + normAffineSize(source)).to.equal(11_176_512);
    expect(source.stateDict().size).to.equal(20 + 20 * 4); // no num_batches_tracked (DETR's checkpoint has none)
    // give the frozen norms non-trivial statistics so the copy is checked
    for (const [name, buffer] of source.namedBuffers()) {
      if (name.endsWith('running_var')) buffer.assign(tf.randomUniform(buffer.shape, 0.5, 2, 'float32', 3));
      if (name.endsWith('running_mean') || name.endsWith('.bias')) buffer.assign(tf.randomNormal(buffer.shape, 0, 0.1, 'float32', 4));
    }
    const checkpoint = new Map([...source.torchStateDict()].map(([k, v]) => [`backbone.0.body.${k}`, v]));
    const body = new Map([...checkpoint].filter(([k]) => k.startsWith('backbone.0.body.')).map(([k, v]) => [k.slice('backbone.0.body.'.length), v]));
    const target = new ResNet({ depth: 18, rng: new Rng(2) });
    const report = target.loadStateDict(body, { layout: 'torch' });
    expect(report).to.deep.equal({ missing: [], unexpected: [], mismatched: [] });
    const x = tf.randomNormal([1, 64, 32, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const a = source.forward(x);
    const b = target.forward(x);
    expect(a.shape).to.deep.equal([1, 2, 1, 512]);
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).to.equal(0);
    tf.dispose([x, a, b, ...checkpoint.values()]);
    source.dispose();
    target.dispose();
  });

  it('freezes conv1 / bn1 / layer1 as DETR (train_backbone) and a gradient reaches every layer2..layer4 conv', () => {
    const net = new ResNet({ depth: 18, rng: new Rng(3) });
    net.freezeLikeDetr(false);
    expect(net.trainableVariables()).to.have.length(0);
    net.freezeLikeDetr(true);
    const trainable = net
      .namedParameters()
      .filter(([, v]) => v.trainable)
      .map(([n]) => n);
    expect(trainable.every((n) => /^layer[234]\./.test(n))).to.equal(true);
    expect(trainable).to.have.length(net.namedParameters().filter(([n]) => /^layer[234]\./.test(n)).length);
    expect(trainable).to.have.length(15); // 3 layers × (2 blocks × 2 convs) + 3 downsample convs
    const x = tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 6) as tf.Tensor4D;
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(net.forward(x))) as tf.Scalar, net.trainableVariables());
    expect(Object.keys(grads)).to.have.length(15);
    for (const g of Object.values(grads)) expect(tf.max(tf.abs(g)).dataSync()[0]).to.be.above(0);
    tf.dispose([x, value, ...Object.values(grads)]);
    net.dispose();
  });
});

describe('EfficientNet-B0 (efficientnet_pytorch names)', () => {
  it('has 4,007,548 parameters without _fc and efficientnet_pytorch names / torch shapes', () => {
    const net = new EfficientNetB0({ rng: new Rng(0) });
    expect(net.numParameters()).to.equal(4_007_548);
    expect(net.blocks.length).to.equal(16);
    const names = net.namedParameters().map(([n]) => n);
    expect(names.slice(0, 3)).to.deep.equal(['_conv_stem.weight', '_bn0.weight', '_bn0.bias']);
    expect(names.filter((n) => n.startsWith('_blocks.0.'))).to.deep.equal([
      '_blocks.0._depthwise_conv.weight',
      '_blocks.0._bn1.weight',
      '_blocks.0._bn1.bias',
      '_blocks.0._se_reduce.weight',
      '_blocks.0._se_reduce.bias',
      '_blocks.0._se_expand.weight',
      '_blocks.0._se_expand.bias',
      '_blocks.0._project_conv.weight',
      '_blocks.0._bn2.weight',
      '_blocks.0._bn2.bias',
    ]);
    expect(names.slice(-4)).to.deep.equal(['_blocks.15._bn2.bias', '_conv_head.weight', '_bn1.weight', '_bn1.bias']);
    const torch = net.torchStateDict();
    expect(torch.get('_blocks.1._expand_conv.weight')?.shape).to.deep.equal([96, 16, 1, 1]);
    expect(torch.get('_blocks.1._depthwise_conv.weight')?.shape).to.deep.equal([96, 1, 3, 3]);
    expect(torch.get('_blocks.1._se_reduce.weight')?.shape).to.deep.equal([4, 96, 1, 1]);
    expect(torch.get('_blocks.3._depthwise_conv.weight')?.shape).to.deep.equal([144, 1, 5, 5]);
    expect(torch.get('_blocks.5._depthwise_conv.weight')?.shape).to.deep.equal([240, 1, 3, 3]);
    expect(torch.get('_blocks.15._project_conv.weight')?.shape).to.deep.equal([320, 1152, 1, 1]);
    expect(torch.get('_blocks.15._bn2.num_batches_tracked')?.shape).to.deep.equal([]);
    expect(torch.get('_conv_head.weight')?.shape).to.deep.equal([1280, 320, 1, 1]);
    expect(torch.size).to.equal(names.length + 49 * 3); // 49 BatchNorm2d × (running_mean, running_var, num_batches_tracked)
    tf.dispose([...torch.values()]);
    const bn = net.blocks.at(3).bn1;
    expect(bn).to.be.instanceOf(BatchNorm2d);
    expect(bn).to.include({ eps: 1e-3, momentum: 0.01 });
    const frozen = new EfficientNetB0({ norm: 'frozen' });
    expect(frozen.numParameters() + normAffineSize(frozen)).to.equal(4_007_548);
    expect(frozen.blocks.at(3).bn1).to.include({ eps: 1e-3 });
    net.dispose();
    frozen.dispose();
  });

  it('extractEndpoints follows the reduction rule: 64² → reduction_3 [B, 8, 8, 40], reduction_4 [B, 4, 4, 112]; odd sizes round up', () => {
    const net = new EfficientNetB0({ rng: new Rng(1) }).eval();
    const maps = net.extractEndpoints(tf.randomNormal([2, 64, 64, 3], 0, 1, 'float32', 7));
    expect(shapes(maps)).to.deep.equal({
      reduction_1: [2, 32, 32, 16],
      reduction_2: [2, 16, 16, 24],
      reduction_3: [2, 8, 8, 40],
      reduction_4: [2, 4, 4, 112],
      reduction_5: [2, 2, 2, 320],
      reduction_6: [2, 2, 2, 1280],
    });
    for (const [name, map] of Object.entries(maps))
      expect(map.shape[3], name).to.equal(net.endpointChannels[name as keyof typeof net.endpointChannels]);
    tf.dispose(Object.values(maps));
    // TF same padding: ceil(H / 2) at every stride-2 stage: 72 → 36, 18, 9, 5, 3 and 40 → 20, 10, 5, 3, 2
    const odd = net.extractEndpoints(tf.zeros([1, 72, 40, 3]));
    expect(shapes(odd)).to.deep.equal({
      reduction_1: [1, 36, 20, 16],
      reduction_2: [1, 18, 10, 24],
      reduction_3: [1, 9, 5, 40],
      reduction_4: [1, 5, 3, 112],
      reduction_5: [1, 3, 2, 320],
      reduction_6: [1, 3, 2, 1280],
    });
    tf.dispose(Object.values(odd));
    // forward = the head map; no tensor leaks in training mode either
    const x = tf.zeros([2, 32, 32, 3]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const y = net.train().forward(x);
    expect(y.shape).to.deep.equal([2, 1, 1, 1280]);
    y.dispose();
    expect(tf.memory().numTensors).to.equal(before);
    x.dispose();
    net.dispose();
  });

  it('MBConv drop-connect drops whole samples of the residual branch in training only', () => {
    const rng = new Rng(4);
    const block = new MBConvBlock(
      { kernelSize: 3, stride: 1, inputFilters: 8, outputFilters: 8, expandRatio: 2, seRatio: 0.25 },
      { norm: 'frozen', eps: 1e-3, momentum: 0.01, rng },
    );
    const x = tf.randomNormal([16, 4, 4, 8], 0, 1, 'float32', 8) as tf.Tensor4D;
    const full = block.eval().forward(x, 0.5);
    const dropped = block.train().forward(x, 0.5);
    // per sample: either exactly the input (branch dropped) or input + 2 · branch
    const branch = tf.sub(full, x);
    const kept = tf.sub(dropped, x);
    let droppedCount = 0;
    for (let b = 0; b < 16; b++) {
      const k = kept.slice([b], [1]);
      const f = branch.slice([b], [1]);
      const isDropped = tf.max(tf.abs(k)).dataSync()[0] === 0;
      if (isDropped) droppedCount++;
      else expect(tf.max(tf.abs(tf.sub(k, tf.mul(f, 2)))).dataSync()[0]).to.be.below(1e-5);
    }
    expect(droppedCount).to.be.within(2, 14);
    tf.dispose([x, full, dropped, branch, kept]);
    block.dispose();
  });
});

describe('SmallCNN backbone', () => {
  it('gives reduction_3 (stride 8) and reduction_4 (stride 16) with configurable channels, trains end to end and updates its BatchNorm stats', () => {
    const net = new SmallCNN({ channels: [8, 16, 24, 32], rng: new Rng(5) });
    expect(net.numChannels).to.equal(32);
    expect(net.endpointChannels).to.deep.equal({ reduction_3: 24, reduction_4: 32 });
    expect(
      net
        .namedParameters()
        .map(([n]) => n)
        .slice(0, 3),
    ).to.deep.equal(['stages.0.conv.weight', 'stages.0.bn.weight', 'stages.0.bn.bias']);
    expect(net.numParameters()).to.equal(3 * 9 * 8 + 8 * 9 * 16 + 16 * 9 * 24 + 24 * 9 * 32 + 2 * (8 + 16 + 24 + 32));
    const x = tf.randomNormal([2, 64, 48, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
    const maps = net.extractEndpoints(x);
    expect(shapes(maps)).to.deep.equal({ reduction_3: [2, 8, 6, 24], reduction_4: [2, 4, 3, 32] });
    const tensorsBefore = tf.memory().numTensors;
    net.forward(x).dispose();
    net.eval().forward(x).dispose();
    net.train();
    expect(tf.memory().numTensors).to.equal(tensorsBefore);
    const before = net.stages.at(0).bn.namedBuffers()[0]?.[1].dataSync()[0];
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(net.forward(x))) as tf.Scalar);
    expect(Object.keys(grads)).to.have.length(net.namedParameters().length);
    for (const [name, g] of Object.entries(grads)) expect(tf.max(tf.abs(g)).dataSync()[0], name).to.be.above(0);
    expect(net.stages.at(0).bn.namedBuffers()[0]?.[1].dataSync()[0]).to.not.equal(before);
    expect(new SmallCNN().endpointChannels).to.deep.equal({ reduction_3: 64, reduction_4: 128 });
    tf.dispose([x, value, ...Object.values(grads), ...Object.values(maps)]);
    net.dispose();
  });

  it('outputStride 8: the same parameters, the last stage at stride 1; its map subsampled by 2 is the stride-16 map', () => {
    const coarse = new SmallCNN({ channels: [4, 8, 8, 12], rng: new Rng(3) }).eval();
    const fine = new SmallCNN({ channels: [4, 8, 8, 12], outputStride: 8, rng: new Rng(3) }).eval();
    const names = (net: SmallCNN) => net.namedParameters().map(([n, p]) => `${n}:${p.shape.join('x')}`);
    expect(names(fine)).to.deep.equal(names(coarse));
    const x = tf.randomNormal([1, 64, 40, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const fineMaps = fine.extractEndpoints(x);
    const coarseMap = coarse.forward(x);
    expect(shapes(fineMaps)).to.deep.equal({ reduction_3: [1, 8, 5, 8], reduction_4: [1, 8, 5, 12] });
    expect(coarseMap.shape).to.deep.equal([1, 4, 3, 12]);
    // A 3×3 stride-2 conv (padding 1) samples the stride-1 conv's output at even positions; BN (eval) and ReLU are per pixel.
    const subsampled = tf.stridedSlice(fineMaps.reduction_4, [0, 0, 0, 0], [1, 8, 5, 12], [1, 2, 2, 1]);
    expect(subsampled.shape).to.deep.equal(coarseMap.shape);
    expect(tf.max(tf.abs(tf.sub(subsampled, coarseMap))).dataSync()[0]).to.be.below(1e-5);
    expect(tf.max(fineMaps.reduction_4).dataSync()[0]).to.be.above(0);
    tf.dispose([x, coarseMap, subsampled, ...Object.values(fineMaps)]);
    fine.dispose();
    coarse.dispose();
  });
});

describe('padding mask resize', () => {
  it('uses PyTorch nearest indices and follows every endpoint (DETR / MS-Transformer BackboneBase)', () => {
    expect(nearestSourceIndices(5, 3)).to.deep.equal([0, 1, 3]); // floor(i · 5/3)
    expect(nearestSourceIndices(6, 3)).to.deep.equal([0, 2, 4]);
    expect(nearestSourceIndices(2, 4)).to.deep.equal([0, 0, 1, 1]);
    expect(nearestSourceIndices(64, 2)).to.deep.equal([0, 32]);
    expect(nearestSourceIndices(7, 7)).to.deep.equal([0, 1, 2, 3, 4, 5, 6]);
    // the fixtures' mask: image 1 has its right 2 columns and bottom row padded
    const row = [0, 0, 0, 0, 1, 1];
    const mask = tf.tensor3d([...Array<number>(30).fill(0), ...row, ...row, ...row, ...row, 1, 1, 1, 1, 1, 1], [2, 5, 6]).toBool();
    const small = interpolateMask(mask, 3, 3);
    expect(small.dtype).to.equal('bool'); // arraySync gives 0 / 1
    expect(small.arraySync()).to.deep.equal([
      [
        [0, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
      ],
      [
        [0, 0, 1],
        [0, 0, 1],
        [0, 0, 1],
      ],
    ]);
    const maps = { a: tf.zeros([2, 3, 3, 4]) as tf.Tensor4D, b: tf.zeros([2, 5, 6, 1]) as tf.Tensor4D };
    const masked = withMasks(maps, mask);
    expect(masked.a?.mask.arraySync()).to.deep.equal(small.arraySync());
    expect(masked.b?.mask.arraySync()).to.deep.equal(mask.arraySync());
    tf.dispose([mask, small, maps.a, maps.b, masked.a?.mask as tf.Tensor, masked.b?.mask as tf.Tensor]);
  });
});
