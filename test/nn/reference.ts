// Plain-JavaScript references (float64 loops, PyTorch semantics) that the layer tests compare
// TensorFlow.js results with. Maps are NHWC nested arrays; weights are in PyTorch layout.

export type Map4 = number[][][][]; // [B][H][W][C]

export interface RefConvOptions {
  readonly stride?: number;
  /** [top, bottom, left, right] zero padding. */
  readonly pad?: readonly [number, number, number, number];
  readonly dilation?: number;
  readonly groups?: number;
}

/** PyTorch F.conv2d (cross-correlation) on NHWC x with weight [O][I / groups][kh][kw]. */
export function referenceConv2d(x: Map4, weight: number[][][][], bias: number[] | null, options: RefConvOptions = {}): Map4 {
  const { stride = 1, pad = [0, 0, 0, 0], dilation = 1, groups = 1 } = options;
  const [top, bottom, left, right] = pad;
  const h = (x[0] as number[][][]).length;
  const w = (x[0]![0] as number[][]).length;
  const outC = weight.length;
  const inPerGroup = (weight[0] as number[][][]).length;
  const kh = (weight[0]![0] as number[][]).length;
  const kw = (weight[0]![0]![0] as number[]).length;
  const oh = Math.floor((h + top + bottom - dilation * (kh - 1) - 1) / stride) + 1;
  const ow = Math.floor((w + left + right - dilation * (kw - 1) - 1) / stride) + 1;
  const outPerGroup = outC / groups;
  return x.map((img) =>
    Array.from({ length: oh }, (_, y) =>
      Array.from({ length: ow }, (_, xx) =>
        Array.from({ length: outC }, (_, o) => {
          const g = Math.floor(o / outPerGroup);
          let acc = bias === null ? 0 : (bias[o] as number);
          for (let i = 0; i < inPerGroup; i++) {
            for (let a = 0; a < kh; a++) {
              for (let b = 0; b < kw; b++) {
                const r = y * stride + a * dilation - top;
                const c = xx * stride + b * dilation - left;
                if (r < 0 || r >= h || c < 0 || c >= w) continue;
                acc += (img[r]?.[c]?.[g * inPerGroup + i] as number) * (weight[o]?.[i]?.[a]?.[b] as number);
              }
            }
          }
          return acc;
        }),
      ),
    ),
  );
}

/** Deterministic, distinct test values: v(i) = sin(1.7 i + phase) (no Rng needed). */
export function wave(n: number, phase = 0): number[] {
  return Array.from({ length: n }, (_, i) => Math.sin(1.7 * i + phase));
}

/** Nest a flat row-major array into the given shape. */
export function nest(flat: readonly number[], shape: readonly number[]): number[] | number[][] | number[][][] | number[][][][] {
  if (shape.length === 1) return [...flat];
  const [head, ...rest] = shape;
  const inner = rest.reduce((p, d) => p * d, 1);
  return Array.from({ length: head as number }, (_, i) => nest(flat.slice(i * inner, (i + 1) * inner), rest)) as number[][];
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}
