// `Conv2DBackpropFilter` for the wasm backend (tfjs-backend-wasm 4.22 has none; it is the gradient
// of conv2d with respect to its filter). dW[i, j, ci, co] = Σ_{b, oh, ow} x[b, oh·s + i − top,
// ow·s + j − left, ci] · dy[b, oh, ow, co], which is a stride-1 convolution of the transposed input
// [Ci, H, W, B] with the transposed output gradient [OH, OW, B, Co] as filter, dilated by the
// forward stride and padded as the forward pass; its [Ci, ≥kh, ≥kw, Co] result is cropped to
// [Ci, kh, kw, Co] and transposed back. It runs on the backend's XNNPACK convolution.
import type * as tf from '@tensorflow/tfjs';
import { convInfoOf } from './conv-attrs.js';
import { callKernel, type KernelArgs, numberArrayAttr, release, tensorInput } from './kernel-call.js';
import { slice, transpose, wasmKernel } from './wasm-ops.js';

export function conv2dBackpropFilterWasm(args: KernelArgs): tf.TensorInfo {
  const { backend } = args;
  const x = tensorInput(args, 'x'); // [B, H, W, Ci]
  const dy = tensorInput(args, 'dy'); // [B, OH, OW, Co]
  const info = convInfoOf(args, 'Conv2DBackpropFilter', x.shape, numberArrayAttr(args, 'filterShape'), false);
  const { top, bottom, left, right } = info.padInfo;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, inChannels: ci, outChannels: co } = info;
  // Zero rows past the forward padding are taps the forward pass never read; padding up to them
  // keeps the result at least kh × kw even with 'ceil' output rounding.
  const padBottom = Math.max(bottom, kh + sh * (info.outHeight - 1) - info.inHeight - top);
  const padRight = Math.max(right, kw + sw * (info.outWidth - 1) - info.inWidth - left);
  const xT = transpose(backend, x, [3, 1, 2, 0]); // [Ci, H, W, B]
  const dyT = transpose(backend, dy, [1, 2, 0, 3]); // [OH, OW, B, Co]
  const full = callKernel(
    wasmKernel('Conv2D'),
    backend,
    { x: xT, filter: dyT },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [top, padBottom],
        [left, padRight],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dilations: [sh, sw],
    },
  ); // [Ci, ≥kh, ≥kw, Co]
  const cropped = slice(backend, full, [0, 0, 0, 0], [ci, kh, kw, co]);
  const dw = transpose(backend, cropped, [1, 2, 0, 3]); // [kh, kw, Ci, Co]
  release(backend, xT, dyT, full, cropped);
  return dw;
}
