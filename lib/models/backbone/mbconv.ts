// efficientnet_pytorch's `MBConvBlock` (mobile inverted bottleneck with squeeze-and-excitation),
// NHWC, with its state-dict names: _expand_conv, _bn0, _depthwise_conv, _bn1, _se_reduce,
// _se_expand, _project_conv, _bn2. Convs use TF 'same' padding, activations are swish.
import * as tf from '@tensorflow/tfjs';
import { Conv2d } from '../../nn/conv2d.js';
import { Module } from '../../nn/module.js';
import type { Rng } from '../../runtime/rng.js';
import { createNorm2d, type Norm2d, type NormKind } from './norm.js';

export interface MBConvArgs {
  readonly kernelSize: number;
  readonly stride: number;
  readonly inputFilters: number;
  readonly outputFilters: number;
  readonly expandRatio: number;
  /** Squeeze ratio relative to inputFilters (0.25 in every EfficientNet). */
  readonly seRatio: number;
}

export interface MBConvContext {
  readonly norm: NormKind;
  /** BatchNorm eps / momentum (efficientnet_pytorch: 1e-3 / 0.01). */
  readonly eps: number;
  readonly momentum: number;
  readonly rng: Rng;
}

/** x · sigmoid(x) (efficientnet_pytorch's Swish / MemoryEfficientSwish). */
export function swish(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
}

export class MBConvBlock extends Module {
  readonly expandConv: Conv2d | null;
  readonly bn0: Norm2d | null;
  readonly depthwiseConv: Conv2d;
  readonly bn1: Norm2d;
  readonly seReduce: Conv2d;
  readonly seExpand: Conv2d;
  readonly projectConv: Conv2d;
  readonly bn2: Norm2d;
  /** Identity skip (id_skip, stride 1 and in = out channels). */
  readonly hasSkip: boolean;

  constructor(
    readonly args: MBConvArgs,
    private readonly ctx: MBConvContext,
  ) {
    super();
    const { rng } = ctx;
    const norm = (c: number) => createNorm2d(ctx.norm, c, { eps: ctx.eps, momentum: ctx.momentum });
    const inp = args.inputFilters;
    const oup = inp * args.expandRatio;
    const expands = args.expandRatio !== 1;
    this.expandConv = expands ? this.addModule('_expand_conv', new Conv2d(inp, oup, 1, { bias: false, padding: 'same', rng })) : null;
    this.bn0 = expands ? this.addModule('_bn0', norm(oup)) : null;
    this.depthwiseConv = this.addModule(
      '_depthwise_conv',
      new Conv2d(oup, oup, args.kernelSize, { groups: oup, stride: args.stride, padding: 'same', bias: false, rng }),
    );
    this.bn1 = this.addModule('_bn1', norm(oup));
    const squeezed = Math.max(1, Math.floor(inp * args.seRatio));
    this.seReduce = this.addModule('_se_reduce', new Conv2d(oup, squeezed, 1, { rng }));
    this.seExpand = this.addModule('_se_expand', new Conv2d(squeezed, oup, 1, { rng }));
    this.projectConv = this.addModule('_project_conv', new Conv2d(oup, args.outputFilters, 1, { bias: false, padding: 'same', rng }));
    this.bn2 = this.addModule('_bn2', norm(args.outputFilters));
    this.hasSkip = args.stride === 1 && args.inputFilters === args.outputFilters;
  }

  /**
   * x: [B, H, W, in] → [B, ceil(H / stride), ceil(W / stride), out]. `dropConnectRate` drops
   * the residual branch per sample in training mode (stochastic depth), as efficientnet_pytorch.
   */
  forward(x: tf.Tensor4D, dropConnectRate = 0): tf.Tensor4D {
    return tf.tidy(() => {
      let h = x;
      if (this.expandConv !== null && this.bn0 !== null) h = swish(this.bn0.forward(this.expandConv.forward(h))) as tf.Tensor4D;
      h = swish(this.bn1.forward(this.depthwiseConv.forward(h))) as tf.Tensor4D;
      const squeezed = tf.mean(h, [1, 2], true) as tf.Tensor4D; // [B, 1, 1, C]
      const gate = tf.sigmoid(this.seExpand.forward(swish(this.seReduce.forward(squeezed)) as tf.Tensor4D));
      h = this.bn2.forward(this.projectConv.forward(tf.mul(gate, h)));
      if (!this.hasSkip) return h;
      if (this.training && dropConnectRate > 0) h = dropConnect(h, dropConnectRate, this.ctx.rng);
      return tf.add<tf.Tensor4D>(h, x);
    });
  }
}

/** Keep each sample's branch with probability 1 - p, scaled by 1 / (1 - p). */
function dropConnect(x: tf.Tensor4D, p: number, rng: Rng): tf.Tensor4D {
  return tf.tidy(() => {
    const keep = 1 - p;
    const mask = tf.floor(tf.add(keep, tf.randomUniform([x.shape[0], 1, 1, 1], 0, 1, 'float32', rng.seed())));
    return tf.mul<tf.Tensor4D>(tf.div(x, keep), mask);
  });
}
