// DETR's `TransformerDecoderLayer` (batch-first): self-attention over the queries, cross-attention
// to the encoder memory, feed-forward. q = k = tgt + query_pos in the self-attention; in the
// cross-attention q = tgt + query_pos, k = memory + pos, v = memory. Post-norm (DETR) or pre-norm
// (MS-Transformer / ActMST).
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

export interface DecoderForwardOptions {
  readonly pos?: tf.Tensor; // [B, S, C] memory positions
  readonly queryPos?: tf.Tensor; // [B, NQ, C] query embeddings
  readonly memoryKeyPaddingMask?: tf.Tensor; // [B, S] bool, true = padding
  /** The self-attention `tgt_mask`, true = query i may not see query j (DN-DETR, Group DETR). [NQ, NQ] bool */
  readonly selfAttentionMask?: tf.Tensor;
  /** Return both attentions' per-head weights, queries and keys. */
  readonly returnAttention?: boolean;
}

/** The two attention records of one decoder layer. */
export type DecoderLayerAttention = {
  readonly selfAttention: AttentionRecord;
  readonly crossAttention: AttentionRecord;
};

export type DecoderLayerOutput = {
  readonly output: tf.Tensor3D; // [B, NQ, C]
  readonly attention?: DecoderLayerAttention;
};

export class TransformerDecoderLayer extends Module {
  readonly self_attn: MultiHeadAttention;
  readonly multihead_attn: MultiHeadAttention;
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly norm3: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;
  readonly dropout3: Dropout;
  readonly activation: Activation;
  /** `activation` (nn.PReLU) when the activation is prelu (DAB-DETR), else null. */
  readonly prelu: PReLU | null;
  readonly normalizeBefore: boolean;

  constructor(options: TransformerLayerOptions) {
    super();
    const { dModel, nhead, dimFeedforward, dropout, activation, normalizeBefore, rng = defaultRng() } = resolveLayerOptions(options);
    const attention = () => new MultiHeadAttention({ embedDim: dModel, numHeads: nhead, dropout, rng });
    this.self_attn = this.addModule('self_attn', attention());
    this.multihead_attn = this.addModule('multihead_attn', attention());
    this.linear1 = this.addModule('linear1', new Linear(dModel, dimFeedforward, { rng }));
    this.dropout = this.addModule('dropout', new Dropout(dropout, rng));
    this.linear2 = this.addModule('linear2', new Linear(dimFeedforward, dModel, { rng }));
    this.norm1 = this.addModule('norm1', new LayerNorm(dModel));
    this.norm2 = this.addModule('norm2', new LayerNorm(dModel));
    this.norm3 = this.addModule('norm3', new LayerNorm(dModel));
    this.dropout1 = this.addModule('dropout1', new Dropout(dropout, rng));
    this.dropout2 = this.addModule('dropout2', new Dropout(dropout, rng));
    this.dropout3 = this.addModule('dropout3', new Dropout(dropout, rng));
    this.activation = activation;
    this.prelu = activationModule(activation, (name, module) => this.addModule(name, module));
    this.normalizeBefore = normalizeBefore;
  }

  /** tgt: [B, NQ, C], memory: [B, S, C] → [B, NQ, C]. */
  forward(tgt: tf.Tensor, memory: tf.Tensor, options: DecoderForwardOptions = {}): DecoderLayerOutput {
    const { pos, queryPos, memoryKeyPaddingMask, selfAttentionMask, returnAttention } = options;
    return tf.tidy(() => {
      const selfAttend = (x: tf.Tensor) =>
        this.self_attn.forward(
          { queryContent: x, querySpatial: queryPos, keyContent: x, keySpatial: queryPos, value: x, attentionMask: selfAttentionMask },
          { returnAttention },
        );
      const crossAttend = (x: tf.Tensor) =>
        this.multihead_attn.forward(
          {
            queryContent: x,
            querySpatial: queryPos,
            keyContent: memory,
            keySpatial: pos,
            value: memory,
            keyPaddingMask: memoryKeyPaddingMask,
          },
          { returnAttention },
        );
      let x = tgt;
      let selfAttention: AttentionRecord | undefined;
      let crossAttention: AttentionRecord | undefined;
      if (this.normalizeBefore) {
        const s = selfAttend(this.norm1.forward(x));
        x = tf.add(x, this.dropout1.forward(s.output));
        const c = crossAttend(this.norm2.forward(x));
        x = tf.add(x, this.dropout2.forward(c.output));
        x = tf.add(x, this.dropout3.forward(feedForward(this.norm3.forward(x), this)));
        [selfAttention, crossAttention] = [s.attention, c.attention];
      } else {
        const s = selfAttend(x);
        x = this.norm1.forward(tf.add(x, this.dropout1.forward(s.output)));
        const c = crossAttend(x);
        x = this.norm2.forward(tf.add(x, this.dropout2.forward(c.output)));
        x = this.norm3.forward(tf.add(x, this.dropout3.forward(feedForward(x, this))));
        [selfAttention, crossAttention] = [s.attention, c.attention];
      }
      const output = x as tf.Tensor3D;
      return selfAttention !== undefined && crossAttention !== undefined ? { output, attention: { selfAttention, crossAttention } } : { output };
    });
  }
}
