// Conditional DETR (models/conditional_detr.py): K sigmoid logits with the focal prior bias, and
// boxes predicted relative to each query's reference point: the first two bbox_embed outputs are
// added to inverse_sigmoid(reference) before the sigmoid. bbox_embed's last layer starts at zero,
// so the initial box centres are the reference points (and w = h = 0.5).
import type * as tf from '@tensorflow/tfjs';
import { referenceRelativeBoxes } from '../../heads/detection-heads.js';
import type { ConditionalTransformer } from '../transformer/conditional-transformer.js';
import { SetDetector, type SetDetectorParts } from './set-detector.js';

export class ConditionalDETR extends SetDetector<ConditionalTransformer> {
  readonly classHead = 'focal' as const;

  constructor(parts: SetDetectorParts<ConditionalTransformer>) {
    super(parts, { classHead: 'focal', zeroBoxHead: true });
  }

  protected boxesOf(raw: tf.Tensor, references: tf.Tensor | undefined): tf.Tensor {
    if (references === undefined) throw new Error('ConditionalDETR: the transformer returned no reference points');
    return referenceRelativeBoxes(raw, references);
  }
}
