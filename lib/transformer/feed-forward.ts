// The position-wise feed-forward block of every transformer layer:
// linear2(dropout(activation(linear1(x)))). With `prelu` the layer owns the activation's slope,
// registered as `activation` (DAB-DETR: `<layer>.activation.weight`).
import * as tf from '@tensorflow/tfjs';
import type { Dropout } from '../nn/dropout.js';
import { type Activation, activate } from '../nn/functional.js';
import type { Linear } from '../nn/linear.js';
import { PReLU } from '../nn/prelu.js';

export interface FeedForwardParts {
  readonly linear1: Linear; // [C, F]
  readonly dropout: Dropout;
  readonly linear2: Linear; // [F, C]
  readonly activation: Activation;
  /** The layer's `activation` module when activation is prelu, else null. */
  readonly prelu: PReLU | null;
}

/** x: [..., C] → [..., C]. */
export function feedForward(x: tf.Tensor, parts: FeedForwardParts): tf.Tensor {
  return tf.tidy(() => {
    const hidden = parts.linear1.forward(x);
    const activated = parts.activation === 'prelu' ? preluOf(parts).forward(hidden) : activate(hidden, parts.activation);
    return parts.linear2.forward(parts.dropout.forward(activated));
  });
}

function preluOf(parts: FeedForwardParts): PReLU {
  if (parts.prelu === null) throw new Error('feedForward: activation prelu without its PReLU module');
  return parts.prelu;
}

/** A layer's learned activation: registers `activation` (a PReLU) on `layer` for prelu, else null. */
export function activationModule(activation: Activation, register: (name: string, module: PReLU) => PReLU): PReLU | null {
  return activation === 'prelu' ? register('activation', new PReLU()) : null;
}
