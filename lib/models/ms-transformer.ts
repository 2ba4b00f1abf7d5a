// The multi-scene pose regressor MS-Transformer (yolish / ActMST `EMSTransPoseNet`,
// `MSTransPoseNet`). Two branches read two backbone endpoints: position from reduction_4,
// orientation from reduction_3. Each branch has a 1×1 projection to d (`input_proj_t` /
// `input_proj_rot`), a pre-norm gelu transformer (`transformer_t` / `transformer_rot`) and one
// learned query per scene (`query_embed_t` / `query_embed_rot`). `scene_embed` scores each scene
// from its two decoder outputs [desc_t ; desc_rot] → log-softmax over scenes. The token of the
// ground-truth scene (when given, i.e. training) or of the argmax scene feeds the regressors
// `regressor_head_t` / `regressor_head_rot`: one shared PoseRegressor (EMS, the default) or one
// per scene (MS, `regressor_head_t.<i>.*`). Parameter names are the official state_dict's.
import * as tf from '@tensorflow/tfjs';
import { PoseRegressorHead } from '../../heads/pose-regressor-head.js';
import type { LayerQueriesKeys } from '../../losses/qk-alignment.js';
import { Conv2d } from '../nn/conv2d.js';
import { Embedding } from '../nn/embedding.js';
import { oneHot } from '../nn/functional.js';
import { Linear } from '../nn/linear.js';
import { Module, ModuleList } from '../nn/module.js';
import type { PositionEncoder } from '../position/position-encoder.js';
import { defaultRng, type Rng } from '../runtime/rng.js';
import { MSTTransformer } from '../transformer/mst-transformer.js';
import type { Backbone } from './backbone/backbone.js';
import { PoseBackboneJoiner } from './pose-backbone.js';

export type RegressorHeadKind = 'shared' | 'per-scene';

export interface MSTransformerOptions {
  readonly backbone: Backbone;
  readonly positionEncoding: PositionEncoder;
  readonly numScenes: number;
  /** d (`hidden_dim`, official 256). */
  readonly hiddenDim: number;
  readonly nhead: number;
  readonly dimFeedforward: number;
  readonly dropout: number;
  readonly numTEncoderLayers: number;
  readonly numTDecoderLayers: number;
  readonly numRotEncoderLayers: number;
  readonly numRotDecoderLayers: number;
  /** 'shared' = EMSTransPoseNet (official main.py), 'per-scene' = MSTransPoseNet. */
  readonly regressorHead: RegressorHeadKind;
  /** PoseRegressor hidden width (official 1024). */
  readonly regressorHidden: number;
  readonly rng?: Rng;
}

export interface MSTransformerForwardOptions {
  /** [B] int32 ground-truth scenes: their tokens are regressed (official training). Absent: argmax. */
  readonly sceneIds?: tf.Tensor1D;
  /** Keep every encoder layer's projected queries / keys per branch (for the QKA loss). */
  readonly returnQueriesKeys?: boolean;
  /** Keep every encoder layer's attention weights per branch (diagnostics). */
  readonly returnAttention?: boolean;
}

/** Per-branch records, one entry per encoder layer. */
export interface BranchRecords<T> {
  readonly t: T[];
  readonly rot: T[];
}

export interface MSTransformerOutput {
  /** [B, 7]: (x, y, z, qw, qx, qy, qz), quaternion unnormalised. */
  readonly pose: tf.Tensor2D;
  /** [B, S] log-probabilities over scenes. */
  readonly sceneLogDistr: tf.Tensor2D;
  /** [B] int32: the scene whose token was regressed (ground truth or argmax). */
  readonly sceneIndices: tf.Tensor1D;
  /** Only with `returnQueriesKeys`: queries / keys [B, H, HW, d/H] per encoder layer. */
  readonly queriesKeys?: BranchRecords<LayerQueriesKeys>;
  /** Only with `returnAttention`: encoder self-attention weights [B, H, HW, HW] per layer. */
  readonly encoderAttention?: BranchRecords<tf.Tensor4D>;
}

type RegressorHead = PoseRegressorHead | ModuleList<PoseRegressorHead>;

export class MSTransformer extends Module {
  readonly backbone: PoseBackboneJoiner;
  readonly transformerT: MSTTransformer;
  readonly transformerRot: MSTTransformer;
  readonly inputProjT: Conv2d;
  readonly inputProjRot: Conv2d;
  readonly queryEmbedT: Embedding;
  readonly queryEmbedRot: Embedding;
  readonly sceneEmbed: Linear;
  readonly regressorHeadT: RegressorHead;
  readonly regressorHeadRot: RegressorHead;
  readonly numScenes: number;

  constructor(options: MSTransformerOptions) {
    super();
    const rng = options.rng ?? defaultRng();
    const d = options.hiddenDim;
    const S = options.numScenes;
    this.numScenes = S;
    this.backbone = this.addModule('backbone', new PoseBackboneJoiner(options.backbone, options.positionEncoding));
    if (options.positionEncoding.channels !== d)
      throw new Error(`position encoding has ${options.positionEncoding.channels} channels, hidden_dim is ${d}`);
    const layer = { dModel: d, nhead: options.nhead, dimFeedforward: options.dimFeedforward, dropout: options.dropout, rng };
    this.transformerT = this.addModule(
      'transformer_t',
      new MSTTransformer({ ...layer, numEncoderLayers: options.numTEncoderLayers, numDecoderLayers: options.numTDecoderLayers }),
    );
    this.transformerRot = this.addModule(
      'transformer_rot',
      new MSTTransformer({ ...layer, numEncoderLayers: options.numRotEncoderLayers, numDecoderLayers: options.numRotDecoderLayers }),
    );
    const [channelsT, channelsRot] = this.backbone.numChannels as [number, number];
    this.inputProjT = this.addModule('input_proj_t', new Conv2d(channelsT, d, 1, { rng }));
    this.inputProjRot = this.addModule('input_proj_rot', new Conv2d(channelsRot, d, 1, { rng }));
    this.queryEmbedT = this.addModule('query_embed_t', new Embedding(S, d, rng));
    this.queryEmbedRot = this.addModule('query_embed_rot', new Embedding(S, d, rng));
    this.sceneEmbed = this.addModule('scene_embed', new Linear(2 * d, 1, { rng }));
    const head = (out: number): RegressorHead =>
      options.regressorHead === 'shared'
        ? new PoseRegressorHead(d, out, { hidden: options.regressorHidden, rng })
        : new ModuleList(Array.from({ length: S }, () => new PoseRegressorHead(d, out, { hidden: options.regressorHidden, rng })));
    this.regressorHeadT = this.addModule('regressor_head_t', head(3));
    this.regressorHeadRot = this.addModule('regressor_head_rot', head(4));
  }

  /** images: [B, H, W, 3] ImageNet-normalised. */
  forward(images: tf.Tensor4D, options: MSTransformerForwardOptions = {}): MSTransformerOutput {
    const { sceneIds, returnQueriesKeys = false, returnAttention = false } = options;
    return tf.tidy(() => {
      const { maps, positions } = this.backbone.forward(images);
      const [mapT, mapRot] = maps as [tf.Tensor4D, tf.Tensor4D];
      const [posT, posRot] = positions as [tf.Tensor4D, tf.Tensor4D];
      const record = returnQueriesKeys || returnAttention;
      const outT = this.transformerT.forward(
        { src: this.inputProjT.forward(mapT), queryEmbed: this.queryEmbedT.weight, pos: posT },
        { returnAttention: record },
      );
      const outRot = this.transformerRot.forward(
        { src: this.inputProjRot.forward(mapRot), queryEmbed: this.queryEmbedRot.weight, pos: posRot },
        { returnAttention: record },
      );
      const descT = lastLayer(outT.hs); // [B, S, d]
      const descRot = lastLayer(outRot.hs); // [B, S, d]
      const sceneScores = tf.squeeze(this.sceneEmbed.forward(tf.concat([descT, descRot], 2)), [2]); // [B, S]
      const sceneLogDistr = tf.logSoftmax(sceneScores, 1) as tf.Tensor2D;
      const sceneIndices = (sceneIds === undefined ? tf.argMax(sceneLogDistr, 1) : tf.cast(sceneIds, 'int32')) as tf.Tensor1D;
      const select = tf.expandDims(oneHot(sceneIndices, this.numScenes), 2); // [B, S, 1]
      const globalT = tf.sum(tf.mul(select, descT), 1) as tf.Tensor2D; // [B, d]
      const globalRot = tf.sum(tf.mul(select, descRot), 1) as tf.Tensor2D; // [B, d]
      const pose = tf.concat(
        [this.regress(this.regressorHeadT, globalT, select), this.regress(this.regressorHeadRot, globalRot, select)],
        1,
      ) as tf.Tensor2D;
      const encT = outT.encoderAttention ?? [];
      const encRot = outRot.encoderAttention ?? [];
      return {
        pose,
        sceneLogDistr,
        sceneIndices,
        ...(returnQueriesKeys && {
          queriesKeys: { t: encT.map(({ queries, keys }) => ({ queries, keys })), rot: encRot.map(({ queries, keys }) => ({ queries, keys })) },
        }),
        ...(returnAttention && { encoderAttention: { t: encT.map((r) => r.weights), rot: encRot.map((r) => r.weights) } }),
      };
    });
  }

  /** Shared head: head(x). Per-scene heads: each sample through its selected scene's head. */
  private regress(head: RegressorHead, x: tf.Tensor2D, select: tf.Tensor): tf.Tensor2D {
    if (head instanceof PoseRegressorHead) return head.forward(x);
    return tf.tidy(() => {
      const all = tf.stack(
        head.items.map((h) => h.forward(x)),
        1,
      ); // [B, S, out]
      return tf.sum(tf.mul(select, all), 1) as tf.Tensor2D;
    });
  }
}

/** hs [L, B, NQ, C] → the last decoder layer's output [B, NQ, C] (official `decoder_output[0]`). */
function lastLayer(hs: tf.Tensor4D): tf.Tensor3D {
  const [layers] = hs.shape;
  return tf.squeeze(tf.slice(hs, [layers - 1], [1]), [0]) as tf.Tensor3D;
}

/** Free every tensor of a forward pass's output. */
export function disposeMSTransformerOutput(output: MSTransformerOutput): void {
  const { queriesKeys, encoderAttention } = output;
  tf.dispose([output.pose, output.sceneLogDistr, output.sceneIndices]);
  if (queriesKeys) for (const r of [...queriesKeys.t, ...queriesKeys.rot]) tf.dispose([r.queries, r.keys]);
  if (encoderAttention) tf.dispose([...encoderAttention.t, ...encoderAttention.rot]);
}
