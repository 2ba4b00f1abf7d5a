// The GPU half of bench/gpu-check.sh (bundled with esbuild, run by a plain node binary on a machine
// without Node.js): every torch kernel case of test/runtime/torch-kernel-cases.ts on `torch-cuda`
// against the tfjs cpu backend, then one training step of the reference model (bench/step.ts) on
// torch (CPU, all cores) and on torch-cuda, medians and the speed-up. Also runs here on `torch`:
//   npx tsx bench/gpu-check.ts [--backend torch] [--runs 10] [--warmup 2]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { setConvImplementation } from '../lib/nn/conv-functional.js';
import { setUpTorch, type TorchBackendName } from '../lib/runtime/torch/setup.js';
import { expectSameOutput, runOnBackend } from '../test/runtime/cross-backend.js';
import { KERNEL_CASES } from '../test/runtime/torch-kernel-cases.js';
import { median } from './median.js';
import { timeReferenceSteps } from './reference-model.js';

const { values } = parseArgs({
  options: { backend: { type: 'string', default: 'torch-cuda' }, runs: { type: 'string', default: '10' }, warmup: { type: 'string', default: '2' } },
});
const target = values.backend;
if (target !== 'torch' && target !== 'torch-cuda') throw new Error(`--backend must be torch or torch-cuda, got ${target}`);

function setUp(name: TorchBackendName): void {
  const setup = setUpTorch(name);
  if (!setup.ok) throw new Error(`${name}: ${setup.reason}`);
  console.log(`${name}: ${setup.detail}`);
}

/** Every kernel case on `backend` against cpu; prints failures, returns [passed, failed]. */
async function kernelCases(backend: string): Promise<[number, number]> {
  let passed = 0;
  let failed = 0;
  for (const [kernel, list] of KERNEL_CASES) {
    for (const c of list) {
      const what = `${kernel} ${c.label}`;
      try {
        const expected = await runOnBackend('cpu', c.run);
        const actual = await runOnBackend(backend, c.run);
        if (actual.outputs.length !== expected.outputs.length) throw new Error(`${actual.outputs.length} outputs, cpu ${expected.outputs.length}`);
        actual.outputs.forEach((a, i) =>
          expectSameOutput(a, expected.outputs[i] as (typeof expected.outputs)[number], c.tol, `${what} [output ${i}]`),
        );
        passed++;
      } catch (error) {
        failed++;
        console.log(`  FAIL ${what}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
      }
    }
  }
  return [passed, failed];
}

/** Median milliseconds of one reference training step on `backend`. */
async function referenceStep(backend: string, runs: number, warmup: number): Promise<{ medianMs: number; firstLoss: number }> {
  await tf.setBackend(backend);
  setConvImplementation('native');
  const { timesMs, firstLoss } = await timeReferenceSteps(runs, warmup);
  return { medianMs: median(timesMs), firstLoss };
}

setUp('torch');
if (target === 'torch-cuda') setUp('torch-cuda');
await tf.setBackend('cpu'); // the reference; runOnBackend comes back to it after each case
Reflect.set(tf.backend(), 'firstUse', false); // no "install tfjs-node" banner: the torch line says what runs
const [passed, failed] = await kernelCases(target);
console.log(`kernel cases on ${target} against cpu: ${passed} passed, ${failed} failed`);
const runs = Number(values.runs);
const warmup = Number(values.warmup);
const cpu = await referenceStep('torch', runs, warmup);
console.log(`reference step on torch (CPU): ${cpu.medianMs.toFixed(1)} ms (first loss ${cpu.firstLoss.toFixed(5)})`);
const result: Record<string, { medianMs: number }> = { torch: { medianMs: Number(cpu.medianMs.toFixed(2)) } };
if (target === 'torch-cuda') {
  const gpu = await referenceStep('torch-cuda', runs, warmup);
  console.log(
    `reference step on torch-cuda: ${gpu.medianMs.toFixed(1)} ms (first loss ${gpu.firstLoss.toFixed(5)}); speed-up over CPU ${(cpu.medianMs / gpu.medianMs).toFixed(1)}×`,
  );
  result['torch-cuda'] = { medianMs: Number(gpu.medianMs.toFixed(2)) };
}
console.log(JSON.stringify(result));
process.exitCode = failed === 0 ? 0 : 1;
