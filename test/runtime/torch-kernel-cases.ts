// The torch kernel cases: for every kernel of lib/runtime/torch/kernels.ts, at least 5 computations
// (broadcasting, int32 / bool inputs, transposed inputs — non-contiguous views on torch —, batch 1
// and 3, scalars, empty tensors; strides, paddings, dilations and multipliers for convolutions and
// pools) to run on a torch backend and on cpu, with the tolerance of the comparison: int32 / bool
// outputs and data movement exact; float math 1e-5 relative (|a − e| / max(1, |e|)), looser only
// where said why. Used by test/runtime/torch-kernels.test.ts and bench/gpu-check.ts (torch-cuda).
import * as tf from '@tensorflow/tfjs';
import { gelu } from '../../lib/nn/functional.js';
import { LayerNorm } from '../../lib/nn/layer-norm.js';
import { ADAMW_UPDATE_KERNEL } from '../../lib/runtime/fused-adamw.js';
import { GELU_GRAD_KERNEL, GELU_KERNEL, LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL } from '../../lib/runtime/fused-layers.js';
import { AdamW, type AdamWOptions } from '../../lib/train/adamw.js';
import { normal } from './cross-backend.js';

export type Run = () => tf.Tensor | tf.Tensor[];
export interface KernelCase {
  readonly label: string;
  readonly run: Run;
  readonly tol: number;
}

const FLOAT = 1e-5;
const EXACT = 0;
const CASES = new Map<string, KernelCase[]>();
/** Kernel name → its cases. */
export const KERNEL_CASES: ReadonlyMap<string, readonly KernelCase[]> = CASES;

/** Cases of `kernel`, [label, run] each, compared within `tol`. */
function cases(kernel: string, tol: number, list: readonly (readonly [string, Run])[]): void {
  const all = CASES.get(kernel) ?? [];
  all.push(...list.map(([label, run]) => ({ label, run, tol })));
  CASES.set(kernel, all);
}

// Inputs: seeded normals (× scale), int32 and bool tensors, transposed views.
const f32 = (shape: number[], seed: number, scale = 1): tf.Tensor =>
  tf.tensor(
    normal(shape, seed).values.map((v) => v * scale),
    shape,
  );
const i32 = (values: number[], shape?: number[]): tf.Tensor => tf.tensor(values, shape, 'int32');
const bool = (values: number[], shape?: number[]): tf.Tensor => tf.tensor(values, shape, 'bool');
const T = (x: tf.Tensor, perm?: number[]): tf.Tensor => tf.transpose(x, perm);
const f4 = (shape: number[], seed: number): tf.Tensor4D => f32(shape, seed) as tf.Tensor4D;
const ids = (values: number[]): tf.Tensor1D => tf.tensor1d(values, 'int32');
/** NaN, ±∞, ±0, halves (rounding), thresholds of tfjs' softplus (±13.9), large and small values. */
const SPECIAL = [Number.NaN, Infinity, -Infinity, 0, -0, 0.5, -0.5, 1.5, 2.5, -2.5, 1, -1, 13.5, -14.5, 15, 25, 0.3, -0.7, 1e-3, 3];
const special = (): tf.Tensor => tf.tensor1d(SPECIAL);
const INTS = [-7, -3, -1, 0, 1, 2, 5, 9];
/**
 * `run` on torch, `reference` on cpu: for the few kernels where the cpu backend cannot serve as
 * the reference for the kernel itself (it lacks the kernel, or its result is wrong); each use says why.
 */
const withCpuReference =
  (reference: Run, run: Run): Run =>
  () =>
    tf.getBackend() === 'cpu' ? reference() : run();

// ---------------------------------------------------------------------------------------------
// Element-wise.

type UnaryOp = (x: tf.Tensor) => tf.Tensor;
const UNARY: [string, UnaryOp, number][] = [
  ['Abs', tf.abs, EXACT],
  ['Neg', tf.neg, EXACT],
  ['Exp', tf.exp, FLOAT],
  ['Log', tf.log, FLOAT],
  ['Log1p', tf.log1p, FLOAT],
  ['Expm1', tf.expm1, FLOAT],
  ['Sqrt', tf.sqrt, FLOAT],
  ['Rsqrt', tf.rsqrt, FLOAT],
  ['Square', tf.square, FLOAT],
  ['Reciprocal', tf.reciprocal, FLOAT],
  ['Sin', tf.sin, FLOAT],
  ['Cos', tf.cos, FLOAT],
  ['Tan', tf.tan, FLOAT],
  ['Asin', tf.asin, FLOAT],
  ['Acos', tf.acos, FLOAT],
  ['Atan', tf.atan, FLOAT],
  ['Sinh', tf.sinh, FLOAT],
  ['Cosh', tf.cosh, FLOAT],
  ['Tanh', tf.tanh, FLOAT],
  ['Asinh', tf.asinh, FLOAT],
  ['Acosh', tf.acosh, FLOAT],
  ['Atanh', tf.atanh, FLOAT],
  ['Floor', tf.floor, EXACT],
  ['Ceil', tf.ceil, EXACT],
  ['Round', tf.round, EXACT],
  ['Sign', tf.sign, EXACT],
  ['Sigmoid', tf.sigmoid, FLOAT],
  ['Softplus', tf.softplus, FLOAT],
  ['Relu', tf.relu, EXACT],
  ['Relu6', tf.relu6, EXACT],
  ['Elu', tf.elu, FLOAT],
  ['Selu', tf.selu, FLOAT],
  // tfjs cpu's erf is the Abramowitz–Stegun 7.1.26 approximation (|error| ≤ 1.5e-7 in exact arithmetic,
  // ~3e-7 in float32); ATen's erf is accurate to float32 rounding.
  ['Erf', tf.erf, 5e-7],
  ['IsNan', tf.isNaN, EXACT],
  ['IsInf', tf.isInf, EXACT],
  ['IsFinite', tf.isFinite, EXACT],
];
for (const [kernel, op, tol] of UNARY) {
  cases(kernel, tol, [
    ['scalar', () => op(tf.scalar(0.7))],
    ['[3, 4]', () => op(f32([3, 4], 1, 1.5))],
    ['transposed [4, 3]ᵀ', () => op(T(f32([4, 3], 2, 1.5)))],
    ['batch 3 [3, 2, 5], permuted', () => op(T(f32([2, 5, 3], 3), [2, 0, 1]))],
    ['batch 1 [1, 6]', () => op(f32([1, 6], 4, 0.9))],
    ['empty [0, 3]', () => op(tf.zeros([0, 3]))],
    ['NaN, ±∞, ±0, halves, thresholds', () => op(special())],
  ]);
}
// Unary kernels that take int32 as well (their dtype stays int32 on cpu).
// (tf.floor and tf.ceil refuse int32.)
for (const [kernel, op] of [
  ['Abs', tf.abs],
  ['Neg', tf.neg],
  ['Square', tf.square],
  ['Sign', tf.sign],
  ['Relu', tf.relu],
  ['Relu6', tf.relu6],
  ['Round', tf.round],
] as const) {
  cases(kernel, EXACT, [
    ['int32', () => op(i32(INTS))],
    ['int32 transposed', () => op(T(i32([-4, 3, 0, 8, -1, 2], [2, 3])))],
  ]);
}
cases('LogicalNot', EXACT, [
  ['scalar', () => tf.logicalNot(tf.scalar(true, 'bool'))],
  ['[2, 3]', () => tf.logicalNot(bool([1, 0, 0, 1, 1, 0], [2, 3]))],
  ['transposed', () => tf.logicalNot(T(bool([1, 0, 0, 1, 1, 0], [3, 2])))],
  ['batch 1', () => tf.logicalNot(bool([0, 1], [1, 2]))],
  ['empty', () => tf.logicalNot(tf.zeros([0, 2], 'bool'))],
]);

type BinaryOp = (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
const BINARY: [string, BinaryOp, number][] = [
  ['Add', tf.add, FLOAT],
  ['Sub', tf.sub, FLOAT],
  ['Multiply', tf.mul, FLOAT],
  ['RealDiv', tf.div, FLOAT],
  ['FloorDiv', tf.floorDiv, FLOAT],
  ['Mod', tf.mod, FLOAT],
  ['Maximum', tf.maximum, EXACT],
  ['Minimum', tf.minimum, EXACT],
  ['Pow', tf.pow, FLOAT],
  ['SquaredDifference', tf.squaredDifference, FLOAT],
  ['Atan2', tf.atan2, FLOAT],
  ['Equal', tf.equal, EXACT],
  ['NotEqual', tf.notEqual, EXACT],
  ['Greater', tf.greater, EXACT],
  ['GreaterEqual', tf.greaterEqual, EXACT],
  ['Less', tf.less, EXACT],
  ['LessEqual', tf.lessEqual, EXACT],
];
const specialPairs = (): [tf.Tensor, tf.Tensor] => [special(), tf.tensor1d(SPECIAL.map((_, i) => SPECIAL[(i * 7 + 3) % SPECIAL.length] as number))];
for (const [kernel, op, tol] of BINARY) {
  cases(kernel, tol, [
    ['[2, 3] · [2, 3]', () => op(f32([2, 3], 5, 2), f32([2, 3], 6, 2))],
    ['broadcast [2, 1, 3] · [4, 3]', () => op(f32([2, 1, 3], 7, 2), f32([4, 3], 8, 2))],
    ['scalar · [3, 2]', () => op(tf.scalar(1.5), f32([3, 2], 9, 2))],
    ['transposed [3, 2]ᵀ · [3]', () => op(T(f32([3, 2], 10, 2)), f32([3], 11, 2))],
    ['batch 3 [3, 2, 2] · batch 1 [1, 2, 2]', () => op(f32([3, 2, 2], 12, 2), f32([1, 2, 2], 13, 2))],
    ['empty [0, 3] · [1, 3]', () => op(tf.zeros([0, 3]), f32([1, 3], 14))],
    ['NaN, ±∞, ±0', () => op(...specialPairs())],
  ]);
}
// Binary kernels on int32 (dtype int32 on cpu): signs of FloorDiv / Mod for negative operands, division by zero.
const intA = [-7, -7, 7, 7, 0, 5, -6, 9, 3];
const intB = [2, -2, 2, -2, 3, 0, 3, -3, 1];
for (const [kernel, op] of [
  ['Equal', tf.equal],
  ['NotEqual', tf.notEqual],
] as const) {
  cases(kernel, EXACT, [['bool', () => op(bool([1, 1, 0, 0]), bool([1, 0, 1, 0]))]]);
}
for (const [kernel, op] of [
  ['Add', tf.add],
  ['Sub', tf.sub],
  ['Multiply', tf.mul],
  ['FloorDiv', tf.floorDiv],
  ['Mod', tf.mod],
  ['Maximum', tf.maximum],
  ['Minimum', tf.minimum],
  ['SquaredDifference', tf.squaredDifference],
  ['Equal', tf.equal],
  ['NotEqual', tf.notEqual],
  ['Greater', tf.greater],
  ['GreaterEqual', tf.greaterEqual],
  ['Less', tf.less],
  ['LessEqual', tf.lessEqual],
] as const) {
  cases(kernel, EXACT, [
    ['int32 signs, zero divisor', () => op(i32(intA), i32(intB))],
    ['int32 broadcast, transposed', () => op(T(i32([-5, 4, 3, -2, 0, 9], [2, 3])), i32([3, -2]))],
  ]);
}
cases('Pow', EXACT, [
  ['int32 non-negative exponents', () => tf.pow(i32([-3, -2, 0, 2, 5, 1]), i32([3, 2, 0, 1, 2, 0]))],
  // Math.pow stored in an Int32Array: 2^−1 → 0, 1^−3 → 1, (−1)^−1 → −1, 0^−1 = ∞ → 0
  ['int32 negative exponents', () => tf.pow(i32([2, 1, -1, 0, -2]), i32([-1, -3, -1, -1, -2]))],
]);
cases('Mod', FLOAT, [
  ['float signs', () => tf.mod(tf.tensor1d([-7.5, -7.5, 7.5, 7.5, 6, -6, 0]), tf.tensor1d([2, -2, 2, -2, -3, 3, 2]))],
  [
    'float ±∞ and zero divisors',
    () => tf.mod(tf.tensor1d([-5, 5, 5, -5, 3, Infinity, -0.5]), tf.tensor1d([Infinity, Infinity, -Infinity, -Infinity, 0, 2, 0])),
  ],
]);
cases('FloorDiv', FLOAT, [['float signs', () => tf.floorDiv(tf.tensor1d([-7.5, -7.5, 7.5, 7.5, 6, -6, 0]), tf.tensor1d([2, -2, 2, -2, -3, 3, 2]))]]);
cases('Prelu', FLOAT, [
  ['[2, 3] · alpha [3]', () => tf.prelu(f32([2, 3], 15), f32([3], 16))],
  ['[2, 2, 3] · alpha [2, 1, 3]', () => tf.prelu(f32([2, 2, 3], 17), f32([2, 1, 3], 18))],
  ['scalar alpha', () => tf.prelu(f32([4], 19), tf.scalar(0.2))],
  ['transposed', () => tf.prelu(T(f32([3, 2], 20)), f32([3], 21))],
  ['empty', () => tf.prelu(tf.zeros([0, 3]), f32([3], 22))],
  ['NaN, ±∞', () => tf.prelu(special(), tf.scalar(0.1))],
]);
// tf.logicalXor is composed of And / Or / Not and the cpu backend has no LogicalXor kernel: torch runs
// the kernel itself, cpu the composition.
const logicalXor = (a: tf.Tensor, b: tf.Tensor): tf.Tensor =>
  tf.getBackend() === 'cpu' ? tf.logicalXor(a, b) : (tf.engine().runKernel('LogicalXor', { a, b }) as tf.Tensor);
for (const [kernel, op] of [
  ['LogicalAnd', tf.logicalAnd],
  ['LogicalOr', tf.logicalOr],
  ['LogicalXor', logicalXor],
] as const) {
  cases(kernel, EXACT, [
    ['[4] · [4]', () => op(bool([1, 1, 0, 0]), bool([1, 0, 1, 0]))],
    ['broadcast [2, 1] · [3]', () => op(bool([1, 0], [2, 1]), bool([1, 0, 1]))],
    ['scalar', () => op(tf.scalar(true, 'bool'), bool([1, 0, 1]))],
    ['transposed', () => op(T(bool([1, 0, 0, 1, 1, 0], [2, 3])), bool([1, 1], [1, 2]))],
    ['empty', () => op(tf.zeros([0, 2], 'bool'), bool([1, 0]))],
  ]);
}
cases('AddN', FLOAT, [
  ['three [2, 3]', () => tf.addN([f32([2, 3], 23), f32([2, 3], 24), f32([2, 3], 25)])],
  ['one', () => tf.addN([f32([4], 26)])],
  ['int32', () => tf.addN([i32([1, -2, 3]), i32([4, 5, -6])])],
  ['transposed views', () => tf.addN([T(f32([3, 2], 27)), f32([2, 3], 28), T(f32([3, 2], 29))])],
  ['scalars', () => tf.addN([tf.scalar(1), tf.scalar(2.5)])],
  ['empty', () => tf.addN([tf.zeros([0, 2]), tf.zeros([0, 2])])],
]);
cases('Select', EXACT, [
  ['[2, 3]', () => tf.where(bool([1, 0, 1, 0, 0, 1], [2, 3]), f32([2, 3], 30), f32([2, 3], 31))],
  // A rank-1 condition under rank-2 operands picks whole rows (TensorFlow's Select); tf.where never sends
  // one (it broadcasts the condition first) and the cpu kernel gets it wrong (it takes t[i], e[i] for
  // all of row i), so cpu runs the broadcast form.
  [
    'rank-1 condition picks rows',
    withCpuReference(
      () => tf.where(tf.broadcastTo(bool([1, 0, 1], [3, 1]), [3, 2]), f32([3, 2], 32), f32([3, 2], 33)),
      () => tf.engine().runKernel('Select', { condition: bool([1, 0, 1]), t: f32([3, 2], 32), e: f32([3, 2], 33) }) as tf.Tensor,
    ),
  ],
  ['int32', () => tf.where(bool([0, 1, 1]), i32([1, 2, 3]), i32([-1, -2, -3]))],
  ['bool', () => tf.where(bool([0, 1]), bool([1, 1]), bool([0, 0]))],
  ['transposed', () => tf.where(T(bool([1, 0, 1, 1, 0, 0], [3, 2])), T(f32([3, 2], 34)), f32([2, 3], 35))],
  ['broadcast condition', () => tf.where(bool([1, 0, 1]), f32([2, 3], 36), f32([2, 3], 37))],
  ['scalar', () => tf.where(tf.scalar(false, 'bool'), tf.scalar(1), tf.scalar(2))],
  ['empty', () => tf.where(tf.zeros([0, 2], 'bool'), tf.zeros([0, 2]), tf.ones([0, 2]))],
]);
cases('ClipByValue', EXACT, [
  ['[3, 4]', () => tf.clipByValue(f32([3, 4], 38), -0.5, 0.7)],
  ['int32', () => tf.clipByValue(i32(INTS), -2, 4)],
  ['transposed', () => tf.clipByValue(T(f32([4, 3], 39)), 0, 1)],
  ['NaN, ±∞', () => tf.clipByValue(special(), -2, 2)],
  ['scalar', () => tf.clipByValue(tf.scalar(5), 0, 1)],
  ['empty', () => tf.clipByValue(tf.zeros([0]), 0, 1)],
]);
cases('Cast', EXACT, [
  [
    'float → int32 truncates; NaN, ±∞ → 0',
    () => tf.cast(tf.tensor1d([-2.7, -0.5, 0.5, 2.7, 3.99, -3.99, 1e9, Number.NaN, Infinity, -Infinity]), 'int32'),
  ],
  ['int32 → float32', () => tf.cast(i32(INTS), 'float32')],
  ['bool → float32, int32', () => [tf.cast(bool([1, 0, 1]), 'float32'), tf.cast(bool([1, 0, 1]), 'int32')]],
  ['float32, int32 → bool (NaN is true)', () => [tf.cast(special(), 'bool'), tf.cast(i32(INTS), 'bool')]],
  ['transposed float → int32', () => tf.cast(T(f32([3, 2], 40, 3)), 'int32')],
  ['empty', () => tf.cast(tf.zeros([0, 2]), 'int32')],
]);
cases('Step', EXACT, [
  ['alpha 0', () => tf.step(f32([3, 4], 41))],
  ['alpha 0.3, NaN kept', () => tf.step(special(), 0.3)],
  ['transposed', () => tf.step(T(f32([4, 2], 42)), -1)],
  ['scalar', () => tf.step(tf.scalar(0), 0.5)],
  ['empty', () => tf.step(tf.zeros([0]))],
]);
cases('LeakyRelu', FLOAT, [
  ['alpha 0.1', () => tf.leakyRelu(f32([3, 4], 43), 0.1)],
  ['alpha 0.2, special', () => tf.leakyRelu(special(), 0.2)],
  ['transposed', () => tf.leakyRelu(T(f32([4, 2], 44)), 0.3)],
  ['scalar', () => tf.leakyRelu(tf.scalar(-2), 0.5)],
  ['empty', () => tf.leakyRelu(tf.zeros([0, 1]))],
]);
cases('Identity', EXACT, [
  ['float', () => tf.clone(f32([2, 3], 45))],
  ['int32', () => tf.clone(i32(INTS))],
  ['bool', () => tf.clone(bool([1, 0]))],
  ['transposed', () => tf.clone(T(f32([2, 3], 46)))],
  ['scalar', () => tf.clone(tf.scalar(3))],
  ['empty', () => tf.clone(tf.zeros([2, 0]))],
]);

// ---------------------------------------------------------------------------------------------
// Creation.

cases('Fill', EXACT, [
  ['float [2, 3]', () => tf.fill([2, 3], 1.5)],
  ['int32', () => tf.fill([4], -3, 'int32')],
  ['bool', () => tf.fill([2], 1, 'bool')],
  ['scalar', () => tf.fill([], 7)],
  ['int32 from a fraction (truncated)', () => tf.fill([3], -1.7, 'int32')],
  ['empty', () => tf.fill([0, 3], 2)],
]);
for (const [kernel, op] of [
  ['ZerosLike', tf.zerosLike],
  ['OnesLike', tf.onesLike],
] as const) {
  cases(kernel, EXACT, [
    ['float', () => op(f32([2, 3], 47))],
    ['int32', () => op(i32(INTS))],
    ['bool', () => op(bool([1, 0, 1]))],
    ['transposed', () => op(T(f32([2, 3], 48)))],
    ['scalar', () => op(tf.scalar(4))],
    ['empty', () => op(tf.zeros([0, 2]))],
  ]);
}
cases('Range', EXACT, [
  ['0..5', () => tf.range(0, 5)],
  ['5..0 step −1.5', () => tf.range(5, 0, -1.5)],
  ['int32', () => tf.range(-3, 7, 2, 'int32')],
  ['empty', () => tf.range(3, 3)],
  ['fractional steps (float32 accumulation)', () => tf.range(0, 1, 0.3)],
  ['stop < start, step 1 (tfjs turns it to −1)', () => tf.range(4, 0)],
  ['int32, fractional step (truncated at every step)', () => tf.range(1, 3, 0.5, 'int32')],
]);
cases('LinSpace', FLOAT, [
  ['0..1, 5', () => tf.linspace(0, 1, 5)],
  ['−1..1, 1', () => tf.linspace(-1, 1, 1)],
  ['2..−2, 4', () => tf.linspace(2, -2, 4)],
  ['1.5..10, 7', () => tf.linspace(1.5, 10, 7)],
  ['0..100, 11', () => tf.linspace(0, 100, 11)],
]);
cases('OneHot', EXACT, [
  ['depth 4', () => tf.oneHot(i32([0, 3, 1]), 4)],
  ['out of range → off', () => tf.oneHot(i32([-1, 5, 2, 4]), 4)],
  ['on 5 / off −1, float32', () => tf.oneHot(i32([2, 0]), 3, 5, -1, 'float32')],
  ['rank 2 indices', () => tf.oneHot(i32([0, 1, 2, 1], [2, 2]), 3)],
  ['transposed indices', () => tf.oneHot(T(i32([0, 1, 2, 1, 0, 2], [2, 3])), 3)],
  ['empty', () => tf.oneHot(i32([], [0]), 3)],
]);

// ---------------------------------------------------------------------------------------------
// Shapes and slices: data movement, exact.

cases('Reshape', EXACT, [
  ['[2, 3] → [3, 2]', () => tf.reshape(f32([2, 3], 49), [3, 2])],
  ['transposed view → [6]', () => tf.reshape(T(f32([2, 3], 50)), [6])],
  ['permuted [2, 3, 4] → [4, −1]', () => tf.reshape(T(f32([2, 3, 4], 51), [2, 0, 1]), [4, -1])],
  ['int32', () => tf.reshape(i32(INTS), [2, 2, 2])],
  ['bool', () => tf.reshape(bool([1, 0, 1, 1]), [2, 2])],
  ['scalar → [1, 1]', () => tf.reshape(tf.scalar(2), [1, 1])],
  ['empty', () => tf.reshape(tf.zeros([0, 3]), [3, 0])],
]);
cases('ExpandDims', EXACT, [
  ['axis 0', () => tf.expandDims(f32([2, 3], 52), 0)],
  ['axis −1', () => tf.expandDims(f32([2, 3], 53), -1)],
  ['transposed, axis 1', () => tf.expandDims(T(f32([2, 3], 54)), 1)],
  ['int32', () => tf.expandDims(i32(INTS), 1)],
  ['scalar', () => tf.expandDims(tf.scalar(1))],
]);
cases('Transpose', EXACT, [
  ['[2, 3]', () => T(f32([2, 3], 55))],
  ['[2, 3, 4] perm [2, 0, 1]', () => T(f32([2, 3, 4], 56), [2, 0, 1])],
  ['of a transposed view', () => T(T(f32([2, 3, 4], 57), [1, 0, 2]), [0, 2, 1])],
  ['int32', () => T(i32(INTS, [2, 4]))],
  ['bool', () => T(bool([1, 0, 0, 1, 1, 0], [3, 2]))],
  ['batch 1 [1, 2, 3]', () => T(f32([1, 2, 3], 58), [0, 2, 1])],
]);
cases('Concat', EXACT, [
  ['axis 0', () => tf.concat([f32([2, 3], 59), f32([1, 3], 60)], 0)],
  ['axis −1, three', () => tf.concat([f32([2, 1], 61), f32([2, 3], 62), f32([2, 2], 63)], -1)],
  ['with an empty input', () => tf.concat([tf.zeros([0, 3]), f32([2, 3], 64), tf.zeros([0, 3])], 0)],
  ['all empty', () => tf.concat([tf.zeros([0, 3]), tf.zeros([0, 3])], 0)],
  ['int32', () => tf.concat([i32([1, 2]), i32([3])])],
  ['bool', () => tf.concat([bool([1, 0]), bool([1])])],
  ['transposed inputs', () => tf.concat([T(f32([3, 2], 65)), f32([2, 3], 66)], 1)],
]);
cases('Pack', EXACT, [
  ['axis 0', () => tf.stack([f32([2, 3], 67), f32([2, 3], 68)])],
  ['axis 1', () => tf.stack([f32([2, 3], 69), f32([2, 3], 70), f32([2, 3], 71)], 1)],
  ['axis −1, int32', () => tf.stack([i32([1, 2]), i32([3, 4])], -1)],
  ['scalars', () => tf.stack([tf.scalar(1), tf.scalar(2)])],
  ['transposed', () => tf.stack([T(f32([3, 2], 72)), f32([2, 3], 73)])],
  ['bool', () => tf.stack([bool([1, 0]), bool([0, 0])])],
]);
cases('Unpack', EXACT, [
  ['axis 0', () => tf.unstack(f32([3, 2], 74))],
  ['axis 1', () => tf.unstack(f32([2, 3, 2], 75), 1)],
  ['int32', () => tf.unstack(i32(INTS, [2, 4]))],
  ['transposed', () => tf.unstack(T(f32([2, 3], 76)))],
  ['batch 1', () => tf.unstack(f32([1, 4], 77))],
]);
cases('SplitV', EXACT, [
  ['3 equal', () => tf.split(f32([6, 2], 78), 3)],
  ['sizes [1, −1, 2], axis 1', () => tf.split(f32([2, 6], 79), [1, -1, 2], 1)],
  ['int32', () => tf.split(i32(INTS), 2)],
  ['transposed', () => tf.split(T(f32([2, 4], 80)), 2)],
  ['with an empty piece', () => tf.split(f32([3, 2], 81), [0, 3])],
]);
cases('Slice', EXACT, [
  ['[4, 3] from [1, 0] size [2, −1]', () => tf.slice(f32([4, 3], 82), [1, 0], [2, -1])],
  ['rank 3', () => tf.slice(f32([2, 3, 4], 83), [0, 1, 1], [2, 2, 2])],
  ['int32', () => tf.slice(i32(INTS), [2], [3])],
  ['transposed', () => tf.slice(T(f32([4, 3], 84)), [1, 1], [2, 2])],
  ['empty size', () => tf.slice(f32([3, 3], 85), [1, 0], [0, 3])],
  ['bool', () => tf.slice(bool([1, 0, 1, 1]), [1], [2])],
]);
cases('StridedSlice', EXACT, [
  ['stride 2', () => tf.stridedSlice(f32([6, 4], 86), [0, 1], [6, 4], [2, 2])],
  ['negative strides', () => tf.stridedSlice(f32([5, 4], 87), [4, 3], [0, 0], [-1, -2])],
  ['negative stride to the start (end mask)', () => tf.stridedSlice(f32([5, 3], 88), [3, 0], [0, 3], [-2, 1], 1, 0)],
  ['begin / end masks', () => tf.stridedSlice(f32([4, 5], 89), [1, 1], [3, 4], [1, 1], 2, 1)],
  ['shrink axis', () => tf.stridedSlice(f32([3, 4], 90), [1, 0], [2, 4], [1, 1], 0, 0, 0, 0, 1)],
  ['new axis', () => tf.stridedSlice(f32([3, 4], 91), [0, 0, 1], [1, 3, 3], [1, 1, 1], 0, 0, 0, 1)],
  ['ellipsis', () => tf.stridedSlice(f32([2, 3, 4], 92), [0, 1], [1, 3], [1, 1], 0, 0, 1)],
  ['int32, transposed', () => tf.stridedSlice(T(i32(INTS, [2, 4])), [3, 1], [0, 2], [-1, 1])],
  ['negative begin / end', () => tf.stridedSlice(f32([6], 93), [-2], [-6], [-1])],
  ['out-of-range begin / end are clamped', () => tf.stridedSlice(f32([4, 3], 94), [-10, 1], [10, 100], [1, 1])],
  ['negative stride from past the end', () => tf.stridedSlice(f32([5], 95), [100], [-100], [-2])],
]);
cases('Tile', EXACT, [
  ['[2, 3] × [2, 1]', () => tf.tile(f32([2, 3], 94), [2, 1])],
  ['[2] × [3]', () => tf.tile(f32([2], 95), [3])],
  ['int32', () => tf.tile(i32([1, 2], [1, 2]), [2, 2])],
  ['bool', () => tf.tile(bool([1, 0]), [2])],
  ['transposed', () => tf.tile(T(f32([3, 2], 96)), [1, 2])],
  ['empty', () => tf.tile(tf.zeros([0, 2]), [2, 1])],
]);
cases('Reverse', EXACT, [
  ['axis 0', () => tf.reverse(f32([3, 2], 97), 0)],
  ['axis −1', () => tf.reverse(f32([3, 2], 98), -1)],
  ['axes [0, 2]', () => tf.reverse(f32([2, 3, 2], 99), [0, 2])],
  ['every axis', () => tf.reverse(f32([2, 3], 100))],
  ['int32', () => tf.reverse(i32(INTS))],
  ['transposed', () => tf.reverse(T(f32([3, 2], 101)), 1)],
]);
cases('PadV2', EXACT, [
  [
    '[2, 3]',
    () =>
      tf.pad(f32([2, 3], 102), [
        [1, 0],
        [2, 1],
      ]),
  ],
  [
    'constant 2.5',
    () =>
      tf.pad(
        f32([2, 2, 2], 103),
        [
          [0, 1],
          [1, 1],
          [0, 0],
        ],
        2.5,
      ),
  ],
  ['int32', () => tf.pad(i32(INTS), [[2, 3]], -1)],
  [
    'transposed',
    () =>
      tf.pad(T(f32([3, 2], 104)), [
        [1, 1],
        [0, 2],
      ]),
  ],
  ['no padding', () => tf.pad(f32([2], 105), [[0, 0]])],
  [
    'empty input',
    () =>
      tf.pad(
        tf.zeros([0, 2]),
        [
          [1, 1],
          [0, 0],
        ],
        3,
      ),
  ],
]);

// ---------------------------------------------------------------------------------------------
// Gathers and scatters.

cases('GatherV2', EXACT, [
  ['axis 0, repeated', () => tf.gather(f32([5, 3], 106), i32([4, 0, 4, 2]))],
  ['axis 1', () => tf.gather(f32([3, 5, 2], 107), i32([1, 4]), 1)],
  ['axis −1, rank-2 indices', () => tf.gather(f32([2, 4], 108), i32([0, 3, 3, 1], [2, 2]), -1)],
  ['batchDims 1', () => tf.gather(f32([3, 4, 2], 109), i32([0, 3, 1, 1, 2, 0], [3, 2]), 1, 1)],
  ['batchDims 1, axis 2', () => tf.gather(f32([2, 3, 4], 110), i32([3, 0, 1, 2], [2, 2]), 2, 1)],
  ['int32 params', () => tf.gather(i32(INTS), i32([7, 0, 2]))],
  ['transposed params', () => tf.gather(T(f32([3, 4], 111)), i32([2, 0]))],
  ['scalar index', () => tf.gather(f32([4, 2], 112), tf.scalar(3, 'int32'))],
  ['empty indices', () => tf.gather(f32([4, 2], 113), i32([], [0]))],
]);
cases('GatherNd', EXACT, [
  ['full index tuples', () => tf.gatherND(f32([3, 4], 114), i32([0, 1, 2, 3, 1, 0], [3, 2]))],
  ['slices', () => tf.gatherND(f32([3, 4, 2], 115), i32([2, 0, 2], [3, 1]))],
  ['int32 params', () => tf.gatherND(i32(INTS, [2, 4]), i32([1, 3, 0, 0], [2, 2]))],
  ['transposed params', () => tf.gatherND(T(f32([4, 3], 116)), i32([1, 2], [1, 2]))],
  ['batched indices [2, 2, 1]', () => tf.gatherND(f32([4, 2], 117), i32([3, 0, 1, 1], [2, 2, 1]))],
]);
cases('ScatterNd', FLOAT, [
  ['duplicates add up', () => tf.scatterND(i32([1, 3, 1, 0], [4, 1]), tf.tensor1d([1, 2, 3, 4]), [5])],
  ['rows', () => tf.scatterND(i32([2, 0, 2], [3, 1]), f32([3, 3], 118), [4, 3])],
  ['int32 updates', () => tf.scatterND(i32([0, 1, 1, 0, 0, 1], [3, 2]), i32([5, 6, 7]), [2, 2])],
  ['2-d tuples into [2, 3, 2]', () => tf.scatterND(i32([1, 2, 0, 0], [2, 2]), f32([2, 2], 119), [2, 3, 2])],
  ['transposed updates', () => tf.scatterND(i32([1, 0], [2, 1]), T(f32([3, 2], 120)), [3, 3])],
]);
cases('UnsortedSegmentSum', FLOAT, [
  ['duplicate ids', () => tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3, 4, 5, 6]), ids([2, 0, 2, 3, 0, 2]), 5)],
  ['rank 3 data', () => tf.unsortedSegmentSum(f32([4, 2, 3], 121), ids([1, 1, 0, 2]), 3)],
  // int32 data gives int32, as the op's type and TensorFlow say; the cpu kernel returns float32 (it
  // multiplies by a float32 mask): cpu's values, cast.
  [
    'int32 data',
    withCpuReference(
      () => tf.cast(tf.unsortedSegmentSum(i32([1, 2, 3, 4]), ids([0, 0, 1, 0]), 2), 'int32'),
      () => tf.unsortedSegmentSum(i32([1, 2, 3, 4]), ids([0, 0, 1, 0]), 2),
    ),
  ],
  ['transposed data', () => tf.unsortedSegmentSum(T(f32([3, 4], 122)), ids([1, 0, 1, 1]), 2)],
  ['empty segment', () => tf.unsortedSegmentSum(f32([3, 2], 123), ids([0, 0, 0]), 3)],
]);

// ---------------------------------------------------------------------------------------------
// Reductions, scans, sorting.

type Reduce = (x: tf.Tensor, axis?: number | number[], keepDims?: boolean) => tf.Tensor;
const REDUCTIONS: [string, Reduce][] = [
  ['Sum', tf.sum],
  ['Mean', tf.mean],
  ['Max', tf.max],
  ['Min', tf.min],
  ['Prod', tf.prod],
];
for (const [kernel, op] of REDUCTIONS) {
  cases(kernel, FLOAT, [
    ['every axis', () => op(f32([3, 4], 124))],
    ['axis 0', () => op(f32([3, 4], 125), 0)],
    ['axes [0, 2], keepDims', () => op(f32([2, 3, 4], 126), [0, 2], true)],
    ['axis −1 of a transposed view', () => op(T(f32([4, 3], 127)), -1)],
    ['int32', () => op(i32(INTS, [2, 4]), 1)],
    ['batch 1', () => op(f32([1, 5], 128), 1)],
    ['NaN propagates', () => op(tf.tensor2d([1, Number.NaN, 3, 4, 5, 6], [2, 3]), 1)],
    ['scalar', () => op(tf.scalar(2.5))],
  ]);
}
cases('Sum', EXACT, [
  ['bool → int32', () => tf.sum(bool([1, 0, 1, 1, 1, 0], [2, 3]), 1)],
  ['empty axis → zeros', () => tf.sum(tf.zeros([0, 3]), 0)],
]);
for (const [kernel, op] of [
  ['All', tf.all],
  ['Any', tf.any],
] as const) {
  cases(kernel, EXACT, [
    ['every axis', () => op(bool([1, 1, 0, 1]))],
    ['axis 1', () => op(bool([1, 1, 0, 0, 1, 0], [2, 3]), 1)],
    ['axis 0, keepDims', () => op(bool([1, 1, 0, 1, 1, 0], [2, 3]), 0, true)],
    ['transposed', () => op(T(bool([1, 1, 0, 1, 1, 1], [3, 2])), 1)],
    ['axes [0, 2]', () => op(bool([1, 0, 1, 1, 1, 1, 0, 1], [2, 2, 2]), [0, 2])],
  ]);
}
for (const [kernel, op] of [
  ['ArgMax', tf.argMax],
  ['ArgMin', tf.argMin],
] as const) {
  cases(kernel, EXACT, [
    ['axis 0', () => op(f32([4, 3], 129))],
    ['axis 1', () => op(f32([3, 5], 130), 1)],
    ['ties: the first index', () => op(tf.tensor2d([1, 3, 3, 0, 2, 2, 2, 2, -1, -1, 0, -1], [3, 4]), 1)],
    ['int32 ties', () => op(i32([5, -1, 5, -1, 0]))],
    ['transposed', () => op(T(f32([3, 4], 131)), -1)],
    ['batch 3, rank 3', () => op(f32([3, 2, 4], 132), 2)],
    // tfjs compares with > / <: a NaN is skipped, except as the first element, which then stays
    ['NaN', () => op(tf.tensor2d([1, Number.NaN, 3, Number.NaN, 2, -1, 4, 4, Number.NaN], [3, 3]), 1)],
  ]);
}
for (const [kernel, op] of [
  ['Cumsum', tf.cumsum],
  ['Cumprod', tf.cumprod],
] as const) {
  cases(kernel, FLOAT, [
    ['axis 0', () => op(f32([4, 3], 133))],
    ['axis 1, exclusive', () => op(f32([3, 4], 134), 1, true)],
    ['reverse', () => op(f32([5], 135), 0, false, true)],
    ['exclusive, reverse', () => op(f32([2, 4], 136), 1, true, true)],
    ['int32', () => op(i32(INTS), 0, true)],
    ['transposed', () => op(T(f32([3, 4], 137)), 1, false, true)],
  ]);
}
const topk = (x: tf.Tensor, k: number): tf.Tensor[] => {
  const { values, indices } = tf.topk(x, k);
  return [values, indices];
};
cases('TopK', EXACT, [
  ['k 2', () => topk(f32([6], 138), 2)],
  ['ties: lower index first', () => topk(tf.tensor2d([1, 3, 3, 2, 3, 2, 2, 2, 0, 5, 5, 0], [2, 6]), 3)],
  ['k = n', () => topk(f32([2, 4], 139), 4)],
  ['int32', () => topk(i32(INTS), 3)],
  ['transposed', () => topk(T(f32([5, 3], 140)), 2)],
  ['batch 3, k 1', () => topk(f32([3, 2, 4], 141), 1)],
  ['k 0', () => topk(f32([2, 3], 142), 0)],
]);
cases('Softmax', FLOAT, [
  ['[5]', () => tf.softmax(f32([5], 142, 3))],
  ['[3, 4]', () => tf.softmax(f32([3, 4], 143, 3))],
  ['rank 3, large logits', () => tf.softmax(f32([2, 2, 3], 144, 40))],
  [
    '−∞ logits (masked keys), a fully masked row gives NaN',
    () => tf.softmax(tf.tensor2d([0.5, -Infinity, 1, -Infinity, -Infinity, -Infinity], [2, 3])),
  ],
  ['transposed', () => tf.softmax(T(f32([4, 3], 145)))],
  ['batch 1', () => tf.softmax(f32([1, 6], 146))],
]);

// ---------------------------------------------------------------------------------------------
// Products.

cases('BatchMatMul', FLOAT, [
  ['[3, 4] · [4, 2]', () => tf.matMul(f32([3, 4], 147), f32([4, 2], 148))],
  ['transposeA, transposeB', () => tf.matMul(f32([4, 3], 149), f32([2, 4], 150), true, true)],
  ['batch 3 × broadcast batch 1', () => tf.matMul(f32([3, 2, 4], 151), f32([1, 4, 3], 152))],
  ['batch 1', () => tf.matMul(f32([1, 3, 5], 153), f32([1, 5, 2], 154), false, false)],
  ['transposed views', () => tf.matMul(T(f32([2, 5, 3], 155), [0, 2, 1]), T(f32([2, 4, 5], 156), [0, 2, 1]))],
  ['rank 4 × rank 2', () => tf.matMul(f32([2, 2, 3, 4], 157), f32([4, 2], 158))],
  ['empty rows', () => tf.matMul(tf.zeros([0, 3]), f32([3, 2], 159))],
]);
const ACTIVATIONS: tf.fused.Activation[] = ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu', 'prelu'];
cases(
  '_FusedMatMul',
  FLOAT,
  ACTIVATIONS.map((activation, i) => [
    `bias + ${activation}${i % 2 === 1 ? ', transposeB' : ''}`,
    () =>
      tf.fused.matMul({
        a: f32([3, 4], 160 + i, 2),
        b: i % 2 === 1 ? f32([5, 4], 170 + i) : f32([4, 5], 170 + i),
        transposeB: i % 2 === 1,
        bias: f32([5], 180 + i),
        activation,
        preluActivationWeights: activation === 'prelu' ? f32([5], 190 + i) : undefined,
        leakyreluAlpha: 0.15,
      }),
  ]),
);
cases('_FusedMatMul', FLOAT, [
  [
    'batch 3, transposeA, relu',
    () => tf.fused.matMul({ a: f32([3, 4, 2], 200), b: f32([3, 4, 3], 201), transposeA: true, bias: f32([3], 202), activation: 'relu' }),
  ],
  ['broadcast bias [2, 1], no activation', () => tf.fused.matMul({ a: f32([2, 3], 203), b: f32([3, 4], 204), bias: f32([2, 1], 205) })],
]);

// ---------------------------------------------------------------------------------------------
// Convolutions and pools (NHWC). Float math over sums of a few dozen products: 1e-5 relative.

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
// [x, filter [fh, fw, in, out], strides, pad, dilations]
const CONVS: [number[], number[], number | [number, number], Pad, number | [number, number]][] = [
  [[1, 5, 5, 2], [3, 3, 2, 3], 1, 'same', 1],
  [[3, 6, 6, 2], [3, 3, 2, 2], 2, 'same', 1], // even input, stride 2: asymmetric 'same' (0 top, 1 bottom)
  [[2, 7, 6, 3], [3, 2, 3, 2], 2, 'valid', 1],
  [[1, 7, 7, 2], [3, 3, 2, 2], 1, 'same', 2], // dilation 2
  [
    [2, 6, 5, 1],
    [2, 3, 1, 2],
    [2, 1],
    [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
    1,
  ], // explicit asymmetric
  [[1, 5, 6, 2], [3, 3, 2, 2], 1, 1, 1], // numeric padding
];
const convLabel = (x: number[], w: number[], s: unknown, p: Pad, d: unknown): string =>
  `x[${x}] w[${w}] stride ${JSON.stringify(s)} ${JSON.stringify(p)} dilation ${JSON.stringify(d)}`;
CONVS.forEach(([xs, ws, s, p, d], i) => {
  const dw = [ws[0], ws[1], ws[2], 1 + (i % 2)] as number[]; // depthwise multipliers 1 and 2
  cases('Conv2D', FLOAT, [[convLabel(xs, ws, s, p, d), () => tf.conv2d(f4(xs, 210 + i), f4(ws, 220 + i), s, p, 'NHWC', d)]]);
  cases('DepthwiseConv2dNative', FLOAT, [[convLabel(xs, dw, s, p, d), () => tf.depthwiseConv2d(f4(xs, 230 + i), f4(dw, 240 + i), s, p, 'NHWC', d)]]);
  // Gradients: dL/dx (BackpropInput) and dL/dw (BackpropFilter) of Σ conv(x, w) · r.
  const grads = (op: (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D, x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor[] => {
    const shape = tf.tidy(() => op(x, w).shape);
    const r = f32(shape, 250 + i);
    return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(op(a as tf.Tensor4D, b as tf.Tensor4D), r)))([x, w]);
  };
  const conv = (x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D => tf.conv2d(x, w, s, p, 'NHWC', d);
  const depthwise = (x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D => tf.depthwiseConv2d(x, w, s, p, 'NHWC', d);
  const gradCase =
    (op: typeof conv, w: number[], seed: number): Run =>
    () =>
      grads(op, f4(xs, seed), f4(w, seed + 1));
  if (d !== 1) return; // tfjs has no gradients of dilated convolutions
  cases('Conv2DBackpropInput', FLOAT, [[convLabel(xs, ws, s, p, d), gradCase(conv, ws, 260 + 2 * i)]]);
  cases('Conv2DBackpropFilter', FLOAT, [[convLabel(xs, ws, s, p, d), gradCase(conv, ws, 280 + 2 * i)]]);
  cases('DepthwiseConv2dNativeBackpropInput', FLOAT, [[convLabel(xs, dw, s, p, d), gradCase(depthwise, dw, 300 + 2 * i)]]);
  cases('DepthwiseConv2dNativeBackpropFilter', FLOAT, [[convLabel(xs, dw, s, p, d), gradCase(depthwise, dw, 320 + 2 * i)]]);
});
cases('Conv2D', FLOAT, [
  ['transposed input view (NCHW → NHWC)', () => tf.conv2d(T(f4([2, 3, 5, 5], 340), [0, 2, 3, 1]) as tf.Tensor4D, f4([3, 3, 3, 2], 341), 1, 'same')],
  ['1×1, 16×16 stride 16 (patch embedding)', () => tf.conv2d(f4([1, 32, 32, 3], 342), f4([16, 16, 3, 4], 343), 16, 'valid')],
]);
cases('DepthwiseConv2dNative', FLOAT, [
  ['transposed input view', () => tf.depthwiseConv2d(T(f4([1, 2, 5, 5], 344), [0, 2, 3, 1]) as tf.Tensor4D, f4([3, 3, 2, 2], 345), 2, 'same')],
]);
cases('Conv2DBackpropInput', FLOAT, [
  ['conv2dTranspose stride 2 same', () => tf.conv2dTranspose(f4([2, 3, 3, 2], 346), f4([3, 3, 3, 2], 347), [2, 6, 6, 3], 2, 'same')],
]);
const FUSED_CONV_ACTIVATIONS: tf.fused.Activation[] = ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu', 'prelu'];
FUSED_CONV_ACTIVATIONS.forEach((activation, i) => {
  const [xs, ws, s, p, d] = CONVS[i % CONVS.length] as (typeof CONVS)[number];
  const out = ws[3] as number;
  const dw = [ws[0], ws[1], ws[2], 1 + (i % 2)] as number[];
  const dwOut = (ws[2] as number) * (1 + (i % 2));
  const label = `${convLabel(xs, ws, s, p, d)} + bias, ${activation}`;
  cases('FusedConv2D', FLOAT, [
    [
      label,
      () =>
        tf.fused.conv2d({
          x: f4(xs, 350 + i),
          filter: f4(ws, 360 + i),
          strides: s,
          pad: p,
          dilations: d,
          bias: f32([out], 370 + i),
          activation,
          preluActivationWeights: activation === 'prelu' ? f32([out], 380 + i) : undefined,
          leakyreluAlpha: 0.15,
        }),
    ],
  ]);
  cases('FusedDepthwiseConv2D', FLOAT, [
    [
      `${label}${Array.isArray(p) ? " ('same' here: fused.depthwiseConv2d takes no explicit padding)" : ''}`,
      () =>
        tf.fused.depthwiseConv2d({
          x: f4(xs, 390 + i),
          filter: f4(dw, 400 + i),
          strides: s,
          pad: Array.isArray(p) ? 'same' : p,
          dilations: d,
          bias: f32([dwOut], 410 + i),
          activation,
          preluActivationWeights: activation === 'prelu' ? f32([dwOut], 420 + i) : undefined,
          leakyreluAlpha: 0.15,
        }),
    ],
  ]);
});

// [x, filter size, strides, pad]
const POOLS: [number[], number | [number, number], number | [number, number], 'same' | 'valid' | number][] = [
  [[1, 5, 5, 2], 2, 2, 'valid'],
  [[3, 6, 6, 2], 3, 2, 'same'], // even input, stride 2: asymmetric 'same'
  [[2, 5, 5, 1], 3, 1, 'same'],
  [[1, 7, 6, 3], [3, 2], [2, 1], 'valid'],
  [[2, 6, 6, 2], 3, 2, 1],
];
POOLS.forEach(([xs, size, s, p], i) => {
  const label = `x[${xs}] size ${JSON.stringify(size)} stride ${JSON.stringify(s)} ${JSON.stringify(p)}`;
  cases('MaxPool', EXACT, [[label, () => tf.maxPool(f4(xs, 430 + i), size, s, p)]]);
  cases('AvgPool', FLOAT, [[label, () => tf.avgPool(f4(xs, 440 + i), size, s, p)]]);
  const grad =
    (op: (x: tf.Tensor4D) => tf.Tensor4D, seed: number): Run =>
    () => {
      const x = f4(xs, seed);
      const r = f32(
        tf.tidy(() => op(x).shape),
        seed + 1,
      );
      return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(op(a as tf.Tensor4D), r)))(x);
    };
  cases('MaxPoolGrad', FLOAT, [[label, grad((x) => tf.maxPool(x, size, s, p), 450 + 2 * i)]]);
  // The average pool leaves padding out of its counts, and so does torch's gradient; tfjs cpu's
  // AvgPoolGrad divides by fh·fw everywhere, which is not the gradient of its own AvgPool at padded
  // borders. Where there is padding, cpu runs the same average as a sum pool over the count
  // (depthwise convolutions with a ones filter) and differentiates that.
  const [fh, fw] = typeof size === 'number' ? [size, size] : size;
  const ones = (): tf.Tensor4D => tf.ones([fh, fw, xs[3] as number, 1]);
  const averageAsConvs = (x: tf.Tensor4D): tf.Tensor4D =>
    tf.div(tf.depthwiseConv2d(x, ones(), s, p), tf.depthwiseConv2d(tf.onesLike(x), ones(), s, p));
  const avg = (x: tf.Tensor4D): tf.Tensor4D => tf.avgPool(x, size, s, p);
  cases('AvgPoolGrad', FLOAT, [
    [label, p === 'valid' ? grad(avg, 470 + 2 * i) : withCpuReference(grad(averageAsConvs, 470 + 2 * i), grad(avg, 470 + 2 * i))],
  ]);
});
cases('MaxPool', EXACT, [['transposed input view', () => tf.maxPool(T(f4([1, 2, 4, 4], 490), [0, 2, 3, 1]) as tf.Tensor4D, 2, 2, 'same')]]);
cases('AvgPool', FLOAT, [['transposed input view', () => tf.avgPool(T(f4([1, 2, 4, 4], 491), [0, 2, 3, 1]) as tf.Tensor4D, 2, 2, 'same')]]);

// ---------------------------------------------------------------------------------------------
// The dropout mask (lib/runtime/fused-dropout.ts) is drawn by libtorch's generator, which no cpu
// kernel reproduces: each case turns masks into facts that cpu states exactly (keep probabilities
// with exact reciprocals, so 1 / keep is the same float32 on both sides).

const DROPOUT_MULTIPLIER = 'CondformerDropoutMultiplier';
const dropoutMask = (shape: number[], keepProb: number, seed: number): tf.Tensor =>
  tf.engine().runKernel(DROPOUT_MULTIPLIER, {}, { shape, keepProb, seed }) as tf.Tensor;
const maskValuesOk = (m: tf.Tensor, keepProb: number): tf.Tensor => tf.logicalOr(tf.equal(m, 0), tf.equal(m, 1 / keepProb));
cases(DROPOUT_MULTIPLIER, EXACT, [
  [
    '[3, 4]: every value 0 or 1 / keep',
    withCpuReference(
      () => tf.ones([3, 4], 'bool'),
      () => maskValuesOk(dropoutMask([3, 4], 0.8, 1), 0.8),
    ),
  ],
  [
    'the same seed gives the same mask, another seed another one',
    withCpuReference(
      () => [tf.scalar(true, 'bool'), tf.scalar(true, 'bool')],
      () => [
        tf.all(tf.equal(dropoutMask([64], 0.5, 7), dropoutMask([64], 0.5, 7))),
        tf.any(tf.notEqual(dropoutMask([64], 0.5, 7), dropoutMask([64], 0.5, 8))),
      ],
    ),
  ],
  [
    'kept fraction within 5σ of keep (4,000 draws)',
    withCpuReference(
      () => tf.scalar(true, 'bool'),
      () =>
        tf.lessEqual(
          tf.abs(tf.sub(tf.mean(tf.cast(tf.notEqual(dropoutMask([40, 100], 0.75, 3), 0), 'float32')), 0.75)),
          5 * Math.sqrt((0.75 * 0.25) / 4000),
        ),
    ),
  ],
  [
    'keep 1: all ones',
    withCpuReference(
      () => tf.ones([2, 5]),
      () => dropoutMask([2, 5], 1, 4),
    ),
  ],
  [
    'empty [0, 3]',
    withCpuReference(
      () => tf.zeros([0, 3]),
      () => dropoutMask([0, 3], 0.5, 5),
    ),
  ],
  [
    'scalar shape',
    withCpuReference(
      () => tf.scalar(true, 'bool'),
      () => maskValuesOk(dropoutMask([], 0.5, 6), 0.5),
    ),
  ],
]);

// ---------------------------------------------------------------------------------------------
// The fused AdamW update (lib/runtime/fused-adamw.ts): AdamW.step runs it on torch and its tfjs-op
// form (the same float32 arithmetic, in the same order) on cpu, which has no such kernel.

const adamwSteps =
  (shape: number[], steps: number, options: AdamWOptions, transposedGrads = false): Run =>
  () => {
    const p = tf.variable(f32(shape, 500));
    const optimizer = new AdamW([['p', p]], options);
    for (let s = 0; s < steps; s++) {
      const g = transposedGrads ? T(f32([...shape].reverse(), 501 + s)) : f32(shape, 501 + s);
      optimizer.step({ [p.name]: g }); // gradients are keyed by variable name
    }
    const { moments } = optimizer.state();
    const out = [p.clone(), moments.get('exp_avg.p'), moments.get('exp_avg_sq.p')].filter((t): t is tf.Tensor => t !== undefined);
    optimizer.dispose();
    p.dispose();
    return out;
  };
// Fused GELU and layer norm (lib/runtime/fused-layers.ts): lib/nn's gelu / LayerNorm take the
// fused kernels on torch and compose tfjs ops on cpu, so the cpu run is the reference for both
// directions; the gradient cases differentiate a weighted sum, so every output's gradient differs.
const geluCases: [string, () => tf.Tensor][] = [
  ['[3, 4]', () => f32([3, 4], 600, 2)],
  ['transposed [4, 3]ᵀ', () => T(f32([4, 3], 601, 2))],
  ['batch 3 [3, 2, 5]', () => f32([3, 2, 5], 602, 3)],
  ['scalar', () => tf.scalar(-0.7)],
  ['±∞, 0, large', () => tf.tensor1d([Infinity, -Infinity, 0, 12, -12, 3.5])],
];
cases(
  GELU_KERNEL,
  FLOAT,
  geluCases.map(([label, x]) => [label, () => gelu(x())]),
);
cases(
  GELU_GRAD_KERNEL,
  FLOAT,
  geluCases
    .slice(0, 4)
    .map(([label, x]) => [label, () => tf.grad((a: tf.Tensor) => tf.sum(tf.mul(gelu(a), tf.sin(a))))(x())] as const)
    .concat([['[2, 196]', () => tf.grad((a: tf.Tensor) => tf.sum(tf.mul(gelu(a), tf.cos(a))))(f32([2, 196], 603))]]),
);
/** A LayerNorm of width c with seeded affine parameters, its output and (when asked) the gradients of a weighted sum. */
const layerNormRun =
  (shape: number[], seed: number, grads: boolean, transposed = false): Run =>
  () => {
    const c = shape[shape.length - 1] as number;
    const norm = new LayerNorm(c, 1e-5);
    norm.weight.assign(f32([c], seed + 1));
    norm.bias.assign(f32([c], seed + 2));
    const x = transposed ? T(f32([...shape].reverse(), seed)) : f32(shape, seed);
    const w = f32(shape, seed + 3);
    const out = grads
      ? (() => {
          const { value, grads: g } = tf.variableGrads(() => tf.sum(tf.mul(norm.forward(x), w)) as tf.Scalar, [norm.weight, norm.bias]);
          const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(norm.forward(a), w)))(x);
          return [value, dx, g[norm.weight.name] as tf.Tensor, g[norm.bias.name] as tf.Tensor];
        })()
      : [norm.forward(x)];
    norm.dispose();
    return out;
  };
cases(LAYER_NORM_KERNEL, FLOAT, [
  ['[3, 8]', layerNormRun([3, 8], 610, false)],
  ['batch 3 [3, 4, 6]', layerNormRun([3, 4, 6], 611, false)],
  ['width 16 [2, 16]', layerNormRun([2, 16], 612, false)],
  ['batch 1 [1, 256]', layerNormRun([1, 256], 613, false)],
  ['transposed input', layerNormRun([5, 3], 614, false, true)],
]);
cases(LAYER_NORM_GRAD_KERNEL, FLOAT, [
  ['[3, 8]', layerNormRun([3, 8], 620, true)],
  ['batch 3 [3, 4, 6]', layerNormRun([3, 4, 6], 621, true)],
  ['width 16 [2, 16]', layerNormRun([2, 16], 622, true)],
  ['batch 1 [1, 256]', layerNormRun([1, 256], 623, true)],
  ['transposed input', layerNormRun([5, 3], 624, true, true)],
]);

cases(ADAMW_UPDATE_KERNEL, FLOAT, [
  ['one step, [3, 4]', adamwSteps([3, 4], 1, { lr: 1e-2 })],
  ['three steps, weight decay 0.1', adamwSteps([5], 3, { lr: 3e-2, weightDecay: 0.1 })],
  ['coupled L2 (Adam)', adamwSteps([2, 3], 2, { lr: 1e-2, weightDecay: 0.05, decoupled: false })],
  ['no weight decay, betas (0.8, 0.9)', adamwSteps([4, 2], 2, { lr: 1e-1, weightDecay: 0, betas: [0.8, 0.9] })],
  ['scalar parameter', adamwSteps([], 2, { lr: 1e-2 })],
  ['transposed gradients', adamwSteps([2, 3], 2, { lr: 1e-2 }, true)],
]);

// ---------------------------------------------------------------------------------------------
// More dtypes and edge cases.

// Unary kernels tf ops let int32 reach (tf.floor, tf.sin, tf.sqrt … refuse it): some give float32
// (Exp, Erf), others keep int32 with the float result truncated (Acos, Expm1, Reciprocal, Selu …).
const INT_UNARY = new Set([
  'Abs',
  'Neg',
  'Exp',
  'Expm1',
  'Log1p',
  'Square',
  'Reciprocal',
  'Asin',
  'Acos',
  'Atan',
  'Asinh',
  'Acosh',
  'Atanh',
  'Sinh',
  'Round',
  'Sign',
  'Softplus',
  'Relu',
  'Relu6',
  'Selu',
  'Erf',
  'IsNan',
  'IsInf',
  'IsFinite',
]);
for (const [kernel, op] of UNARY) if (INT_UNARY.has(kernel)) cases(kernel, FLOAT, [['int32 (dtype as tfjs)', () => op(i32(INTS))]]);
cases('Atan2', EXACT, [['int32 → int32, truncated', () => tf.atan2(i32(INTS), i32([2, -3, 1, 4, -1, 2, 3, 0]))]]);
for (const [kernel, op] of [
  ['Cumsum', tf.cumsum],
  ['Cumprod', tf.cumprod],
] as const)
  cases(kernel, EXACT, [['bool → int32', () => op(bool([1, 0, 1, 1]))]]);
cases('LeakyRelu', FLOAT, [['int32 → float32', () => tf.leakyRelu(i32(INTS), 0.2)]]);
cases('Step', EXACT, [['int32, alpha 0.5 truncated', () => tf.step(i32(INTS), 0.5)]]);
cases('ClipByValue', EXACT, [['int32, fractional bounds', () => tf.clipByValue(i32(INTS), -2.5, 3.7)]]);
cases('Reverse', EXACT, [['bool', () => tf.reverse(bool([1, 0, 0]))]]);
cases('StridedSlice', EXACT, [['bool, negative stride', () => tf.stridedSlice(bool([1, 0, 0, 1]), [3], [0], [-1])]]);
cases('Max', EXACT, [
  ['bool', () => tf.max(bool([1, 0, 0, 1]))],
  ['empty axis → NaN', () => tf.max(tf.zeros([0, 3]), 0)],
]);
cases('Min', EXACT, [['empty axis → NaN', () => tf.min(tf.zeros([0, 3]), 0)]]);
cases('Prod', EXACT, [
  ['empty axis → 1', () => tf.prod(tf.zeros([0, 3]), 0)],
  ['bool → int32', () => tf.prod(bool([1, 1, 0]))],
]);
cases('Mean', FLOAT, [
  ['empty axis → 0', () => tf.mean(tf.zeros([0, 3]), 0)],
  ['bool → float32', () => tf.mean(bool([1, 1, 0]))],
]);
cases('Softmax', FLOAT, [['empty', () => tf.softmax(tf.zeros([0, 3]))]]);
for (const kernel of ['ArgMax', 'ArgMin'] as const) {
  const op = kernel === 'ArgMax' ? tf.argMax : tf.argMin;
  cases(kernel, EXACT, [['bool', () => op(bool([0, 1, 1, 0]))]]);
}
cases('OneHot', EXACT, [['bool dtype', () => tf.oneHot(i32([0, 2, 7]), 3, 1, 0, 'bool')]]);
cases('Sum', FLOAT, [['no axes (identity)', () => tf.sum(f32([2, 3], 1), [])]]);
cases('Transpose', EXACT, [['empty', () => T(tf.zeros([0, 3]))]]);
cases('GatherV2', EXACT, [['bool params', () => tf.gather(bool([1, 0, 1]), i32([2, 2, 1]))]]);
cases('Tile', EXACT, [['scalar, no reps', () => tf.tile(tf.scalar(2), [])]]);
cases('Pack', EXACT, [['empty, axis 1', () => tf.stack([tf.zeros([0]), tf.zeros([0])], 1)]]);
cases('TopK', EXACT, [
  ['NaN', () => topk(tf.tensor1d([1, Number.NaN, 3, 2]), 2)],
  ['±0 ties', () => topk(tf.tensor1d([0, -0, 0, -0]), 2)],
]);
cases('GatherV2', EXACT, [
  ['batchDims 2, axis 2, rank-3 indices', () => tf.gather(f32([2, 3, 4, 2], 520), i32([0, 3, 1, 1, 2, 2, 3, 0, 0, 1, 2, 3], [2, 3, 2]), 2, 2)],
]);
cases('GatherNd', EXACT, [['one tuple (rank-1 indices)', () => tf.gatherND(f32([3, 4], 521), i32([2, 1]))]]);
cases('ScatterNd', FLOAT, [['one tuple into a vector', () => tf.scatterND(i32([3], [1, 1]), tf.tensor1d([2.5]), [5])]]);
cases('UnsortedSegmentSum', FLOAT, [
  ['ids outside [0, n) are dropped', () => tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3, 4]), ids([-1, 0, 3, 1]), 3)],
]);
cases('OneHot', EXACT, [['fractional on / off into int32', () => tf.oneHot(i32([1, 0]), 2, 2.7, -0.5, 'int32')]]);
cases('BatchMatMul', FLOAT, [['transposed view with transposeA', () => tf.matMul(T(f32([4, 3], 522)), f32([3, 2], 523), true, false)]]);
cases('MaxPool', EXACT, [
  [
    'NaN (tfjs skips it)',
    () => tf.maxPool(tf.tensor4d([1, Number.NaN, 3, 2, Number.NaN, Number.NaN, Number.NaN, Number.NaN, 0], [1, 3, 3, 1]), 2, 1, 'same'),
  ],
]);
cases('MaxPoolGrad', FLOAT, [
  [
    'ties: the first maximum takes the gradient',
    () => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(x as tf.Tensor4D, 2, 1, 'same'), f32([1, 3, 3, 1], 524))))(tf.ones([1, 3, 3, 1])),
  ],
]);
cases('Cast', EXACT, [
  ['float → int32 beyond 2³¹ wraps (ToInt32)', () => tf.cast(tf.tensor1d([3e9, -3e9, 2147483648, -2147483904, 4294967296]), 'int32')],
]);
cases('Unpack', EXACT, [['bool', () => tf.unstack(bool([1, 0, 0, 1], [2, 2]), 1)]]);
cases('SplitV', EXACT, [['bool', () => tf.split(bool([1, 0, 0, 1]), [1, 3])]]);
cases('Sum', EXACT, [['int32 overflow wraps', () => tf.sum(i32([2147483647, 1, 5]))]]);
cases('BatchMatMul', EXACT, [['int32', () => tf.matMul(i32([1, 2, 3, 4], [2, 2]), i32([1, 0, -1, 2], [2, 2]))]]);
