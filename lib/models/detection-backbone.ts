// DETR's backbone wrapper as its state_dict names it: `Joiner` = nn.Sequential(Backbone,
// position_embedding), so the CNN's parameters are `backbone.0.body.*` and a learned position
// embedding's are `backbone.1.*`. It returns the last feature map, the image padding mask resized
// to it (nearest, as F.interpolate) and the map's position embedding.
import * as tf from '@tensorflow/tfjs';
import { Module } from '../nn/module.js';
import type { PositionEncoder } from '../position/position-encoder.js';
import type { Backbone } from './backbone/backbone.js';
import { interpolateMask } from './backbone/mask.js';

/** DETR's `Backbone` (BackboneBase): the CNN registered as `body`. */
export class BackboneBody extends Module {
  readonly body: Backbone;

  constructor(body: Backbone) {
    super();
    this.body = this.addModule('body', body);
  }
}

export interface DetectionFeatures {
  readonly features: tf.Tensor4D; // [B, h, w, C_backbone]
  readonly mask: tf.Tensor3D; // [B, h, w] bool, true = padding
  readonly pos: tf.Tensor4D; // [B, h, w, d]
}

export class DetectionJoiner extends Module {
  readonly backbone: BackboneBody;
  readonly positionEmbedding: PositionEncoder;

  constructor(body: Backbone, positionEmbedding: PositionEncoder) {
    super();
    this.backbone = this.addModule('0', new BackboneBody(body));
    this.positionEmbedding = this.addModule('1', positionEmbedding);
  }

  get numChannels(): number {
    return this.backbone.body.numChannels;
  }

  /** images [B, H, W, 3], mask [B, H, W] → the last map, its mask and its position embedding. */
  forward(images: tf.Tensor4D, mask: tf.Tensor3D): DetectionFeatures {
    return tf.tidy(() => {
      const features = this.backbone.body.forward(images);
      const [, h, w] = features.shape;
      const mapMask = interpolateMask(mask, h, w);
      const pos = this.positionEmbedding.forward(mapMask) as tf.Tensor4D;
      return { features, mask: mapMask, pos };
    });
  }
}
