import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { disposeCheckpoint, loadCheckpoint } from '../../lib/train/checkpoint.js';
import { type EpochRecord, readRunLog, type TrainRecord } from '../../lib/train/run-log.js';
import { NonFiniteLossError, runPaths, train } from '../../lib/train/train.js';
import { STEPS_PER_EPOCH, tinyTask, weightsOf } from './fixtures/tiny-task.js';

describe('train/train loop', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'condformer-train-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('resumes bit-for-bit: 2 epochs straight equal 1 epoch + resume + 1 epoch', async () => {
    const straight = tinyTask();
    const a = await train(straight.task, {
      runDir: join(root, 'straight'),
      epochs: 2,
      rng: straight.rng,
      quiet: true,
      clipMaxNorm: 0.5,
      logEvery: 4,
    });
    expect(a).to.include({ status: 'completed', epochs: 2, step: 2 * STEPS_PER_EPOCH });

    const dir = join(root, 'resumed');
    const first = tinyTask();
    await train(first.task, { runDir: dir, epochs: 1, rng: first.rng, quiet: true, clipMaxNorm: 0.5, logEvery: 4 });
    const second = tinyTask({ seed: 99 }); // a different init: everything must come from the checkpoint
    const b = await train(second.task, { runDir: dir, epochs: 2, rng: second.rng, quiet: true, clipMaxNorm: 0.5, logEvery: 4, resume: true });
    expect(b).to.include({ status: 'completed', epochs: 2, step: 2 * STEPS_PER_EPOCH });

    expect(weightsOf(second.model)).to.deep.equal(weightsOf(straight.model));
    expect(second.rng.state()).to.deep.equal(straight.rng.state());
    const stateA = straight.task.optimizer.state();
    const stateB = second.task.optimizer.state();
    expect(stateB.meta).to.deep.equal(stateA.meta);
    for (const [k, v] of stateA.moments) expect(Array.from(stateB.moments.get(k)?.dataSync() ?? [])).to.deep.equal(Array.from(v.dataSync()));
    tf.dispose([...stateA.moments.values(), ...stateB.moments.values()]);
    // StepLR(2, 0.5) after two epochs halves both groups: main 1e-2 → 5e-3, head 5e-3 → 2.5e-3
    expect(second.task.optimizer.groups.map((g) => g.lr)).to.deep.equal([5e-3, 2.5e-3]);

    // The appended log holds the same epoch records (exact losses) and a second run record.
    const logA = await readRunLog(runPaths(join(root, 'straight')).log);
    const logB = await readRunLog(runPaths(dir).log);
    const epochs = (log: typeof logA): number[] => log.filter((r): r is EpochRecord => r.type === 'epoch').map((r) => r.loss);
    expect(epochs(logB)).to.deep.equal(epochs(logA));
    expect(logB.filter((r) => r.type === 'run').map((r) => r.type === 'run' && r.resumedFrom?.step)).to.deep.equal([undefined, STEPS_PER_EPOCH]);
    [straight, first, second].forEach(({ task }) => {
      task.model.dispose();
      task.optimizer.dispose();
    });
  });

  it('an interruption mid-epoch (abort signal, as SIGINT) saves and resumes bit-for-bit', async () => {
    const straight = tinyTask();
    await train(straight.task, { runDir: join(root, 'ref3'), epochs: 3, rng: straight.rng, quiet: true });
    const dir = join(root, 'aborted');
    const first = tinyTask();
    const controller = new AbortController();
    const r = await train(first.task, {
      runDir: dir,
      epochs: 3,
      rng: first.rng,
      quiet: true,
      signal: controller.signal,
      onStep: ({ step }) => step === 11 && controller.abort(),
    });
    expect(r).to.include({ status: 'interrupted', step: 11, epochs: 1 });
    const ckpt = await loadCheckpoint(runPaths(dir).last);
    expect(ckpt.progress).to.include({ epoch: 1, stepInEpoch: 11 - STEPS_PER_EPOCH, step: 11 });
    expect(ckpt.progress.dataRng).to.not.equal(null);
    disposeCheckpoint(ckpt);
    const second = tinyTask();
    await train(second.task, { runDir: dir, epochs: 3, rng: second.rng, quiet: true, resume: true });
    expect(weightsOf(second.model)).to.deep.equal(weightsOf(straight.model));
    // the epoch that was interrupted reports the same mean loss as in the straight run
    const losses = async (d: string): Promise<number[]> =>
      (await readRunLog(runPaths(d).log)).filter((x): x is EpochRecord => x.type === 'epoch').map((x) => x.loss);
    expect(await losses(dir)).to.deep.equal(await losses(join(root, 'ref3')));
    [straight, first, second].forEach(({ task }) => {
      task.model.dispose();
      task.optimizer.dispose();
    });
  });

  it('stops on a NaN loss naming the step and terms, without an update, keeping the last good checkpoint', async () => {
    const dir = join(root, 'nan');
    const { task, rng, model } = tinyTask({ nanAtCall: 13 });
    let before: Record<string, number[]> = {};
    const run = train(task, {
      runDir: dir,
      epochs: 3,
      rng,
      quiet: true,
      logEvery: 1,
      onStep: ({ step }) => step === 12 && (before = weightsOf(model)),
    });
    const err = await run.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(NonFiniteLossError);
    const message = (err as Error).message;
    expect(message).to.match(
      /non-finite loss at step 13 \(epoch 1\): loss=NaN, mse=NaN; training stopped, the last good checkpoint is .*last\.safetensors/,
    );
    expect((err as NonFiniteLossError).values).to.deep.equal({ loss: NaN, mse: NaN });
    expect(weightsOf(model)).to.deep.equal(before); // the NaN step changed nothing
    const ckpt = await loadCheckpoint(runPaths(dir).last);
    expect(ckpt.progress).to.include({ epoch: 1, stepInEpoch: 0, step: STEPS_PER_EPOCH });
    for (const t of ckpt.weights.values()) expect(Array.from(t.dataSync()).every(Number.isFinite)).to.equal(true);
    disposeCheckpoint(ckpt);
    const log = await readRunLog(runPaths(dir).log);
    expect(log.filter((x) => x.type === 'train').map((x) => (x as TrainRecord).step)).to.deep.equal([...Array(12).keys()].map((i) => i + 1));
    task.model.dispose();
    task.optimizer.dispose();
  });

  it('keeps tf.memory().numTensors constant between step 10 and step 200', async () => {
    const { task, rng } = tinyTask();
    const counts = new Map<number, number>();
    // 25 epochs of 8 steps: epoch ends with checkpoints, evaluations, clipping and the scheduler
    await train(task, {
      runDir: join(root, 'memory'),
      epochs: 25,
      rng,
      quiet: true,
      clipMaxNorm: 0.1,
      evalEvery: 3,
      checkpointEvery: 10,
      onStep: ({ step }) => (step === 10 || step === 200) && counts.set(step, tf.memory().numTensors),
    });
    expect(counts.get(10)).to.be.a('number');
    expect(counts.get(200)).to.equal(counts.get(10));
    task.model.dispose();
    task.optimizer.dispose();
  });

  it('writes log.jsonl with the documented records, config.json and per-epoch checkpoints', async () => {
    const dir = join(root, 'log');
    const { task, rng } = tinyTask({ delayMs: 1 }); // async batches
    const config = { model: 'tiny', lr: 1e-2, nested: { batch: 8 } };
    const losses: number[] = [];
    const norms: number[] = [];
    const result = await train(task, {
      runDir: dir,
      name: 'tiny-run',
      epochs: 3,
      rng,
      quiet: true,
      config,
      logEvery: 3,
      evalEvery: 2,
      checkpointEvery: 2,
      clipMaxNorm: 0.1,
      onStep: ({ loss, gradNorm }) => {
        losses.push(loss);
        norms.push(gradNorm ?? NaN);
      },
    });
    expect(JSON.parse(readFileSync(runPaths(dir).config, 'utf8'))).to.deep.equal(config);
    const log = await readRunLog(runPaths(dir).log);
    const run = log[0];
    expect(run).to.include({ type: 'run', name: 'tiny-run', backend: tf.getBackend() });
    expect(run?.type === 'run' && run.config).to.deep.equal(config);
    expect(run?.type === 'run' && !Number.isNaN(Date.parse(run.startedAt))).to.equal(true);

    const trainRecords = log.filter((r): r is TrainRecord => r.type === 'train');
    expect(trainRecords.map((r) => r.step)).to.deep.equal([3, 6, 9, 12, 15, 18, 21, 24]);
    const r9 = trainRecords[2] as TrainRecord;
    expect(r9).to.include({ epoch: 1, step: 9, loss: losses[8], lr: 1e-2 });
    expect(Object.keys(r9.terms)).to.deep.equal(['mse', 'l1']);
    expect(r9.imagesPerSec).to.be.greaterThan(0);
    expect(r9.time).to.be.greaterThan(0);
    expect(r9.gradNorm).to.equal(norms[8]);
    expect(norms.every((n) => n > 0)).to.equal(true);
    // StepLR(2, 0.5): epoch 2 trains at half the lr
    expect(trainRecords.filter((r) => r.epoch === 2).map((r) => r.lr)).to.deep.equal([5e-3, 5e-3, 5e-3]);
    expect(trainRecords[7]?.lrs).to.deep.equal({ main: 5e-3, head: 2.5e-3 });

    const epochRecords = log.filter((r): r is EpochRecord => r.type === 'epoch');
    expect(epochRecords.map((r) => r.epoch)).to.deep.equal([0, 1, 2]);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    epochRecords.forEach((r, e) => expect(r.loss).to.be.closeTo(mean(losses.slice(e * 8, e * 8 + 8)), 1e-12));
    expect(epochRecords[0]?.imagesPerSec).to.be.greaterThan(0);
    expect(epochRecords[0]?.seconds).to.be.greaterThan(0.008); // 8 batches of ≥ 1 ms
    // evaluations after epochs 1 (every 2) and 2 (the last)
    expect(log.filter((r) => r.type === 'eval').map((r) => r.type === 'eval' && [r.epoch, Object.keys(r.metrics)])).to.deep.equal([
      [1, ['mse', 'rmse']],
      [2, ['mse', 'rmse']],
    ]);
    expect(result.evalRecords.map((r) => r.epoch)).to.deep.equal([1, 2]);
    expect(log.map((r) => r.type)).to.deep.equal([
      'run',
      'train',
      'train',
      'epoch',
      'train',
      'train',
      'train',
      'epoch',
      'eval',
      'train',
      'train',
      'train',
      'epoch',
      'eval',
      'end',
    ]);
    expect(log.at(-1)).to.deep.include({ type: 'end', reason: 'epochs', epoch: 3, step: 24 });
    expect(existsSync(runPaths(dir).epoch(1))).to.equal(true);
    expect(existsSync(runPaths(dir).epoch(0))).to.equal(false);
    const ckpt = await loadCheckpoint(runPaths(dir).epoch(1));
    expect(ckpt.config).to.deep.equal(config);
    expect(ckpt.progress).to.include({ epoch: 2, step: 16 });
    disposeCheckpoint(ckpt);

    // a fresh start refuses to overwrite the run unless told to
    await train(task, { runDir: dir, epochs: 1, rng, quiet: true }).then(
      () => expect.fail('expected an error'),
      (e: Error) => expect(e.message).to.match(/already holds a checkpoint; pass resume/),
    );
    task.model.dispose();
    task.optimizer.dispose();
  });

  it('prints a progress line every logEvery steps when stderr is not a TTY, redraws on a TTY, nothing when quiet', async () => {
    const run = async (stream: { isTTY: boolean; write(s: string): boolean }, quiet = false): Promise<void> => {
      const { task, rng } = tinyTask();
      await train(task, {
        runDir: join(root, `progress-${stream.isTTY}-${quiet}`),
        epochs: 1,
        rng,
        quiet,
        logEvery: 4,
        progressStream: stream,
        stepsPerEpoch: 8,
      });
      task.model.dispose();
      task.optimizer.dispose();
    };
    const plain: string[] = [];
    await run({ isTTY: false, write: (s) => plain.push(s) > 0 });
    expect(plain, plain.join('')).to.have.length(4);
    expect(plain[0]).to.match(/^epoch 1\/1 4\/8 step 4 loss \d+\.\d{4} lr 1\.00e-2 [\d.]+ img\/s ETA \d+s\n$/);
    expect(plain[1]).to.match(/^epoch 1\/1 8\/8 step 8 /);
    expect(plain[2]).to.match(/^epoch 1\/1 done: loss \d+\.\d{4}, [\d.]+ img\/s, [\d.]+ s\n$/);
    expect(plain[3]).to.match(/^eval epoch 1: mse \d+\.\d{4}, rmse \d+\.\d{4}\n$/);
    const tty: string[] = [];
    await run({ isTTY: true, write: (s) => tty.push(s) > 0 });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: a TTY progress line starts with CR, ESC [K
    expect(tty[0]).to.match(/^\r\x1b\[Kepoch 1\/1 \[[= ]{20}\] \d\/8 step \d/);
    expect(tty.some((s) => s.startsWith('\r\x1b[Kepoch 1/1 [====================] 8/8 step 8'))).to.equal(true);
    const quiet: string[] = [];
    await run({ isTTY: false, write: (s) => quiet.push(s) > 0 }, true);
    expect(quiet).to.deep.equal([]);
  });
});
