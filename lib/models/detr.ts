// DETR (models/detr.py): K + 1 softmax logits (the last is no-object) and boxes = sigmoid(bbox_embed(hs)).
import type * as tf from '@tensorflow/tfjs';
import { absoluteBoxes } from '../../heads/detection-heads.js';
import type { DetrTransformer } from '../transformer/detr-transformer.js';
import { SetDetector, type SetDetectorParts } from './set-detector.js';

export class DETR extends SetDetector<DetrTransformer> {
  readonly classHead = 'softmax' as const;

  constructor(parts: SetDetectorParts<DetrTransformer>) {
    super(parts, { classHead: 'softmax', zeroBoxHead: false });
  }

  protected boxesOf(raw: tf.Tensor): tf.Tensor {
    return absoluteBoxes(raw);
  }
}
