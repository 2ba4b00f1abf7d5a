// The kernels of the torch backends: each TensorFlow.js kernel turns its attributes into the
// addon's arguments (TensorFlow.js' own shape helpers: backend_util, slice_util) and runs on
// libtorch's tensors (see native/condformer-torch.cc). The list is what condformer's forward and
// backward passes, optimisers, metrics and diagnostics run (collected with bench/record-kernels.mjs)
// plus the close relatives of those kernels. A kernel not here is an error that names it
// (TensorFlow.js: "Kernel 'X' not registered for backend 'torch'").
import * as tf from '@tensorflow/tfjs';
import { conv2dInfoOf, pool2dInfoOf } from '../conv-attrs.js';
import { ADAMW_UPDATE_KERNEL } from '../fused-adamw.js';
import { DROPOUT_MULTIPLIER_KERNEL } from '../fused-dropout.js';
import { GELU_GRAD_KERNEL, GELU_KERNEL, LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL } from '../fused-layers.js';
import { boolAttr, type KernelArgs, numberArrayAttr, numberAttr, optionalInput, release, type TfjsBackend, tensorInput } from '../kernel-call.js';
import type { Slot } from './addon.js';
import { dtypeCode, TorchBackend } from './torch-backend.js';

type TorchKernel = (args: KernelArgs, backend: TorchBackend) => tf.TensorInfo | tf.TensorInfo[];

function torchBackendOf(backend: TfjsBackend): TorchBackend {
  if (!(backend instanceof TorchBackend)) throw new Error('torch kernel called on another backend');
  return backend;
}

const UNARY = [
  'Abs',
  'Neg',
  'Exp',
  'Log',
  'Log1p',
  'Expm1',
  'Sqrt',
  'Rsqrt',
  'Square',
  'Reciprocal',
  'Sin',
  'Cos',
  'Tan',
  'Asin',
  'Acos',
  'Atan',
  'Sinh',
  'Cosh',
  'Tanh',
  'Asinh',
  'Acosh',
  'Atanh',
  'Floor',
  'Ceil',
  'Round',
  'Sign',
  'Sigmoid',
  'Softplus',
  'Relu',
  'Relu6',
  'Elu',
  'Selu',
  'Erf',
  'LogicalNot',
  'IsNan',
  'IsInf',
  'IsFinite',
] as const;

const BINARY = [
  'Add',
  'Sub',
  'Multiply',
  'RealDiv',
  'FloorDiv',
  'Mod',
  'Maximum',
  'Minimum',
  'Pow',
  'SquaredDifference',
  'Atan2',
  'Prelu',
  'Equal',
  'NotEqual',
  'Greater',
  'GreaterEqual',
  'Less',
  'LessEqual',
  'LogicalAnd',
  'LogicalOr',
  'LogicalXor',
] as const;

/** Inputs of each binary kernel, in TensorFlow.js' names. */
const BINARY_INPUTS: Partial<Record<(typeof BINARY)[number], readonly [string, string]>> = { Prelu: ['x', 'alpha'] };

const REDUCTIONS: Record<string, string> = {
  Sum: 'axis',
  Mean: 'axis',
  Max: 'reductionIndices',
  Min: 'axis',
  Prod: 'axis',
  All: 'axis',
  Any: 'axis',
};

/** Axes of a reduction or reversal: absent (null/undefined) means every axis, as in TensorFlow.js. */
function axesAttr(args: KernelArgs, name: string, shape: number[]): number[] {
  const v: unknown = args.attrs?.[name];
  if (v === undefined || v === null) return shape.map((_, i) => i);
  if (typeof v === 'number') return tf.util.parseAxisParam(v, shape);
  return tf.util.parseAxisParam(numberArrayAttr(args, name), shape);
}

function stringAttr(args: KernelArgs, name: string, fallback: string): string {
  const v = args.attrs?.[name];
  return typeof v === 'string' ? v : fallback;
}

function dtypeAttr(args: KernelArgs, name: string): tf.DataType {
  const v: unknown = args.attrs?.[name];
  if (v !== 'float32' && v !== 'int32' && v !== 'bool')
    throw new Error(`kernel attribute '${name}' must be float32, int32 or bool, got ${JSON.stringify(v)}`);
  return v;
}

function numberOrArrayAttr(args: KernelArgs, name: string): number | number[] {
  const v = args.attrs?.[name];
  return typeof v === 'number' ? v : numberArrayAttr(args, name);
}

function inputList(args: KernelArgs): tf.TensorInfo[] {
  return Object.keys(args.inputs)
    .sort((a, b) => Number(a) - Number(b))
    .map((key) => args.inputs[key] as tf.TensorInfo);
}

/** filter, strides, [top, bottom, left, right], dilations of a conv2d or pool as TensorFlow.js computes them. */
function convGeometry(info: tf.backend_util.Conv2DInfo): { filter: number[]; strides: number[]; pads: number[]; dilations: number[] } {
  const p = info.padInfo;
  return {
    filter: [info.filterHeight, info.filterWidth],
    strides: [info.strideHeight, info.strideWidth],
    pads: [p.top, p.bottom, p.left, p.right],
    dilations: [info.dilationHeight, info.dilationWidth],
  };
}

/** The fused epilogue arguments: bias slot, activation, prelu weights slot, leaky-relu alpha. */
function fusedEpilogue(args: KernelArgs, b: TorchBackend): [Slot, string, Slot, number] {
  const bias = optionalInput(args, 'bias');
  const prelu = optionalInput(args, 'preluActivationWeights');
  const alpha = args.attrs?.leakyreluAlpha;
  return [
    bias === null ? -1 : b.slot(bias),
    stringAttr(args, 'activation', 'linear'),
    prelu === null ? -1 : b.slot(prelu),
    typeof alpha === 'number' ? alpha : 0.2,
  ];
}

const KERNELS: Record<string, TorchKernel> = {
  Identity: (args, b) => {
    const x = tensorInput(args, 'x');
    b.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  },
  Cast: (args, b) => b.output(b.addon.cast(b.slot(tensorInput(args, 'x')), dtypeCode(dtypeAttr(args, 'dtype')))),
  Step: (args, b) => b.output(b.addon.unary('Step', b.slot(tensorInput(args, 'x')), numberAttr(args, 'alpha'))),
  LeakyRelu: (args, b) => b.output(b.addon.unary('LeakyRelu', b.slot(tensorInput(args, 'x')), numberAttr(args, 'alpha'))),
  ClipByValue: (args, b) =>
    b.output(b.addon.clip(b.slot(tensorInput(args, 'x')), numberAttr(args, 'clipValueMin'), numberAttr(args, 'clipValueMax'))),
  AddN: (args, b) => b.output(b.addon.addN(inputList(args).map((t) => b.slot(t)))),
  Select: (args, b) =>
    b.output(b.addon.select(b.slot(tensorInput(args, 'condition')), b.slot(tensorInput(args, 't')), b.slot(tensorInput(args, 'e')))),

  // Creation
  Fill: (args, b) => {
    const dtype = dtypeAttr(args, 'dtype');
    return b.output(b.addon.fill(numberArrayAttr(args, 'shape'), numberAttr(args, 'value'), dtypeCode(dtype), b.device));
  },
  ZerosLike: (args, b) => {
    const x = tensorInput(args, 'x');
    return b.output(b.addon.fill(x.shape, 0, dtypeCode(x.dtype), b.device));
  },
  OnesLike: (args, b) => {
    const x = tensorInput(args, 'x');
    return b.output(b.addon.fill(x.shape, 1, dtypeCode(x.dtype), b.device));
  },
  Range: (args, b) => {
    // TensorFlow.js' length and step rules (rangeImpl): empty when start = stop or the step points
    // away from stop (a decreasing range with step > 1), a step of 1 turned to −1 when stop < start.
    const start = numberAttr(args, 'start');
    const stop = numberAttr(args, 'stop');
    let step = numberAttr(args, 'step');
    const empty = start === stop || (start < stop && step < 0) || (stop < start && step > 1);
    const count = empty ? 0 : Math.abs(Math.ceil((stop - start) / step));
    if (stop < start && step === 1) step = -1;
    return b.output(b.addon.range(start, step, count, dtypeCode(dtypeAttr(args, 'dtype')), b.device));
  },
  LinSpace: (args, b) => b.output(b.addon.linspace(numberAttr(args, 'start'), numberAttr(args, 'stop'), numberAttr(args, 'num'), b.device)),
  OneHot: (args, b) =>
    b.output(
      b.addon.oneHot(
        b.slot(tensorInput(args, 'indices')),
        numberAttr(args, 'depth'),
        numberAttr(args, 'onValue'),
        numberAttr(args, 'offValue'),
        dtypeCode(dtypeAttr(args, 'dtype')),
      ),
    ),

  // Shapes and slices
  Reshape: (args, b) => {
    const x = tensorInput(args, 'x');
    const shape = tf.util.inferFromImplicitShape(numberArrayAttr(args, 'shape'), tf.util.sizeFromShape(x.shape));
    return b.output(b.addon.reshape(b.slot(x), shape));
  },
  ExpandDims: (args, b) => {
    const x = tensorInput(args, 'input');
    const rank = x.shape.length;
    let dim = numberAttr(args, 'dim');
    if (dim < 0) dim += rank + 1;
    const shape = [...x.shape];
    shape.splice(dim, 0, 1);
    return b.output(b.addon.reshape(b.slot(x), shape));
  },
  Transpose: (args, b) => b.output(b.addon.transpose(b.slot(tensorInput(args, 'x')), numberArrayAttr(args, 'perm'))),
  Concat: (args, b) => {
    const xs = inputList(args);
    const axis = tf.util.parseAxisParam(numberAttr(args, 'axis'), (xs[0] as tf.TensorInfo).shape)[0] as number;
    const nonEmpty = xs.filter((t) => tf.util.sizeFromShape(t.shape) > 0);
    if (nonEmpty.length === 0) {
      const shape = tf.backend_util.computeOutShape(
        xs.map((t) => t.shape),
        axis,
      );
      return b.output(b.addon.fill(shape, 0, dtypeCode((xs[0] as tf.TensorInfo).dtype), b.device));
    }
    return b.output(
      b.addon.concat(
        nonEmpty.map((t) => b.slot(t)),
        axis,
      ),
    );
  },
  Pack: (args, b) => {
    const xs = inputList(args);
    let axis = numberAttr(args, 'axis');
    if (axis < 0) axis += (xs[0] as tf.TensorInfo).shape.length + 1;
    return b.output(
      b.addon.stack(
        xs.map((t) => b.slot(t)),
        axis,
      ),
    );
  },
  Unpack: (args, b) => {
    const x = tensorInput(args, 'value');
    let axis = numberAttr(args, 'axis');
    if (axis < 0) axis += x.shape.length;
    return b.outputs(b.addon.unstack(b.slot(x), axis));
  },
  SplitV: (args, b) => {
    const x = tensorInput(args, 'x');
    const axis = tf.util.parseAxisParam(numberAttr(args, 'axis'), x.shape)[0] as number;
    const sizes = tf.backend_util.prepareSplitSize(x, numberOrArrayAttr(args, 'numOrSizeSplits'), axis);
    return b.outputs(b.addon.split(b.slot(x), sizes, axis));
  },
  Slice: (args, b) => {
    const x = tensorInput(args, 'x');
    const [begin, size] = tf.slice_util.parseSliceParams(x, numberOrArrayAttr(args, 'begin'), numberOrArrayAttr(args, 'size'));
    const end = begin.map((start, i) => start + (size[i] as number));
    return b.output(
      b.addon.stridedSlice(
        b.slot(x),
        begin,
        end,
        begin.map(() => 1),
      ),
    );
  },
  StridedSlice: (args, b) => {
    const x = tensorInput(args, 'x');
    const mask = (name: string): number => (typeof args.attrs?.[name] === 'number' ? numberAttr(args, name) : 0);
    const spec = tf.slice_util.sliceInfo(
      x.shape,
      numberArrayAttr(args, 'begin'),
      numberArrayAttr(args, 'end'),
      numberArrayAttr(args, 'strides'),
      mask('beginMask'),
      mask('endMask'),
      mask('ellipsisMask'),
      mask('newAxisMask'),
      mask('shrinkAxisMask'),
    );
    const sliced = b.output(b.addon.stridedSlice(b.slot(x), spec.begin, spec.end, spec.strides));
    const out = b.output(b.addon.reshape(b.slot(sliced), spec.finalShape));
    release(b, sliced);
    return out;
  },
  Tile: (args, b) => b.output(b.addon.tile(b.slot(tensorInput(args, 'x')), numberArrayAttr(args, 'reps'))),
  Reverse: (args, b) => {
    const x = tensorInput(args, 'x');
    return b.output(b.addon.reverse(b.slot(x), axesAttr(args, 'dims', x.shape)));
  },
  PadV2: (args, b) => {
    const paddings = args.attrs?.paddings;
    if (!Array.isArray(paddings)) throw new Error("kernel attribute 'paddings' must be [before, after] pairs");
    const flat = paddings.flatMap((p: unknown) => (Array.isArray(p) ? p.map(Number) : [Number.NaN]));
    return b.output(b.addon.pad(b.slot(tensorInput(args, 'x')), flat, numberAttr(args, 'constantValue')));
  },

  // Gathers and scatters
  GatherV2: (args, b) => {
    const x = tensorInput(args, 'x');
    const indices = tensorInput(args, 'indices');
    const axis = tf.util.parseAxisParam(numberAttr(args, 'axis'), x.shape)[0] as number;
    let batchDims = typeof args.attrs?.batchDims === 'number' ? numberAttr(args, 'batchDims') : 0;
    if (batchDims < 0) batchDims += indices.shape.length;
    return b.output(b.addon.gather(b.slot(x), b.slot(indices), axis, batchDims));
  },
  GatherNd: (args, b) => b.output(b.addon.gatherNd(b.slot(tensorInput(args, 'params')), b.slot(tensorInput(args, 'indices')))),
  ScatterNd: (args, b) =>
    b.output(b.addon.scatterNd(b.slot(tensorInput(args, 'indices')), b.slot(tensorInput(args, 'updates')), numberArrayAttr(args, 'shape'))),
  UnsortedSegmentSum: (args, b) =>
    b.output(b.addon.unsortedSegmentSum(b.slot(tensorInput(args, 'x')), b.slot(tensorInput(args, 'segmentIds')), numberAttr(args, 'numSegments'))),

  // Reductions, scans, sorting
  ArgMax: (args, b) => {
    const x = tensorInput(args, 'x');
    return b.output(b.addon.argMinMax(true, b.slot(x), axesAttr(args, 'axis', x.shape)[0] as number));
  },
  ArgMin: (args, b) => {
    const x = tensorInput(args, 'x');
    return b.output(b.addon.argMinMax(false, b.slot(x), axesAttr(args, 'axis', x.shape)[0] as number));
  },
  Cumsum: (args, b) => cumulative(args, b, false),
  Cumprod: (args, b) => cumulative(args, b, true),
  TopK: (args, b) => b.outputs(b.addon.topk(b.slot(tensorInput(args, 'x')), numberAttr(args, 'k'))),
  Softmax: (args, b) => {
    const x = tensorInput(args, 'logits');
    const dimAttr = numberOrArrayAttr(args, 'dim');
    const dim = typeof dimAttr === 'number' ? dimAttr : (dimAttr[0] ?? -1);
    return b.output(b.addon.softmax(false, b.slot(x), dim < 0 ? dim + x.shape.length : dim));
  },

  // Products, convolutions, pools
  BatchMatMul: (args, b) =>
    b.output(
      b.addon.matmul(b.slot(tensorInput(args, 'a')), b.slot(tensorInput(args, 'b')), boolAttr(args, 'transposeA'), boolAttr(args, 'transposeB')),
    ),
  _FusedMatMul: (args, b) =>
    b.output(
      b.addon.matmul(
        b.slot(tensorInput(args, 'a')),
        b.slot(tensorInput(args, 'b')),
        boolAttr(args, 'transposeA'),
        boolAttr(args, 'transposeB'),
        ...fusedEpilogue(args, b),
      ),
    ),
  Conv2D: (args, b) => conv(args, b, false, false),
  DepthwiseConv2dNative: (args, b) => conv(args, b, true, false),
  FusedConv2D: (args, b) => conv(args, b, false, true),
  FusedDepthwiseConv2D: (args, b) => conv(args, b, true, true),
  Conv2DBackpropInput: (args, b) => convBackpropInput(args, b, false),
  DepthwiseConv2dNativeBackpropInput: (args, b) => convBackpropInput(args, b, true),
  Conv2DBackpropFilter: (args, b) => convBackpropFilter(args, b, false),
  DepthwiseConv2dNativeBackpropFilter: (args, b) => convBackpropFilter(args, b, true),
  MaxPool: (args, b) => pool(args, b, true),
  AvgPool: (args, b) => pool(args, b, false),
  MaxPoolGrad: (args, b) => {
    const dy = tensorInput(args, 'dy');
    const x = tensorInput(args, 'input');
    const g = convGeometry(pool2dInfoOf(args, x.shape));
    return b.output(b.addon.maxPoolGrad(b.slot(dy), b.slot(x), g.filter, g.strides, g.pads));
  },
  AvgPoolGrad: (args, b) => {
    const dy = tensorInput(args, 'dy');
    const x = tensorInput(args, 'input');
    const g = convGeometry(pool2dInfoOf(args, x.shape));
    return b.output(b.addon.avgPoolGrad(b.slot(dy), b.slot(x), g.filter, g.strides, g.pads));
  },

  // Fused layers (lib/runtime/fused-layers.ts)
  [GELU_KERNEL]: (args, b) => b.output(b.addon.gelu(b.slot(tensorInput(args, 'x')))),
  [GELU_GRAD_KERNEL]: (args, b) => b.output(b.addon.geluGrad(b.slot(tensorInput(args, 'dy')), b.slot(tensorInput(args, 'x')))),
  [LAYER_NORM_KERNEL]: (args, b) =>
    b.output(
      b.addon.layerNorm(
        b.slot(tensorInput(args, 'x')),
        b.slot(tensorInput(args, 'weight')),
        b.slot(tensorInput(args, 'bias')),
        numberAttr(args, 'eps'),
      ),
    ),
  [LAYER_NORM_GRAD_KERNEL]: (args, b) =>
    b.outputs(
      b.addon.layerNormGrad(
        ...(['dy', 'x', 'weight', 'bias'].map((name) => b.slot(tensorInput(args, name))) as [Slot, Slot, Slot, Slot]),
        numberAttr(args, 'eps'),
      ),
    ),

  // Randomness (lib/runtime/fused-dropout.ts)
  [DROPOUT_MULTIPLIER_KERNEL]: (args, b) =>
    b.output(b.addon.dropoutMultiplier(numberArrayAttr(args, 'shape'), numberAttr(args, 'keepProb'), numberAttr(args, 'seed'), b.device)),

  // Optimiser (lib/runtime/fused-adamw.ts)
  [ADAMW_UPDATE_KERNEL]: (args, b) => {
    const slots = ['param', 'grad', 'expAvg', 'expAvgSq'].map((name) => b.slot(tensorInput(args, name))) as [Slot, Slot, Slot, Slot];
    const n = (name: string): number => numberAttr(args, name);
    return b.outputs(
      b.addon.adamw(
        ...slots,
        n('lr'),
        n('weightDecay'),
        n('beta1'),
        n('beta2'),
        n('eps'),
        n('biasCorrection1'),
        n('biasCorrection2'),
        boolAttr(args, 'l2'),
      ),
    );
  },
};

for (const op of UNARY) KERNELS[op] = (args, b) => b.output(b.addon.unary(op, b.slot(tensorInput(args, 'x'))));
for (const op of BINARY) {
  const [first, second] = BINARY_INPUTS[op] ?? ['a', 'b'];
  KERNELS[op] = (args, b) => b.output(b.addon.binary(op, b.slot(tensorInput(args, first)), b.slot(tensorInput(args, second))));
}
for (const [op, axisName] of Object.entries(REDUCTIONS)) {
  KERNELS[op] = (args, b) => {
    const x = tensorInput(args, 'x');
    return b.output(b.addon.reduce(op, b.slot(x), axesAttr(args, axisName, x.shape), boolAttr(args, 'keepDims')));
  };
}

function cumulative(args: KernelArgs, b: TorchBackend, product: boolean): tf.TensorInfo {
  const x = tensorInput(args, 'x');
  const axis = tf.util.parseAxisParam(numberAttr(args, 'axis'), x.shape)[0] as number;
  return b.output(b.addon.cumulative(product, b.slot(x), axis, boolAttr(args, 'exclusive'), boolAttr(args, 'reverse')));
}

function conv(args: KernelArgs, b: TorchBackend, depthwise: boolean, fused: boolean): tf.TensorInfo {
  const x = tensorInput(args, 'x');
  const filter = tensorInput(args, 'filter');
  const g = convGeometry(conv2dInfoOf(args, x.shape, filter.shape, depthwise));
  const slots = [b.slot(x), b.slot(filter)] as const;
  if (!fused) return b.output(b.addon.conv2d(...slots, g.strides, g.pads, g.dilations, depthwise));
  return b.output(b.addon.conv2d(...slots, g.strides, g.pads, g.dilations, depthwise, ...fusedEpilogue(args, b)));
}

function convBackpropInput(args: KernelArgs, b: TorchBackend, depthwise: boolean): tf.TensorInfo {
  const dy = tensorInput(args, 'dy');
  const filter = tensorInput(args, 'filter');
  const inputShape = numberArrayAttr(args, 'inputShape');
  const g = convGeometry(conv2dInfoOf(args, inputShape, filter.shape, depthwise));
  return b.output(b.addon.conv2dBackpropInput(b.slot(dy), b.slot(filter), inputShape, g.strides, g.pads, g.dilations, depthwise));
}

function convBackpropFilter(args: KernelArgs, b: TorchBackend, depthwise: boolean): tf.TensorInfo {
  const x = tensorInput(args, 'x');
  const dy = tensorInput(args, 'dy');
  const filterShape = numberArrayAttr(args, 'filterShape');
  const g = convGeometry(conv2dInfoOf(args, x.shape, filterShape, depthwise));
  return b.output(b.addon.conv2dBackpropFilter(b.slot(x), b.slot(dy), filterShape, g.strides, g.pads, g.dilations, depthwise));
}

function pool(args: KernelArgs, b: TorchBackend, isMax: boolean): tf.TensorInfo {
  const x = tensorInput(args, 'x');
  const g = convGeometry(pool2dInfoOf(args, x.shape));
  return b.output(b.addon.pool(isMax, b.slot(x), g.filter, g.strides, g.pads));
}

/** The kernel names the torch backends implement. */
export const TORCH_KERNEL_NAMES: readonly string[] = Object.keys(KERNELS).sort();

/** Register every kernel for `backendName` (idempotent). */
export function registerTorchKernels(backendName: string): void {
  for (const [kernelName, kernel] of Object.entries(KERNELS)) {
    if (tf.getKernel(kernelName, backendName) !== undefined) continue;
    tf.registerKernel({ kernelName, backendName, kernelFunc: (args) => kernel(args, torchBackendOf(args.backend)) });
  }
}
