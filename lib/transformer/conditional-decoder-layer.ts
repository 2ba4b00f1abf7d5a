// Conditional DETR's `TransformerDecoderLayer` (post-norm, batch-first). The layer owns every
// input projection; its attentions only own `out_proj`.
// - Self-attention (add): q = sa_qcontent(tgt) + sa_qpos(query_pos), k = sa_kcontent(tgt) +
//   sa_kpos(query_pos), v = sa_v(tgt).
// - Cross-attention (concat): per head q = [q_content ; ca_qpos_sine(query_sine_embed)] and
//   k = [k_content ; ca_kpos(pos)], v = ca_v(memory); content from ca_qcontent(tgt) and
//   ca_kcontent(memory). Only in the first layer (`isFirst`) do the content query and key also get
//   ca_qpos(query_pos) and ca_kpos(pos) added, and only that layer has `ca_qpos_proj`.
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
import type { DecoderForwardOptions, DecoderLayerOutput } from './decoder-layer.js';
import { activationModule, feedForward } from './feed-forward.js';
import { resolveLayerOptions, type TransformerLayerOptions } from './options.js';

export interface ConditionalDecoderForwardOptions extends DecoderForwardOptions {
  /** Sine embedding of the reference points, scaled by λq. [B, NQ, C] */
  readonly querySineEmbed: tf.Tensor;
}

export class ConditionalDecoderLayer extends Module {
  readonly sa_qcontent_proj: Linear;
  readonly sa_qpos_proj: Linear;
  readonly sa_kcontent_proj: Linear;
  readonly sa_kpos_proj: Linear;
  readonly sa_v_proj: Linear;
  readonly self_attn: MultiHeadAttention;
  readonly ca_qcontent_proj: Linear;
  /** Only in the first decoder layer. */
  readonly ca_qpos_proj: Linear | null;
  readonly ca_kcontent_proj: Linear;
  readonly ca_kpos_proj: Linear;
  readonly ca_v_proj: Linear;
  readonly ca_qpos_sine_proj: Linear;
  readonly cross_attn: MultiHeadAttention;
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

  constructor(options: TransformerLayerOptions & { readonly isFirst: boolean }) {
    super();
    const { dModel, nhead, dimFeedforward, dropout, activation, normalizeBefore, rng = defaultRng() } = resolveLayerOptions(options);
    if (normalizeBefore) throw new Error('Conditional DETR decoder layers are post-norm only (normalizeBefore must be false)');
    const proj = (name: string) => this.addModule(name, new Linear(dModel, dModel, { rng }));
    this.sa_qcontent_proj = proj('sa_qcontent_proj');
    this.sa_qpos_proj = proj('sa_qpos_proj');
    this.sa_kcontent_proj = proj('sa_kcontent_proj');
    this.sa_kpos_proj = proj('sa_kpos_proj');
    this.sa_v_proj = proj('sa_v_proj');
    this.self_attn = this.addModule('self_attn', new MultiHeadAttention({ embedDim: dModel, numHeads: nhead, inputProjection: false, dropout, rng }));
    this.ca_qcontent_proj = proj('ca_qcontent_proj');
    this.ca_qpos_proj = options.isFirst ? proj('ca_qpos_proj') : null;
    this.ca_kcontent_proj = proj('ca_kcontent_proj');
    this.ca_kpos_proj = proj('ca_kpos_proj');
    this.ca_v_proj = proj('ca_v_proj');
    this.ca_qpos_sine_proj = proj('ca_qpos_sine_proj');
    this.cross_attn = this.addModule(
      'cross_attn',
      new MultiHeadAttention({ embedDim: dModel, numHeads: nhead, combine: 'concat', inputProjection: false, dropout, rng }),
    );
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
  }

  /** tgt: [B, NQ, C], memory: [B, S, C] → [B, NQ, C]. Needs pos, queryPos and querySineEmbed. */
  forward(tgt: tf.Tensor, memory: tf.Tensor, options: ConditionalDecoderForwardOptions): DecoderLayerOutput {
    const { pos, queryPos, querySineEmbed, memoryKeyPaddingMask, selfAttentionMask, returnAttention } = options;
    if (pos === undefined || queryPos === undefined) throw new Error('ConditionalDecoderLayer needs pos and queryPos');
    return tf.tidy(() => {
      const selfAttended = this.self_attn.forward(
        {
          queryContent: this.sa_qcontent_proj.forward(tgt),
          querySpatial: this.sa_qpos_proj.forward(queryPos),
          keyContent: this.sa_kcontent_proj.forward(tgt),
          keySpatial: this.sa_kpos_proj.forward(queryPos),
          value: this.sa_v_proj.forward(tgt),
          attentionMask: selfAttentionMask,
        },
        { returnAttention },
      );
      const afterSelf = this.norm1.forward(tf.add(tgt, this.dropout1.forward(selfAttended.output)));

      const keyPos = this.ca_kpos_proj.forward(pos); // [B, S, C]
      let queryContent = this.ca_qcontent_proj.forward(afterSelf); // [B, NQ, C]
      let keyContent = this.ca_kcontent_proj.forward(memory); // [B, S, C]
      if (this.ca_qpos_proj !== null) {
        queryContent = tf.add(queryContent, this.ca_qpos_proj.forward(queryPos));
        keyContent = tf.add(keyContent, keyPos);
      }
      const crossAttended = this.cross_attn.forward(
        {
          queryContent,
          querySpatial: this.ca_qpos_sine_proj.forward(querySineEmbed),
          keyContent,
          keySpatial: keyPos,
          value: this.ca_v_proj.forward(memory),
          keyPaddingMask: memoryKeyPaddingMask,
        },
        { returnAttention },
      );
      const afterCross = this.norm2.forward(tf.add(afterSelf, this.dropout2.forward(crossAttended.output)));
      const output = this.norm3.forward(tf.add(afterCross, this.dropout3.forward(feedForward(afterCross, this)))) as tf.Tensor3D;
      const selfAttention: AttentionRecord | undefined = selfAttended.attention;
      const crossAttention: AttentionRecord | undefined = crossAttended.attention;
      return selfAttention !== undefined && crossAttention !== undefined ? { output, attention: { selfAttention, crossAttention } } : { output };
    });
  }
}
