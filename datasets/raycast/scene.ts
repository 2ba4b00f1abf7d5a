// Procedural scenes for the ray caster: a room (the inside of an axis-aligned box) or an outdoor
// block (ground plane, sky, buildings around a plaza), furnished with axis-aligned boxes, textured
// procedurally and lit by one light. World frame: y up, metres. Everything is drawn from an Rng,
// so a seed fixes the scene.
import type { Rng } from '../../lib/runtime/rng.js';
import type { Vec3 } from '../quaternion.js';

export type TextureKind = 'checker' | 'stripes' | 'bricks' | 'noise' | 'tiles';
export const TEXTURE_KINDS: readonly TextureKind[] = ['checker', 'stripes', 'bricks', 'noise', 'tiles'];

export interface SurfaceMaterial {
  readonly texture: TextureKind;
  /** Base and second colour, linear RGB in [0, 1]. */
  readonly colorA: Vec3;
  readonly colorB: Vec3;
  /** Texture period (metres). */
  readonly scale: number;
  /** Texture noise seed (0..2³¹). */
  readonly seed: number;
}

export interface SceneSpec {
  readonly name: string;
  readonly kind: 'room' | 'outdoor';
  /** Room: the interior box; outdoor: the extent the generator used (camera region inside). */
  readonly boundsMin: Vec3;
  readonly boundsMax: Vec3;
  /** Room: 6 wall materials in the order −x, +x, −y (floor), +y (ceiling), −z, +z; outdoor: [ground]. */
  readonly surfaces: readonly SurfaceMaterial[];
  /** Packed boxes, 6 floats each: minX, minY, minZ, maxX, maxY, maxZ. */
  readonly boxes: Float32Array;
  /** SurfaceMaterial of each box. */
  readonly boxMaterials: readonly SurfaceMaterial[];
  /** Room: point light position; outdoor: unit direction towards the sun. */
  readonly light: Vec3;
  readonly lightIntensity: number;
  readonly ambient: number;
  /** Outdoor sky at the horizon and at the zenith (also the fog colour at the horizon). */
  readonly skyHorizon: Vec3;
  readonly skyZenith: Vec3;
  /** Region the camera centres stay in (free of boxes), min and max corners. */
  readonly cameraMin: Vec3;
  readonly cameraMax: Vec3;
}

function hsvToRgb(h: number, s: number, v: number): Vec3 {
  const f = (n: number) => {
    const k = (n + h * 6) % 6;
    return v - v * s * Math.max(0, Math.min(k, 4 - k, 1));
  };
  return [f(5), f(3), f(1)];
}

/** A material around hue `hue` (turns): two shades of it, a random texture and period. */
function randomMaterial(rng: Rng, hue: number, period: [number, number]): SurfaceMaterial {
  const h = (hue + rng.range(-0.06, 0.06) + 1) % 1;
  const s = rng.range(0.25, 0.8);
  const v = rng.range(0.45, 0.95);
  return {
    texture: TEXTURE_KINDS[rng.int(TEXTURE_KINDS.length)]!,
    colorA: hsvToRgb(h, s, v),
    colorB: hsvToRgb((h + rng.range(0.05, 0.5)) % 1, rng.range(0.1, 0.9), v * rng.range(0.35, 0.8)),
    scale: rng.range(period[0], period[1]),
    seed: rng.seed(),
  };
}

function roomScene(rng: Rng, name: string): SceneSpec {
  const W = rng.range(5, 9),
    H = rng.range(2.6, 3.6),
    D = rng.range(5, 9);
  const hues = [rng.uniform(), rng.uniform(), rng.uniform()];
  const surfaces = [0, 1, 2, 3, 4, 5].map((face) =>
    randomMaterial(rng, hues[face === 2 ? 1 : face === 3 ? 2 : 0]!, face === 2 ? [0.3, 1.2] : [0.2, 1.5]),
  );
  // Objects along the walls (outer 25% band); the camera stays in the middle 40%.
  const boxes: number[] = [];
  const boxMaterials: SurfaceMaterial[] = [];
  const count = 4 + rng.int(5);
  for (let k = 0; k < count; k++) {
    const pillar = rng.uniform() < 0.3;
    const sx = pillar ? rng.range(0.25, 0.5) : rng.range(0.4, 1.2);
    const sz = pillar ? sx : rng.range(0.4, 1.2);
    const sy = pillar ? H : rng.range(0.4, 1.6);
    const side = rng.int(4); // which wall band
    const along = (extent: number, size: number) => rng.range(0.05 * extent, 0.95 * extent - size);
    const across = (extent: number, size: number, far: boolean) =>
      far ? rng.range(0.75 * extent, 0.98 * extent - size) : rng.range(0.02 * extent, 0.25 * extent - size);
    const x0 = side < 2 ? across(W, sx, side === 1) : along(W, sx);
    const z0 = side < 2 ? along(D, sz) : across(D, sz, side === 3);
    const y0 = !pillar && rng.uniform() < 0.2 ? rng.range(0.6, H - sy - 0.1) : 0; // some shelves float
    boxes.push(x0, y0, z0, x0 + sx, y0 + sy, z0 + sz);
    boxMaterials.push(randomMaterial(rng, rng.uniform(), [0.1, 0.5]));
  }
  return {
    name,
    kind: 'room',
    boundsMin: [0, 0, 0],
    boundsMax: [W, H, D],
    surfaces,
    boxes: Float32Array.from(boxes),
    boxMaterials,
    light: [rng.range(0.3 * W, 0.7 * W), H - 0.15, rng.range(0.3 * D, 0.7 * D)],
    lightIntensity: rng.range(2.5, 4),
    ambient: rng.range(0.15, 0.3),
    skyHorizon: [0, 0, 0],
    skyZenith: [0, 0, 0],
    cameraMin: [0.3 * W, 1.1, 0.3 * D],
    cameraMax: [0.7 * W, Math.min(1.9, H - 0.5), 0.7 * D],
  };
}

function outdoorScene(rng: Rng, name: string): SceneSpec {
  const P = rng.range(8, 16); // plaza half-size
  const ground = randomMaterial(rng, rng.uniform(), [0.8, 3]);
  const boxes: number[] = [];
  const boxMaterials: SurfaceMaterial[] = [];
  const buildingHue = rng.uniform();
  // A ring of buildings: 4 sides, each a row of blocks with gaps.
  for (let side = 0; side < 4; side++) {
    let s = -P - 4;
    while (s < P + 4) {
      const width = rng.range(3, 8);
      const depth = rng.range(4, 10);
      const height = rng.range(3, 16);
      const offset = P + rng.range(0.5, 3);
      const [a0, a1] = [s, Math.min(s + width, P + 6)];
      const [b0, b1] = [offset, offset + depth];
      const box =
        side === 0
          ? [a0, 0, b0, a1, height, b1]
          : side === 1
            ? [a0, 0, -b1, a1, height, -b0]
            : side === 2
              ? [b0, 0, a0, b1, height, a1]
              : [-b1, 0, a0, -b0, height, a1];
      boxes.push(...box);
      boxMaterials.push(randomMaterial(rng, buildingHue + rng.range(-0.15, 0.15), [0.4, 2.5]));
      s += width + rng.range(0.3, 3);
    }
  }
  // A few monuments / kiosks in the plaza's outer part.
  for (let k = rng.int(3); k > 0; k--) {
    const size = rng.range(0.6, 1.5);
    const angle = rng.range(0, 2 * Math.PI);
    const r = rng.range(0.88 * P, 0.95 * P);
    const x = r * Math.cos(angle),
      z = r * Math.sin(angle);
    boxes.push(x - size / 2, 0, z - size / 2, x + size / 2, rng.range(1, 4), z + size / 2);
    boxMaterials.push(randomMaterial(rng, rng.uniform(), [0.2, 0.6]));
  }
  const sunElevation = rng.range(0.35, 1.1);
  const sunAzimuth = rng.range(0, 2 * Math.PI);
  return {
    name,
    kind: 'outdoor',
    boundsMin: [-P - 16, 0, -P - 16],
    boundsMax: [P + 16, 20, P + 16],
    surfaces: [ground],
    boxes: Float32Array.from(boxes),
    boxMaterials,
    light: [Math.cos(sunElevation) * Math.cos(sunAzimuth), Math.sin(sunElevation), Math.cos(sunElevation) * Math.sin(sunAzimuth)],
    lightIntensity: rng.range(0.7, 1),
    ambient: rng.range(0.25, 0.4),
    skyHorizon: hsvToRgb(rng.range(0.5, 0.65), rng.range(0.1, 0.3), rng.range(0.85, 1)),
    skyZenith: hsvToRgb(rng.range(0.55, 0.68), rng.range(0.4, 0.8), rng.range(0.6, 0.9)),
    cameraMin: [-0.5 * P, 1.4, -0.5 * P],
    cameraMax: [0.5 * P, 2.2, 0.5 * P],
  };
}

/** Scene `name` of the given kind, drawn from `rng`. */
export function generateScene(rng: Rng, name: string, kind: SceneSpec['kind']): SceneSpec {
  return kind === 'room' ? roomScene(rng, name) : outdoorScene(rng, name);
}
