// MS-Transformer's backbone wrapper (yolish / ActMST `models/transposenet/backbone.py`): the
// `Joiner` is an nn.Sequential of `BackboneBase` (the CNN as `body`, two named endpoints) and the
// position encoding, so the official state-dict names are `backbone.0.body.*` (e.g. efficientnet's
// `_conv_stem.weight`) and, for the learned encoding, `backbone.1.row_embed.weight`. One position
// encoding serves both endpoints. ActMST feeds unpadded images: the mask is all false.
import * as tf from '@tensorflow/tfjs';
import { Module } from '../nn/module.js';
import type { PositionEncoder } from '../position/position-encoder.js';
import type { Backbone } from './backbone/backbone.js';

/** The endpoints MS-Transformer reads: [position branch, orientation branch] (`"reduction"` in the configs). */
export const MST_REDUCTIONS = ['reduction_4', 'reduction_3'] as const;

/** `BackboneBase`: the CNN and the endpoints it is read at. */
class BackboneBase extends Module {
  readonly body: Backbone;

  constructor(
    body: Backbone,
    readonly reductions: readonly string[],
  ) {
    super();
    for (const r of reductions) {
      if (!(r in body.endpointChannels)) throw new Error(`backbone has no endpoint '${r}' (it has ${Object.keys(body.endpointChannels).join(', ')})`);
    }
    this.body = this.addModule('body', body);
  }

  /** `num_channels`: channels of each endpoint, in `reductions` order. */
  get numChannels(): number[] {
    return this.reductions.map((r) => this.body.endpointChannels[r]!);
  }
}

export interface JoinedFeatures {
  /** One map per reduction, [B, h_i, w_i, C_i]. */
  readonly maps: tf.Tensor4D[];
  /** The position encoding of each map, [B, h_i, w_i, hidden]. */
  readonly positions: tf.Tensor4D[];
}

export class PoseBackboneJoiner extends Module {
  readonly base: BackboneBase;
  readonly positionEncoding: PositionEncoder;

  constructor(body: Backbone, positionEncoding: PositionEncoder, reductions: readonly string[] = MST_REDUCTIONS) {
    super();
    this.base = this.addModule('0', new BackboneBase(body, reductions));
    this.positionEncoding = this.addModule('1', positionEncoding);
  }

  get numChannels(): number[] {
    return this.base.numChannels;
  }

  /** images [B, H, W, 3] → the endpoint maps and their position encodings. */
  forward(images: tf.Tensor4D): JoinedFeatures {
    return tf.tidy(() => {
      const endpoints = this.base.body.extractEndpoints(images);
      const maps = this.base.reductions.map((r) => endpoints[r] as tf.Tensor4D);
      const positions = maps.map((m) => {
        const [b, h, w] = m.shape;
        return this.positionEncoding.forward(tf.zeros([b, h, w], 'bool')) as tf.Tensor4D;
      });
      return { maps, positions };
    });
  }
}
