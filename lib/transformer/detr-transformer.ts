// DETR's `Transformer` (models/transformer.py): encoder over the flattened feature map, decoder
// from zero targets with the query embeddings as query positions. State-dict names are the
// official ones (encoder.layers.N…, encoder.norm with pre-norm, decoder.layers.N…, decoder.norm);
// every parameter of rank > 1 is re-initialised with xavier_uniform (`_reset_parameters`).
import * as tf from '@tensorflow/tfjs';
import type { AttentionRecord } from '../attention/attend';
import { resetXavier } from '../nn/init';
import { Module } from '../nn/module';
import { defaultRng } from '../runtime/rng';
import { TransformerDecoder } from './decoder';
import type { DecoderLayerAttention } from './decoder-layer';
import { TransformerEncoder } from './encoder';
import { toTokens, type TransformerInputs } from './tokens';
import { layerOptionsOf, type TransformerOptions } from './transformer-options';

export type DetrTransformerOutput = {
  readonly hs: tf.Tensor4D; // [L, B, NQ, C], decoder.norm applied to every layer
  readonly memory: tf.Tensor3D; // [B, HW, C]
  readonly encoderAttention?: AttentionRecord[];
  readonly decoderAttention?: DecoderLayerAttention[];
};

export class DetrTransformer extends Module {
  readonly encoder: TransformerEncoder;
  readonly decoder: TransformerDecoder;
  readonly dModel: number;

  constructor(options: TransformerOptions = {}) {
    super();
    const layer = layerOptionsOf(options);
    const { numEncoderLayers = 6, numDecoderLayers = 6 } = options;
    this.encoder = this.addModule('encoder', new TransformerEncoder(layer, numEncoderLayers, { finalNorm: layer.normalizeBefore === true }));
    this.decoder = this.addModule('decoder', new TransformerDecoder(layer, numDecoderLayers));
    this.dModel = layer.dModel;
    resetXavier(this.namedParameters(), this.layouts(), layer.rng ?? defaultRng());
  }

  forward(inputs: TransformerInputs, options: { readonly returnAttention?: boolean } = {}): DetrTransformerOutput {
    const { returnAttention } = options;
    return tf.tidy(() => {
      const { src, pos, mask, queryPos, tgt } = toTokens(inputs);
      const encoded = this.encoder.forward(src, { pos, keyPaddingMask: mask, returnAttention });
      const decoded = this.decoder.forward(tgt, encoded.output, { pos, queryPos, memoryKeyPaddingMask: mask, returnAttention });
      const outputs = { hs: decoded.hs, memory: encoded.output };
      return returnAttention ? { ...outputs, encoderAttention: encoded.attention, decoderAttention: decoded.attention } : outputs;
    });
  }
}
