// A small CNN for fast experiments: four stages of conv3×3 (stride 2, padding 1) + norm + ReLU,
// at strides 2, 4, 8, 16 (or, with outputStride 8, a last stage of stride 1: 2, 4, 8, 8, so that a
// 64×64 image gives an 8×8 map instead of 4×4; the parameters and their names are the same). Endpoints use EfficientNet's names so it can stand in for
// MS-Transformer's backbone: reduction_3 (stride 8, orientation branch) and reduction_4
// (stride 16, position branch); `forward` gives reduction_4 (a detector's single map).
import * as tf from '@tensorflow/tfjs';
import { Conv2d } from '../../nn/conv2d.js';
import { Module, ModuleList } from '../../nn/module.js';
import { defaultRng, type Rng } from '../../runtime/rng.js';
import type { Backbone } from './backbone.js';
import { createNorm2d, type Norm2d, type NormKind } from './norm.js';

export interface SmallCNNOptions {
  /** Output channels of the four stages (default [16, 32, 64, 128]). */
  readonly channels?: readonly [number, number, number, number];
  /** Default 'batch'. */
  readonly norm?: NormKind;
  /** Stride of the last map: 16 (default) or 8 (the fourth stage keeps the third's resolution). */
  readonly outputStride?: 8 | 16;
  readonly rng?: Rng;
}

/** conv (no bias) → norm → ReLU, named `conv` and `bn`. */
export class ConvNormRelu extends Module {
  readonly conv: Conv2d;
  readonly bn: Norm2d;

  constructor(inChannels: number, outChannels: number, stride: number, norm: NormKind, rng: Rng) {
    super();
    this.conv = this.addModule('conv', new Conv2d(inChannels, outChannels, 3, { stride, padding: 1, bias: false, rng }));
    this.bn = this.addModule('bn', createNorm2d(norm, outChannels));
  }

  /** x: [B, H, W, in] → [B, H / stride, W / stride, out]. */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => tf.relu(this.bn.forward(this.conv.forward(x))));
  }
}

export class SmallCNN extends Module implements Backbone {
  readonly stages: ModuleList<ConvNormRelu>;
  readonly numChannels: number;
  readonly endpointChannels: Readonly<{ reduction_3: number; reduction_4: number }>;

  constructor(options: SmallCNNOptions = {}) {
    super();
    const rng = options.rng ?? defaultRng();
    const channels = options.channels ?? [16, 32, 64, 128];
    const inputs = [3, ...channels.slice(0, -1)];
    const strides = [2, 2, 2, options.outputStride === 8 ? 1 : 2];
    this.stages = this.addModule(
      'stages',
      new ModuleList(channels.map((c, i) => new ConvNormRelu(inputs[i] as number, c, strides[i] as number, options.norm ?? 'batch', rng))),
    );
    this.endpointChannels = { reduction_3: channels[2], reduction_4: channels[3] };
    this.numChannels = channels[3];
  }

  /** images [B, H, W, 3] → { reduction_3: [B, ⌈H/8⌉, ⌈W/8⌉, c3], reduction_4: [B, ⌈H/s⌉, ⌈W/s⌉, c4] } (s = outputStride). */
  extractEndpoints(images: tf.Tensor4D): { reduction_3: tf.Tensor4D; reduction_4: tf.Tensor4D } {
    return tf.tidy(() => {
      const maps: tf.Tensor4D[] = [];
      let x = images;
      for (const stage of this.stages.items) {
        x = stage.forward(x);
        maps.push(x);
      }
      return { reduction_3: maps[2] as tf.Tensor4D, reduction_4: maps[3] as tf.Tensor4D };
    });
  }

  /** images [B, H, W, 3] → [B, ⌈H/s⌉, ⌈W/s⌉, numChannels] (s = outputStride, default 16). */
  forward(images: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.extractEndpoints(images).reduction_4);
  }
}
