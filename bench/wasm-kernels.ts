// Per-kernel times of condformer's wasm kernels against what runs without them: the stock wasm
// BatchMatMul for transposed / batched products, and the cpu backend for the gradient kernels
// wasm lacks (Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter / Input,
// UnsortedSegmentSum). Median of --runs after one warm-up.
//
//   npx tsx bench/wasm-kernels.ts [--runs 5] [--cpu-runs 1]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/runtime/backend.js';
import { Rng } from '../lib/runtime/rng.js';

interface Case {
  readonly name: string;
  readonly run: () => tf.Tensor | tf.Tensor[];
}

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, 'cpu-runs': { type: 'string', default: '1' } } });
const rng = new Rng(0);
const randn = (shape: number[]) => tf.randomNormal(shape, 0, 1, 'float32', rng.seed());

function medianMs(run: Case['run'], runs: number): number {
  tf.dispose(run());
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const out = run();
    (Array.isArray(out) ? out : [out]).forEach((t) => t.dataSync());
    times.push(performance.now() - t0);
    tf.dispose(out);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1] as number;
}

function cases(): { matmul: Case[]; gradients: Case[] } {
  const x = randn([392, 256]);
  const dy = randn([392, 1024]);
  const w = randn([256, 1024]);
  const q = randn([16, 196, 32]);
  const k = randn([16, 196, 32]);
  const p = randn([16, 196, 196]);
  const images = randn([2, 224, 224, 3]) as tf.Tensor4D;
  const patchGrad = randn([2, 14, 14, 256]);
  const filter = randn([16, 16, 3, 256]) as tf.Tensor4D;
  const table = randn([50, 128]);
  const rows = tf.tensor1d(
    Array.from({ length: 392 }, (_, i) => i % 14),
    'int32',
  );
  const rowGrad = randn([392, 128]);
  const mbInput = randn([2, 56, 56, 144]) as tf.Tensor4D;
  const dwFilter = randn([5, 5, 144, 1]) as tf.Tensor4D;
  return {
    matmul: [
      { name: 'dW = xᵀ·dy [392,256]ᵀ[392,1024]', run: () => tf.matMul(x, dy, true, false) },
      { name: 'dx = dy·Wᵀ [392,1024][256,1024]ᵀ', run: () => tf.matMul(dy, w, false, true) },
      { name: 'scores q·kᵀ [16,196,32]·[16,196,32]ᵀ', run: () => tf.matMul(q, k, false, true) },
      { name: 'context p·v [16,196,196]·[16,196,32]', run: () => tf.matMul(p, k) },
      { name: 'dp = dctx·vᵀ backward [16,196,32]·[16,196,32]ᵀ', run: () => tf.matMul(k, q, false, true) },
      { name: 'dv = pᵀ·dctx backward [16,196,196]ᵀ·[16,196,32]', run: () => tf.matMul(p, k, true, false) },
    ],
    gradients: [
      {
        name: 'conv2d filter grad, 16×16/16 patch conv, [2,224,224,3] → 256',
        run: () => tf.grad((f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(images, f as tf.Tensor4D, 16, 'valid'), patchGrad)))(filter),
      },
      {
        name: 'depthwise conv grads (x and w), [2,56,56,144] k5/2 same',
        run: () =>
          tf.grads((a: tf.Tensor, f: tf.Tensor) => tf.sum(tf.square(tf.depthwiseConv2d(a as tf.Tensor4D, f as tf.Tensor4D, 2, 'same'))))([
            mbInput,
            dwFilter,
          ]),
      },
      {
        name: 'gather grad (UnsortedSegmentSum), 392 rows of a [50,128] table',
        run: () => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, rows), rowGrad)))(table),
      },
    ],
  };
}

async function main(): Promise<void> {
  const runs = Number(values.runs);
  const cpuRuns = Number(values['cpu-runs']);
  await initBackend('wasm', { wasmKernels: 'none', log: null });
  const wasmCases = cases();
  const stockMatMul = wasmCases.matmul.map((c) => medianMs(c.run, runs));
  await initBackend('cpu', { log: null });
  const cpuCases = cases();
  const cpuGradients = cpuCases.gradients.map((c) => medianMs(c.run, cpuRuns));
  await initBackend('wasm', { wasmKernels: 'all', log: null });
  const ourMatMul = wasmCases.matmul.map((c) => medianMs(c.run, runs));
  const ourGradients = wasmCases.gradients.map((c) => medianMs(c.run, runs));
  const row = (name: string, before: number, after: number, what: string) =>
    console.log(
      `  ${name.padEnd(62)} ${what} ${before.toFixed(1).padStart(8)} ms → ${after.toFixed(1).padStart(7)} ms  (${(before / after).toFixed(1)}×)`,
    );
  console.log(`wasm BatchMatMul, stock → condformer wrapper (median of ${runs})`);
  wasmCases.matmul.forEach((c, i) => row(c.name, stockMatMul[i] as number, ourMatMul[i] as number, 'wasm'));
  console.log(`gradient kernels missing from wasm: cpu backend (median of ${cpuRuns}) → condformer wasm kernel (median of ${runs})`);
  wasmCases.gradients.forEach((c, i) => row(c.name, cpuGradients[i] as number, ourGradients[i] as number, 'cpu→wasm'));
}

await main();
