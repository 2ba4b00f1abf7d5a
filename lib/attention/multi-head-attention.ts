// `MultiHeadAttention`: the parameters of one attention (optional packed input projection and
// `out_proj`, under PyTorch's state_dict names) plus dropout; the computation is `multiHeadAttention`.
import * as tf from '@tensorflow/tfjs';
import { xavierUniform } from '../nn/init.js';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import { defaultRng, type Rng } from '../runtime/rng.js';
import { type AttentionInputs, type AttentionOutput, type CombineMode, multiHeadAttention } from './attend.js';

export interface MultiHeadAttentionOptions {
  /** C: channels of the content query and key (and of the spatial parts). */
  readonly embedDim: number;
  readonly numHeads: number;
  /** How content and spatial parts combine (default `add`); `concat` needs `inputProjection: false`. */
  readonly combine?: CombineMode;
  /**
   * true (default): `nn.MultiheadAttention`, with `in_proj_weight` / `in_proj_bias`.
   * false: Conditional DETR's attention; the caller projects q, k and v, only `out_proj` is here.
   */
  readonly inputProjection?: boolean;
  /** Channels of the value and of the output (default embedDim; must equal it with an input projection). */
  readonly valueDim?: number;
  /** Dropout probability on the attention weights (default 0). */
  readonly dropout?: number;
  readonly rng?: Rng;
}

export class MultiHeadAttention extends Module {
  readonly numHeads: number;
  readonly combine: CombineMode;
  readonly dropout: number;
  /** Ours [C, 3C], columns q | k | v (PyTorch [3C, C], rows q, k, v); null without input projection. */
  readonly inProjWeight: tf.Variable | null;
  readonly inProjBias: tf.Variable | null; // [3C]
  readonly outProj: Linear; // [Cv, Cv]
  private readonly rng: Rng;

  constructor(options: MultiHeadAttentionOptions) {
    super();
    const { embedDim, numHeads, combine = 'add', inputProjection = true, valueDim = embedDim, dropout = 0 } = options;
    this.rng = options.rng ?? defaultRng();
    if (embedDim % numHeads !== 0 || valueDim % numHeads !== 0) {
      throw new RangeError(`embedDim ${embedDim} and valueDim ${valueDim} must be divisible by numHeads ${numHeads}`);
    }
    if (inputProjection && combine === 'concat') throw new Error('concat attention takes projected inputs: set inputProjection: false');
    if (inputProjection && valueDim !== embedDim) throw new RangeError('a packed input projection needs valueDim === embedDim');
    this.numHeads = numHeads;
    this.combine = combine;
    this.dropout = dropout;
    // nn.MultiheadAttention._reset_parameters: xavier in_proj_weight, zero in_proj_bias and out_proj.bias
    // (Conditional DETR's attention zeroes out_proj.bias too).
    this.inProjWeight = inputProjection
      ? this.addParameter('in_proj_weight', xavierUniform([embedDim, 3 * embedDim], 'linear', 1, this.rng), 'linear')
      : null;
    this.inProjBias = inputProjection ? this.addParameter('in_proj_bias', tf.zeros([3 * embedDim])) : null;
    this.outProj = this.addModule('out_proj', new Linear(valueDim, valueDim, { rng: this.rng }));
    const outBias = this.outProj.bias;
    if (outBias !== null) tf.tidy(() => outBias.assign(tf.zerosLike(outBias)));
  }

  forward(inputs: AttentionInputs, options: { readonly returnAttention?: boolean } = {}): AttentionOutput {
    const inProj = this.inProjWeight === null ? null : { weight: this.inProjWeight, bias: this.inProjBias };
    return multiHeadAttention(
      inputs,
      { inProj, outProj: { weight: this.outProj.weight, bias: this.outProj.bias } },
      {
        numHeads: this.numHeads,
        combine: this.combine,
        dropout: this.training && this.dropout > 0 ? { rate: this.dropout, seed: this.rng.seed() } : undefined,
        returnAttention: options.returnAttention,
      },
    );
  }
}
