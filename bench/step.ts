// Time of one training step (forward, backward, AdamW update) of the reference model
// (bench/reference-model.ts: batch 2 of 224×224×3, 16×16 patch conv to d 256, learned row/column
// embeddings, 2 pre-norm encoder layers with 8 heads and a GELU MLP ×4, sigmoid class head, box MLP
// head) on every backend that loads here, each in its own process, median of --runs after
// --warmup steps. Prints each median and its ratio to the cpu backend; the wasm backend with the
// condformer kernels must be at least 40× faster than cpu.
//
// Convolutions are differentiated with TensorFlow.js's own kernels (`--conv native`, the default):
// lib/nn's 'auto' strategy takes the patch form on cpu / wasm, which costs 256 slices for a 16×16
// patch conv.
//
//   npx tsx bench/step.ts [--runs 5] [--warmup 1] [--cpu-runs 2] [--only wasm,cpu] [--conv native]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import * as t from 'io-ts';
import { decodeOrThrow, parseJson } from '../lib/io/decode.js';
import { setConvImplementation, type ConvImplementation } from '../lib/nn/conv-functional.js';
import { initBackend, isBackendName } from '../lib/runtime/backend.js';
import { Rng } from '../lib/runtime/rng.js';
import type { WasmKernelSet } from '../lib/runtime/wasm-kernels.js';
import { AdamW } from '../lib/train/adamw.js';
import { ReferenceModel, referenceBatch } from './reference-model.js';

interface Config {
  readonly label: string;
  readonly backend: string;
  readonly kernels: WasmKernelSet;
}

const CONFIGS: readonly Config[] = [
  { label: 'tfjs-node-gpu', backend: 'tfjs-node-gpu', kernels: 'all' },
  { label: 'webgpu', backend: 'webgpu', kernels: 'all' },
  { label: 'tfjs-node', backend: 'tfjs-node', kernels: 'all' },
  { label: 'wasm + condformer kernels', backend: 'wasm', kernels: 'all' },
  { label: 'wasm + gradient kernels only (stock matmul)', backend: 'wasm', kernels: 'gradients' },
  { label: 'wasm stock', backend: 'wasm', kernels: 'none' },
  { label: 'cpu', backend: 'cpu', kernels: 'all' },
];
const REQUIRED_SPEEDUP = 40;
const RESULT_PREFIX = 'STEP-RESULT ';

const ResultCodec = t.union([
  t.type({ ok: t.literal(true), line: t.string, timesMs: t.array(t.number), firstLoss: t.number, leakedTensors: t.number }),
  t.type({ ok: t.literal(false), reason: t.string }),
]);
type Result = t.TypeOf<typeof ResultCodec>;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** In the child process: build the model on `backend`, time the steps, print one result line. */
async function runChild(config: Config, runs: number, warmup: number, conv: ConvImplementation): Promise<Result> {
  const choice = await initBackend(config.backend, { wasmKernels: config.kernels, log: null });
  setConvImplementation(conv);
  if (choice.backend !== config.backend) {
    return { ok: false, reason: choice.skipped[0]?.reason ?? `initBackend chose ${choice.backend}` };
  }
  const rng = new Rng(0);
  const model = new ReferenceModel(rng);
  const { images, targets } = referenceBatch(rng);
  const optimizer = new AdamW(model.namedParameters(), { lr: 1e-4 });
  const variables = optimizer.variables();
  const probe = variables[variables.length - 1] as tf.Variable;
  const step = async (): Promise<number> => {
    const { value, grads } = tf.variableGrads(() => model.loss(images, targets), variables);
    optimizer.step(grads);
    const loss = (await value.data())[0] as number;
    await probe.data(); // the update has run (asynchronous backends)
    tf.dispose([value, grads]);
    return loss;
  };
  try {
    const losses: number[] = [];
    for (let i = 0; i < warmup; i++) losses.push(await step());
    const before = tf.memory().numTensors;
    const timesMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      losses.push(await step());
      timesMs.push(performance.now() - t0);
    }
    // The first step's loss is the same on every backend (same seeds): a check that they agree.
    return { ok: true, line: choice.line, timesMs, firstLoss: losses[0] ?? NaN, leakedTensors: tf.memory().numTensors - before };
  } catch (error) {
    return { ok: false, reason: `the step fails: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` };
  }
}

function spawnChild(config: Config, runs: number, warmup: number, conv: ConvImplementation): Result {
  const args = ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', config.backend, '--kernels', config.kernels, '--runs', String(runs), '--warmup', String(warmup), '--conv', conv];
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const line = child.stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
  if (line === undefined) return { ok: false, reason: `child exited ${child.status}: ${child.stderr.trim().split('\n').slice(-3).join(' | ')}` };
  const source = `bench/step.ts child (${config.label})`;
  return decodeOrThrow(ResultCodec, parseJson(line.slice(RESULT_PREFIX.length), source), source);
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
    },
  });
  const runs = Number(values.runs);
  const warmup = Number(values.warmup);
  const conv = values.conv;
  if (!isConvImplementation(conv)) throw new Error(`--conv must be one of ${convImplementations.join(', ')}, got ${conv}`);
  if (values.child !== undefined) {
    const { child, kernels } = values;
    if (!isBackendName(child) || !isKernelSet(kernels)) throw new Error(`bad child arguments: ${child} ${kernels}`);
    const result = await runChild({ label: child, backend: child, kernels }, runs, warmup, conv);
    console.log(RESULT_PREFIX + JSON.stringify(result));
    return;
  }
  const only = values.only?.split(',');
  const configs = CONFIGS.filter((c) => only === undefined || only.includes(c.backend));
  const medians = new Map<string, number>();
  console.log(`one training step of the reference model, median of ${runs} (cpu: ${values['cpu-runs']}) after ${warmup} warm-up; conv2d gradients: ${conv}`);
  for (const config of configs) {
    const n = config.backend === 'cpu' ? Number(values['cpu-runs']) : runs;
    const result = spawnChild(config, n, warmup, conv);
    if (!result.ok) {
      console.log(`  ${config.label.padEnd(44)} skipped: ${result.reason}`);
      continue;
    }
    const m = median(result.timesMs);
    medians.set(config.label, m);
    const times = result.timesMs.map((x) => x.toFixed(0)).join(', ');
    console.log(`  ${config.label.padEnd(44)} ${m.toFixed(0).padStart(7)} ms  [${times}]  first-step loss ${result.firstLoss.toFixed(5)}  leaked tensors ${result.leakedTensors}`);
  }
  const cpu = medians.get('cpu');
  if (cpu === undefined) return;
  console.log('speed-up over cpu:');
  for (const [label, m] of medians) console.log(`  ${label.padEnd(44)} ${(cpu / m).toFixed(1)}×`);
  const wasm = medians.get('wasm + condformer kernels');
  if (wasm !== undefined) {
    const ok = cpu / wasm >= REQUIRED_SPEEDUP;
    console.log(`wasm + condformer kernels vs cpu: ${(cpu / wasm).toFixed(1)}× (required ≥ ${REQUIRED_SPEEDUP}×): ${ok ? 'PASS' : 'FAIL'}`);
    if (!ok) process.exitCode = 1;
  }
}

await main();
