// efficientnet_pytorch's EfficientNet-B0 without `_fc`, NHWC, with its state-dict names
// (_conv_stem, _bn0, _blocks.<i>.*, _conv_head, _bn1), TF 'same' padding, swish, SE, BatchNorm
// eps 1e-3 / momentum 0.01 and drop-connect 0.2 · i / #blocks in training. `extractEndpoints`
// follows efficientnet_pytorch's rule: the map before every block that shrinks the height, the
// last block's output and the head's output are reduction_1, reduction_2, ... (at 224²:
// [16, 112²], [24, 56²], [40, 28²], [112, 14²], [320, 7²], [1280, 7²]). MS-Transformer uses
// reduction_4 (position) and reduction_3 (orientation).
import * as tf from '@tensorflow/tfjs';
import { Conv2d } from '../../nn/conv2d.js';
import { Module, ModuleList } from '../../nn/module.js';
import { defaultRng, type Rng } from '../../runtime/rng.js';
import type { Backbone } from './backbone.js';
import { type MBConvArgs, MBConvBlock, type MBConvContext, swish } from './mbconv.js';
import { createNorm2d, type Norm2d, type NormKind } from './norm.js';

/** B0's stages: 'r1_k3_s11_e1_i32_o16_se0.25', 'r2_k3_s22_e6_i16_o24_se0.25', ... */
const B0_STAGES: readonly (MBConvArgs & { repeats: number })[] = [
  { repeats: 1, kernelSize: 3, stride: 1, expandRatio: 1, inputFilters: 32, outputFilters: 16, seRatio: 0.25 },
  { repeats: 2, kernelSize: 3, stride: 2, expandRatio: 6, inputFilters: 16, outputFilters: 24, seRatio: 0.25 },
  { repeats: 2, kernelSize: 5, stride: 2, expandRatio: 6, inputFilters: 24, outputFilters: 40, seRatio: 0.25 },
  { repeats: 3, kernelSize: 3, stride: 2, expandRatio: 6, inputFilters: 40, outputFilters: 80, seRatio: 0.25 },
  { repeats: 3, kernelSize: 5, stride: 1, expandRatio: 6, inputFilters: 80, outputFilters: 112, seRatio: 0.25 },
  { repeats: 4, kernelSize: 5, stride: 2, expandRatio: 6, inputFilters: 112, outputFilters: 192, seRatio: 0.25 },
  { repeats: 1, kernelSize: 3, stride: 1, expandRatio: 6, inputFilters: 192, outputFilters: 320, seRatio: 0.25 },
];

export interface EfficientNetOptions {
  /** 'batch' (default, as MS-Transformer trains it) or 'frozen' (eps kept at 1e-3). */
  readonly norm?: NormKind;
  /** Default 0.2 as efficientnet_pytorch; block i uses rate · i / #blocks, in training only. */
  readonly dropConnectRate?: number;
  readonly rng?: Rng;
}

export class EfficientNetB0 extends Module implements Backbone {
  readonly convStem: Conv2d;
  readonly bn0: Norm2d;
  readonly blocks: ModuleList<MBConvBlock>;
  readonly convHead: Conv2d;
  readonly bn1: Norm2d;
  readonly numChannels = 1280;
  /** Endpoint channels when every stride-2 stage halves the height (inputs of at least 32 rows). */
  readonly endpointChannels = { reduction_1: 16, reduction_2: 24, reduction_3: 40, reduction_4: 112, reduction_5: 320, reduction_6: 1280 } as const;
  readonly dropConnectRate: number;

  constructor(options: EfficientNetOptions = {}) {
    super();
    const rng = options.rng ?? defaultRng();
    const ctx: MBConvContext = { norm: options.norm ?? 'batch', eps: 1e-3, momentum: 0.01, rng };
    this.dropConnectRate = options.dropConnectRate ?? 0.2;
    this.convStem = this.addModule('_conv_stem', new Conv2d(3, 32, 3, { stride: 2, padding: 'same', bias: false, rng }));
    this.bn0 = this.addModule('_bn0', createNorm2d(ctx.norm, 32, ctx));
    const blocks: MBConvBlock[] = [];
    for (const { repeats, ...first } of B0_STAGES) {
      blocks.push(new MBConvBlock(first, ctx));
      for (let r = 1; r < repeats; r++) blocks.push(new MBConvBlock({ ...first, inputFilters: first.outputFilters, stride: 1 }, ctx));
    }
    this.blocks = this.addModule('_blocks', new ModuleList(blocks));
    this.convHead = this.addModule('_conv_head', new Conv2d(320, 1280, 1, { padding: 'same', bias: false, rng }));
    this.bn1 = this.addModule('_bn1', createNorm2d(ctx.norm, 1280, ctx));
  }

  /** images [B, H, W, 3] → { reduction_1: [B, H/2, W/2, 16], ..., reduction_6: [B, H/32, W/32, 1280] }. */
  extractEndpoints(images: tf.Tensor4D): Record<string, tf.Tensor4D> {
    return tf.tidy(() => {
      const endpoints: Record<string, tf.Tensor4D> = {};
      const record = (x: tf.Tensor4D) => {
        endpoints[`reduction_${Object.keys(endpoints).length + 1}`] = x;
      };
      let x = swish(this.bn0.forward(this.convStem.forward(images))) as tf.Tensor4D;
      let previous = x;
      const n = this.blocks.length;
      this.blocks.items.forEach((block, idx) => {
        x = block.forward(x, (this.dropConnectRate * idx) / n);
        if (previous.shape[1] > x.shape[1]) record(previous);
        else if (idx === n - 1) record(x);
        previous = x;
      });
      record(swish(this.bn1.forward(this.convHead.forward(x))) as tf.Tensor4D);
      return endpoints;
    });
  }

  /** images [B, H, W, 3] → the head's map [B, H/32, W/32, 1280] (efficientnet_pytorch's extract_features). */
  forward(images: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const endpoints = this.extractEndpoints(images);
      return endpoints[`reduction_${Object.keys(endpoints).length}`] as tf.Tensor4D;
    });
  }
}
