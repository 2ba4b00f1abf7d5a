// Padding masks follow the feature maps down: DETR and MS-Transformer resize the image mask
// to each map with `F.interpolate(mask[None].float(), size=(h, w)).to(torch.bool)[0]` (nearest).
import * as tf from '@tensorflow/tfjs';

/**
 * PyTorch 'nearest' source index for each of `outSize` outputs: identity when the sizes agree,
 * i >> 1 when doubling, else min(floor(i · in / out), in - 1) in float32 as ATen computes it.
 */
export function nearestSourceIndices(inSize: number, outSize: number): number[] {
  const scale = Math.fround(inSize / outSize);
  return Array.from({ length: outSize }, (_, i) => {
    if (outSize === inSize) return i;
    if (outSize === 2 * inSize) return i >> 1;
    return Math.min(Math.floor(Math.fround(i * scale)), inSize - 1);
  });
}

/** mask: bool [B, H, W] (true = padding) → bool [B, h, w], nearest-neighbour. */
export function interpolateMask(mask: tf.Tensor3D, h: number, w: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [, inH, inW] = mask.shape;
    const rows = tf.gather(mask.toInt(), nearestSourceIndices(inH, h), 1);
    return tf.gather(rows, nearestSourceIndices(inW, w), 2).toBool() as tf.Tensor3D;
  });
}

/** A feature map with its padding mask (DETR's `NestedTensor`). */
export interface MaskedMap {
  readonly features: tf.Tensor4D; // [B, h, w, C]
  readonly mask: tf.Tensor3D; // [B, h, w], true = padding
}

/** Pair every map with the image mask [B, H, W] resized to it (DETR's / MS-Transformer's BackboneBase.forward). */
export function withMasks(maps: Record<string, tf.Tensor4D>, mask: tf.Tensor3D): Record<string, MaskedMap> {
  const out: Record<string, MaskedMap> = {};
  for (const [name, features] of Object.entries(maps)) {
    out[name] = { features, mask: interpolateMask(mask, features.shape[1], features.shape[2]) };
  }
  return out;
}
