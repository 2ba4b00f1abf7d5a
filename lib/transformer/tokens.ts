// Turning the composites' image-shaped inputs into the token sequences the layers take.
import * as tf from '@tensorflow/tfjs';

export interface TransformerInputs {
  readonly src: tf.Tensor; // [B, H, W, C] feature map
  /** true = padding. [B, H, W] bool; MS-Transformer passes none. */
  readonly mask?: tf.Tensor;
  readonly queryEmbed: tf.Tensor; // [NQ, C] learned query embeddings
  readonly pos: tf.Tensor; // [B, H, W, C] position embedding of the map
}

export interface TransformerTokens {
  readonly src: tf.Tensor3D; // [B, HW, C], token = h·W + w
  readonly pos: tf.Tensor3D; // [B, HW, C]
  readonly mask?: tf.Tensor2D; // [B, HW]
  readonly queryPos: tf.Tensor3D; // [B, NQ, C]
  /** The decoder's initial target: zeros. [B, NQ, C] */
  readonly tgt: tf.Tensor3D;
}

/** [B, H, W, C] → [B, H·W, C], row-major (token = h·W + w). */
export function flattenFeatureMap(x: tf.Tensor): tf.Tensor3D {
  const [batch, height, width, channels] = x.shape as [number, number, number, number];
  return tf.reshape(x, [batch, height * width, channels]);
}

/** Flatten the maps, flatten the mask and repeat the query embeddings over the batch (caller disposes). */
export function toTokens(inputs: TransformerInputs): TransformerTokens {
  const { src, mask, queryEmbed, pos } = inputs;
  if (src.rank !== 4 || pos.rank !== 4 || queryEmbed.rank !== 2) {
    throw new Error(`expected src and pos [B, H, W, C] and queryEmbed [NQ, C], got [${src.shape}], [${pos.shape}], [${queryEmbed.shape}]`);
  }
  const batch = src.shape[0];
  return tf.tidy(() => {
    const queryPos = tf.tile(tf.expandDims(queryEmbed, 0), [batch, 1, 1]) as tf.Tensor3D;
    return {
      src: flattenFeatureMap(src),
      pos: flattenFeatureMap(pos),
      mask: mask === undefined ? undefined : (tf.reshape(mask, [batch, -1]) as tf.Tensor2D),
      queryPos,
      tgt: tf.zerosLike(queryPos),
    };
  });
}
