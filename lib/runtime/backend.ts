// Picks and initialises the TensorFlow.js backend. Automatic order, fastest first:
//   torch-cuda → tfjs-node-gpu → torch → tfjs-node → wasm (+ condformer's training kernels) → cpu.
// WebGPU (a real adapter) is taken only when asked for by name: it fails a third of the suite today
// (see README, backends). A name (argument, else CONDFORMER_BACKEND) is tried first; when it cannot
// load, the backends after it in the order below are tried. One line reports the choice and why
// each earlier one was skipped.
import * as tf from '@tensorflow/tfjs';
import { errorMessage, importOptional, type ModuleImporter } from './optional-import.js';
import { setUpTorch, type TorchAddonLoader } from './torch/setup.js';
import { registerWasmTrainingKernels, type WasmKernelSet, wasmKernelSet } from './wasm-kernels.js';
import { setUpWebGpu } from './webgpu.js';

/** Every backend, in fallback order; `webgpu` is skipped unless named (NAMED_ONLY). */
export const BACKEND_NAMES = ['torch-cuda', 'tfjs-node-gpu', 'webgpu', 'torch', 'tfjs-node', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
const NAMED_ONLY: readonly BackendName[] = ['webgpu'];

export interface InitBackendOptions {
  /** Environment to read CONDFORMER_BACKEND from (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** condformer's wasm kernels to register when wasm is chosen (default `all`; see WasmKernelSet). */
  readonly wasmKernels?: WasmKernelSet;
  /** Where the one-line report goes (default `console.log`); `null` keeps it quiet. */
  readonly log?: ((line: string) => void) | null;
  /** Module loader for the optional packages (tests inject failures here). */
  readonly importer?: ModuleImporter;
  /** Loader of the libtorch addon (tests inject a missing one here). */
  readonly torchAddon?: TorchAddonLoader;
}

export interface Skipped {
  readonly backend: BackendName;
  readonly reason: string;
}

export interface BackendChoice {
  readonly backend: BackendName;
  /** The name tfjs knows it by (`tensorflow` for both tfjs-node packages). */
  readonly tfBackend: string;
  /** The backend asked for (argument or CONDFORMER_BACKEND), null for the automatic order. */
  readonly requested: BackendName | null;
  /** Where `requested` came from. */
  readonly source: 'auto' | 'option' | 'CONDFORMER_BACKEND';
  readonly detail: string | null;
  readonly skipped: readonly Skipped[];
  readonly line: string;
}

const WASM_KERNEL_DETAIL: Record<WasmKernelSet, string> = {
  all: 'condformer kernels',
  gradients: 'condformer gradient kernels, stock matmul',
  none: 'stock kernels',
};

type Attempt = { readonly ok: true; readonly tfBackend: string; readonly detail: string | null } | { readonly ok: false; readonly reason: string };

export function isBackendName(name: string): name is BackendName {
  return BACKEND_NAMES.some((n) => n === name);
}

/** Validate a backend name ('auto' or '' = no preference). */
export function parseBackendName(name: string, source: string): BackendName | null {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed === 'auto') return null;
  if (isBackendName(trimmed)) return trimmed;
  throw new Error(`unknown backend '${trimmed}' (from ${source}): expected one of ${BACKEND_NAMES.join(', ')} or auto`);
}

export async function initBackend(preference?: string, options: InitBackendOptions = {}): Promise<BackendChoice> {
  const env = options.env ?? process.env;
  const fromEnv = env.CONDFORMER_BACKEND;
  const [requested, source]: [BackendName | null, BackendChoice['source']] =
    preference !== undefined
      ? [parseBackendName(preference, 'the backend option'), 'option']
      : fromEnv !== undefined
        ? [parseBackendName(fromEnv, 'CONDFORMER_BACKEND'), 'CONDFORMER_BACKEND']
        : [null, 'auto'];
  const candidates = (requested === null ? BACKEND_NAMES : BACKEND_NAMES.slice(BACKEND_NAMES.indexOf(requested))).filter(
    (b) => b === requested || !NAMED_ONLY.includes(b),
  );
  const skipped: Skipped[] = [];
  for (const backend of candidates) {
    const attempt = await tryBackend(backend, backend === requested, options);
    if (!attempt.ok) {
      skipped.push({ backend, reason: attempt.reason });
      continue;
    }
    if (backend === 'cpu') quietCpuBanner();
    const choice = {
      backend,
      tfBackend: attempt.tfBackend,
      requested,
      source: requested === null ? 'auto' : source,
      detail: attempt.detail,
      skipped,
    };
    const line = choiceLine(choice);
    const log = options.log === undefined ? console.log : options.log;
    if (log !== null) log(line);
    return { ...choice, line };
  }
  throw new Error(`no TensorFlow.js backend could be initialised: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`);
}

/** `backend: wasm (auto; condformer kernels) — skipped tfjs-node-gpu: not installed; ...` */
export function choiceLine(choice: Omit<BackendChoice, 'line'>): string {
  const why =
    choice.source === 'CONDFORMER_BACKEND'
      ? `CONDFORMER_BACKEND=${choice.requested}`
      : choice.source === 'option'
        ? `requested ${choice.requested}`
        : 'auto';
  const head = `backend: ${choice.backend} (${[why, choice.detail].filter((s) => s !== null).join('; ')})`;
  if (choice.skipped.length === 0) return head;
  return `${head} — skipped ${choice.skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`;
}

async function tryBackend(backend: BackendName, named: boolean, options: InitBackendOptions): Promise<Attempt> {
  switch (backend) {
    case 'torch-cuda':
    case 'torch': {
      const setup = setUpTorch(backend, options.env ?? process.env, options.torchAddon);
      if (!setup.ok) return setup;
      return activate(backend, setup.detail);
    }
    case 'tfjs-node-gpu':
    case 'tfjs-node': {
      const loaded = await importOptional(`@tensorflow/${backend}`, options.importer);
      if (!loaded.ok) return loaded;
      return activate('tensorflow', null);
    }
    case 'webgpu': {
      const setup = await setUpWebGpu(named, options.importer);
      if (!setup.ok) return setup;
      return activate('webgpu', setup.adapter);
    }
    case 'wasm': {
      registerWasmTrainingKernels(options.wasmKernels ?? 'all');
      // Kernels stay registered for the life of the process once added: report what is in place.
      return activate('wasm', WASM_KERNEL_DETAIL[wasmKernelSet()]);
    }
    case 'cpu':
      return activate('cpu', null);
  }
}

async function activate(tfBackend: string, detail: string | null): Promise<Attempt> {
  try {
    // setBackend resolves false (after tfjs logs the error) when the backend fails to initialise.
    if (!(await tf.setBackend(tfBackend))) return { ok: false, reason: `failed to initialise (tfjs '${tfBackend}' backend)` };
    await tf.ready();
    return { ok: true, tfBackend, detail };
  } catch (error) {
    return { ok: false, reason: `failed to load: ${errorMessage(error)}` };
  }
}

/**
 * tfjs-backend-cpu warns "looks like you are running TensorFlow.js in Node.js" on its first
 * tensor; the backend line above already says why no faster backend was used. The warning is
 * guarded by the backend's `firstUse` field: clear it when present (a no-op if tfjs renames it).
 */
function quietCpuBanner(): void {
  const cpu: unknown = tf.findBackend('cpu');
  if (typeof cpu === 'object' && cpu !== null && 'firstUse' in cpu) Reflect.set(cpu, 'firstUse', false);
}
