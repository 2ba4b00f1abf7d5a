// MS-Transformer's `PoseRegressor` (ActMST `models/transposenet/MSTransPoseNet.py`): an MLP
// fc_h Linear(d, 1024) → GELU → fc_o Linear(1024, out) regressing one pose component (3 for the
// position, 4 for the quaternion), xavier_uniform on the weights. `use_prior` is not supported.
import * as tf from '@tensorflow/tfjs';
import { gelu } from '../lib/nn/functional.js';
import { resetXavier } from '../lib/nn/init.js';
import { Linear } from '../lib/nn/linear.js';
import { Module } from '../lib/nn/module.js';
import { defaultRng, type Rng } from '../lib/runtime/rng.js';

/** The official hidden width (`ch = 1024`). */
export const POSE_REGRESSOR_HIDDEN = 1024;

export class PoseRegressorHead extends Module {
  readonly fcH: Linear;
  readonly fcO: Linear;

  constructor(inFeatures: number, outFeatures: number, options: { hidden?: number; rng?: Rng } = {}) {
    super();
    const rng = options.rng ?? defaultRng();
    const hidden = options.hidden ?? POSE_REGRESSOR_HIDDEN;
    this.fcH = this.addModule('fc_h', new Linear(inFeatures, hidden, { rng }));
    this.fcO = this.addModule('fc_o', new Linear(hidden, outFeatures, { rng }));
    resetXavier(this.namedParameters(), this.layouts(), rng);
  }

  /** x: [B, d] → [B, out]. */
  forward(x: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => this.fcO.forward(gelu(this.fcH.forward(x))) as tf.Tensor2D);
  }
}
