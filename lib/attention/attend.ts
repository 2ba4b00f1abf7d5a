// The one multi-head attention computation behind every attention layer in condformer. It serves
// both official layouts: PyTorch `nn.MultiheadAttention` (packed input projection, then heads) and
// Conditional DETR's attention, whose inputs arrive already projected. Content and spatial parts of
// the query and key come in separately and are combined per `CombineMode`:
// - `add`    (DETR): q = q_c + q_s, k = k_c + k_s; head dim d = C / H, logits scaled by 1/√d;
// - `concat` (Conditional DETR): per head q_h = [q_c,h ; q_s,h] and k_h = [k_c,h ; k_s,h], so
//   q_h·k_h = q_c,h·k_c,h + q_s,h·k_s,h (a content term plus a spatial term); the head dim doubles
//   to 2C / H and the logits are scaled by 1/√(2C / H).
import * as tf from '@tensorflow/tfjs';
import { linear } from '../nn/linear.js';
import { dropout as randomDropout } from '../runtime/fused-dropout.js';
import { mergeHeads, splitHeads } from './heads.js';
import { attentionMaskBias, keyPaddingBias } from './key-padding.js';

export type CombineMode = 'add' | 'concat';

export type AttentionInputs = {
  readonly queryContent: tf.Tensor; // [B, Lq, C]
  readonly keyContent: tf.Tensor; // [B, Lk, C]
  readonly value: tf.Tensor; // [B, Lk, Cv]
  /** Added to (add) or concatenated per head with (concat) the content query. [B, Lq, C] */
  readonly querySpatial?: tf.Tensor;
  readonly keySpatial?: tf.Tensor; // [B, Lk, C]
  /** true = padding: that key gets −∞ before the softmax. [B, Lk] bool */
  readonly keyPaddingMask?: tf.Tensor;
  /**
   * PyTorch's bool `attn_mask`, true = query i may not attend to key j (−∞ before the softmax);
   * the same for every image and head. DN-DETR's and Group DETR's self-attention masks. [Lq, Lk] bool
   */
  readonly attentionMask?: tf.Tensor;
};

/** y = x W + b with W in our layout [in, out]. */
export interface AttentionProjection {
  readonly weight: tf.Tensor;
  readonly bias: tf.Tensor | null;
}

export interface AttentionParameters {
  /**
   * `nn.MultiheadAttention`'s packed input projection: weight [C, 3C] (columns q | k | v), bias
   * [3C]. null when the caller has projected the inputs itself (Conditional DETR).
   */
  readonly inProj: AttentionProjection | null;
  readonly outProj: AttentionProjection; // [Cv, Cv]
}

export interface AttentionConfig {
  readonly numHeads: number;
  readonly combine: CombineMode;
  /** Dropout on the attention weights (training only). */
  readonly dropout?: { readonly rate: number; readonly seed: number };
  /** Also return the per-head weights, queries and keys. */
  readonly returnAttention?: boolean;
}

/** Per-head internals of one attention call (what QKA and the diagnostics read). */
export type AttentionRecord = {
  /** Softmax over keys, after padding, before dropout. [B, H, Lq, Lk] */
  readonly weights: tf.Tensor4D;
  /** Projected per-head queries, before the 1/√d scaling (concat: [q_c,h ; q_s,h]). [B, H, Lq, d] */
  readonly queries: tf.Tensor4D;
  readonly keys: tf.Tensor4D; // [B, H, Lk, d]
};

export type AttentionOutput = {
  readonly output: tf.Tensor3D; // [B, Lq, Cv]
  /** Present only when `returnAttention` was asked for. */
  readonly attention?: AttentionRecord;
};

export function multiHeadAttention(inputs: AttentionInputs, params: AttentionParameters, config: AttentionConfig): AttentionOutput {
  const { numHeads, combine, dropout, returnAttention = false } = config;
  return tf.tidy(() => {
    const { queries, keys, value } =
      combine === 'add' ? addAndProject(inputs, params.inProj, numHeads) : concatPerHead(inputs, params.inProj, numHeads);
    const values = splitHeads(value, numHeads); // [B, H, Lk, dv]
    const scaled = tf.mul(tf.matMul(queries, keys, false, true), 1 / Math.sqrt(queries.shape[3])); // [B, H, Lq, Lk]
    const padded = inputs.keyPaddingMask === undefined ? scaled : tf.add(scaled, keyPaddingBias(inputs.keyPaddingMask));
    const logits = inputs.attentionMask === undefined ? padded : tf.add(padded, attentionMaskBias(inputs.attentionMask));
    const weights = tf.softmax(logits) as tf.Tensor4D;
    const dropped = dropout !== undefined && dropout.rate > 0 ? randomDropout(weights, dropout.rate, dropout.seed) : weights;
    const output = linear(mergeHeads(tf.matMul(dropped, values)), params.outProj.weight, params.outProj.bias) as tf.Tensor3D;
    return returnAttention ? { output, attention: { weights, queries, keys } } : { output };
  });
}

interface HeadInputs {
  readonly queries: tf.Tensor4D; // [B, H, Lq, d]
  readonly keys: tf.Tensor4D; // [B, H, Lk, d]
  readonly value: tf.Tensor; // [B, Lk, Cv], projected
}

function addAndProject(inputs: AttentionInputs, inProj: AttentionProjection | null, numHeads: number): HeadInputs {
  const query = plus(inputs.queryContent, inputs.querySpatial);
  const key = plus(inputs.keyContent, inputs.keySpatial);
  if (inProj === null) return { queries: splitHeads(query, numHeads), keys: splitHeads(key, numHeads), value: inputs.value };
  const channels = inProj.weight.shape[0] as number;
  const part = (x: tf.Tensor, i: number): tf.Tensor =>
    linear(
      x,
      tf.slice(inProj.weight, [0, i * channels], [channels, channels]),
      inProj.bias === null ? null : tf.slice(inProj.bias, [i * channels], [channels]),
    );
  return { queries: splitHeads(part(query, 0), numHeads), keys: splitHeads(part(key, 1), numHeads), value: part(inputs.value, 2) };
}

function concatPerHead(inputs: AttentionInputs, inProj: AttentionProjection | null, numHeads: number): HeadInputs {
  const { queryContent, keyContent, querySpatial, keySpatial } = inputs;
  if (inProj !== null) throw new Error('concat attention takes projected inputs: build it with inputProjection: false');
  if (querySpatial === undefined || keySpatial === undefined) {
    throw new Error('concat attention needs both querySpatial and keySpatial');
  }
  const perHead = (content: tf.Tensor, spatial: tf.Tensor): tf.Tensor4D =>
    tf.concat([splitHeads(content, numHeads), splitHeads(spatial, numHeads)], 3);
  return { queries: perHead(queryContent, querySpatial), keys: perHead(keyContent, keySpatial), value: inputs.value };
}

function plus(content: tf.Tensor, spatial: tf.Tensor | undefined): tf.Tensor {
  return spatial === undefined ? content : tf.add(content, spatial);
}
