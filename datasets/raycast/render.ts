// A deterministic CPU ray caster: one primary ray per pixel through a pinhole camera, intersected
// with the scene's walls / ground (planes) and axis-aligned boxes (slab test), shaded with the
// procedural albedo, Lambert lighting from one light with hard shadows (shadow ray against the
// boxes), ambient light, and, outdoors, a sky gradient and distance fog. Colours are treated as
// display values (no gamma curve). Output is 8-bit RGB. Scalar code on typed arrays, no
// allocation per pixel.
import type { RgbImage } from '../image.js';
import { type Quaternion, quaternionToRotation, type Vec3 } from '../quaternion.js';
import type { SceneSpec, SurfaceMaterial } from './scene.js';
import { albedo } from './textures.js';

/** Camera pose: position and camera-to-world orientation (w, x, y, z); camera axes x right, y down, z forward. */
export interface CameraPose {
  readonly t: Vec3;
  readonly q: Quaternion;
}

export interface RenderOptions {
  readonly width: number;
  readonly height: number;
  /** Horizontal field of view in degrees (default 60). */
  readonly fovDegrees?: number;
}

const EPS = 1e-4;
const FOG_DISTANCE = 150; // metres (outdoor)

/** The nearest box hit of the last `nearestBox` call: distance, normal axis and sign. */
const boxHit = { t: 0, axis: 0, sign: 1 };

/**
 * Index of the nearest box hit by the ray o + t·d with t in (EPS, tMax), or −1; fills `boxHit`.
 * (ix, iy, iz) = 1/d per axis (±Infinity for a zero component).
 */
function nearestBox(boxes: Float32Array, ox: number, oy: number, oz: number, ix: number, iy: number, iz: number, tMax: number): number {
  let best = -1;
  let bestT = tMax;
  for (let b = 0; b < boxes.length; b += 6) {
    let ta = (boxes[b]! - ox) * ix,
      tb = (boxes[b + 3]! - ox) * ix;
    let tNear = ta < tb ? ta : tb;
    let tFar = ta < tb ? tb : ta;
    let axis = 0;
    ta = (boxes[b + 1]! - oy) * iy;
    tb = (boxes[b + 4]! - oy) * iy;
    let t1 = ta < tb ? ta : tb,
      t2 = ta < tb ? tb : ta;
    if (t1 > tNear) {
      tNear = t1;
      axis = 1;
    }
    if (t2 < tFar) tFar = t2;
    ta = (boxes[b + 2]! - oz) * iz;
    tb = (boxes[b + 5]! - oz) * iz;
    t1 = ta < tb ? ta : tb;
    t2 = ta < tb ? tb : ta;
    if (t1 > tNear) {
      tNear = t1;
      axis = 2;
    }
    if (t2 < tFar) tFar = t2;
    // NaN (0·∞ for a ray in a slab's plane) fails every comparison below and counts as a miss.
    if (!(tNear <= tFar) || !(tNear > EPS) || !(tNear < bestT)) continue;
    bestT = tNear;
    best = b / 6;
    boxHit.t = tNear;
    boxHit.axis = axis;
  }
  if (best >= 0) boxHit.sign = (boxHit.axis === 0 ? ix : boxHit.axis === 1 ? iy : iz) > 0 ? -1 : 1;
  return best;
}

/**
 * The boxes that may be visible (conservative frustum culling: a box is dropped only when all 8
 * corners lie outside one of the 5 frustum planes), packed like `scene.boxes`, and their indices.
 * R: row-major camera-to-world rotation; tanX, tanY: half image extent over focal length.
 */
function visibleBoxes(
  boxes: Float32Array,
  R: Float64Array,
  o: readonly number[],
  tanX: number,
  tanY: number,
): { boxes: Float32Array; index: Int32Array } {
  const kept: number[] = [];
  for (let b = 0; b < boxes.length; b += 6) {
    let outside = 0b11111; // bit k set while every corner so far is outside plane k
    for (let corner = 0; corner < 8; corner++) {
      const px = boxes[b + (corner & 1 ? 3 : 0)]! - o[0]!;
      const py = boxes[b + 1 + (corner & 2 ? 3 : 0)]! - o[1]!;
      const pz = boxes[b + 2 + (corner & 4 ? 3 : 0)]! - o[2]!;
      // Camera coordinates: the columns of R are the camera axes in world coordinates.
      const cx = R[0]! * px + R[3]! * py + R[6]! * pz;
      const cy = R[1]! * px + R[4]! * py + R[7]! * pz;
      const cz = R[2]! * px + R[5]! * py + R[8]! * pz;
      const flags = (cz <= 0 ? 1 : 0) | (cx > tanX * cz ? 2 : 0) | (cx < -tanX * cz ? 4 : 0) | (cy > tanY * cz ? 8 : 0) | (cy < -tanY * cz ? 16 : 0);
      outside &= flags;
      if (outside === 0) break;
    }
    if (outside === 0) kept.push(b / 6);
  }
  const packed = new Float32Array(kept.length * 6);
  kept.forEach((k, i) => packed.set(boxes.subarray(6 * k, 6 * k + 6), 6 * i));
  return { boxes: packed, index: Int32Array.from(kept) };
}

/** Render `scene` from `pose`. Pure: the same inputs give the same pixels. */
export function renderView(scene: SceneSpec, pose: CameraPose, options: RenderOptions): RgbImage {
  const { width, height } = options;
  const focal = (0.5 * width) / Math.tan(((options.fovDegrees ?? 60) * Math.PI) / 360);
  const R = Float64Array.from(quaternionToRotation(pose.q));
  const data = new Uint8Array(width * height * 3);
  const [ox, oy, oz] = pose.t;
  const { boxes, boxMaterials, surfaces, ambient, lightIntensity } = scene;
  const [bx0, by0, bz0] = scene.boundsMin;
  const [bx1, by1, bz1] = scene.boundsMax;
  const [lx, ly, lz] = scene.light;
  const [hr, hg, hb] = scene.skyHorizon;
  const [zr, zg, zb] = scene.skyZenith;
  const outdoor = scene.kind === 'outdoor';
  const colour = new Float32Array(3);
  const visible = visibleBoxes(boxes, R, pose.t, (0.5 * width) / focal, (0.5 * height) / focal);
  for (let y = 0; y < height; y++) {
    const cy = (y + 0.5 - 0.5 * height) / focal;
    for (let x = 0; x < width; x++) {
      const cx = (x + 0.5 - 0.5 * width) / focal;
      let dx = R[0]! * cx + R[1]! * cy + R[2]!;
      let dy = R[3]! * cx + R[4]! * cy + R[5]!;
      let dz = R[6]! * cx + R[7]! * cy + R[8]!;
      const n = 1 / Math.sqrt(dx * dx + dy * dy + dz * dz);
      dx *= n;
      dy *= n;
      dz *= n;
      // Walls (room: exit through the interior box) or ground (outdoor).
      let t = Infinity,
        axis = 1,
        sign = 1;
      let material: SurfaceMaterial | null = null;
      if (outdoor) {
        if (dy < 0) {
          t = -oy / dy;
          material = surfaces[0]!;
        }
      } else {
        const tx = dx > 0 ? (bx1 - ox) / dx : dx < 0 ? (bx0 - ox) / dx : Infinity;
        const ty = dy > 0 ? (by1 - oy) / dy : dy < 0 ? (by0 - oy) / dy : Infinity;
        const tz = dz > 0 ? (bz1 - oz) / dz : dz < 0 ? (bz0 - oz) / dz : Infinity;
        if (tx <= ty && tx <= tz) {
          t = tx;
          axis = 0;
          sign = dx > 0 ? -1 : 1;
        } else if (ty <= tz) {
          t = ty;
          axis = 1;
          sign = dy > 0 ? -1 : 1;
        } else {
          t = tz;
          axis = 2;
          sign = dz > 0 ? -1 : 1;
        }
        material = surfaces[2 * axis + (sign < 0 ? 1 : 0)]!;
      }
      const box = nearestBox(visible.boxes, ox, oy, oz, 1 / dx, 1 / dy, 1 / dz, t);
      if (box >= 0) {
        t = boxHit.t;
        axis = boxHit.axis;
        sign = boxHit.sign;
        material = boxMaterials[visible.index[box]!]!;
      }
      let r: number, g: number, b: number;
      if (material === null) {
        const k = Math.sqrt(dy > 0 ? dy : 0);
        r = hr + (zr - hr) * k;
        g = hg + (zg - hg) * k;
        b = hb + (zb - hb) * k;
      } else {
        let px = ox + t * dx,
          py = oy + t * dy,
          pz = oz + t * dz;
        const u = axis === 0 ? pz : px;
        const v = axis === 1 ? pz : py;
        albedo(material, u + 0.37 * axis, v, colour);
        let tlx = lx,
          tly = ly,
          tlz = lz,
          distance = Infinity;
        if (!outdoor) {
          tlx -= px;
          tly -= py;
          tlz -= pz;
          distance = Math.sqrt(tlx * tlx + tly * tly + tlz * tlz);
          tlx /= distance;
          tly /= distance;
          tlz /= distance;
        }
        const nDotL = sign * (axis === 0 ? tlx : axis === 1 ? tly : tlz);
        let shade = ambient;
        if (nDotL > 0) {
          // Leave the surface before casting the shadow ray.
          if (axis === 0) px += sign * 1e-3;
          else if (axis === 1) py += sign * 1e-3;
          else pz += sign * 1e-3;
          if (nearestBox(boxes, px, py, pz, 1 / tlx, 1 / tly, 1 / tlz, distance) < 0) {
            shade += lightIntensity * nDotL * (outdoor ? 1 : 1 / (1 + 0.15 * distance * distance));
          }
        }
        r = colour[0]! * shade;
        g = colour[1]! * shade;
        b = colour[2]! * shade;
        if (outdoor) {
          const fog = 1 - Math.exp(-t / FOG_DISTANCE);
          r += (hr - r) * fog;
          g += (hg - g) * fog;
          b += (hb - b) * fog;
        }
      }
      const i = (y * width + x) * 3;
      data[i] = Math.round(255 * (r < 0 ? 0 : r > 1 ? 1 : r));
      data[i + 1] = Math.round(255 * (g < 0 ? 0 : g > 1 ? 1 : g));
      data[i + 2] = Math.round(255 * (b < 0 ? 0 : b > 1 ? 1 : b));
    }
  }
  return { data, height, width };
}
