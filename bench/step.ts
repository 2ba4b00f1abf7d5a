// Time of one training step (forward, backward, AdamW update) of the reference model
// (bench/reference-model.ts: batch 2 of 224×224×3, 16×16 patch conv to d 256, learned row/column
// embeddings, 2 pre-norm encoder layers with 8 heads and a GELU MLP ×4, sigmoid class head, box MLP
// head) on every backend that loads here, each in its own process, median of --runs after
// --warmup steps. Prints each median and its ratio to the cpu backend; the wasm backend with the
// condformer kernels must be at least 40× faster than cpu.
//
// --pytorch: also times the PyTorch twin (bench/reference_step.py, Debian's python3-torch, which
// runs on the same libtorch) at the torch backend's thread count, alternating --rounds processes
// of each, and prints torch / PyTorch (goal ≤ 1.3×). --json: the last line is a JSON object keyed
// by backend, e.g. {"torch":{"medianMs":71.2,"timesMs":[…]},"pytorch":{…}}. For the PyTorch
// ratio use --runs 15 --warmup 3 --rounds 2: in 5 steps after 1 warm-up the first steps of a fresh
// Node process (V8 compiling tfjs's paths) weigh on the median (docs/backends.md).
//
// Convolutions are differentiated with TensorFlow.js's own kernels (`--conv native`, the default):
// lib/nn's 'auto' strategy takes the patch form on cpu / wasm, which costs 256 slices for a 16×16
// patch conv.
//
//   npx tsx bench/step.ts [--runs 5] [--warmup 1] [--cpu-runs 2] [--only torch,wasm,cpu] [--conv native]   (--only takes config ids: torch-cuda, torch, tfjs-node-gpu, webgpu, tfjs-node, wasm, wasm-gradients, wasm-stock, cpu)
//                         [--pytorch [--rounds 3] [--python /usr/bin/python3]] [--json]
// Threads: CONDFORMER_THREADS (default all cores) for torch and the PyTorch twin alike.
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as t from 'io-ts';
import { decodeOrThrow, parseJson } from '../lib/io/decode.js';
import { type ConvImplementation, setConvImplementation } from '../lib/nn/conv-functional.js';
import { initBackend, isBackendName } from '../lib/runtime/backend.js';
import { DEFAULT_GOMP_SPINCOUNT } from '../lib/runtime/torch/addon.js';
import type { WasmKernelSet } from '../lib/runtime/wasm-kernels.js';
import { median } from './median.js';
import { timeReferenceSteps } from './reference-model.js';

interface Config {
  /** The key of the --json line. */
  readonly id: string;
  readonly label: string;
  readonly backend: string;
  readonly kernels: WasmKernelSet;
}

const CONFIGS: readonly Config[] = [
  { id: 'torch-cuda', label: 'torch-cuda', backend: 'torch-cuda', kernels: 'all' },
  { id: 'torch', label: 'torch', backend: 'torch', kernels: 'all' },
  { id: 'tfjs-node-gpu', label: 'tfjs-node-gpu', backend: 'tfjs-node-gpu', kernels: 'all' },
  { id: 'webgpu', label: 'webgpu', backend: 'webgpu', kernels: 'all' },
  { id: 'tfjs-node', label: 'tfjs-node', backend: 'tfjs-node', kernels: 'all' },
  { id: 'wasm', label: 'wasm + condformer kernels', backend: 'wasm', kernels: 'all' },
  { id: 'wasm-gradients', label: 'wasm + gradient kernels only (stock matmul)', backend: 'wasm', kernels: 'gradients' },
  { id: 'wasm-stock', label: 'wasm stock', backend: 'wasm', kernels: 'none' },
  { id: 'cpu', label: 'cpu', backend: 'cpu', kernels: 'all' },
];
const REQUIRED_SPEEDUP = 40;
const PYTORCH_GOAL = 1.3;
const RESULT_PREFIX = 'STEP-RESULT ';

const ResultCodec = t.union([
  t.type({ ok: t.literal(true), line: t.string, timesMs: t.array(t.number), firstLoss: t.number, leakedTensors: t.number }),
  t.type({ ok: t.literal(false), reason: t.string }),
]);
type Result = t.TypeOf<typeof ResultCodec>;

/** In the child process: build the model on `backend`, time the steps, print one result line. */
async function runChild(config: Config, runs: number, warmup: number, conv: ConvImplementation): Promise<Result> {
  const choice = await initBackend(config.backend, { wasmKernels: config.kernels, log: null });
  setConvImplementation(conv);
  if (choice.backend !== config.backend) {
    return { ok: false, reason: choice.skipped[0]?.reason ?? `initBackend chose ${choice.backend}` };
  }
  try {
    // The first step's loss is the same on every tfjs backend (same seeds): a check that they agree.
    return { ok: true, line: choice.line, ...(await timeReferenceSteps(runs, warmup)) };
  } catch (error) {
    return { ok: false, reason: `the step fails: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` };
  }
}

function spawnChild(config: Config, runs: number, warmup: number, conv: ConvImplementation): Result {
  const args = [
    '--import',
    'tsx',
    fileURLToPath(import.meta.url),
    '--child',
    config.backend,
    '--kernels',
    config.kernels,
    '--runs',
    String(runs),
    '--warmup',
    String(warmup),
    '--conv',
    conv,
  ];
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const line = child.stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
  if (line === undefined) return { ok: false, reason: `child exited ${child.status}: ${child.stderr.trim().split('\n').slice(-3).join(' | ')}` };
  const source = `bench/step.ts child (${config.label})`;
  return decodeOrThrow(ResultCodec, parseJson(line.slice(RESULT_PREFIX.length), source), source);
}

const PyTorchCodec = t.type({ ok: t.literal(true), timesMs: t.array(t.number), firstLoss: t.number, threads: t.number });

/** One process of the PyTorch twin; the thread count is the torch backend's. */
function spawnPyTorch(python: string, runs: number, warmup: number, threads: number): Result {
  const script = fileURLToPath(new URL('./reference_step.py', import.meta.url));
  const child = spawnSync(python, [script, '--runs', String(runs), '--warmup', String(warmup), '--threads', String(threads)], {
    encoding: 'utf8',
    // The torch backend's OpenMP waiting (lib/runtime/torch/addon.ts), so that both wait alike.
    env: { GOMP_SPINCOUNT: DEFAULT_GOMP_SPINCOUNT, ...process.env, OMP_NUM_THREADS: String(threads) },
  });
  const line = child.stdout?.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
  if (line === undefined)
    return {
      ok: false,
      reason: `${python} exited ${child.status ?? child.error?.message}: ${(child.stderr ?? '').trim().split('\n').slice(-2).join(' | ')}`,
    };
  const source = 'bench/reference_step.py';
  const r = decodeOrThrow(PyTorchCodec, parseJson(line.slice(RESULT_PREFIX.length), source), source);
  return { ok: true, line: `PyTorch (${r.threads} threads)`, timesMs: r.timesMs, firstLoss: r.firstLoss, leakedTensors: 0 };
}

const kernelSets: readonly WasmKernelSet[] = ['all', 'gradients', 'none'];
const isKernelSet = (s: string): s is WasmKernelSet => kernelSets.some((k) => k === s);
const convImplementations: readonly ConvImplementation[] = ['native', 'patches', 'auto'];
const isConvImplementation = (s: string): s is ConvImplementation => convImplementations.some((c) => c === s);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1' },
      'cpu-runs': { type: 'string', default: '2' },
      only: { type: 'string' },
      child: { type: 'string' },
      kernels: { type: 'string', default: 'all' },
      conv: { type: 'string', default: 'native' },
      pytorch: { type: 'boolean', default: false },
      rounds: { type: 'string', default: '3' },
      python: { type: 'string', default: '/usr/bin/python3' },
      json: { type: 'boolean', default: false },
    },
  });
  const runs = Number(values.runs);
  const warmup = Number(values.warmup);
  const conv = values.conv;
  if (!isConvImplementation(conv)) throw new Error(`--conv must be one of ${convImplementations.join(', ')}, got ${conv}`);
  if (values.child !== undefined) {
    const { child, kernels } = values;
    if (!isBackendName(child) || !isKernelSet(kernels)) throw new Error(`bad child arguments: ${child} ${kernels}`);
    const result = await runChild({ id: child, label: child, backend: child, kernels }, runs, warmup, conv);
    console.log(RESULT_PREFIX + JSON.stringify(result));
    return;
  }
  const only = values.only?.split(',');
  const configs = CONFIGS.filter((c) => only === undefined || only.includes(c.id));
  const medians = new Map<string, number>();
  const json: Record<string, { medianMs: number; timesMs: number[] }> = {};
  const record = (id: string, label: string, result: Result): void => {
    if (!result.ok) {
      console.log(`  ${label.padEnd(44)} skipped: ${result.reason}`);
      return;
    }
    const m = median(result.timesMs);
    medians.set(id, m);
    json[id] = { medianMs: Number(m.toFixed(2)), timesMs: result.timesMs.map((x) => Number(x.toFixed(2))) };
    const times = result.timesMs.map((x) => x.toFixed(0)).join(', ');
    console.log(
      `  ${label.padEnd(44)} ${m.toFixed(0).padStart(7)} ms  [${times}]  first-step loss ${result.firstLoss.toFixed(5)}  leaked tensors ${result.leakedTensors}`,
    );
  };
  console.log(
    `one training step of the reference model, median of ${runs} (cpu: ${values['cpu-runs']}) after ${warmup} warm-up; conv2d gradients: ${conv}`,
  );
  const torchConfig = configs.find((c) => c.id === 'torch');
  if (values.pytorch && torchConfig !== undefined) {
    // Alternate torch and PyTorch processes so that both see the same machine load.
    const threads = process.env.CONDFORMER_THREADS !== undefined ? Number(process.env.CONDFORMER_THREADS) : availableParallelism();
    const rounds = Number(values.rounds);
    const torchTimes: number[] = [];
    const pytorchTimes: number[] = [];
    let firstLosses: [number, number] = [NaN, NaN];
    for (let r = 0; r < rounds; r++) {
      const ours = spawnChild(torchConfig, runs, warmup, conv);
      const theirs = spawnPyTorch(values.python, runs, warmup, threads);
      if (!ours.ok || !theirs.ok) {
        record('torch', 'torch', ours);
        record('pytorch', 'PyTorch twin', theirs);
        return;
      }
      torchTimes.push(...ours.timesMs);
      pytorchTimes.push(...theirs.timesMs);
      firstLosses = [ours.firstLoss, theirs.firstLoss];
    }
    console.log(`torch backend and the PyTorch twin, ${threads} thread${threads === 1 ? '' : 's'}, ${rounds} alternating rounds of ${runs} steps:`);
    record('torch', 'torch', { ok: true, line: '', timesMs: torchTimes, firstLoss: firstLosses[0], leakedTensors: 0 });
    record('pytorch', 'PyTorch twin (bench/reference_step.py)', {
      ok: true,
      line: '',
      timesMs: pytorchTimes,
      firstLoss: firstLosses[1],
      leakedTensors: 0,
    });
    const ratio = median(torchTimes) / median(pytorchTimes);
    console.log(`torch / PyTorch: ${ratio.toFixed(2)}× (goal ≤ ${PYTORCH_GOAL}×): ${ratio <= PYTORCH_GOAL ? 'met' : 'not met'}`);
  }
  for (const config of configs) {
    if (values.pytorch && config === torchConfig) continue;
    const n = config.backend === 'cpu' ? Number(values['cpu-runs']) : runs;
    record(config.id, config.label, spawnChild(config, n, warmup, conv));
  }
  const cpu = medians.get('cpu');
  if (cpu !== undefined) {
    console.log('speed-up over cpu:');
    for (const config of CONFIGS) {
      const m = medians.get(config.id);
      if (m !== undefined) console.log(`  ${config.label.padEnd(44)} ${(cpu / m).toFixed(1)}×`);
    }
    const wasm = medians.get('wasm');
    if (wasm !== undefined) {
      const ok = cpu / wasm >= REQUIRED_SPEEDUP;
      console.log(`wasm + condformer kernels vs cpu: ${(cpu / wasm).toFixed(1)}× (required ≥ ${REQUIRED_SPEEDUP}×): ${ok ? 'PASS' : 'FAIL'}`);
      if (!ok) process.exitCode = 1;
    }
  }
  if (values.json) console.log(JSON.stringify(json));
}

await main();
