// torchvision's ResNet (18 / 34 / 50 / 101) without `fc`, NHWC, with torchvision's state-dict
// names (conv1, bn1, layer1.0.conv1, ..., layerN.0.downsample.0 / .1) so that DETR's backbone
// (`backbone.0.body.*`, FrozenBatchNorm2d) loads with layout conversion only. Endpoints
// layer1..layer4 (strides 4, 8, 16, 32); `forward` gives layer4 (DETR's single map).
import * as tf from '@tensorflow/tfjs';
import { Conv2d } from '../../nn/conv2d.js';
import { normal } from '../../nn/init.js';
import { Module, ModuleList } from '../../nn/module.js';
import { defaultRng, type Rng } from '../../runtime/rng.js';
import type { Backbone } from './backbone.js';
import { createNorm2d, type Norm2d, type NormKind } from './norm.js';
import { BasicBlock, type BlockConfig, Bottleneck, type ResidualBlock } from './resnet-blocks.js';

export type ResNetDepth = 18 | 34 | 50 | 101;

const ARCH: Record<ResNetDepth, { block: 'basic' | 'bottleneck'; layers: [number, number, number, number] }> = {
  18: { block: 'basic', layers: [2, 2, 2, 2] },
  34: { block: 'basic', layers: [3, 4, 6, 3] },
  50: { block: 'bottleneck', layers: [3, 4, 6, 3] },
  101: { block: 'bottleneck', layers: [3, 4, 23, 3] },
};

export const RESNET_ENDPOINTS = ['layer1', 'layer2', 'layer3', 'layer4'] as const;
export type ResNetEndpoint = (typeof RESNET_ENDPOINTS)[number];

export interface ResNetOptions {
  readonly depth: ResNetDepth;
  /** 'frozen' (DETR, default) or 'batch'. */
  readonly norm?: NormKind;
  /** DETR's `--dilation` (DC5): layer4 keeps stride 16 and dilates its 3×3 convs by 2. Bottleneck only. */
  readonly dilation?: boolean;
  readonly rng?: Rng;
}

export class ResNet extends Module implements Backbone {
  readonly conv1: Conv2d;
  readonly bn1: Norm2d;
  readonly layers: readonly ModuleList<ResidualBlock>[];
  readonly numChannels: number;
  readonly endpointChannels: Readonly<Record<ResNetEndpoint, number>>;

  constructor(options: ResNetOptions) {
    super();
    const rng = options.rng ?? defaultRng();
    const norm = options.norm ?? 'frozen';
    const arch = ARCH[options.depth];
    const expansion = arch.block === 'basic' ? BasicBlock.expansion : Bottleneck.expansion;
    this.conv1 = this.addModule('conv1', new Conv2d(3, 64, 7, { stride: 2, padding: 3, bias: false, rng }));
    this.bn1 = this.addModule('bn1', createNorm2d(norm, 64));
    let inChannels = 64;
    let dilation = 1;
    const layers: ModuleList<ResidualBlock>[] = [];
    arch.layers.forEach((count, i) => {
      const planes = 64 * 2 ** i;
      let stride = i === 0 ? 1 : 2;
      const previousDilation = dilation;
      if (i === 3 && options.dilation === true) {
        dilation *= stride;
        stride = 1;
      }
      const blocks: ResidualBlock[] = [];
      for (let b = 0; b < count; b++) {
        const config: BlockConfig =
          b === 0 ? { inChannels, planes, stride, dilation: previousDilation, norm, rng } : { inChannels, planes, stride: 1, dilation, norm, rng };
        blocks.push(arch.block === 'basic' ? new BasicBlock(config) : new Bottleneck(config));
        inChannels = planes * expansion;
      }
      layers.push(this.addModule(`layer${i + 1}`, new ModuleList(blocks)));
    });
    this.layers = layers;
    this.numChannels = inChannels;
    this.endpointChannels = { layer1: 64 * expansion, layer2: 128 * expansion, layer3: 256 * expansion, layer4: 512 * expansion };
    this.initConvs(rng);
  }

  /** torchvision: kaiming_normal_(mode='fan_out', nonlinearity='relu') on every conv; norms weight 1, bias 0. */
  private initConvs(rng: Rng): void {
    for (const [, m] of this.namedModules()) {
      if (!(m instanceof Conv2d)) continue;
      const [kh, kw, , out] = m.weight.shape as number[];
      const init = normal(m.weight.shape, Math.sqrt(2 / ((out as number) * (kh as number) * (kw as number))), rng);
      m.weight.assign(init);
      init.dispose();
    }
  }

  /**
   * DETR's `BackboneBase` freezing: with `trainBackbone` only layer2..layer4 train (conv1, bn1
   * and layer1 are frozen); without it everything is frozen.
   */
  freezeLikeDetr(trainBackbone: boolean): this {
    this.freeze();
    if (trainBackbone) for (const layer of this.layers.slice(1)) layer.freeze(false);
    return this;
  }

  /** images [B, H, W, 3] → layer1..layer4 maps [B, H/4, W/4, ·] ... [B, H/32, W/32, numChannels]. */
  extractEndpoints(images: tf.Tensor4D): Record<ResNetEndpoint, tf.Tensor4D> {
    return tf.tidy(() => {
      let x = tf.relu(this.bn1.forward(this.conv1.forward(images)));
      x = tf.maxPool(x, 3, 2, 1, 'floor'); // nn.MaxPool2d(3, 2, padding=1)
      const out: Partial<Record<ResNetEndpoint, tf.Tensor4D>> = {};
      this.layers.forEach((layer, i) => {
        for (const block of layer.items) x = block.forward(x);
        out[RESNET_ENDPOINTS[i] as ResNetEndpoint] = x;
      });
      return out as Record<ResNetEndpoint, tf.Tensor4D>;
    });
  }

  /** images [B, H, W, 3] → layer4 [B, H/32, W/32, numChannels] (H/16 with dilation). */
  forward(images: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.extractEndpoints(images).layer4);
  }
}
