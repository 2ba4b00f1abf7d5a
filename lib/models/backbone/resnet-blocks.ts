// torchvision's ResNet residual blocks (`BasicBlock`, `Bottleneck` v1.5: stride on the 3×3 conv)
// with their state-dict names: conv1, bn1, conv2, bn2[, conv3, bn3][, downsample.0 / .1].
import * as tf from '@tensorflow/tfjs';
import { Conv2d } from '../../nn/conv2d.js';
import { Module } from '../../nn/module.js';
import type { Rng } from '../../runtime/rng.js';
import { createNorm2d, type Norm2d, type NormKind } from './norm.js';

export interface BlockConfig {
  readonly inChannels: number;
  /** torchvision's `planes`: the block outputs planes · expansion channels. */
  readonly planes: number;
  readonly stride: number;
  readonly dilation: number;
  readonly norm: NormKind;
  readonly rng: Rng;
}

export interface ResidualBlock extends Module {
  forward(x: tf.Tensor4D): tf.Tensor4D;
}

/** `downsample`: conv1x1(stride) + norm, registered as '0' and '1' (an nn.Sequential). */
export class Downsample extends Module {
  readonly conv: Conv2d;
  readonly norm: Norm2d;

  constructor(inChannels: number, outChannels: number, stride: number, norm: NormKind, rng: Rng) {
    super();
    this.conv = this.addModule('0', new Conv2d(inChannels, outChannels, 1, { stride, bias: false, rng }));
    this.norm = this.addModule('1', createNorm2d(norm, outChannels));
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.norm.forward(this.conv.forward(x)));
  }
}

function downsampleFor(c: BlockConfig, outChannels: number): Downsample | null {
  return c.stride !== 1 || c.inChannels !== outChannels ? new Downsample(c.inChannels, outChannels, c.stride, c.norm, c.rng) : null;
}

export class BasicBlock extends Module implements ResidualBlock {
  static readonly expansion = 1;
  readonly conv1: Conv2d;
  readonly bn1: Norm2d;
  readonly conv2: Conv2d;
  readonly bn2: Norm2d;
  readonly downsample: Downsample | null;

  constructor(c: BlockConfig) {
    super();
    if (c.dilation > 1) throw new RangeError('BasicBlock does not support dilation > 1 (as torchvision)');
    this.conv1 = this.addModule('conv1', new Conv2d(c.inChannels, c.planes, 3, { stride: c.stride, padding: 1, bias: false, rng: c.rng }));
    this.bn1 = this.addModule('bn1', createNorm2d(c.norm, c.planes));
    this.conv2 = this.addModule('conv2', new Conv2d(c.planes, c.planes, 3, { padding: 1, bias: false, rng: c.rng }));
    this.bn2 = this.addModule('bn2', createNorm2d(c.norm, c.planes));
    const ds = downsampleFor(c, c.planes);
    this.downsample = ds === null ? null : this.addModule('downsample', ds);
  }

  /** x: [B, H, W, in] → [B, H / stride, W / stride, planes]. */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const h = tf.relu(this.bn1.forward(this.conv1.forward(x)));
      const out = this.bn2.forward(this.conv2.forward(h));
      const identity = this.downsample === null ? x : this.downsample.forward(x);
      return tf.relu(tf.add<tf.Tensor4D>(out, identity));
    });
  }
}

export class Bottleneck extends Module implements ResidualBlock {
  static readonly expansion = 4;
  readonly conv1: Conv2d;
  readonly bn1: Norm2d;
  readonly conv2: Conv2d;
  readonly bn2: Norm2d;
  readonly conv3: Conv2d;
  readonly bn3: Norm2d;
  readonly downsample: Downsample | null;

  constructor(c: BlockConfig) {
    super();
    const out = c.planes * Bottleneck.expansion;
    const { rng } = c;
    this.conv1 = this.addModule('conv1', new Conv2d(c.inChannels, c.planes, 1, { bias: false, rng }));
    this.bn1 = this.addModule('bn1', createNorm2d(c.norm, c.planes));
    this.conv2 = this.addModule(
      'conv2',
      new Conv2d(c.planes, c.planes, 3, { stride: c.stride, padding: c.dilation, dilation: c.dilation, bias: false, rng }),
    );
    this.bn2 = this.addModule('bn2', createNorm2d(c.norm, c.planes));
    this.conv3 = this.addModule('conv3', new Conv2d(c.planes, out, 1, { bias: false, rng }));
    this.bn3 = this.addModule('bn3', createNorm2d(c.norm, out));
    const ds = downsampleFor(c, out);
    this.downsample = ds === null ? null : this.addModule('downsample', ds);
  }

  /** x: [B, H, W, in] → [B, H / stride, W / stride, 4 · planes]. */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const h1 = tf.relu(this.bn1.forward(this.conv1.forward(x)));
      const h2 = tf.relu(this.bn2.forward(this.conv2.forward(h1)));
      const out = this.bn3.forward(this.conv3.forward(h2));
      const identity = this.downsample === null ? x : this.downsample.forward(x);
      return tf.relu(tf.add<tf.Tensor4D>(out, identity));
    });
  }
}
