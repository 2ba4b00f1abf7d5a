// 2-D convolution on NHWC maps, with two ways to differentiate it:
// - 'native': TensorFlow.js's own conv gradients;
// - 'patches': the same forward, but both gradients are computed with forward convolutions
//   (dW: x and dy with batch and channels swapped, dy acting as the filter; dx: conv2dTranspose,
//   or for depthwise / dilated convs dy with zeros inserted for the stride, correlated with the
//   flipped kernel). This needs only Conv2D / DepthwiseConv2dNative / Conv2DBackpropInput, pads,
//   slices and transposes, which every backend has: the wasm backend has no
//   Conv2DBackpropFilter / depthwise backprop kernels, TensorFlow.js has no gradient for
//   dilation > 1, and the cpu backend's Conv2DBackpropFilter is very slow (SmallCNN SGD step,
//   8×64², measured: cpu 24 s native vs 6 s; wasm 0.6 s).
// Dilated convs always use 'patches'; otherwise 'auto' (the default) picks it on the cpu backend
// (whose Conv2DBackpropFilter is slow) and on any backend lacking the gradient kernels (stock
// wasm), and 'native' elsewhere, e.g. wasm with condformer's kernels (lib/runtime/wasm-kernels.ts),
// where the native gradient is ~10x faster than the patch form (reference step 1.5 s vs 15 s).
import * as tf from '@tensorflow/tfjs';

/**
 * Zero padding: a number pads every side (PyTorch `padding=p`); `same` is TensorFlow's static
 * same padding (efficientnet_pytorch's `Conv2dStaticSamePadding`): output = ceil(input / stride),
 * the odd pixel of padding going to the bottom / right.
 */
export type Conv2dPadding = number | 'same';

export type ConvImplementation = 'auto' | 'native' | 'patches';

let gradients: ConvImplementation = 'auto';

/** Choose how convolutions are differentiated (process-wide); returns the previous choice. */
export function setConvImplementation(next: ConvImplementation): ConvImplementation {
  const previous = gradients;
  gradients = next;
  return previous;
}

function useForwardConvGradients(dilation: number): boolean {
  if (dilation > 1) return true; // TensorFlow.js has no gradient for dilated convs
  if (gradients !== 'auto') return gradients === 'patches';
  const backend = tf.getBackend();
  const hasGradientKernels = ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter'].every(
    (kernel) => tf.getKernel(kernel, backend) !== undefined,
  );
  return backend === 'cpu' || !hasGradientKernels;
}

export interface ConvGeometry {
  readonly stride: number;
  readonly padding: Conv2dPadding;
  readonly dilation: number;
}

/** Total zero padding along one axis for TensorFlow 'same' (output = ceil(size / stride)). */
export function samePaddingTotal(size: number, kernel: number, stride: number, dilation = 1): number {
  const out = Math.ceil(size / stride);
  return Math.max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0);
}

/** Zero-pad x [B, H, W, C] so that a 'valid' convolution gives the requested padding. */
export function padForConv(x: tf.Tensor4D, kernel: number, g: ConvGeometry): tf.Tensor4D {
  if (g.padding === 0) return x;
  if (typeof g.padding === 'number')
    return tf.pad(x, [
      [0, 0],
      [g.padding, g.padding],
      [g.padding, g.padding],
      [0, 0],
    ]);
  const [, h, w] = x.shape;
  const ph = samePaddingTotal(h, kernel, g.stride, g.dilation);
  const pw = samePaddingTotal(w, kernel, g.stride, g.dilation);
  if (ph === 0 && pw === 0) return x;
  const split = (p: number): [number, number] => [Math.floor(p / 2), p - Math.floor(p / 2)];
  return tf.pad(x, [[0, 0], split(ph), split(pw), [0, 0]]);
}

/** x [B, H, W, I] conv w [k, k, I, O] → [B, H', W', O] (no bias). */
export function conv2dNHWC(x: tf.Tensor4D, w: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const padded = padForConv(x, w.shape[0], g);
    const native = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.conv2d(a, b, g.stride, 'valid', 'NHWC', g.dilation);
    if (!useForwardConvGradients(g.dilation)) return native(padded, w);
    return withGradients(native, (a, b, dy) => [convInputGrad(dy, b, a.shape, g, false), convFilterGrad(a, dy, b.shape[0], g)])(padded, w);
  });
}

/** x [B, H, W, C] depthwise conv w [k, k, 1, C] (PyTorch's [C, 1, k, k] converted) → [B, H', W', C]. */
export function depthwiseConv2dNHWC(x: tf.Tensor4D, w: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const [k, , , c] = w.shape;
    const padded = padForConv(x, k, g);
    const native = (a: tf.Tensor4D, b: tf.Tensor4D) =>
      tf.depthwiseConv2d(a, b.reshape([k, k, c, 1]) as tf.Tensor4D, g.stride, 'valid', 'NHWC', g.dilation);
    if (!useForwardConvGradients(g.dilation)) return native(padded, w);
    return withGradients(native, (a, b, dy) => [convInputGrad(dy, b, a.shape, g, true), depthwiseFilterGrad(a, dy, k, g)])(padded, w);
  });
}

type ConvFn = (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;

/** The forward `f` with its gradient computed by `grads` (x, w, dy) → [dx, dw]. */
function withGradients(f: ConvFn, grads: (x: tf.Tensor4D, w: tf.Tensor4D, dy: tf.Tensor4D) => [tf.Tensor4D, tf.Tensor4D]): ConvFn {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, w, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([x, w]);
    return { value: f(x, w), gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => grads(saved[0] as tf.Tensor4D, saved[1] as tf.Tensor4D, dy) };
  });
  return (x, w) => op(x, w) as tf.Tensor4D;
}

/**
 * dx of a 'valid' conv with input shape `xShape`. Dense without dilation: tf.conv2dTranspose
 * (Conv2DBackpropInput, which every backend has). Otherwise dy [B, H', W', O] with s - 1 zeros
 * inserted after every row / column, padded by d·(k - 1) on top / left, correlated (stride 1,
 * dilation d) with the kernel flipped in space (in / out swapped for a dense conv), cropped.
 */
function convInputGrad(dy: tf.Tensor4D, w: tf.Tensor4D, xShape: number[], g: ConvGeometry, depthwise: boolean): tf.Tensor4D {
  const [b, h, wd, ci] = xShape as [number, number, number, number];
  if (!depthwise && g.dilation === 1) return tf.conv2dTranspose(dy, w, [b, h, wd, ci], g.stride, 'valid');
  const [, oh, ow, co] = dy.shape;
  const k = w.shape[0];
  const s = g.stride;
  const reach = g.dilation * (k - 1);
  const spread =
    s === 1
      ? dy
      : dy
          .reshape([b, oh, 1, ow, 1, co])
          .pad([
            [0, 0],
            [0, 0],
            [0, s - 1],
            [0, 0],
            [0, s - 1],
            [0, 0],
          ])
          .reshape([b, s * oh, s * ow, co]);
  const padded = tf.pad(spread, [
    [0, 0],
    [reach, Math.max(h - s * oh, 0)],
    [reach, Math.max(wd - s * ow, 0)],
    [0, 0],
  ]) as tf.Tensor4D;
  const flipped = flipKernel(w);
  const full = depthwise
    ? tf.depthwiseConv2d(padded, flipped.reshape([k, k, co, 1]) as tf.Tensor4D, 1, 'valid', 'NHWC', g.dilation)
    : tf.conv2d(padded, tf.transpose(flipped, [0, 1, 3, 2]) as tf.Tensor4D, 1, 'valid', 'NHWC', g.dilation);
  return full.slice([0, 0, 0, 0], [b, h, wd, full.shape[3]]);
}

/** w [k, k, ·, ·] with both spatial axes reversed: the k·k taps in reverse order (contiguous slices; tf.reverse is very slow on cpu). */
function flipKernel(w: tf.Tensor4D): tf.Tensor4D {
  const [k, , p, q] = w.shape;
  const taps = w.reshape([k * k, p * q]);
  const reversed = Array.from({ length: k * k }, (_, t) => taps.slice([k * k - 1 - t, 0], [1, p * q]));
  return (reversed.length === 1 ? taps : tf.concat(reversed, 0)).reshape([k, k, p, q]) as tf.Tensor4D;
}

/** x [B, H, W, C] cropped to the rows / columns a k×k 'valid' conv with output dy reads. */
function readRegion(x: tf.Tensor4D, dy: tf.Tensor4D, k: number, g: ConvGeometry): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const rows = g.stride * (dy.shape[1] - 1) + g.dilation * (k - 1) + 1;
  const cols = g.stride * (dy.shape[2] - 1) + g.dilation * (k - 1) + 1;
  return rows === h && cols === w ? x : x.slice([0, 0, 0, 0], [b, rows, cols, c]);
}

/**
 * dW[i, j, ci, co] = Σ_{b,y,x} x[b, s·y + d·i, s·x + d·j, ci] · dy[b, y, x, co]: a conv of x as
 * [I, H, W, B] with dy as the filter [H', W', B, O], stride d and dilation s → [I, k, k, O].
 */
function convFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, k: number, g: ConvGeometry): tf.Tensor4D {
  const xs = tf.transpose(readRegion(x, dy, k, g), [3, 1, 2, 0]) as tf.Tensor4D; // [I, H, W, B]
  const filter = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [H', W', B, O]
  const out = tf.conv2d(xs, filter, g.dilation, 'valid', 'NHWC', g.stride); // [I, k, k, O]
  return tf.transpose(out, [1, 2, 0, 3]) as tf.Tensor4D;
}

/** Depthwise dW[i, j, 0, c]: the same with (batch, channel) pairs as the depthwise channels, summed over the batch. */
function depthwiseFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, k: number, g: ConvGeometry): tf.Tensor4D {
  const region = readRegion(x, dy, k, g);
  const [b, h, w, c] = region.shape;
  const [, oh, ow] = dy.shape;
  const xs = tf.transpose(region, [1, 2, 0, 3]).reshape([1, h, w, b * c]) as tf.Tensor4D;
  const filter = tf.transpose(dy, [1, 2, 0, 3]).reshape([oh, ow, b * c, 1]) as tf.Tensor4D;
  const out = tf.depthwiseConv2d(xs, filter, g.dilation, 'valid', 'NHWC', g.stride); // [1, k, k, B·C]
  return tf.sum(out.reshape([k, k, b, c]), 2).reshape([k, k, 1, c]) as tf.Tensor4D;
}
