// 2-D convolution on NHWC maps, with two gradient strategies:
// - 'native': tf.conv2d / tf.depthwiseConv2d and TensorFlow.js's own gradients;
// - 'patches': the forward of a groups = 1 conv is still tf.conv2d, but its gradient is taken
//   through the equivalent patch form (one slice per kernel tap, concatenated, times the weight
//   as a matrix); a depthwise conv is computed as per-tap products summed. These gradients are
//   slices, pads and matMuls, which every backend has and runs fast: the wasm backend has no
//   Conv2DBackpropFilter / depthwise backprop kernels, and the cpu backend's Conv2DBackpropFilter
//   is about 5× slower than the patch form (ResNet-18 at 32², measured).
// 'auto' (the default) picks 'patches' on the cpu and wasm backends and 'native' elsewhere.
import * as tf from '@tensorflow/tfjs';

/**
 * Zero padding: a number pads every side (PyTorch `padding=p`); `same` is TensorFlow's static
 * same padding (efficientnet_pytorch's `Conv2dStaticSamePadding`): output = ceil(input / stride),
 * the odd pixel of padding going to the bottom / right.
 */
export type Conv2dPadding = number | 'same';

export type ConvImplementation = 'auto' | 'native' | 'patches';

let implementation: ConvImplementation = 'auto';

/** Choose how convolutions are differentiated (process-wide); returns the previous choice. */
export function setConvImplementation(next: ConvImplementation): ConvImplementation {
  const previous = implementation;
  implementation = next;
  return previous;
}

function usePatchGradients(): boolean {
  if (implementation !== 'auto') return implementation === 'patches';
  const backend = tf.getBackend();
  return backend === 'cpu' || backend === 'wasm';
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
  if (typeof g.padding === 'number') return tf.pad(x, [[0, 0], [g.padding, g.padding], [g.padding, g.padding], [0, 0]]);
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
    if (!usePatchGradients()) return native(padded, w);
    // Native forward; backward through the patch form (patches recomputed), see the file comment.
    const conv = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [a, b, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
      save([a, b]);
      const gradFunc = (dy: tf.Tensor4D, saved: tf.Tensor[]) => patchConvGrads(saved[0] as tf.Tensor4D, saved[1] as tf.Tensor4D, dy, g);
      return { value: native(a, b), gradFunc };
    });
    return conv(padded, w) as tf.Tensor4D;
  });
}

/**
 * Gradients of y = patches(x) · W for x [B, H, W, I] (already padded), w [k, k, I, O] and
 * dy [B, H', W', O]: dW = patchesᵀ · dy; dx = each tap's slice of dy · Wᵀ put back where the
 * tap read it (col2im).
 */
function patchConvGrads(x: tf.Tensor4D, w: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry): [tf.Tensor4D, tf.Tensor4D] {
  const [k, , ci, co] = w.shape;
  const { taps, room } = kernelTaps(x, k, g);
  const patches = taps.length === 1 ? (taps[0] as tf.Tensor4D) : tf.concat(taps, 3); // [B, H', W', k·k·I]
  const [b, oh, ow, depth] = patches.shape;
  const dyFlat = dy.reshape([b * oh * ow, co]);
  const dw = tf.matMul(patches.reshape([b * oh * ow, depth]), dyFlat, true, false).reshape([k, k, ci, co]) as tf.Tensor4D;
  const dPatches = tf.matMul(dyFlat, w.reshape([depth, co]), false, true).reshape([b, oh, ow, k * k, ci]);
  const s = g.stride;
  const placed = taps.map((_, t) => {
    const top = Math.floor(t / k) * g.dilation;
    const left = (t % k) * g.dilation;
    const dTap = dPatches.slice([0, 0, 0, t, 0], [b, oh, ow, 1, ci]); // [B, H', W', 1, I]
    const spread = s === 1
      ? dTap.reshape([b, oh, ow, ci])
      : dTap.reshape([b, oh, 1, ow, 1, ci]).pad([[0, 0], [0, 0], [0, s - 1], [0, 0], [0, s - 1], [0, 0]]).reshape([b, s * oh, s * ow, ci]);
    return tf.pad(spread, [[0, 0], [top, room[0] - top - s * oh], [left, room[1] - left - s * ow], [0, 0]]);
  });
  const dx = (placed.length === 1 ? (placed[0] as tf.Tensor) : tf.addN(placed)).slice([0, 0, 0, 0], x.shape) as tf.Tensor4D;
  return [dx, dw];
}

/** x [B, H, W, C] depthwise conv w [k, k, 1, C] (PyTorch's [C, 1, k, k] converted) → [B, H', W', C]. */
export function depthwiseConv2dNHWC(x: tf.Tensor4D, w: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const [k, , , c] = w.shape;
    const padded = padForConv(x, k, g);
    if (!usePatchGradients()) return tf.depthwiseConv2d(padded, w.reshape([k, k, c, 1]) as tf.Tensor4D, g.stride, 'valid', 'NHWC', g.dilation);
    // Per-tap products summed: elementwise ops only, forward and backward.
    const perTap = w.reshape([k * k, c]);
    const terms = kernelTaps(padded, k, g).taps.map((tap, t) => tf.mul(tap, perTap.slice([t, 0], [1, c]).reshape([c])));
    return tf.addN(terms) as tf.Tensor4D;
  });
}

/**
 * For each kernel tap (i, j), row-major, the input pixels it meets: x[:, i·d + s·y, j·d + s·x, :]
 * for every output (y, x), as [B, H', W', C]. Strided picks are a slice, a reshape to
 * [B, H', s, W', s, C] and a slice of phase 0, so their gradients exist on every backend. `room`
 * is the height and width of the (bottom / right zero-extended) input the taps were cut from.
 */
function kernelTaps(x: tf.Tensor4D, k: number, g: ConvGeometry): { taps: tf.Tensor4D[]; room: [number, number] } {
  const [b, h, w, c] = x.shape;
  const s = g.stride;
  const span = g.dilation * (k - 1) + 1;
  const oh = Math.floor((h - span) / s) + 1;
  const ow = Math.floor((w - span) / s) + 1;
  if (oh <= 0 || ow <= 0) throw new RangeError(`conv2d: input ${h}×${w} (padded) is smaller than the ${span}×${span} kernel span`);
  // Room for the s·H' rows a strided pick reshapes (the extra rows are never picked).
  const roomH = Math.max((k - 1) * g.dilation + s * oh, h);
  const roomW = Math.max((k - 1) * g.dilation + s * ow, w);
  const extended = roomH > h || roomW > w ? tf.pad(x, [[0, 0], [0, roomH - h], [0, roomW - w], [0, 0]]) : x;
  const taps: tf.Tensor4D[] = [];
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const window = tf.slice(extended, [0, i * g.dilation, j * g.dilation, 0], [b, s * oh, s * ow, c]);
      taps.push(s === 1 ? window : (window.reshape([b, oh, s, ow, s, c]).slice([0, 0, 0, 0, 0, 0], [b, oh, 1, ow, 1, c]).reshape([b, oh, ow, c]) as tf.Tensor4D));
    }
  }
  return { taps, room: [roomH, roomW] };
}
