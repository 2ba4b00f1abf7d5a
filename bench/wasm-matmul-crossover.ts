// Where the stock wasm batched matmul loop stops beating condformer's slice-by-slice XNNPACK path
// (lib/runtime/wasm-matmul.ts, STOCK_BATCHED_MAX_SLICE_MULTIPLY_ADDS): attention-shaped products
// q·kᵀ then p·v over 128 slices (32 images × 4 heads) for growing slice sizes, each path timed
// alternately in one process, median of --runs after one warm-up.
//
//   npx tsx bench/wasm-matmul-crossover.ts [--runs 15]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/runtime/backend.js';
import { callKernel, release } from '../lib/runtime/kernel-call.js';
import { fastBatchMatMul, STOCK_BATCHED_MAX_SLICE_MULTIPLY_ADDS } from '../lib/runtime/wasm-matmul.js';
import { median } from './median.js';

const SLICES = 128;
// [tokens, width]: a slice of q·kᵀ (and of p·v) is tokens²·width multiply-adds.
const SHAPES: readonly [number, number][] = [
  [4, 16],
  [16, 16],
  [16, 32],
  [32, 16],
  [32, 32],
  [32, 64],
  [64, 32],
  [64, 64],
];

const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
const runs = Number(values.runs);
// The wasm kernel set without the matmul wrappers: the registered BatchMatMul is the stock one.
await initBackend('wasm', { wasmKernels: 'gradients', log: null });
const stock = tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc;
if (stock === undefined) throw new Error('tfjs-backend-wasm has no BatchMatMul kernel');
const paths: readonly { readonly name: string; readonly kernel: tf.KernelFunc }[] = [
  { name: 'stock', kernel: stock },
  { name: 'per slice', kernel: fastBatchMatMul(stock, 0) },
];
const backend = tf.backend();

/** q·kᵀ then p·v on `kernel`, in ms. */
function attentionMs(kernel: tf.KernelFunc, q: tf.Tensor, k: tf.Tensor): number {
  const t0 = performance.now();
  const scores = callKernel(kernel, backend, { a: q, b: k }, { transposeA: false, transposeB: true });
  const context = callKernel(kernel, backend, { a: scores, b: k }, { transposeA: false, transposeB: false });
  backend.readSync(context.dataId);
  const ms = performance.now() - t0;
  release(backend, scores, context);
  return ms;
}

console.log(
  `q·kᵀ then p·v over ${SLICES} slices, median of ${runs}; threshold in place: ≤ ${STOCK_BATCHED_MAX_SLICE_MULTIPLY_ADDS} a slice go stock`,
);
for (const [tokens, width] of SHAPES) {
  const q = tf.randomNormal([SLICES, tokens, width], 0, 1, 'float32', 1);
  const k = tf.randomNormal([SLICES, tokens, width], 0, 1, 'float32', 2);
  const times = paths.map((): number[] => []);
  paths.forEach((p) => attentionMs(p.kernel, q, k)); // warm-up
  for (let run = 0; run < runs; run++) paths.forEach((p, i) => times[i]?.push(attentionMs(p.kernel, q, k)));
  const cells = paths
    .map(
      (p, i) =>
        `${p.name} ${median(times[i] ?? [])
          .toFixed(2)
          .padStart(6)} ms`,
    )
    .join('   ');
  console.log(`  ${tokens} tokens × ${width}: ${String(tokens * tokens * width).padStart(7)} a slice   ${cells}`);
  tf.dispose([q, k]);
}
