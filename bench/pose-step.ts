// Time of one training step (forward, backward, Adam + L2 update) of the pose task with the CPU
// preset of `npm start` / examples/train-pose.ts (smallPoseTrainConfig: MS-Transformer with the
// small CNN, d 64, 4 heads, 2 + 2 layers per branch, QKA λ 0.1, batch 32 of 32² images from the
// synthetic benchmark scenes), on one backend, median of --runs after --warmup steps. Every step
// trains on the same first batch of the epoch; the time covers the gradients, the update and
// reading the loss back, as lib/train's loop does. Also prints the process CPU time of a step
// (user + system): on a machine shared with other work it moves much less than the wall time.
//
//   npx tsx bench/pose-step.ts [--backend wasm] [--runs 10] [--warmup 2]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { disposePoseBatch, type PoseBatch } from '../datasets/pose-dataset.js';
import { initBackend, isBackendName } from '../lib/runtime/backend.js';
import { Rng } from '../lib/runtime/rng.js';
import { smallPoseTrainConfig } from '../lib/tasks/pose/config.js';
import { loadPoseSplits, syntheticBenchmarkSpec } from '../lib/tasks/pose/data.js';
import { createPoseTask } from '../lib/tasks/pose/task.js';
import { median } from './median.js';

const NUM_SCENES = 4;

async function firstBatch(batches: Iterable<PoseBatch> | AsyncIterable<PoseBatch>): Promise<PoseBatch> {
  for await (const batch of batches) return batch;
  throw new Error('the pose data gave no batch');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { backend: { type: 'string', default: 'wasm' }, runs: { type: 'string', default: '10' }, warmup: { type: 'string', default: '2' } },
  });
  const { backend } = values;
  if (!isBackendName(backend)) throw new Error(`--backend: unknown backend '${backend}'`);
  const runs = Number(values.runs);
  const warmup = Number(values.warmup);
  const choice = await initBackend(backend, { log: null });
  const data = await loadPoseSplits(syntheticBenchmarkSpec({ numScenes: NUM_SCENES }));
  const config = smallPoseTrainConfig(NUM_SCENES, 'sine');
  const { task, trainable } = createPoseTask({ config, train: data.train, rng: new Rng(0) });
  const batch = await firstBatch(task.data(0, new Rng(1)));
  const variables = trainable.trainableVariables();
  const step = async (): Promise<number> => {
    const { value, grads } = tf.variableGrads(() => task.loss(batch).total, variables);
    task.optimizer.step(grads);
    const loss = (await value.data())[0] as number;
    tf.dispose([value, grads]);
    return loss;
  };
  const losses: number[] = [];
  for (let i = 0; i < warmup; i++) losses.push(await step());
  const tensorsBefore = tf.memory().numTensors;
  const timesMs: number[] = [];
  const cpuTimesMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    losses.push(await step());
    const cpu = process.cpuUsage(cpu0);
    timesMs.push(performance.now() - t0);
    cpuTimesMs.push((cpu.user + cpu.system) / 1000);
  }
  const leaked = tf.memory().numTensors - tensorsBefore;
  console.log(
    `pose training step (small preset, batch ${config.batchSize} of ${config.crop}²), median of ${runs} after ${warmup} warm-up; ${choice.line}`,
  );
  const times = timesMs.map((x) => x.toFixed(0)).join(', ');
  const cpu = median(cpuTimesMs).toFixed(0);
  console.log(
    `  ${choice.backend.padEnd(8)} ${median(timesMs).toFixed(0).padStart(6)} ms  [${times}]  CPU ${cpu} ms  first-step loss ${(losses[0] ?? NaN).toFixed(5)}  leaked tensors ${leaked}`,
  );
  disposePoseBatch(batch);
  task.optimizer.dispose();
  trainable.dispose();
}

await main();
