// Loads the libtorch addon built by native/build.mjs (native/build/condformer-torch.node) and types
// its functions. Slots are the addon's tensor handles; every kernel writes its outputs' dtypes and
// shapes into the meta buffer given to `init` (see native/condformer-torch.cc).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the addon's tensors live: 0 CPU, 1 the first CUDA GPU. */
export type TorchDevice = 0 | 1;
export type Slot = number;
type Slots = readonly Slot[];

export interface TorchAddonInfo {
  /** libtorch's version as major·10000 + minor·100 + patch. */
  readonly version: number;
  readonly threads: number;
  readonly cuda: boolean;
  readonly gpus: number;
}

export interface TorchAddon {
  init(meta: Int32Array): void;
  setThreads(n: number): number;
  describe(): TorchAddonInfo;
  create(values: Float32Array | Int32Array | Uint8Array, shape: readonly number[], dtype: number, device: TorchDevice): Slot;
  read(slot: Slot): Float32Array | Int32Array | Uint8Array;
  free(slot: Slot): void;
  live(): number;
  synchronize(device: TorchDevice): void;
  unary(op: string, x: Slot, alpha?: number): Slot;
  binary(op: string, a: Slot, b: Slot): Slot;
  addN(xs: Slots): Slot;
  select(condition: Slot, a: Slot, b: Slot): Slot;
  clip(x: Slot, min: number, max: number): Slot;
  cast(x: Slot, dtype: number): Slot;
  fill(shape: readonly number[], value: number, dtype: number, device: TorchDevice): Slot;
  /** `count` values: start, then each the previous + step rounded to the dtype (TensorFlow.js' rangeImpl). */
  range(start: number, step: number, count: number, dtype: number, device: TorchDevice): Slot;
  linspace(start: number, stop: number, num: number, device: TorchDevice): Slot;
  oneHot(indices: Slot, depth: number, onValue: number, offValue: number, dtype: number): Slot;
  reshape(x: Slot, shape: readonly number[]): Slot;
  transpose(x: Slot, perm: readonly number[]): Slot;
  concat(xs: Slots, axis: number): Slot;
  stack(xs: Slots, axis: number): Slot;
  unstack(x: Slot, axis: number): Slot[];
  split(x: Slot, sizes: readonly number[], axis: number): Slot[];
  stridedSlice(x: Slot, begin: readonly number[], end: readonly number[], strides: readonly number[]): Slot;
  tile(x: Slot, reps: readonly number[]): Slot;
  reverse(x: Slot, dims: readonly number[]): Slot;
  pad(x: Slot, paddings: readonly number[], value: number): Slot;
  gather(x: Slot, indices: Slot, axis: number, batchDims: number): Slot;
  gatherNd(x: Slot, indices: Slot): Slot;
  scatterNd(indices: Slot, updates: Slot, shape: readonly number[]): Slot;
  unsortedSegmentSum(x: Slot, segmentIds: Slot, numSegments: number): Slot;
  reduce(op: string, x: Slot, axes: readonly number[], keepDims: boolean): Slot;
  argMinMax(isMax: boolean, x: Slot, axis: number): Slot;
  cumulative(isProduct: boolean, x: Slot, axis: number, exclusive: boolean, reverse: boolean): Slot;
  topk(x: Slot, k: number): Slot[];
  softmax(isLog: boolean, x: Slot, dim: number): Slot;
  matmul(a: Slot, b: Slot, transposeA: boolean, transposeB: boolean, bias?: Slot, activation?: string, prelu?: Slot, leakyAlpha?: number): Slot;
  conv2d(
    x: Slot,
    filter: Slot,
    strides: readonly number[],
    pads: readonly number[],
    dilations: readonly number[],
    depthwise: boolean,
    bias?: Slot,
    activation?: string,
    prelu?: Slot,
    leakyAlpha?: number,
  ): Slot;
  conv2dBackpropInput(
    dy: Slot,
    filter: Slot,
    inputShape: readonly number[],
    strides: readonly number[],
    pads: readonly number[],
    dilations: readonly number[],
    depthwise: boolean,
  ): Slot;
  conv2dBackpropFilter(
    x: Slot,
    dy: Slot,
    filterShape: readonly number[],
    strides: readonly number[],
    pads: readonly number[],
    dilations: readonly number[],
    depthwise: boolean,
  ): Slot;
  pool(isMax: boolean, x: Slot, filter: readonly number[], strides: readonly number[], pads: readonly number[]): Slot;
  maxPoolGrad(dy: Slot, x: Slot, filter: readonly number[], strides: readonly number[], pads: readonly number[]): Slot;
  avgPoolGrad(dy: Slot, x: Slot, filter: readonly number[], strides: readonly number[], pads: readonly number[]): Slot;
  gelu(x: Slot): Slot;
  geluGrad(dy: Slot, x: Slot): Slot;
  layerNorm(x: Slot, weight: Slot, bias: Slot, eps: number): Slot;
  layerNormGrad(dy: Slot, x: Slot, weight: Slot, bias: Slot, eps: number): Slot[];
  dropoutMultiplier(shape: readonly number[], keepProb: number, seed: number, device: TorchDevice): Slot;
  adamw(
    param: Slot,
    grad: Slot,
    expAvg: Slot,
    expAvgSq: Slot,
    lr: number,
    weightDecay: number,
    beta1: number,
    beta2: number,
    eps: number,
    biasCorrection1: number,
    biasCorrection2: number,
    l2: boolean,
  ): Slot[];
}

export type AddonLoad = { readonly ok: true; readonly addon: TorchAddon; readonly path: string } | { readonly ok: false; readonly reason: string };

/**
 * CONDFORMER_TORCH_ADDON when set (another build: a sanitizer build, a CUDA build beside a CPU one),
 * else native/build/condformer-torch.node found from lib/runtime/torch/ (source) or dist/… (built).
 */
export function addonPath(): string {
  const override = process.env.CONDFORMER_TORCH_ADDON;
  if (override !== undefined && override !== '') return override;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'native', 'build', 'condformer-torch.node');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'native', 'build', 'condformer-torch.node');
}

let loaded: AddonLoad | null = null;

/**
 * libgomp (ATen's and OpenBLAS's OpenMP) spins 300,000 rounds before a waiting thread sleeps; on a
 * machine whose cores are shared (a CI box, other jobs) that turns every parallel region into a
 * wait for a descheduled thread: the pose training step took 10 s instead of 0.3 s on our 2-core
 * machine under load (bench/pose-step.ts). Unless OMP_WAIT_POLICY or GOMP_SPINCOUNT says
 * otherwise, waiting threads spin 1,000 rounds. Read by libgomp when it loads: set before the addon is.
 */
export const DEFAULT_GOMP_SPINCOUNT = '1000';

function setOpenMpWaiting(env: NodeJS.ProcessEnv): void {
  if (env.OMP_WAIT_POLICY === undefined && env.GOMP_SPINCOUNT === undefined) env.GOMP_SPINCOUNT = DEFAULT_GOMP_SPINCOUNT;
}

/**
 * Why a build does not match the source beside it (native/build.mjs records the source's sha256 in
 * build-info.json), or null when it does: an addon built from an older condformer-torch.cc lacks or
 * differs in kernels, so it is refused rather than failing at its first missing function.
 */
export function staleBuildReason(buildInfoText: string, sourceText: string): string | null {
  const info: unknown = JSON.parse(buildInfoText);
  const built = typeof info === 'object' && info !== null && 'source' in info && typeof info.source === 'string' ? info.source : null;
  if (built === createHash('sha256').update(sourceText).digest('hex')) return null;
  return 'it was built from another native/condformer-torch.cc: rebuild with `node native/build.mjs`';
}

/** The addon, loaded once per process; `ok: false` says why it is not there. */
export function loadTorchAddon(): AddonLoad {
  if (loaded !== null) return loaded;
  const path = addonPath();
  if (!existsSync(path)) {
    loaded = { ok: false, reason: 'not built (needs libtorch: `apt-get install libtorch-dev` or LIBTORCH=<dir>, then `node native/build.mjs`)' };
    return loaded;
  }
  // native/build/condformer-torch.node: its build-info.json beside it, the source one folder up.
  const buildInfo = join(dirname(path), 'build-info.json');
  const source = join(dirname(dirname(path)), 'condformer-torch.cc');
  if (process.env.CONDFORMER_TORCH_ADDON === undefined && existsSync(buildInfo) && existsSync(source)) {
    const stale = staleBuildReason(readFileSync(buildInfo, 'utf8'), readFileSync(source, 'utf8'));
    if (stale !== null) {
      loaded = { ok: false, reason: `${path} is stale: ${stale}` };
      return loaded;
    }
  }
  try {
    setOpenMpWaiting(process.env);
    const required: unknown = createRequire(import.meta.url)(path);
    loaded = { ok: true, addon: required as TorchAddon, path };
  } catch (error) {
    loaded = { ok: false, reason: `failed to load ${path}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` };
  }
  return loaded;
}
