// The depthwise-convolution gradients tfjs-backend-wasm 4.22 lacks (channel multiplier 1), built
// on the backend's XNNPACK depthwise convolution:
// - filter: dW[i, j, c] = Σ_{b, oh, ow} x[b, oh·s + i − top, ow·s + j − left, c] · dy[b, oh, ow, c],
//   a depthwise convolution of x laid out [1, H, W, B·C] with dy laid out [OH, OW, B·C, 1] as
//   filter (dilation = the forward stride, forward padding), cropped to [kh, kw] and summed over B;
// - input: dx = dy spread out by the stride (zeros between), padded by kh − 1 − top above
//   (kw − 1 − left on the left) and convolved with the filter rotated by 180°.
import type * as tf from '@tensorflow/tfjs';
import { convInfoOf } from './conv-attrs.js';
import { callKernel, type KernelArgs, numberArrayAttr, release, type TfjsBackend, tensorInput } from './kernel-call.js';
import { reshape, slice, transpose, wasmKernel } from './wasm-ops.js';

function depthwiseConv(
  backend: TfjsBackend,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  pads: [number, number, number, number],
  dilations: [number, number],
): tf.TensorInfo {
  const [top, bottom, left, right] = pads;
  return callKernel(
    wasmKernel('DepthwiseConv2dNative'),
    backend,
    { x, filter },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      dilations,
      dataFormat: 'NHWC',
    },
  );
}

function requireMultiplierOne(kernel: string, filterShape: number[]): void {
  if (filterShape[3] !== 1) throw new Error(`${kernel} (wasm): channel multiplier ${filterShape[3]} is not supported (only 1)`);
}

export function depthwiseBackpropFilterWasm(args: KernelArgs): tf.TensorInfo {
  const { backend } = args;
  const x = tensorInput(args, 'x'); // [B, H, W, C]
  const dy = tensorInput(args, 'dy'); // [B, OH, OW, C]
  const filterShape = numberArrayAttr(args, 'filterShape');
  requireMultiplierOne('DepthwiseConv2dNativeBackpropFilter', filterShape);
  const info = convInfoOf(args, 'DepthwiseConv2dNativeBackpropFilter', x.shape, filterShape, true);
  const { top, bottom, left, right } = info.padInfo;
  const {
    batchSize: b,
    inHeight: h,
    inWidth: w,
    inChannels: c,
    outHeight: oh,
    outWidth: ow,
    filterHeight: kh,
    filterWidth: kw,
    strideHeight: sh,
    strideWidth: sw,
  } = info;
  const padBottom = Math.max(bottom, kh + sh * (oh - 1) - h - top);
  const padRight = Math.max(right, kw + sw * (ow - 1) - w - left);
  const xT = transpose(backend, x, [1, 2, 0, 3]); // [H, W, B, C]
  const xMap = reshape(backend, xT, [1, h, w, b * c]);
  const dyT = transpose(backend, dy, [1, 2, 0, 3]); // [OH, OW, B, C]
  const dyFilter = reshape(backend, dyT, [oh, ow, b * c, 1]);
  const full = depthwiseConv(backend, xMap, dyFilter, [top, padBottom, left, padRight], [sh, sw]); // [1, ≥kh, ≥kw, B·C]
  const cropped = slice(backend, full, [0, 0, 0, 0], [1, kh, kw, b * c]);
  const perBatch = reshape(backend, cropped, [kh, kw, b, c]);
  const summed = callKernel(wasmKernel('Sum'), backend, { x: perBatch }, { axis: [2], keepDims: false }); // [kh, kw, C]
  const dw = reshape(backend, summed, [kh, kw, c, 1]);
  release(backend, xT, xMap, dyT, dyFilter, full, cropped, perBatch, summed);
  return dw;
}

/** Rows [from, from + count) of axis 1 and columns of axis 2 of x [B, H, W, C]. */
function window(backend: TfjsBackend, x: tf.TensorInfo, rows: [number, number], cols: [number, number]): tf.TensorInfo {
  const [b, , , c] = x.shape as [number, number, number, number];
  return slice(backend, x, [0, rows[0], cols[0], 0], [b, rows[1], cols[1], c]);
}

export function depthwiseBackpropInputWasm(args: KernelArgs): tf.TensorInfo {
  const { backend } = args;
  const dy = tensorInput(args, 'dy'); // [B, OH, OW, C]
  const filter = tensorInput(args, 'filter'); // [kh, kw, C, 1]
  requireMultiplierOne('DepthwiseConv2dNativeBackpropInput', filter.shape);
  const info = convInfoOf(args, 'DepthwiseConv2dNativeBackpropInput', numberArrayAttr(args, 'inputShape'), filter.shape, true);
  const { top, left } = info.padInfo;
  const {
    batchSize: b,
    inHeight: h,
    inWidth: w,
    inChannels: c,
    outHeight: oh,
    outWidth: ow,
    filterHeight: kh,
    filterWidth: kw,
    strideHeight: sh,
    strideWidth: sw,
  } = info;
  const intermediates: tf.TensorInfo[] = [];
  // dy spread by the stride: [B, OH·sh, OW·sw, C] with dy[oh, ow] at (oh·sh, ow·sw).
  let spread = dy;
  if (sh > 1 || sw > 1) {
    const cells = reshape(backend, dy, [b, oh, 1, ow, 1, c]);
    const padded = callKernel(
      wasmKernel('PadV2'),
      backend,
      { x: cells },
      {
        paddings: [
          [0, 0],
          [0, 0],
          [0, sh - 1],
          [0, 0],
          [0, sw - 1],
          [0, 0],
        ],
        constantValue: 0,
      },
    );
    spread = reshape(backend, padded, [b, oh * sh, ow * sw, c]);
    intermediates.push(cells, padded, spread);
  }
  // Full correlation needs kh − 1 − top rows above and h + top − OH·sh below (negative = crop:
  // those rows only meet padding).
  const [padTop, padBottom] = [kh - 1 - top, h + top - oh * sh];
  const [padLeft, padRight] = [kw - 1 - left, w + left - ow * sw];
  let source = spread;
  if (Math.min(padTop, padBottom, padLeft, padRight) < 0) {
    const rows: [number, number] = [Math.max(0, -padTop), oh * sh - Math.max(0, -padTop) - Math.max(0, -padBottom)];
    const cols: [number, number] = [Math.max(0, -padLeft), ow * sw - Math.max(0, -padLeft) - Math.max(0, -padRight)];
    source = window(backend, spread, rows, cols);
    intermediates.push(source);
  }
  const rotated = callKernel(wasmKernel('Reverse'), backend, { x: filter }, { dims: [0, 1] }); // [kh, kw, C, 1]
  intermediates.push(rotated);
  const dx = depthwiseConv(
    backend,
    source,
    rotated,
    [Math.max(0, padTop), Math.max(0, padBottom), Math.max(0, padLeft), Math.max(0, padRight)],
    [1, 1],
  );
  release(backend, ...intermediates);
  return dx; // [B, H, W, C]
}
