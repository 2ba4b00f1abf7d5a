// Conv2d, BatchNorm2d, FrozenBatchNorm2d and Embedding against hand-computed values and the
// float64 PyTorch-semantics reference in ./reference.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { BatchNorm2d } from '../../lib/nn/batch-norm.js';
import { type ConvImplementation, setConvImplementation } from '../../lib/nn/conv-functional.js';
import { Conv2d } from '../../lib/nn/conv2d.js';
import { Embedding } from '../../lib/nn/embedding.js';
import { FrozenBatchNorm2d, withoutBatchCounters } from '../../lib/nn/frozen-batch-norm.js';
import { oneHot } from '../../lib/nn/functional.js';
import { Rng } from '../../lib/runtime/rng.js';
import { type Map4, maxAbsDiff, nest, referenceConv2d, wave } from './reference.js';

/** A conv whose torch-layout weight is all ones (bias 0). */
function onesConv(kernel: number, options: ConstructorParameters<typeof Conv2d>[3]): Conv2d {
  const conv = new Conv2d(1, 1, kernel, { ...options, bias: false });
  conv.weight.assign(tf.onesLike(conv.weight));
  return conv;
}

function withConv<T>(impl: ConvImplementation, f: () => T): T {
  const previous = setConvImplementation(impl);
  try {
    return f();
  } finally {
    setConvImplementation(previous);
  }
}

describe('Conv2d', () => {
  it('stride 2, padding 1 (PyTorch) and TF same padding (extra pixel bottom / right) on a 4×4 map of ones', () => {
    const ones = tf.ones([1, 4, 4, 1]) as tf.Tensor4D;
    // windows rows/cols {-1..1, 1..3}: 4, 6, 6, 9 valid pixels
    expect(Array.from(onesConv(3, { stride: 2, padding: 1 }).forward(ones).dataSync())).to.deep.equal([4, 6, 6, 9]);
    // same: total pad 1 → 0 top / 1 bottom: windows {0..2, 2..4}: 9, 6, 6, 4
    expect(Array.from(onesConv(3, { stride: 2, padding: 'same' }).forward(ones).dataSync())).to.deep.equal([9, 6, 6, 4]);
    // 5×5, k 3, stride 2, same: output 3×3, pad 1 / 1 → same as PyTorch padding 1
    const five = tf.ones([1, 5, 5, 1]) as tf.Tensor4D;
    expect(Array.from(onesConv(3, { stride: 2, padding: 'same' }).forward(five).dataSync())).to.deep.equal([4, 6, 4, 6, 9, 6, 4, 6, 4]);
    // k 5 stride 1 same on 3×3: pad 2 / 2, every window holds the whole map
    const three = tf.ones([1, 3, 3, 1]) as tf.Tensor4D;
    expect(Array.from(onesConv(5, { padding: 'same' }).forward(three).dataSync())).to.deep.equal(Array(9).fill(9));
  });

  it('depthwise: channel c only sees channel c with its own kernel (hand-computed)', () => {
    const dw = new Conv2d(2, 2, 2, { groups: 2, bias: false });
    // torch [C, 1, 2, 2]: channel 0 takes the top-left pixel, channel 1 sums its window × 10
    dw.loadStateDict(
      new Map([
        [
          'weight',
          tf.tensor4d([
            [
              [
                [1, 0],
                [0, 0],
              ],
            ],
            [
              [
                [10, 10],
                [10, 10],
              ],
            ],
          ]),
        ],
      ]),
      { layout: 'torch' },
    );
    const x = tf.tensor4d([
      [
        [
          [1, 100],
          [2, 200],
        ],
        [
          [3, 300],
          [4, 400],
        ],
      ],
    ]); // NHWC [1, 2, 2, 2]
    expect(Array.from(dw.forward(x).dataSync())).to.deep.equal([1, 10000]);
    expect(() => new Conv2d(4, 8, 3, { groups: 4 })).to.throw(/groups = 1 or depthwise/);
  });

  const CASES: {
    name: string;
    c: [number, number, number];
    options: ConstructorParameters<typeof Conv2d>[3];
    pad: [number, number, number, number];
    size: [number, number];
  }[] = [
    { name: '3×3 stride 2 padding 1', c: [3, 4, 3], options: { stride: 2, padding: 1 }, pad: [1, 1, 1, 1], size: [7, 6] },
    { name: '3×3 same stride 2 (odd / even sides)', c: [2, 3, 3], options: { stride: 2, padding: 'same' }, pad: [1, 1, 0, 1], size: [7, 6] },
    { name: '3×3 dilation 2 padding 2', c: [2, 3, 3], options: { dilation: 2, padding: 2 }, pad: [2, 2, 2, 2], size: [6, 5] },
    { name: '1×1 stride 2', c: [3, 2, 1], options: { stride: 2 }, pad: [0, 0, 0, 0], size: [5, 4] },
    { name: 'depthwise 5×5 same stride 2', c: [3, 3, 5], options: { stride: 2, padding: 'same', groups: 3 }, pad: [1, 2, 1, 2], size: [6, 6] },
    { name: 'depthwise 3×3 same stride 1', c: [4, 4, 3], options: { padding: 'same', groups: 4 }, pad: [1, 1, 1, 1], size: [4, 5] },
  ];
  for (const { name, c, options, pad, size } of CASES) {
    it(`${name}: matches the PyTorch reference with both gradient strategies, which agree`, () => {
      const [cin, cout, k] = c;
      const depthwise = (options?.groups ?? 1) > 1;
      const conv = new Conv2d(cin, cout, k, { ...options, rng: new Rng(1) });
      const wt = nest(wave(cout * (depthwise ? 1 : cin) * k * k, 0.4), [cout, depthwise ? 1 : cin, k, k]) as number[][][][];
      const bias = wave(cout, 2);
      conv.loadStateDict(
        new Map<string, tf.Tensor>([
          ['weight', tf.tensor4d(wt)],
          ['bias', tf.tensor1d(bias)],
        ]),
        { layout: 'torch' },
      );
      const xs = nest(wave(2 * size[0] * size[1] * cin, 1.1), [2, size[0], size[1], cin]) as Map4;
      const expected = referenceConv2d(xs, wt, bias, { ...options, pad, groups: depthwise ? cin : 1 }).flat(3);
      const x = tf.tensor4d(xs);
      const dy = tf.tidy(() => tf.sin(tf.range(0, expected.length).mul(0.37)));
      // the wasm backend has no native conv-filter gradient kernels: compare where they exist
      const nativeKernel = depthwise ? 'DepthwiseConv2dNativeBackpropFilter' : 'Conv2DBackpropFilter';
      const strategies =
        tf.getKernel(nativeKernel, tf.getBackend()) === undefined ? (['patches', 'patches'] as const) : (['native', 'patches'] as const);
      const grads = strategies.map((impl) =>
        withConv(impl, () => {
          const y = conv.forward(x);
          expect(maxAbsDiff(y.dataSync(), expected), `${impl} forward`).to.be.below(1e-5);
          const f = (input: tf.Tensor, _weight: tf.Tensor) => tf.sum(tf.mul(conv.forward(input as tf.Tensor4D).reshape([-1]), dy)) as tf.Scalar;
          const { grads: g } = tf.variableGrads(() => f(x, conv.weight), [conv.weight]);
          const dx = tf.grad((input: tf.Tensor) => f(input, conv.weight))(x);
          return { dw: g[conv.weight.name] as tf.Tensor, dx };
        }),
      );
      const [native, patches] = grads as [{ dw: tf.Tensor; dx: tf.Tensor }, { dw: tf.Tensor; dx: tf.Tensor }];
      expect(maxAbsDiff(native.dw.dataSync(), patches.dw.dataSync())).to.be.below(1e-4);
      expect(maxAbsDiff(native.dx.dataSync(), patches.dx.dataSync())).to.be.below(1e-4);
      // finite difference on one input pixel (float64 reference): d/dx[0, 1, 1, 0] of sum(y · dy)
      const dyValues = Array.from(dy.dataSync());
      const lossAt = (eps: number) => {
        const shifted = xs.map((img, b) =>
          img.map((row, r) => row.map((px, q) => px.map((v, ch) => (b === 0 && r === 1 && q === 1 && ch === 0 ? v + eps : v)))),
        );
        return referenceConv2d(shifted, wt, bias, { ...options, pad, groups: depthwise ? cin : 1 })
          .flat(3)
          .reduce((s, v, i) => s + v * (dyValues[i] as number), 0);
      };
      const fd = (lossAt(1e-4) - lossAt(-1e-4)) / 2e-4;
      const pixel = (1 * size[1] + 1) * cin;
      expect(patches.dx.dataSync()[pixel]).to.be.closeTo(fd, 1e-3);
      tf.dispose([x, dy, native.dw, native.dx, patches.dw, patches.dx]);
      conv.dispose();
    });
  }

  it('initialises weight and bias U(±1/sqrt(fan_in)) (fan_in = I·k·k, depthwise k·k)', () => {
    const conv = new Conv2d(8, 16, 3, { rng: new Rng(3) });
    const bound = 1 / Math.sqrt(8 * 9);
    const w = conv.weight.dataSync();
    expect(Math.max(...Array.from(w, Math.abs)))
      .to.be.below(bound)
      .and.above(0.95 * bound);
    expect(Math.max(...Array.from(conv.bias?.dataSync() ?? [], Math.abs))).to.be.below(bound);
    const dw = new Conv2d(32, 32, 5, { groups: 32, rng: new Rng(3) });
    const dwBound = 1 / 5;
    expect(Math.max(...Array.from(dw.weight.dataSync(), Math.abs)))
      .to.be.below(dwBound)
      .and.above(0.95 * dwBound);
    conv.dispose();
    dw.dispose();
  });
});

describe('BatchNorm2d', () => {
  // x [B=2, H=1, W=2, C=2]: channel 0 = 1, 2, 3, 4 (mean 2.5, biased var 1.25, unbiased 5/3);
  // channel 1 = 0, 0, 0, 8 (mean 2, biased var 12, unbiased 16)
  const x = () =>
    tf.tensor4d([
      [
        [
          [1, 0],
          [2, 0],
        ],
      ],
      [
        [
          [3, 0],
          [4, 8],
        ],
      ],
    ]);

  it('training: batch statistics, running stats updated with momentum 0.1 and the unbiased variance', () => {
    const bn = new BatchNorm2d(2);
    bn.weight.assign(tf.tensor1d([2, 1]));
    bn.bias.assign(tf.tensor1d([0, 1]));
    const y = bn.forward(x()).dataSync();
    const s0 = Math.sqrt(1.25 + 1e-5);
    const s1 = Math.sqrt(12 + 1e-5);
    const expected = [
      (2 * (1 - 2.5)) / s0,
      -2 / s1 + 1,
      (2 * (2 - 2.5)) / s0,
      -2 / s1 + 1,
      (2 * (3 - 2.5)) / s0,
      -2 / s1 + 1,
      (2 * (4 - 2.5)) / s0,
      6 / s1 + 1,
    ];
    expect(maxAbsDiff(y, expected)).to.be.below(1e-5);
    expect(maxAbsDiff(bn.runningMean.dataSync(), [0.25, 0.2])).to.be.below(1e-7);
    expect(maxAbsDiff(bn.runningVar.dataSync(), [0.9 + 0.1 * (5 / 3), 0.9 + 1.6])).to.be.below(1e-6);
    expect(bn.numBatchesTracked.dtype).to.equal('int32');
    bn.forward(x());
    expect(bn.numBatchesTracked.dataSync()[0]).to.equal(2);
    // second step: 0.9 · 0.25 + 0.1 · 2.5
    expect(bn.runningMean.dataSync()[0]).to.be.closeTo(0.475, 1e-6);
    bn.dispose();
  });

  it('eval: running statistics, nothing updated; efficientnet eps 1e-3 / momentum 0.01', () => {
    const bn = new BatchNorm2d(2, { eps: 1e-3, momentum: 0.01 });
    bn.runningMean.assign(tf.tensor1d([1, -1]));
    bn.runningVar.assign(tf.tensor1d([4, 0.25]));
    bn.eval();
    const y = bn.forward(x()).dataSync();
    expect(y[0]).to.be.closeTo(0, 1e-6);
    expect(y[6]).to.be.closeTo(3 / Math.sqrt(4.001), 1e-6);
    expect(y[7]).to.be.closeTo(9 / Math.sqrt(0.251), 1e-5);
    expect(Array.from(bn.runningMean.dataSync())).to.deep.equal([1, -1]);
    expect(bn.numBatchesTracked.dataSync()[0]).to.equal(0);
    bn.train();
    bn.forward(x());
    expect(bn.runningMean.dataSync()[0]).to.be.closeTo(0.99 * 1 + 0.01 * 2.5, 1e-6);
    bn.dispose();
  });

  it('training: gradients flow through the batch statistics (finite differences)', () => {
    const bn = new BatchNorm2d(2);
    const weights = tf.tensor4d([
      [
        [
          [1, -2],
          [0.5, 3],
        ],
      ],
      [
        [
          [-1, 1],
          [2, 0.25],
        ],
      ],
    ]);
    const loss = (input: tf.Tensor) => tf.sum(tf.mul(bn.forward(input as tf.Tensor4D), weights)) as tf.Scalar;
    const dx = tf.grad(loss)(x()).dataSync();
    const base = Array.from(x().dataSync());
    for (const i of [0, 3, 7]) {
      const at = (eps: number) =>
        loss(
          tf.tensor4d(
            base.map((v, j) => (j === i ? v + eps : v)),
            [2, 1, 2, 2],
          ),
        ).dataSync()[0] as number;
      expect(dx[i]).to.be.closeTo((at(1e-2) - at(-1e-2)) / 2e-2, 2e-3);
    }
    bn.dispose();
  });

  it('names parameters and buffers as PyTorch', () => {
    const bn = new BatchNorm2d(3);
    expect(bn.namedParameters().map(([n]) => n)).to.deep.equal(['weight', 'bias']);
    expect(bn.namedBuffers().map(([n]) => n)).to.deep.equal(['running_mean', 'running_var', 'num_batches_tracked']);
    expect(bn.namedBuffers()[2]?.[1].shape).to.deep.equal([]);
    bn.dispose();
  });
});

describe('FrozenBatchNorm2d', () => {
  it('applies fixed statistics in train and eval mode, has no trainable variables, and loads BatchNorm2d dicts without num_batches_tracked', () => {
    const frozen = new FrozenBatchNorm2d(2);
    expect(frozen.trainableVariables()).to.have.length(0);
    expect(frozen.namedBuffers().map(([n]) => n)).to.deep.equal(['weight', 'bias', 'running_mean', 'running_var']);
    const source = new BatchNorm2d(2);
    source.weight.assign(tf.tensor1d([2, 3]));
    source.bias.assign(tf.tensor1d([1, 0]));
    source.runningMean.assign(tf.tensor1d([1, 2]));
    source.runningVar.assign(tf.tensor1d([4, 9]));
    expect(() => frozen.loadStateDict(source.stateDict())).to.throw(/unexpected keys: num_batches_tracked/);
    frozen.loadStateDict(withoutBatchCounters(source.stateDict()));
    const x = tf.tensor4d([[[[3, 5]]]]);
    // channel 0: 2 · (3 - 1) / sqrt(4 + 1e-5) + 1; channel 1: 3 · (5 - 2) / sqrt(9 + 1e-5)
    const expected = [(2 * 2) / Math.sqrt(4 + 1e-5) + 1, 9 / Math.sqrt(9 + 1e-5)];
    expect(maxAbsDiff(frozen.train().forward(x).dataSync(), expected)).to.be.below(1e-6);
    expect(maxAbsDiff(frozen.eval().forward(x).dataSync(), expected)).to.be.below(1e-6);
    source.eval();
    expect(maxAbsDiff(source.forward(x).dataSync(), expected)).to.be.below(1e-6);
    frozen.dispose();
    source.dispose();
  });
});

describe('oneHot', () => {
  it('is F.one_hot as float32 for depth 3 and for depth 1 (which tf.oneHot refuses)', () => {
    const three = oneHot(tf.tensor1d([2, 0], 'int32'), 3);
    const one = oneHot(tf.tensor1d([0, 0, 0], 'int32'), 1);
    expect(three.dtype).to.equal('float32');
    expect(three.arraySync()).to.deep.equal([
      [0, 0, 1],
      [1, 0, 0],
    ]);
    expect(one.arraySync()).to.deep.equal([[1], [1], [1]]);
    tf.dispose([three, one]);
  });
});

describe('Embedding', () => {
  it('draws N(0, 1), looks rows up for any index shape and keeps the plain layout', () => {
    const emb = new Embedding(100, 100, new Rng(5));
    const w = Array.from(emb.weight.dataSync());
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    const std = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length);
    expect(Math.abs(mean)).to.be.below(0.03);
    expect(Math.abs(std - 1)).to.be.below(0.03);
    const small = new Embedding(3, 2);
    small.loadStateDict(
      new Map([
        [
          'weight',
          tf.tensor2d([
            [1, 2],
            [3, 4],
            [5, 6],
          ]),
        ],
      ]),
      { layout: 'torch' },
    );
    const y = small.forward(
      tf.tensor2d(
        [
          [2, 0],
          [1, 1],
        ],
        [2, 2],
        'int32',
      ),
    );
    expect(y.shape).to.deep.equal([2, 2, 2]);
    expect(y.arraySync()).to.deep.equal([
      [
        [5, 6],
        [1, 2],
      ],
      [
        [3, 4],
        [3, 4],
      ],
    ]);
    expect(small.torchStateDict().get('weight')?.arraySync()).to.deep.equal([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    emb.dispose();
    small.dispose();
  });
});
