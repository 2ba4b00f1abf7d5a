// Conditional DETR's `Transformer` (models/transformer.py): DETR's post-norm encoder and the
// conditional decoder (reference points, concat cross-attention). State-dict names are the
// official ones (encoder.layers.N…, decoder.layers.N…, decoder.norm, decoder.query_scale,
// decoder.ref_point_head); xavier_uniform on every parameter of rank > 1.
import * as tf from '@tensorflow/tfjs';
import type { AttentionRecord } from '../attention/attend';
import { resetXavier } from '../nn/init';
import { Module } from '../nn/module';
import { defaultRng } from '../runtime/rng';
import { ConditionalTransformerDecoder } from './conditional-decoder';
import type { DecoderLayerAttention } from './decoder-layer';
import { TransformerEncoder } from './encoder';
import { toTokens, type TransformerInputs } from './tokens';
import { layerOptionsOf, type TransformerOptions } from './transformer-options';

export type ConditionalTransformerOutput = {
  readonly hs: tf.Tensor4D; // [L, B, NQ, C], decoder.norm applied to every layer
  readonly references: tf.Tensor3D; // [B, NQ, 2] (x, y) = sigmoid(ref_point_head(query_embed))
  readonly memory: tf.Tensor3D; // [B, HW, C]
  readonly encoderAttention?: AttentionRecord[];
  readonly decoderAttention?: DecoderLayerAttention[];
};

export class ConditionalTransformer extends Module {
  readonly encoder: TransformerEncoder;
  readonly decoder: ConditionalTransformerDecoder;
  readonly dModel: number;

  constructor(options: TransformerOptions = {}) {
    super();
    const layer = layerOptionsOf(options);
    const { numEncoderLayers = 6, numDecoderLayers = 6 } = options;
    this.encoder = this.addModule('encoder', new TransformerEncoder(layer, numEncoderLayers, { finalNorm: layer.normalizeBefore === true }));
    this.decoder = this.addModule('decoder', new ConditionalTransformerDecoder(layer, numDecoderLayers));
    this.dModel = layer.dModel;
    resetXavier(this.namedParameters(), this.layouts(), layer.rng ?? defaultRng());
  }

  forward(inputs: TransformerInputs, options: { readonly returnAttention?: boolean } = {}): ConditionalTransformerOutput {
    const { returnAttention } = options;
    return tf.tidy(() => {
      const { src, pos, mask, queryPos, tgt } = toTokens(inputs);
      const encoded = this.encoder.forward(src, { pos, keyPaddingMask: mask, returnAttention });
      const decoded = this.decoder.forward(tgt, encoded.output, { pos, queryPos, memoryKeyPaddingMask: mask, returnAttention });
      const outputs = { hs: decoded.hs, references: decoded.references, memory: encoded.output };
      return returnAttention ? { ...outputs, encoderAttention: encoded.attention, decoderAttention: decoded.attention } : outputs;
    });
  }
}
