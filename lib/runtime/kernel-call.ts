// Typed access to kernel arguments and to other registered kernels, for kernels written in terms of
// a backend's own kernels (the wasm training kernels). Intermediate results are TensorInfos owned by
// the caller: release them with `release` once used.
import * as tf from '@tensorflow/tfjs';

export type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The backend tfjs hands a kernel function (typed `{}` by tfjs: narrowed by kernelBackend). */
export type TfjsBackend = KernelArgs['backend'];

/** The kernel backend handed to a kernel function (typed `{}` by tfjs). */
export function kernelBackend(backend: TfjsBackend): tf.KernelBackend {
  if (!(backend instanceof tf.KernelBackend)) throw new Error('kernel called without a tfjs KernelBackend');
  return backend;
}

export function tensorInput(args: KernelArgs, name: string): tf.TensorInfo {
  const t = args.inputs[name];
  if (t === undefined) throw new Error(`kernel input '${name}' is missing`);
  return t;
}

export function optionalInput(args: KernelArgs, name: string): tf.TensorInfo | null {
  return args.inputs[name] ?? null;
}

export function boolAttr(args: KernelArgs, name: string): boolean {
  const v = args.attrs?.[name];
  return v === true;
}

export function numberAttr(args: KernelArgs, name: string): number {
  const v = args.attrs?.[name];
  if (typeof v !== 'number') throw new Error(`kernel attribute '${name}' must be a number, got ${JSON.stringify(v)}`);
  return v;
}

export function numberArrayAttr(args: KernelArgs, name: string): number[] {
  const v = args.attrs?.[name];
  if (!Array.isArray(v) || !v.every((x): x is number => typeof x === 'number')) {
    throw new Error(`kernel attribute '${name}' must be a number array, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Run `kernelFunc` (or the kernel registered as `kernelName` for `backendName`) on TensorInfos. */
export function callKernel(
  kernel: tf.KernelFunc | { kernelName: string; backendName: string },
  backend: TfjsBackend,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const kernelFunc = typeof kernel === 'function' ? kernel : registeredKernel(kernel.kernelName, kernel.backendName);
  const out = kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(out)) throw new Error('callKernel: expected a single output');
  return out;
}

export function registeredKernel(kernelName: string, backendName: string): tf.KernelFunc {
  const config = tf.getKernel(kernelName, backendName);
  if (config === undefined) throw new Error(`kernel '${kernelName}' is not registered for backend '${backendName}'`);
  return config.kernelFunc;
}

/** Drop intermediate TensorInfos produced by `callKernel`. */
export function release(backend: TfjsBackend, ...infos: tf.TensorInfo[]): void {
  const b = kernelBackend(backend);
  for (const info of infos) b.disposeData(info.dataId);
}
