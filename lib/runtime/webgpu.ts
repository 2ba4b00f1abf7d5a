// WebGPU in Node through the `webgpu` package (Dawn's node bindings, Vulkan backend) and
// @tensorflow/tfjs-backend-webgpu. Both are optional peer dependencies, imported lazily.
// `navigator.gpu` must exist before tfjs-backend-webgpu is imported: the package registers its
// backend at import time only when it finds one.
import { errorMessage, importOptional, type ModuleImporter } from './optional-import.js';

/** Only the parts of the WebGPU API used to pick an adapter. */
interface GpuAdapterLike {
  readonly info?: unknown;
  readonly isFallbackAdapter?: unknown;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}
interface DawnModule {
  create(flags: string[]): GpuLike;
  readonly globals: object;
}

const SOFTWARE_ADAPTERS = /swiftshader|llvmpipe|lavapipe|softpipe|basic render/i;

function isDawnModule(m: unknown): m is DawnModule {
  return (
    typeof m === 'object' &&
    m !== null &&
    'create' in m &&
    typeof m.create === 'function' &&
    'globals' in m &&
    typeof m.globals === 'object' &&
    m.globals !== null
  );
}

function isGpu(g: unknown): g is GpuLike {
  return typeof g === 'object' && g !== null && 'requestAdapter' in g && typeof g.requestAdapter === 'function';
}

function stringField(o: unknown, key: string): string {
  if (typeof o !== 'object' || o === null || !(key in o)) return '';
  const v: unknown = Reflect.get(o, key);
  return typeof v === 'string' ? v : '';
}

/** A readable adapter name and whether it is a software (fallback) implementation. */
export function describeAdapter(adapter: GpuAdapterLike): { name: string; software: boolean } {
  const info = adapter.info;
  const name =
    ['vendor', 'architecture', 'device', 'description']
      .map((k) => stringField(info, k))
      .filter((s) => s !== '')
      .join(' ') || 'unknown adapter';
  const flagged =
    adapter.isFallbackAdapter === true || (typeof info === 'object' && info !== null && Reflect.get(info, 'isFallbackAdapter') === true);
  return { name, software: flagged || SOFTWARE_ADAPTERS.test(name) };
}

/** Put `gpu` on `globalThis.navigator` (created on Node 20, extended on Node ≥ 21). */
function installNavigatorGpu(gpu: GpuLike): void {
  const existing: unknown = Reflect.get(globalThis, 'navigator');
  if (typeof existing === 'object' && existing !== null) {
    Object.defineProperty(existing, 'gpu', { value: gpu, configurable: true, writable: true });
  } else {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  }
}

function removeNavigatorGpu(): void {
  const existing: unknown = Reflect.get(globalThis, 'navigator');
  if (typeof existing === 'object' && existing !== null) Reflect.deleteProperty(existing, 'gpu');
}

export type WebGpuSetup = { readonly ok: true; readonly adapter: string } | { readonly ok: false; readonly reason: string };

/**
 * Install `navigator.gpu` from the `webgpu` package, check for an adapter and import
 * tfjs-backend-webgpu so that it registers the 'webgpu' backend. A software adapter is refused
 * unless `allowSoftware`.
 */
export async function setUpWebGpu(allowSoftware: boolean, importer?: ModuleImporter): Promise<WebGpuSetup> {
  const dawn = await importOptional('webgpu', importer);
  if (!dawn.ok) return { ok: false, reason: `package webgpu ${dawn.reason}` };
  if (!isDawnModule(dawn.module)) return { ok: false, reason: 'webgpu failed to load: the package exports no create()/globals' };
  let adapter: GpuAdapterLike | null;
  let gpu: GpuLike;
  try {
    Object.assign(globalThis, dawn.module.globals); // GPUBufferUsage, GPUMapMode, ... used by tfjs-backend-webgpu
    const created: unknown = dawn.module.create(['backend=vulkan']);
    if (!isGpu(created)) return { ok: false, reason: 'webgpu failed to load: create() returned no GPU object' };
    gpu = created;
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return { ok: false, reason: `webgpu failed to load: ${errorMessage(error)}` };
  }
  if (adapter === null) return { ok: false, reason: 'no adapter (Vulkan)' };
  const { name, software } = describeAdapter(adapter);
  if (software && !allowSoftware) return { ok: false, reason: `only a software adapter (${name}); ask for 'webgpu' by name to use it` };
  installNavigatorGpu(gpu);
  const tfWebGpu = await importOptional('@tensorflow/tfjs-backend-webgpu', importer);
  if (!tfWebGpu.ok) {
    removeNavigatorGpu(); // a live Dawn instance keeps the process from exiting
    return { ok: false, reason: `package @tensorflow/tfjs-backend-webgpu ${tfWebGpu.reason}` };
  }
  return { ok: true, adapter: software ? `${name}, software` : name };
}
