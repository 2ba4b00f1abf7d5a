// Turning the composites' image-shaped inputs into the token sequences the layers take.
import * as tf from '@tensorflow/tfjs';

export interface TransformerInputs {
  readonly src: tf.Tensor; // [B, H, W, C] feature map
  /** true = padding. [B, H, W] bool; MS-Transformer passes none. */
  readonly mask?: tf.Tensor;
  /**
   * The learned queries, shared by every image [NQ, D] or per image [B, NQ, D]: DETR's and
   * Conditional DETR's query embeddings (D = C), DAB-DETR's unsigmoided anchors (D = 4, with
   * DN-DETR's noised boxes per image).
   */
  readonly queryEmbed: tf.Tensor;
  readonly pos: tf.Tensor; // [B, H, W, C] position embedding of the map
  /** The decoder's initial target (default zeros; DN-DETR's label embeddings). [B, NQ, C] */
  readonly tgt?: tf.Tensor;
  /** The decoder self-attention mask, true = query i may not see query j (DN-DETR, Group DETR). [NQ, NQ] bool */
  readonly selfAttentionMask?: tf.Tensor;
}

export interface TransformerTokens {
  readonly src: tf.Tensor3D; // [B, HW, C], token = h·W + w
  readonly pos: tf.Tensor3D; // [B, HW, C]
  readonly mask?: tf.Tensor2D; // [B, HW]
  readonly queryPos: tf.Tensor3D; // [B, NQ, D]
  /** The decoder's initial target: zeros unless given. [B, NQ, C] */
  readonly tgt: tf.Tensor3D;
}

/** [B, H, W, C] → [B, H·W, C], row-major (token = h·W + w). */
export function flattenFeatureMap(x: tf.Tensor): tf.Tensor3D {
  const [batch, height, width, channels] = x.shape as [number, number, number, number];
  return tf.reshape(x, [batch, height * width, channels]);
}

/** Flatten the maps, flatten the mask and repeat the query embeddings over the batch (caller disposes). */
export function toTokens(inputs: TransformerInputs): TransformerTokens {
  const { src, mask, queryEmbed, pos, tgt } = inputs;
  if (src.rank !== 4 || pos.rank !== 4 || (queryEmbed.rank !== 2 && queryEmbed.rank !== 3)) {
    throw new Error(
      `expected src and pos [B, H, W, C] and queryEmbed [NQ, D] or [B, NQ, D], got [${src.shape}], [${pos.shape}], [${queryEmbed.shape}]`,
    );
  }
  const [batch, , , channels] = src.shape as [number, number, number, number];
  return tf.tidy(() => {
    const queryPos = (queryEmbed.rank === 3 ? queryEmbed.clone() : tf.tile(tf.expandDims(queryEmbed, 0), [batch, 1, 1])) as tf.Tensor3D;
    const numQueries = queryPos.shape[1];
    if (queryPos.shape[0] !== batch) throw new Error(`queryEmbed [${queryEmbed.shape}] for a batch of ${batch}`);
    if (tgt !== undefined && tgt.shape.join() !== [batch, numQueries, channels].join()) {
      throw new Error(`tgt [${tgt.shape}] does not match [${batch}, ${numQueries}, ${channels}]`);
    }
    return {
      src: flattenFeatureMap(src),
      pos: flattenFeatureMap(pos),
      mask: mask === undefined ? undefined : (tf.reshape(mask, [batch, -1]) as tf.Tensor2D),
      queryPos,
      tgt: (tgt === undefined ? tf.zeros([batch, numQueries, channels]) : tgt.clone()) as tf.Tensor3D,
    };
  });
}
