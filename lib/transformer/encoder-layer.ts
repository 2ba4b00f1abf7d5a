// DETR's `TransformerEncoderLayer` (batch-first): self-attention with the positions added to the
// queries and keys (never to the values), then a feed-forward block. Post-norm (DETR, Conditional
// DETR) or pre-norm (MS-Transformer / ActMST, with gelu).
import * as tf from '@tensorflow/tfjs';
import type { AttentionRecord } from '../attention/attend.js';
import { MultiHeadAttention } from '../attention/multi-head-attention.js';
import { Dropout } from '../nn/dropout.js';
import type { Activation } from '../nn/functional.js';
import { LayerNorm } from '../nn/layer-norm.js';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import type { PReLU } from '../nn/prelu.js';
import { defaultRng } from '../runtime/rng.js';
import { activationModule, feedForward } from './feed-forward.js';
import { resolveLayerOptions, type TransformerLayerOptions } from './options.js';

export interface EncoderForwardOptions {
  readonly pos?: tf.Tensor; // [B, S, C]
  readonly keyPaddingMask?: tf.Tensor; // [B, S] bool, true = padding
  /** Return the self-attention's per-head weights, queries and keys. */
  readonly returnAttention?: boolean;
}

export type EncoderLayerOutput = {
  readonly output: tf.Tensor3D; // [B, S, C]
  readonly attention?: AttentionRecord;
};

export class TransformerEncoderLayer extends Module {
  readonly self_attn: MultiHeadAttention;
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;
  readonly activation: Activation;
  /** `activation` (nn.PReLU) when the activation is prelu (DAB-DETR), else null. */
  readonly prelu: PReLU | null;
  readonly normalizeBefore: boolean;

  constructor(options: TransformerLayerOptions) {
    super();
    const { dModel, nhead, dimFeedforward, dropout, activation, normalizeBefore, rng = defaultRng() } = resolveLayerOptions(options);
    this.self_attn = this.addModule('self_attn', new MultiHeadAttention({ embedDim: dModel, numHeads: nhead, dropout, rng }));
    this.linear1 = this.addModule('linear1', new Linear(dModel, dimFeedforward, { rng }));
    this.dropout = this.addModule('dropout', new Dropout(dropout, rng));
    this.linear2 = this.addModule('linear2', new Linear(dimFeedforward, dModel, { rng }));
    this.norm1 = this.addModule('norm1', new LayerNorm(dModel));
    this.norm2 = this.addModule('norm2', new LayerNorm(dModel));
    this.dropout1 = this.addModule('dropout1', new Dropout(dropout, rng));
    this.dropout2 = this.addModule('dropout2', new Dropout(dropout, rng));
    this.activation = activation;
    this.prelu = activationModule(activation, (name, module) => this.addModule(name, module));
    this.normalizeBefore = normalizeBefore;
  }

  /** src: [B, S, C] → output [B, S, C] (+ the self-attention record when asked). */
  forward(src: tf.Tensor, options: EncoderForwardOptions = {}): EncoderLayerOutput {
    const { pos, keyPaddingMask, returnAttention } = options;
    return tf.tidy(() => {
      const selfAttend = (x: tf.Tensor) =>
        this.self_attn.forward({ queryContent: x, querySpatial: pos, keyContent: x, keySpatial: pos, value: x, keyPaddingMask }, { returnAttention });
      if (this.normalizeBefore) {
        const attended = selfAttend(this.norm1.forward(src));
        const x = tf.add(src, this.dropout1.forward(attended.output));
        const output = tf.add(x, this.dropout2.forward(feedForward(this.norm2.forward(x), this))) as tf.Tensor3D;
        return { output, attention: attended.attention };
      }
      const attended = selfAttend(src);
      const x = this.norm1.forward(tf.add(src, this.dropout1.forward(attended.output)));
      const output = this.norm2.forward(tf.add(x, this.dropout2.forward(feedForward(x, this)))) as tf.Tensor3D;
      return { output, attention: attended.attention };
    });
  }
}
