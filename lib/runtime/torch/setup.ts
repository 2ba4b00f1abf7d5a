// Registers the `torch` (CPU) and `torch-cuda` TensorFlow.js backends over the libtorch addon.
// Threads: CONDFORMER_THREADS, else every core (os.availableParallelism()); they cover ATen's
// intra-op pool and OpenBLAS under Debian's libtorch.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { loadTorchAddon, type TorchAddon, type TorchAddonInfo } from './addon.js';
import { registerTorchKernels } from './kernels.js';
import { TorchBackend } from './torch-backend.js';

export type TorchBackendName = 'torch' | 'torch-cuda';

export type TorchSetUp = { readonly ok: true; readonly detail: string } | { readonly ok: false; readonly reason: string };

/** Threads asked for by CONDFORMER_THREADS (a positive integer), else all cores. */
export function torchThreads(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env.CONDFORMER_THREADS;
  if (raw === undefined || raw.trim() === '') return availableParallelism();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`CONDFORMER_THREADS must be a positive integer, got '${raw}'`);
  return n;
}

/**
 * The BLAS libtorch's matrix products run on, from the libraries mapped into this process (Linux):
 * Debian's libtorch takes whatever provides libblas.so.3, and the reference BLAS is 10–30× slower.
 */
export function blasInUse(maps = '/proc/self/maps'): string | null {
  if (!existsSync(maps)) return null;
  const text = readFileSync(maps, 'utf8');
  if (text.includes('libmkl')) return 'MKL';
  if (text.includes('openblas')) return 'OpenBLAS';
  if (text.includes('libblis')) return 'BLIS';
  if (text.includes('atlas')) return 'ATLAS';
  if (/\/blas\/libblas\.so/.test(text)) return 'reference BLAS (slow: apt-get install libopenblas0-openmp)';
  return null;
}

function libtorchVersion(info: TorchAddonInfo): string {
  return `${Math.floor(info.version / 10000)}.${Math.floor(info.version / 100) % 100}.${info.version % 100}`;
}

export type TorchAddonLoader = () => { readonly ok: true; readonly addon: TorchAddon } | { readonly ok: false; readonly reason: string };

/** The addon if it is built from this source and loads (./addon). */
export const torchAddon: TorchAddonLoader = loadTorchAddon;

/** Register `name` with tfjs (once) after checking that it can run here. */
export function setUpTorch(
  name: TorchBackendName,
  env: Readonly<Record<string, string | undefined>> = process.env,
  load: TorchAddonLoader = torchAddon,
): TorchSetUp {
  const loaded = load();
  if (!loaded.ok) return loaded;
  const { addon } = loaded;
  const info = addon.describe();
  if (name === 'torch-cuda' && !info.cuda) return { ok: false, reason: `libtorch ${libtorchVersion(info)} here has no CUDA` };
  if (name === 'torch-cuda' && info.gpus < 1) return { ok: false, reason: 'no CUDA GPU is visible' };
  const threads = addon.setThreads(torchThreads(env));
  if (tf.findBackend(name) === null) {
    registerTorchKernels(name);
    tf.registerBackend(name, () => new TorchBackend(addon, name === 'torch-cuda' ? 1 : 0));
  }
  const blas = blasInUse();
  const where =
    name === 'torch-cuda'
      ? `CUDA, ${info.gpus} GPU${info.gpus === 1 ? '' : 's'}`
      : `${threads} thread${threads === 1 ? '' : 's'}${blas === null ? '' : `, ${blas}`}`;
  return { ok: true, detail: `libtorch ${libtorchVersion(info)}, ${where}` };
}
