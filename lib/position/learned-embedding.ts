// DETR / ActMST `PositionEmbeddingLearned`: one learned vector per row and per column (at most
// 50 of each), channels [col_embed(x) | row_embed(y)] as in ActMST's pencoder.py.
import * as tf from '@tensorflow/tfjs';
import { Embedding } from '../nn/embedding.js';
import { Module } from '../nn/module.js';
import { defaultRng, type Rng } from '../runtime/rng.js';
import type { PositionEncoder } from './position-encoder.js';

/** Rows / columns the official tables cover. */
export const LEARNED_POSITION_TABLE_SIZE = 50;

export class PositionEmbeddingLearned extends Module implements PositionEncoder {
  readonly channels: number;
  readonly rowEmbed: Embedding; // weight [50, numPosFeats]
  readonly colEmbed: Embedding; // weight [50, numPosFeats]

  constructor(
    readonly numPosFeats = 256,
    rng: Rng = defaultRng(),
  ) {
    super();
    this.channels = 2 * numPosFeats;
    this.rowEmbed = this.addModule('row_embed', new Embedding(LEARNED_POSITION_TABLE_SIZE, numPosFeats, rng));
    this.colEmbed = this.addModule('col_embed', new Embedding(LEARNED_POSITION_TABLE_SIZE, numPosFeats, rng));
    this.resetParameters(rng);
  }

  /** The official `reset_parameters`: both tables U(0, 1). */
  resetParameters(rng: Rng = defaultRng()): void {
    for (const table of [this.rowEmbed.weight, this.colEmbed.weight]) {
      tf.tidy(() => table.assign(tf.randomUniform(table.shape, 0, 1, 'float32', rng.seed())));
    }
  }

  /**
   * mask: [B, H, W] (only its shape is used, as officially; padding is not looked at)
   * → [B, H, W, 2·numPosFeats], cell (y, x) = [col_embed[x] | row_embed[y]].
   */
  forward(mask: tf.Tensor): tf.Tensor {
    const [b, h, w] = mask.shape as [number, number, number];
    if (mask.rank !== 3) throw new Error(`PositionEmbeddingLearned: expected mask [B, H, W], got [${mask.shape}]`);
    if (h > LEARNED_POSITION_TABLE_SIZE || w > LEARNED_POSITION_TABLE_SIZE) {
      throw new RangeError(
        `PositionEmbeddingLearned: ${h}×${w} map exceeds the ${LEARNED_POSITION_TABLE_SIZE}×${LEARNED_POSITION_TABLE_SIZE} tables`,
      );
    }
    return tf.tidy(() => {
      const f = this.numPosFeats;
      const xEmb = this.colEmbed.forward(tf.range(0, w, 1, 'int32')); // [W, F]
      const yEmb = this.rowEmbed.forward(tf.range(0, h, 1, 'int32')); // [H, F]
      const grid = tf.concat([tf.broadcastTo(tf.expandDims(xEmb, 0), [h, w, f]), tf.broadcastTo(tf.expandDims(yEmb, 1), [h, w, f])], -1); // [H, W, 2F]
      return tf.broadcastTo(tf.expandDims(grid, 0), [b, h, w, 2 * f]);
    });
  }
}
