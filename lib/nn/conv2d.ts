// `nn.Conv2d` on NHWC maps, PyTorch parameter names and default initialisation (weight and bias
// U(±1/sqrt(fan_in))). Weight stored [kh, kw, I, O] (PyTorch [O, I, kh, kw]); a depthwise conv
// (groups = in channels) stores [kh, kw, 1, C], which is PyTorch's [C, 1, kh, kw] under the same
// 'conv2d' layout conversion (see depthwiseConv2dNHWC).
import * as tf from '@tensorflow/tfjs';
import { defaultRng, type Rng } from '../runtime/rng.js';
import { type Conv2dPadding, conv2dNHWC, depthwiseConv2dNHWC } from './conv-functional.js';
import { fans, kaimingUniformDefault, uniform } from './init.js';
import { Module } from './module.js';

export type { Conv2dPadding } from './conv-functional.js';

export interface Conv2dOptions {
  readonly stride?: number;
  readonly padding?: Conv2dPadding;
  readonly dilation?: number;
  /** 1, or the number of input channels (depthwise; then out channels must equal in channels). */
  readonly groups?: number;
  readonly bias?: boolean;
  readonly rng?: Rng;
}

export class Conv2d extends Module {
  readonly weight: tf.Variable; // [kh, kw, I, O], depthwise [kh, kw, 1, C]
  readonly bias: tf.Variable | null; // [O]
  readonly stride: number;
  readonly padding: Conv2dPadding;
  readonly dilation: number;
  readonly depthwise: boolean;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    options: Conv2dOptions = {},
  ) {
    super();
    const { stride = 1, padding = 0, dilation = 1, groups = 1, bias = true } = options;
    const rng = options.rng ?? defaultRng();
    if (groups !== 1 && !(groups === inChannels && outChannels === inChannels)) {
      throw new RangeError(
        `Conv2d supports groups = 1 or depthwise (groups = in = out channels), got groups ${groups} for ${inChannels} → ${outChannels}`,
      );
    }
    if (stride > 1 && dilation > 1) throw new RangeError('Conv2d: stride and dilation cannot both exceed 1 (TensorFlow.js restriction)');
    this.stride = stride;
    this.padding = padding;
    this.dilation = dilation;
    this.depthwise = groups !== 1;
    const shape = [kernelSize, kernelSize, this.depthwise ? 1 : inChannels, outChannels];
    this.weight = this.addParameter('weight', kaimingUniformDefault(shape, 'conv2d', rng), 'conv2d');
    this.bias = bias ? this.addParameter('bias', uniform([outChannels], 1 / Math.sqrt(fans(shape, 'conv2d')[0]), rng)) : null;
  }

  /** x: [B, H, W, I] → [B, H', W', O]. */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const w = this.weight as tf.Tensor4D;
      const y = this.depthwise ? depthwiseConv2dNHWC(x, w, this) : conv2dNHWC(x, w, this);
      return this.bias === null ? y : tf.add<tf.Tensor4D>(y, this.bias);
    });
  }
}
