// Continuous colour maps as 256-entry RGB lookup tables, from Vega's named schemes (viridis, inferno, …).
import * as vega from 'vega';
import type { RgbColour } from '../../datasets/image.js';

export type ColourLut = readonly RgbColour[];

/** 'rgb(68, 1, 84)' or '#440154' → [68, 1, 84]. */
function parseColour(text: string): RgbColour {
  const rgb = /^rgb\(\s*(\d+),\s*(\d+),\s*(\d+)\s*\)$/.exec(text);
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])];
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(text);
  if (hex) return [parseInt(hex[1] as string, 16), parseInt(hex[2] as string, 16), parseInt(hex[3] as string, 16)];
  throw new Error(`colour map: cannot parse colour '${text}'`);
}

const cache = new Map<string, ColourLut>();

/** The scheme sampled at i/255, i = 0…255. */
export function colourLut(scheme = 'viridis'): ColourLut {
  const hit = cache.get(scheme);
  if (hit) return hit;
  const interpolate: unknown = vega.scheme(scheme);
  if (typeof interpolate !== 'function') throw new Error(`colour map: '${scheme}' is not a continuous Vega scheme`);
  const lut = Array.from({ length: 256 }, (_, i) => parseColour(String((interpolate as (t: number) => string)(i / 255))));
  cache.set(scheme, lut);
  return lut;
}

/** Colour of t ∈ [0, 1] (clamped; nearest of the 256 entries). */
export function colourAt(lut: ColourLut, t: number): RgbColour {
  const i = Math.round(Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (lut.length - 1));
  return lut[i] as RgbColour;
}
