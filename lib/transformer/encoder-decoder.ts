// The encoder-decoder that DETR's and Conditional DETR's `Transformer` (models/transformer.py)
// share: an encoder over the flattened feature map and a decoder from zero targets with the query
// embeddings as query positions. Only the decoder differs. State-dict names are the official ones
// (encoder.layers.N…, encoder.norm with pre-norm, decoder.…); every parameter of rank > 1 is
// re-initialised with xavier_uniform (`_reset_parameters`).
import * as tf from '@tensorflow/tfjs';
import type { AttentionRecord } from '../attention/attend.js';
import { resetXavier } from '../nn/init.js';
import { Module } from '../nn/module.js';
import { defaultRng } from '../runtime/rng.js';
import type { DecoderOutput } from './decoder.js';
import type { DecoderForwardOptions, DecoderLayerAttention } from './decoder-layer.js';
import { TransformerEncoder } from './encoder.js';
import type { TransformerLayerOptions } from './options.js';
import { type TransformerInputs, toTokens } from './tokens.js';
import { layerOptionsOf, type TransformerOptions } from './transformer-options.js';

/** A decoder stack: the DETR decoder or the conditional one. */
export interface StackedDecoder<O extends DecoderOutput> extends Module {
  forward(tgt: tf.Tensor, memory: tf.Tensor, options: DecoderForwardOptions): O;
}

/** The decoder's outputs (hs [L, B, NQ, C], ...) plus the encoder memory and, on request, attention. */
export type EncoderDecoderOutput<O extends DecoderOutput> = Omit<O, 'attention'> & {
  readonly memory: tf.Tensor3D; // [B, HW, C]
  readonly encoderAttention?: AttentionRecord[];
  readonly decoderAttention?: DecoderLayerAttention[];
};

export abstract class EncoderDecoderTransformer<O extends DecoderOutput, D extends StackedDecoder<O>> extends Module {
  readonly encoder: TransformerEncoder;
  readonly decoder: D;
  readonly dModel: number;

  /**
   * `encoderPositionScale`: DAB-DETR's encoder `query_scale`. `keepInit`: parameters the xavier
   * reset leaves alone (DAB-DETR's `decoder.bbox_embed`, wired in after the official reset).
   */
  protected constructor(
    options: TransformerOptions,
    makeDecoder: (layer: TransformerLayerOptions, numLayers: number) => D,
    extras: { readonly encoderPositionScale?: boolean; readonly keepInit?: (name: string) => boolean } = {},
  ) {
    super();
    const layer = layerOptionsOf(options);
    const { numEncoderLayers = 6, numDecoderLayers = 6 } = options;
    const { encoderPositionScale = false, keepInit = () => false } = extras;
    this.encoder = this.addModule(
      'encoder',
      new TransformerEncoder(layer, numEncoderLayers, { finalNorm: layer.normalizeBefore === true, positionScale: encoderPositionScale }),
    );
    this.decoder = this.addModule('decoder', makeDecoder(layer, numDecoderLayers));
    this.dModel = layer.dModel;
    resetXavier(
      this.namedParameters().filter(([name]) => !keepInit(name)),
      this.layouts(),
      layer.rng ?? defaultRng(),
    );
  }

  forward(inputs: TransformerInputs, options: { readonly returnAttention?: boolean } = {}): EncoderDecoderOutput<O> {
    const { returnAttention } = options;
    return tf.tidy(() => {
      const { src, pos, mask, queryPos, tgt } = toTokens(inputs);
      const encoded = this.encoder.forward(src, { pos, keyPaddingMask: mask, returnAttention });
      const { selfAttentionMask } = inputs;
      const { attention, ...decoded } = this.decoder.forward(tgt, encoded.output, {
        pos,
        queryPos,
        memoryKeyPaddingMask: mask,
        selfAttentionMask,
        returnAttention,
      });
      const outputs = { ...decoded, memory: encoded.output };
      return returnAttention ? { ...outputs, encoderAttention: encoded.attention, decoderAttention: attention } : outputs;
    });
  }
}
