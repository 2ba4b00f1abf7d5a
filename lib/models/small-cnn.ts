// A small CNN backbone for fast pose experiments on CPU: four stride-2 stages (3×3 conv without
// bias, BatchNorm2d, ReLU) named `stages.<i>.conv` / `stages.<i>.bn`. It offers MS-Transformer's
// two endpoints with EfficientNet-B0's names and strides: reduction_3 = stride 8 (orientation),
// reduction_4 = stride 16 (position). `forward` gives reduction_4.
import * as tf from '@tensorflow/tfjs';
import { BatchNorm2d } from '../nn/batch-norm';
import { Conv2d } from '../nn/conv2d';
import { Module, ModuleList } from '../nn/module';
import { defaultRng, type Rng } from '../runtime/rng';
import type { Backbone } from './backbone/backbone';

export interface SmallCnnOptions {
  /** Output channels of the four stages (default [16, 32, 64, 96]). */
  readonly channels?: readonly [number, number, number, number];
  readonly rng?: Rng;
}

class ConvBnRelu extends Module {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d;

  constructor(inChannels: number, outChannels: number, rng: Rng) {
    super();
    this.conv = this.addModule('conv', new Conv2d(inChannels, outChannels, 3, { stride: 2, padding: 1, bias: false, rng }));
    this.bn = this.addModule('bn', new BatchNorm2d(outChannels));
  }

  /** [B, H, W, I] → [B, ⌈H/2⌉, ⌈W/2⌉, O]. */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => tf.relu(this.bn.forward(this.conv.forward(x))));
  }
}

export class SmallCnn extends Module implements Backbone {
  readonly stages: ModuleList<ConvBnRelu>;
  readonly numChannels: number;
  readonly endpointChannels: Readonly<{ reduction_3: number; reduction_4: number }>;

  constructor(options: SmallCnnOptions = {}) {
    super();
    const channels = options.channels ?? [16, 32, 64, 96];
    const rng = options.rng ?? defaultRng();
    this.stages = this.addModule('stages', new ModuleList(channels.map((c, i) => new ConvBnRelu(i === 0 ? 3 : channels[i - 1]!, c, rng))));
    this.numChannels = channels[3];
    this.endpointChannels = { reduction_3: channels[2], reduction_4: channels[3] };
  }

  /** images [B, H, W, 3] → { reduction_3: [B, H/8, W/8, c3], reduction_4: [B, H/16, W/16, c4] }. */
  extractEndpoints(images: tf.Tensor4D): Record<string, tf.Tensor4D> {
    return tf.tidy(() => {
      const [s0, s1, s2, s3] = this.stages.items as [ConvBnRelu, ConvBnRelu, ConvBnRelu, ConvBnRelu];
      const reduction3 = s2.forward(s1.forward(s0.forward(images)));
      return { reduction_3: reduction3, reduction_4: s3.forward(reduction3) };
    });
  }

  forward(images: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.extractEndpoints(images).reduction_4 as tf.Tensor4D);
  }
}
