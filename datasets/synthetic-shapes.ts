// Synthetic detection data: coloured shapes (rectangle, ellipse, triangle, cross, star) on
// textured backgrounds (noise, stripes, gradients), rasterised straight into 8-bit RGB, with COCO
// ground truth. Object sizes are drawn evenly from COCO's small / medium / large area ranges
// rescaled to the image size (cocoAreaThresholds). Image `id` depends only on (seed, id), so any
// subset can be regenerated exactly.
import { join } from 'node:path';
import { writeFileAtomic } from '../lib/io/atomic.js';
import { Rng } from '../lib/runtime/rng.js';
import type { LabelMode } from './category-map.js';
import { type CocoDetectionSet, cocoDetectionFromMemory } from './coco.js';
import type { CocoAnnotation, CocoGroundTruth, CocoImage } from './coco-format.js';
import { type RgbColour, type RgbImage, writePng } from './image.js';

export const SHAPE_KINDS = ['rectangle', 'ellipse', 'triangle', 'cross', 'star'] as const;
export type ShapeKind = (typeof SHAPE_KINDS)[number];

export interface SyntheticShapesConfig {
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly seed: number | string;
  /** Objects per image, uniform in [minObjects, maxObjects] (fewer if no free spot is found). */
  readonly minObjects?: number;
  readonly maxObjects?: number;
  /** Shape classes (default all SHAPE_KINDS). */
  readonly kinds?: readonly ShapeKind[];
  /** COCO category id of each kind (default 1, 2, ...); may be non-contiguous. */
  readonly categoryIds?: readonly number[];
  /** A new box may overlap an earlier one up to this IoU (default 0.4). */
  readonly maxOverlapIou?: number;
  /** Box width and height in pixels, each uniform in [min, max] (default: sizes spread over COCO's small / medium / large areas). */
  readonly sides?: readonly [number, number];
  /** White shapes on a black background (default: coloured shapes on textured backgrounds). */
  readonly plain?: boolean;
}

export interface SyntheticShapes {
  readonly gt: CocoGroundTruth;
  /** Pixels by image id. */
  readonly images: ReadonlyMap<number, RgbImage>;
}

/** COCO's reference image area (640 × 480, its typical size) against which areas are rescaled. */
const COCO_REFERENCE_AREA = 640 * 480;

/**
 * COCO's area limits (small < 32², large > 96²) rescaled by area to a height × width image:
 * factor (h·w) / (640·480). At 128 × 128: small < 54.6 px² (≈ 7.4²), large > 491.5 px² (≈ 22.2²).
 */
export function cocoAreaThresholds(height: number, width: number): { small: number; large: number } {
  const factor = (height * width) / COCO_REFERENCE_AREA;
  return { small: 32 * 32 * factor, large: 96 * 96 * factor };
}

interface Shape {
  readonly kind: ShapeKind;
  /** Integer pixel box: columns x .. x + w - 1, rows y .. y + h - 1. */
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  readonly colour: RgbColour;
  /** Apex side for triangles: 0 top, 1 right, 2 bottom, 3 left. */
  readonly orientation: number;
}

/** Deterministic per-pixel noise in [-0.5, 0.5): an integer hash of (x, y, seed). */
function hashNoise(x: number, y: number, seed: number): number {
  let h = Math.imul(x, 0x27d4eb2d) ^ Math.imul(y, 0x165667b1) ^ seed;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296 - 0.5;
}

function randomColour(rng: Rng): RgbColour {
  return [rng.range(0, 1), rng.range(0, 1), rng.range(0, 1)];
}

function colourDistance(a: RgbColour, b: RgbColour): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

const clampByte = (v: number): number => (v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255));

/** Background: noise, stripes or a gradient between two colours, plus fine noise. Returns its colours. */
function paintBackground(image: RgbImage, rng: Rng): RgbColour[] {
  const a = randomColour(rng);
  const b = randomColour(rng);
  const style = rng.int(3);
  const angle = rng.range(0, Math.PI);
  const [dx, dy] = [Math.cos(angle), Math.sin(angle)];
  const period = rng.range(4, 24);
  const noiseSeed = rng.seed();
  const amplitude = style === 0 ? 0.25 : 0.06;
  const diagonal = Math.hypot(image.height, image.width);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const along = x * dx + y * dy;
      const t = style === 1 ? 0.5 + 0.5 * Math.sin((2 * Math.PI * along) / period) : style === 2 ? along / diagonal : 0;
      const n = amplitude * hashNoise(x, y, noiseSeed);
      const p = (y * image.width + x) * 3;
      for (let c = 0; c < 3; c++) image.data[p + c] = clampByte(a[c] + t * (b[c] - a[c]) + n);
    }
  }
  return [a, b];
}

/** Unit 5-pointed star (inner radius 0.45), as polygon vertices normalised to fill [0, 1]². */
const STAR: readonly (readonly [number, number])[] = (() => {
  const raw = Array.from({ length: 10 }, (_, i) => {
    const r = i % 2 === 0 ? 1 : 0.45;
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    return [r * Math.cos(a), r * Math.sin(a)] as const;
  });
  const xs = raw.map((p) => p[0]);
  const ys = raw.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  return raw.map(([x, y]) => [(x - x0) / (x1 - x0), (y - y0) / (y1 - y0)] as const);
})();

function insidePolygon(u: number, v: number, polygon: readonly (readonly [number, number])[]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [ui, vi] = polygon[i];
    const [uj, vj] = polygon[j];
    if (vi > v !== vj > v && u < ((uj - ui) * (v - vi)) / (vj - vi) + ui) inside = !inside;
  }
  return inside;
}

/** Whether the point (u, v) of the unit box [0, 1]² is inside the shape. */
function insideShape(kind: ShapeKind, u: number, v: number, orientation: number): boolean {
  switch (kind) {
    case 'rectangle':
      return true;
    case 'ellipse':
      return (u - 0.5) ** 2 + (v - 0.5) ** 2 <= 0.25;
    case 'triangle': {
      // Apex at the middle of one side, base along the opposite side.
      const [along, across] = orientation % 2 === 0 ? [u, orientation === 0 ? v : 1 - v] : [v, orientation === 3 ? u : 1 - u];
      return Math.abs(along - 0.5) <= across / 2;
    }
    case 'cross':
      return Math.abs(u - 0.5) <= 1 / 6 || Math.abs(v - 0.5) <= 1 / 6;
    case 'star':
      return insidePolygon(u, v, STAR);
  }
}

/** Paint `shape` (pixel-centre sampling) with a little texture; returns the number of pixels painted. */
function paintShape(image: RgbImage, shape: Shape, noiseSeed: number | null): number {
  let painted = 0;
  for (let y = shape.y; y < shape.y + shape.h; y++) {
    for (let x = shape.x; x < shape.x + shape.w; x++) {
      if (!insideShape(shape.kind, (x - shape.x + 0.5) / shape.w, (y - shape.y + 0.5) / shape.h, shape.orientation)) continue;
      const n = noiseSeed === null ? 0 : 0.08 * hashNoise(x, y, noiseSeed);
      const p = (y * image.width + x) * 3;
      for (let c = 0; c < 3; c++) image.data[p + c] = clampByte(shape.colour[c] + n);
      painted++;
    }
  }
  return painted;
}

function iou(a: Shape, b: Shape): number {
  const iw = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const ih = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const inter = iw * ih;
  return inter / (a.w * a.h + b.w * b.h - inter);
}

/** Box area drawn log-uniformly from a size class chosen uniformly among small / medium / large. */
function sampleBoxSize(rng: Rng, height: number, width: number): [number, number] {
  const { small, large } = cocoAreaThresholds(height, width);
  const minArea = 16; // 4 × 4 pixels: smaller shapes are not recognisable
  const maxArea = Math.max(large * 1.5, 0.35 * height * width);
  const ranges: [number, number][] = [
    [Math.min(minArea, small * 0.5), small],
    [small, large],
    [large, maxArea],
  ];
  const [lo, hi] = ranges[rng.int(3)];
  const area = Math.exp(rng.range(Math.log(lo), Math.log(hi)));
  const aspect = Math.exp(rng.range(Math.log(0.5), Math.log(2)));
  const w = Math.min(width, Math.max(2, Math.round(Math.sqrt(area * aspect))));
  const h = Math.min(height, Math.max(2, Math.round(area / w)));
  return [w, h];
}

/** Width and height each uniform in [lo, hi] pixels (clamped to the image). */
function sampleSides(rng: Rng, [lo, hi]: readonly [number, number], height: number, width: number): [number, number] {
  const side = () => lo + rng.int(hi - lo + 1);
  return [Math.min(width, side()), Math.min(height, side())];
}

interface GeneratedImage {
  readonly image: RgbImage;
  /** Annotations without `id` (assigned when images are gathered). */
  readonly annotations: Omit<CocoAnnotation, 'id'>[];
}

function resolvedKinds(config: SyntheticShapesConfig): { kinds: readonly ShapeKind[]; categoryIds: readonly number[] } {
  const kinds = config.kinds ?? SHAPE_KINDS;
  const categoryIds = config.categoryIds ?? kinds.map((_, i) => i + 1);
  if (categoryIds.length !== kinds.length) {
    throw new RangeError(`${kinds.length} shape kinds but ${categoryIds.length} category ids`);
  }
  return { kinds, categoryIds };
}

/** Image `imageId` of the set `config` describes (independent of `count`). */
export function generateSyntheticImage(config: SyntheticShapesConfig, imageId: number): GeneratedImage {
  const { height, width } = config;
  const { kinds, categoryIds } = resolvedKinds(config);
  const rng = new Rng(`synthetic-shapes:${config.seed}:${imageId}`);
  const image: RgbImage = { data: new Uint8Array(height * width * 3), height, width };
  const background = config.plain ? [] : paintBackground(image, rng);
  const minObjects = config.minObjects ?? 1;
  const maxObjects = config.maxObjects ?? 6;
  const wanted = minObjects + rng.int(maxObjects - minObjects + 1);
  const shapes: Shape[] = [];
  for (let attempt = 0; shapes.length < wanted && attempt < 20 * wanted; attempt++) {
    const [w, h] = config.sides === undefined ? sampleBoxSize(rng, height, width) : sampleSides(rng, config.sides, height, width);
    let colour: RgbColour = config.plain ? [1, 1, 1] : randomColour(rng);
    while (background.some((b) => colourDistance(b, colour) < 0.35)) colour = randomColour(rng);
    const shape: Shape = {
      kind: kinds[rng.int(kinds.length)],
      x: rng.int(width - w + 1),
      y: rng.int(height - h + 1),
      w,
      h,
      colour,
      orientation: rng.int(4),
    };
    if (shapes.every((s) => iou(s, shape) <= (config.maxOverlapIou ?? 0.4))) shapes.push(shape);
  }
  // Larger shapes first, so small ones are drawn on top and stay visible.
  shapes.sort((a, b) => b.w * b.h - a.w * a.h);
  const noiseSeed = config.plain ? null : rng.seed();
  const annotations = shapes.flatMap((shape) => {
    const area = paintShape(image, shape, noiseSeed);
    if (area === 0) return [];
    const categoryId = categoryIds[kinds.indexOf(shape.kind)];
    return [
      {
        image_id: imageId,
        category_id: categoryId,
        bbox: [shape.x, shape.y, shape.w, shape.h] as [number, number, number, number],
        area,
        iscrowd: 0 as const,
      },
    ];
  });
  return { image, annotations };
}

/** File name of image `id` in written sets (COCO style, 12 digits). */
export function syntheticFileName(imageId: number): string {
  return `${String(imageId).padStart(12, '0')}.png`;
}

/** Images 1..count with COCO ground truth, in memory. */
export function generateSyntheticShapes(config: SyntheticShapesConfig): SyntheticShapes {
  const { kinds, categoryIds } = resolvedKinds(config);
  const images = new Map<number, RgbImage>();
  const cocoImages: CocoImage[] = [];
  const annotations: CocoAnnotation[] = [];
  for (let id = 1; id <= config.count; id++) {
    const generated = generateSyntheticImage(config, id);
    images.set(id, generated.image);
    cocoImages.push({ id, file_name: syntheticFileName(id), width: config.width, height: config.height });
    for (const a of generated.annotations) annotations.push({ id: annotations.length + 1, ...a });
  }
  const categories = kinds.map((name, i) => ({ id: categoryIds[i], name, supercategory: 'shape' }));
  return { gt: { images: cocoImages, annotations, categories }, images };
}

/**
 * Write the annotations and every image as PNG: by default `<dir>/annotations.json` and
 * `<dir>/images/*.png` (`layout` names other paths, relative to `dir`); returns the paths loadCocoDetection takes.
 */
export async function writeSyntheticShapes(
  dir: string,
  set: SyntheticShapes,
  layout: { readonly annotationFile: string; readonly imageDir: string } = { annotationFile: 'annotations.json', imageDir: 'images' },
): Promise<{ annotationFile: string; imageDir: string }> {
  const imageDir = join(dir, layout.imageDir);
  const entries = set.gt.images;
  for (let i = 0; i < entries.length; i += 16) {
    await Promise.all(
      entries.slice(i, i + 16).map((entry) => {
        const image = set.images.get(entry.id);
        if (image === undefined) throw new RangeError(`no pixels for image id ${entry.id}`);
        return writePng(join(imageDir, entry.file_name), image);
      }),
    );
  }
  const annotationFile = join(dir, layout.annotationFile);
  await writeFileAtomic(annotationFile, JSON.stringify(set.gt));
  return { annotationFile, imageDir };
}

/** The in-memory set as a DetectionSource (same targets as loading the written directory). */
export function syntheticShapesSource(set: SyntheticShapes, labelMode?: LabelMode): CocoDetectionSet {
  return cocoDetectionFromMemory(set.gt, set.images, 'synthetic shapes', labelMode);
}
