// PyTorch's `_get_clones`: the official encoders and decoders deep-copy one layer N times, so every
// layer starts from the same values (the composites' xavier reset then redraws the weight matrices,
// while biases and LayerNorms stay shared copies). Built here as N layers that take layer 0's values.
import type { Module } from '../nn/module.js';

export function clonedLayers<M extends Module>(numLayers: number, make: (index: number) => M): M[] {
  const layers = Array.from({ length: numLayers }, (_, i) => make(i));
  const [first, ...rest] = layers;
  if (first !== undefined) {
    const values = first.stateDict();
    // Not strict: Conditional DETR removes `ca_qpos_proj` from the copies of layer 0.
    for (const layer of rest) layer.loadStateDict(values, { strict: false });
  }
  return layers;
}
