// Procedural textures: albedo at surface coordinates (u, v) in metres.
import type { SurfaceMaterial } from './scene.js';

/** Integer lattice hash → [0, 1). */
function hash2(x: number, y: number, seed: number): number {
  let h = Math.imul(x, 374761393) ^ Math.imul(y, 668265263) ^ Math.imul(seed, 2246822519);
  h = Math.imul(h ^ (h >>> 13), 1274126177);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/** Bilinear value noise in [0, 1). */
function valueNoise(u: number, v: number, seed: number): number {
  const x0 = Math.floor(u),
    y0 = Math.floor(v);
  const fx = u - x0,
    fy = v - y0;
  const sx = fx * fx * (3 - 2 * fx),
    sy = fy * fy * (3 - 2 * fy);
  const a = hash2(x0, y0, seed),
    b = hash2(x0 + 1, y0, seed),
    c = hash2(x0, y0 + 1, seed),
    d = hash2(x0 + 1, y0 + 1, seed);
  return a + (b - a) * sx + (c - a) * sy + (a - b - c + d) * sx * sy;
}

/** Blend weight of colour B at (u, v): 0 = colour A, 1 = colour B. */
function textureWeight(m: SurfaceMaterial, u: number, v: number): number {
  const x = u / m.scale,
    y = v / m.scale;
  switch (m.texture) {
    case 'checker':
      return (Math.floor(x) + Math.floor(y)) & 1;
    case 'stripes':
      return 0.5 + 0.5 * Math.sin(2 * Math.PI * (x + 0.3 * y));
    case 'bricks': {
      const row = Math.floor(y * 2);
      const bx = x + (row & 1 ? 0.5 : 0);
      const mortar = bx - Math.floor(bx) < 0.06 || y * 2 - row < 0.1;
      return mortar ? 1 : 0.25 * hash2(Math.floor(bx), row, m.seed);
    }
    case 'noise':
      return 0.65 * valueNoise(x * 2, y * 2, m.seed) + 0.35 * valueNoise(x * 7, y * 7, m.seed + 1);
    case 'tiles': {
      const fx = x - Math.floor(x),
        fy = y - Math.floor(y);
      return fx < 0.05 || fy < 0.05 ? 1 : 0.3 * hash2(Math.floor(x), Math.floor(y), m.seed);
    }
  }
}

/** Albedo at (u, v) written into out[0..2]. */
export function albedo(m: SurfaceMaterial, u: number, v: number, out: Float32Array): void {
  const w = textureWeight(m, u, v);
  out[0] = m.colorA[0] + (m.colorB[0] - m.colorA[0]) * w;
  out[1] = m.colorA[1] + (m.colorB[1] - m.colorA[1]) * w;
  out[2] = m.colorA[2] + (m.colorB[2] - m.colorA[2]) * w;
}
