// Fast paths for the wasm `BatchMatMul` and `_FusedMatMul` kernels. tfjs-backend-wasm 4.22 only
// hands a product to XNNPACK when neither side is transposed and both batches are 1; anything else
// (every backward matmul, every attention product) runs a scalar loop, 30x slower. The wrappers
// make transposes explicit `Transpose` kernels and feed the original kernel plain 2-D products:
// a batch against a shared matrix is folded into the rows of one product, other batches go slice
// by slice (with broadcasting of the batch dimensions).
import * as tf from '@tensorflow/tfjs';
import { boolAttr, callKernel, type KernelArgs, optionalInput, release, tensorInput } from './kernel-call.js';
import { batchSlice, reshape, stackBatches, transpose } from './wasm-ops.js';

/** Multiplies plain operands a [1|Ba, M, K] · b [1, K, N] → [1|Ba, M, N] with the original kernel. */
type PlainProduct = (a: tf.TensorInfo, b: tf.TensorInfo) => tf.TensorInfo;

const size = (shape: number[]): number => shape.reduce((p, d) => p * d, 1);

/** True when the stock kernel should run: it already takes XNNPACK's path, or there is nothing to multiply. */
function useStock(a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): boolean {
  if (size(a.shape) === 0 || size(b.shape) === 0) return true;
  return !transposeA && !transposeB && size(a.shape.slice(0, -2)) === 1 && size(b.shape.slice(0, -2)) === 1;
}

/** x [..., r, c] → [batch, r, c], or [batch, c, r] materialised when `transposed`. */
function plain3d(backend: {}, x: tf.TensorInfo, transposed: boolean): tf.TensorInfo {
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
  backend: {},
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

/** Wraps the stock wasm `BatchMatMul` kernel function. */
export function fastBatchMatMul(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const a = tensorInput(args, 'a');
    const b = tensorInput(args, 'b');
    const transposeA = boolAttr(args, 'transposeA');
    const transposeB = boolAttr(args, 'transposeB');
    if (useStock(a, b, transposeA, transposeB)) return stock(args);
    return matMulViaPlainProducts(args.backend, a, b, transposeA, transposeB, (x, y) =>
      callKernel(stock, args.backend, { a: x, b: y }, { transposeA: false, transposeB: false }),
    );
  };
}

/**
 * Wraps the stock wasm `_FusedMatMul` kernel function (matmul + rank-1 bias + activation). PReLU
 * weights of rank > 1 could vary along the batch, so those calls keep the stock kernel.
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
    if (useStock(a, b, transposeA, transposeB) || preluVariesAlongRows) return stock(args);
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
