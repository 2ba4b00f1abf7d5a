// `Conv2DBackpropFilter` for the wasm backend (tfjs-backend-wasm 4.22 has none; it is the gradient
// of conv2d with respect to its filter). dW[i, j, ci, co] = Σ_{b, oh, ow} x[b, oh·s + i − top,
// ow·s + j − left, ci] · dy[b, oh, ow, co], which is a stride-1 convolution of the transposed input
// [Ci, H, W, B] with the transposed output gradient [OH, OW, B, Co] as filter, dilated by the
// forward stride and padded as the forward pass; its [Ci, ≥kh, ≥kw, Co] result is cropped to
// [Ci, kh, kw, Co] and transposed back. It runs on the backend's XNNPACK convolution.
import * as tf from '@tensorflow/tfjs';
import { callKernel, type KernelArgs, numberArrayAttr, release, tensorInput } from './kernel-call';
import { slice, transpose } from './wasm-ops';

type Shape4 = [number, number, number, number];
type RoundingMode = 'floor' | 'round' | 'ceil';

function shape4(shape: number[], what: string): Shape4 {
  const [a, b, c, d] = shape;
  if (shape.length !== 4 || a === undefined || b === undefined || c === undefined || d === undefined) {
    throw new Error(`Conv2DBackpropFilter: ${what} must have rank 4, got [${shape}]`);
  }
  return [a, b, c, d];
}

function stridesAttr(args: KernelArgs): number | [number, number] {
  const v = args.attrs?.strides;
  if (typeof v === 'number') return v;
  const [h, w] = numberArrayAttr(args, 'strides');
  if (h === undefined || w === undefined) throw new Error('Conv2DBackpropFilter: strides must be a number or [sh, sw]');
  return [h, w];
}

function padAttr(args: KernelArgs): 'same' | 'valid' | number | tf.backend_util.ExplicitPadding {
  const v = args.attrs?.pad;
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && (v === 'same' || v === 'valid')) return v;
  if (Array.isArray(v) && v.length === 4) {
    const [p0, p1, p2, p3] = v.map(numberPair);
    if (p0 && p1 && p2 && p3) return [p0, p1, p2, p3];
  }
  throw new Error(`Conv2DBackpropFilter: unsupported pad ${JSON.stringify(v)}`);
}

function numberPair(p: unknown): [number, number] | null {
  if (!Array.isArray(p) || p.length !== 2) return null;
  const [a, b]: unknown[] = p;
  return typeof a === 'number' && typeof b === 'number' ? [a, b] : null;
}

function roundingAttr(args: KernelArgs): RoundingMode | undefined {
  const v = args.attrs?.dimRoundingMode;
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && (v === 'floor' || v === 'round' || v === 'ceil')) return v;
  throw new Error(`Conv2DBackpropFilter: unsupported dimRoundingMode ${JSON.stringify(v)}`);
}

export function conv2dBackpropFilterWasm(args: KernelArgs): tf.TensorInfo {
  const { backend } = args;
  const x = tensorInput(args, 'x'); // [B, H, W, Ci]
  const dy = tensorInput(args, 'dy'); // [B, OH, OW, Co]
  const dataFormat = args.attrs?.dataFormat ?? 'NHWC';
  if (dataFormat !== 'NHWC') throw new Error(`Conv2DBackpropFilter (wasm): dataFormat ${String(dataFormat)} is not supported, use NHWC`);
  const filterShape = shape4(numberArrayAttr(args, 'filterShape'), 'filterShape');
  const info = tf.backend_util.computeConv2DInfo(shape4(x.shape, 'x'), filterShape, stridesAttr(args), 1, padAttr(args), roundingAttr(args), false, 'channelsLast');
  const { top, bottom, left, right } = info.padInfo;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, inChannels: ci, outChannels: co } = info;
  // Zero rows past the forward padding are taps the forward pass never read; padding up to them
  // keeps the result at least kh × kw even with 'ceil' output rounding.
  const padBottom = Math.max(bottom, kh + sh * (info.outHeight - 1) - info.inHeight - top);
  const padRight = Math.max(right, kw + sw * (info.outWidth - 1) - info.inWidth - left);
  const xT = transpose(backend, x, [3, 1, 2, 0]); // [Ci, H, W, B]
  const dyT = transpose(backend, dy, [1, 2, 0, 3]); // [OH, OW, B, Co]
  const full = callKernel({ kernelName: 'Conv2D', backendName: 'wasm' }, backend, { x: xT, filter: dyT }, {
    strides: [1, 1],
    pad: [[0, 0], [top, padBottom], [left, padRight], [0, 0]],
    dataFormat: 'NHWC',
    dilations: [sh, sw],
  }); // [Ci, ≥kh, ≥kw, Co]
  const cropped = slice(backend, full, [0, 0, 0, 0], [ci, kh, kw, co]);
  const dw = transpose(backend, cropped, [1, 2, 0, 3]); // [kh, kw, Ci, Co]
  release(backend, xT, dyT, full, cropped);
  return dw;
}
