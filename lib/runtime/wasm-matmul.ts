// Fast paths for the wasm `BatchMatMul` and `_FusedMatMul` kernels. tfjs-backend-wasm 4.22 only
// hands a product to XNNPACK when neither side is transposed and both batches are 1; anything else
// (every backward matmul, every attention product) runs a scalar loop, 30x slower. The wrappers
// make transposes explicit `Transpose` kernels and feed the original kernel plain 2-D products:
// a batch against a shared matrix is folded into the rows of one product, other batches go slice
// by slice (with broadcasting of the batch dimensions), except small slices, which the stock
// batched loop computes faster (STOCK_BATCHED_MAX_SLICE_MULTIPLY_ADDS).
import * as tf from '@tensorflow/tfjs';
import { boolAttr, callKernel, type KernelArgs, optionalInput, release, type TfjsBackend, tensorInput } from './kernel-call.js';
import { batchSlice, reshape, stackBatches, transpose } from './wasm-ops.js';

/** Multiplies plain operands a [1|Ba, M, K] · b [1, K, N] → [1|Ba, M, N] with the original kernel. */
type PlainProduct = (a: tf.TensorInfo, b: tf.TensorInfo) => tf.TensorInfo;

const size = (shape: number[]): number => shape.reduce((p, d) => p * d, 1);

/**
 * Largest product per batch slice, in multiply-adds (m·k·n), that the stock batched kernel computes
 * instead of the slice-by-slice path below. Each slice costs a heap copy in, one XNNPACK call and a
 * copy out whatever its size (20–50 µs), where the stock kernel's scalar loop does about 1 G
 * multiply-adds/s. Measured with bench/wasm-matmul-crossover.ts (q·kᵀ then p·v over 128 slices,
 * median of 15, four runs on the shared 2-core machine at load 4): the stock loop is faster up to
 * 4,096 a slice (1.5× there, 20–100× at 256), level at 8,192 (2.2–2.6 ms both), and 2–4× slower
 * from 16,384 (at 65,536, the threshold first proposed: 16–20 ms against 7–10 ms). On the pose CPU
 * preset (bench/pose-step.ts), whose attention products are 256–4,096 a slice, a training step
 * takes 257 ms of CPU time instead of 334 (medians of 4 alternating runs, load 7–9); the reference
 * step's products (196 tokens × 32: 1.2M a slice) keep the XNNPACK path.
 */
export const STOCK_BATCHED_MAX_SLICE_MULTIPLY_ADDS = 8_192;

/** Multiply-adds m·k·n of one batch slice of matMul(a, b, transposeA, transposeB): an a slice holds m·k. */
export function sliceMultiplyAdds(aShape: number[], bShape: number[], transposeB: boolean): number {
  const [bRows, bCols] = bShape.slice(-2) as [number, number];
  return size(aShape.slice(-2)) * (transposeB ? bRows : bCols);
}

/**
 * True when the stock kernel broadcasts these batch shapes correctly: it indexes each side's
 * flattened batch modulo its size, which is right when that side's batch shape (leading 1s
 * dropped) is a trailing part of the output's, not for [2, 1] against [3].
 */
export function stockBroadcastsBatches(aBatchShape: number[], bBatchShape: number[]): boolean {
  const outBatchShape = tf.broadcast_util.assertAndGetBroadcastShape(aBatchShape, bBatchShape);
  const isTrailingPart = (shape: number[]): boolean => {
    const first = shape.findIndex((d) => d !== 1);
    const kept = first < 0 ? [] : shape.slice(first);
    return kept.every((d, i) => d === outBatchShape[outBatchShape.length - kept.length + i]);
  };
  return isTrailingPart(aBatchShape) && isTrailingPart(bBatchShape);
}

/**
 * True when the wrappers leave matMul(a, b, transposeA, transposeB) to the stock kernel: it already
 * takes XNNPACK's path, there is nothing to multiply, or the product would go slice by slice (b
 * batched) with slices of at most `maxStockSliceMultiplyAdds`, which the stock loop does faster.
 */
export function stockKernelRuns(
  aShape: number[],
  bShape: number[],
  transposeA: boolean,
  transposeB: boolean,
  maxStockSliceMultiplyAdds = STOCK_BATCHED_MAX_SLICE_MULTIPLY_ADDS,
): boolean {
  if (size(aShape) === 0 || size(bShape) === 0) return true;
  const aBatchShape = aShape.slice(0, -2);
  const bBatchShape = bShape.slice(0, -2);
  if (!transposeA && !transposeB && size(aBatchShape) === 1 && size(bBatchShape) === 1) return true;
  return (
    size(bBatchShape) > 1 &&
    sliceMultiplyAdds(aShape, bShape, transposeB) <= maxStockSliceMultiplyAdds &&
    stockBroadcastsBatches(aBatchShape, bBatchShape)
  );
}

/** x [..., r, c] → [batch, r, c], or [batch, c, r] materialised when `transposed`. */
function plain3d(backend: TfjsBackend, x: tf.TensorInfo, transposed: boolean): tf.TensorInfo {
  const [r, c] = x.shape.slice(-2) as [number, number];
  const x3 = reshape(backend, x, [size(x.shape.slice(0, -2)), r, c]);
  if (!transposed) return x3;
  const t = transpose(backend, x3, [0, 2, 1]);
  release(backend, x3);
  return t;
}

/** Flat index into `inShape` of the element that broadcasts to flat index `flat` of `outShape`. */
export function broadcastSource(outShape: number[], inShape: number[], flat: number): number {
  let rest = flat;
  let source = 0;
  let stride = 1;
  for (let d = outShape.length - 1, k = inShape.length - 1; d >= 0; d--, k--) {
    const outSize = outShape[d] as number;
    const coord = rest % outSize;
    rest = Math.floor(rest / outSize);
    if (k < 0) continue;
    const inSize = inShape[k] as number;
    if (inSize !== 1) source += coord * stride;
    stride *= inSize;
  }
  return source;
}

/** matMul(a, b, transposeA, transposeB) with every product sent through `product`. */
function matMulViaPlainProducts(
  backend: TfjsBackend,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  product: PlainProduct,
): tf.TensorInfo {
  const aBatchShape = a.shape.slice(0, -2);
  const bBatchShape = b.shape.slice(0, -2);
  const outBatchShape = tf.broadcast_util.assertAndGetBroadcastShape(aBatchShape, bBatchShape);
  const a3 = plain3d(backend, a, transposeA); // [Ba, M, K]
  const b3 = plain3d(backend, b, transposeB); // [Bb, K, N]
  const [batchA, m, k] = a3.shape as [number, number, number];
  const [batchB, kB, n] = b3.shape as [number, number, number];
  if (k !== kB) {
    release(backend, a3, b3);
    throw new Error(
      `matMul: inner dimensions ${k} and ${kB} of shapes [${a.shape}] and [${b.shape}] ` +
        `(transposeA=${transposeA}, transposeB=${transposeB}) must match`,
    );
  }
  const intermediates: tf.TensorInfo[] = [a3, b3];
  let out3: tf.TensorInfo; // [outBatch, M, N]
  if (batchB === 1) {
    // Every batch of a meets the same matrix: one product with the batches stacked as rows.
    const rows = reshape(backend, a3, [1, batchA * m, k]);
    const prod = product(rows, b3); // [1, Ba·M, N]
    intermediates.push(rows, prod);
    out3 = reshape(backend, prod, [batchA, m, n]);
  } else {
    const slices = (x3: tf.TensorInfo) => {
      const cache = new Map<number, tf.TensorInfo>();
      return (i: number): tf.TensorInfo => {
        let s = cache.get(i);
        if (s === undefined) {
          s = batchSlice(backend, x3, i);
          cache.set(i, s);
          intermediates.push(s);
        }
        return s;
      };
    };
    const aSlice = slices(a3);
    const bSlice = slices(b3);
    const parts: tf.TensorInfo[] = [];
    for (let i = 0; i < size(outBatchShape); i++) {
      parts.push(product(aSlice(broadcastSource(outBatchShape, aBatchShape, i)), bSlice(broadcastSource(outBatchShape, bBatchShape, i))));
    }
    intermediates.push(...parts);
    out3 = stackBatches(backend, parts);
  }
  const out = reshape(backend, out3, [...outBatchShape, m, n]);
  release(backend, ...intermediates, out3);
  return out;
}

/**
 * Wraps the stock wasm `BatchMatMul` kernel function. `maxStockSliceMultiplyAdds` is for the
 * crossover bench (0: every batched product goes slice by slice).
 */
export function fastBatchMatMul(stock: tf.KernelFunc, maxStockSliceMultiplyAdds = STOCK_BATCHED_MAX_SLICE_MULTIPLY_ADDS): tf.KernelFunc {
  return (args: KernelArgs) => {
    const a = tensorInput(args, 'a');
    const b = tensorInput(args, 'b');
    const transposeA = boolAttr(args, 'transposeA');
    const transposeB = boolAttr(args, 'transposeB');
    if (stockKernelRuns(a.shape, b.shape, transposeA, transposeB, maxStockSliceMultiplyAdds)) return stock(args);
    return matMulViaPlainProducts(args.backend, a, b, transposeA, transposeB, (x, y) =>
      callKernel(stock, args.backend, { a: x, b: y }, { transposeA: false, transposeB: false }),
    );
  };
}

/**
 * Wraps the stock wasm `_FusedMatMul` kernel function (matmul + rank-1 bias + activation). PReLU
 * weights of rank > 1 could vary along the batch, so those calls keep the stock kernel. Small
 * slices do not: the stock kernel gets batched products wrong (bias and activation misapplied, up
 * to 100% off on [3, 16, 32]·[3, 32, 16] + bias, relu; test/runtime/wasm-matmul.test.ts).
 */
export function fastFusedMatMul(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const a = tensorInput(args, 'a');
    const b = tensorInput(args, 'b');
    const bias = optionalInput(args, 'bias');
    const preluActivationWeights = optionalInput(args, 'preluActivationWeights');
    const transposeA = boolAttr(args, 'transposeA');
    const transposeB = boolAttr(args, 'transposeB');
    const preluVariesAlongRows = preluActivationWeights !== null && preluActivationWeights.shape.length > 1;
    if (stockKernelRuns(a.shape, b.shape, transposeA, transposeB, 0) || preluVariesAlongRows) return stock(args);
    return matMulViaPlainProducts(args.backend, a, b, transposeA, transposeB, (x, y) =>
      callKernel(
        stock,
        args.backend,
        { a: x, b: y, bias: bias ?? undefined, preluActivationWeights: preluActivationWeights ?? undefined },
        { ...args.attrs, transposeA: false, transposeB: false },
      ),
    );
  };
}
