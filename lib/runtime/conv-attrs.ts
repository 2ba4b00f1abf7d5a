// Geometry of a convolution or pooling kernel call (strides, dilations, padding, rounding from its
// attributes; NHWC only) as tfjs's Conv2DInfo, for the wasm convolution-gradient kernels and the
// torch kernels.
import * as tf from '@tensorflow/tfjs';
import { type KernelArgs, numberArrayAttr } from './kernel-call.js';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

export function shape4(shape: number[], what: string): Shape4 {
  const [a, b, c, d] = shape;
  if (shape.length !== 4 || a === undefined || b === undefined || c === undefined || d === undefined) {
    throw new Error(`${what} must have rank 4, got [${shape}]`);
  }
  return [a, b, c, d];
}

/** A number or [h, w] attribute (strides, dilations, filterSize); absent → `fallback` when one is given. */
function numberOrPair(args: KernelArgs, name: string, fallback?: number): number | [number, number] {
  const v = args.attrs?.[name];
  if ((v === undefined || v === null) && fallback !== undefined) return fallback;
  if (typeof v === 'number') return v;
  const [h, w] = numberArrayAttr(args, name);
  if (h === undefined || w === undefined) throw new Error(`${name} must be a number or [h, w]`);
  return [h, w];
}

function numberPair(p: unknown): [number, number] | null {
  if (!Array.isArray(p) || p.length !== 2) return null;
  const [a, b]: unknown[] = p;
  return typeof a === 'number' && typeof b === 'number' ? [a, b] : null;
}

function pad(args: KernelArgs): Pad {
  const v = args.attrs?.pad;
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && (v === 'same' || v === 'valid')) return v;
  if (Array.isArray(v) && v.length === 4) {
    const [p0, p1, p2, p3] = v.map(numberPair);
    if (p0 && p1 && p2 && p3) return [p0, p1, p2, p3];
  }
  throw new Error(`unsupported pad ${JSON.stringify(v)}`);
}

function rounding(args: KernelArgs): 'floor' | 'round' | 'ceil' | undefined {
  const v = args.attrs?.dimRoundingMode;
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && (v === 'floor' || v === 'round' || v === 'ceil')) return v;
  throw new Error(`unsupported dimRoundingMode ${JSON.stringify(v)}`);
}

function nhwcOnly(args: KernelArgs): void {
  const dataFormat = args.attrs?.dataFormat ?? 'NHWC';
  if (dataFormat !== 'NHWC') throw new Error(`dataFormat ${String(dataFormat)} is not supported, use NHWC`);
}

/** A conv2d's (or depthwise conv2d's) geometry from its attributes: strides, dilations, padding, rounding. */
export function conv2dInfoOf(args: KernelArgs, xShape: number[], filterShape: number[], depthwise: boolean): tf.backend_util.Conv2DInfo {
  nhwcOnly(args);
  return tf.backend_util.computeConv2DInfo(
    shape4(xShape, 'x'),
    shape4(filterShape, 'filter'),
    numberOrPair(args, 'strides', 1),
    numberOrPair(args, 'dilations', 1),
    pad(args),
    rounding(args),
    depthwise,
    'channelsLast',
  );
}

/** A 2-D pool's geometry from its attributes: filterSize, strides, padding, rounding. */
export function pool2dInfoOf(args: KernelArgs, xShape: number[]): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(
    shape4(xShape, 'x'),
    numberOrPair(args, 'filterSize', 1),
    numberOrPair(args, 'strides', 1),
    1,
    pad(args),
    rounding(args),
  );
}

/** The forward convolution's geometry for the wasm gradient kernels: dilations must be 1 (as tfjs's conv gradients require). */
export function convInfoOf(
  args: KernelArgs,
  kernel: string,
  xShape: number[],
  filterShape: number[],
  depthwise: boolean,
): tf.backend_util.Conv2DInfo {
  try {
    nhwcOnly(args);
    const dilations = args.attrs?.dilations;
    if (dilations !== undefined && dilations !== 1 && !(Array.isArray(dilations) && dilations.every((d) => d === 1))) {
      throw new Error(`dilations ${JSON.stringify(dilations)} are not supported`);
    }
    return tf.backend_util.computeConv2DInfo(
      shape4(xShape, 'x'),
      shape4(filterShape, 'filter'),
      numberOrPair(args, 'strides'),
      1,
      pad(args),
      rounding(args),
      depthwise,
      'channelsLast',
    );
  } catch (error) {
    throw new Error(`${kernel} (wasm): ${error instanceof Error ? error.message : String(error)}`);
  }
}
