// The position-wise feed-forward block of every transformer layer:
// linear2(dropout(activation(linear1(x)))).
import * as tf from '@tensorflow/tfjs';
import type { Dropout } from '../nn/dropout.js';
import { type Activation, activate } from '../nn/functional.js';
import type { Linear } from '../nn/linear.js';

export interface FeedForwardParts {
  readonly linear1: Linear; // [C, F]
  readonly dropout: Dropout;
  readonly linear2: Linear; // [F, C]
  readonly activation: Activation;
}

/** x: [..., C] → [..., C]. */
export function feedForward(x: tf.Tensor, parts: FeedForwardParts): tf.Tensor {
  return tf.tidy(() => parts.linear2.forward(parts.dropout.forward(activate(parts.linear1.forward(x), parts.activation))));
}
