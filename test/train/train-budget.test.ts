// The run budgets of the shared loop (lib/train/train.ts): --max-steps and --time-budget stop the
// run cleanly before the next step, with a checkpoint that resumes bit-for-bit, an evaluation at
// the stopping step and an `end` record that says why.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { disposeCheckpoint, loadCheckpoint } from '../../lib/train/checkpoint.js';
import { type EndRecord, type EvalRecord, readRunLog, type TrainRecord } from '../../lib/train/run-log.js';
import { runPaths, train } from '../../lib/train/train.js';
import { STEPS_PER_EPOCH, tinyTask, weightsOf } from './fixtures/tiny-task.js';

describe('train/train budgets (maxSteps, timeBudgetSeconds)', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'condformer-budget-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const records = async (dir: string) => {
    const log = await readRunLog(runPaths(dir).log);
    return {
      train: log.filter((r): r is TrainRecord => r.type === 'train'),
      evals: log.filter((r): r is EvalRecord => r.type === 'eval'),
      ends: log.filter((r): r is EndRecord => r.type === 'end'),
    };
  };

  it('maxSteps 11 stops mid-epoch at exactly step 11: checkpoint, evaluation, end record; resuming finishes like a straight run', async () => {
    const straight = tinyTask();
    await train(straight.task, { runDir: join(root, 'straight'), epochs: 3, rng: straight.rng, quiet: true });
    const dir = join(root, 'steps');
    const first = tinyTask();
    const r = await train(first.task, { runDir: dir, epochs: 3, rng: first.rng, quiet: true, logEvery: 1, maxSteps: 11 });
    expect(r).to.include({ status: 'completed', stoppedBy: 'max-steps', step: 11, epochs: 1 });
    const ckpt = await loadCheckpoint(runPaths(dir).last);
    expect(ckpt.progress).to.include({ epoch: 1, stepInEpoch: 11 - STEPS_PER_EPOCH, step: 11 });
    disposeCheckpoint(ckpt);
    const log = await records(dir);
    expect(log.train.map((x) => x.step)).to.deep.equal([...Array(11).keys()].map((i) => i + 1));
    // epoch 0's evaluation (step 8), then the one at the stop (step 11, epoch 1 in progress)
    expect(log.evals.map((x) => [x.epoch, x.step])).to.deep.equal([
      [0, 8],
      [1, 11],
    ]);
    expect(log.ends.map((x) => [x.reason, x.epoch, x.step])).to.deep.equal([['max-steps', 1, 11]]);
    // the stopping evaluation measures the model as checkpointed
    first.model.eval();
    const now = (await first.task.evaluate?.(1)) ?? {};
    expect(log.evals[1]?.metrics.mse).to.equal(now.mse);

    const second = tinyTask({ seed: 99 });
    const rest = await train(second.task, { runDir: dir, epochs: 3, rng: second.rng, quiet: true, resume: true });
    expect(rest).to.include({ status: 'completed', stoppedBy: 'epochs', step: 3 * STEPS_PER_EPOCH, epochs: 3 });
    expect(weightsOf(second.model)).to.deep.equal(weightsOf(straight.model));
    expect((await records(dir)).ends.map((x) => x.reason)).to.deep.equal(['max-steps', 'epochs']);
    [straight, first, second].forEach(({ task }) => {
      task.model.dispose();
      task.optimizer.dispose();
    });
  });

  it('maxSteps at an epoch boundary stops before the next epoch, evaluating once (evalEvery 2 skipped it)', async () => {
    const dir = join(root, 'boundary');
    const { task, rng } = tinyTask();
    const r = await train(task, { runDir: dir, epochs: 4, rng, quiet: true, evalEvery: 2, maxSteps: STEPS_PER_EPOCH });
    expect(r).to.include({ status: 'completed', stoppedBy: 'max-steps', step: STEPS_PER_EPOCH, epochs: 1 });
    expect(r.epochRecords.map((x) => x.epoch)).to.deep.equal([0]);
    const log = await records(dir);
    expect(log.evals.map((x) => [x.epoch, x.step])).to.deep.equal([[0, STEPS_PER_EPOCH]]);
    const ckpt = await loadCheckpoint(runPaths(dir).last);
    expect(ckpt.progress).to.include({ epoch: 1, stepInEpoch: 0, step: STEPS_PER_EPOCH });
    expect(ckpt.progress.dataRng).to.equal(null);
    disposeCheckpoint(ckpt);
    // evalEvery 1: the epoch's own evaluation is not repeated at the stop
    const dir1 = join(root, 'boundary-1');
    const again = tinyTask();
    await train(again.task, { runDir: dir1, epochs: 4, rng: again.rng, quiet: true, maxSteps: STEPS_PER_EPOCH });
    expect((await records(dir1)).evals.map((x) => x.step)).to.deep.equal([STEPS_PER_EPOCH]);
    [task, again.task].forEach((t) => {
      t.model.dispose();
      t.optimizer.dispose();
    });
  });

  it('timeBudgetSeconds stops before the first step that starts past the budget, then checkpoints and evaluates', async () => {
    const dir = join(root, 'time');
    const budget = 0.25;
    const { task, rng } = tinyTask({ delayMs: 20 }); // ≥ 20 ms a step: about 12 steps fit
    const r = await train(task, { runDir: dir, epochs: 10, rng, quiet: true, logEvery: 1, timeBudgetSeconds: budget });
    expect(r).to.include({ status: 'completed', stoppedBy: 'time-budget' });
    expect(r.step).to.be.within(1, (budget * 1000) / 20);
    const log = await records(dir);
    expect(log.train.map((x) => x.step)).to.deep.equal([...Array(r.step).keys()].map((i) => i + 1));
    // step n ran because the check before it was under budget; the check before step n + 1 was not
    if (r.step >= 2) expect((log.train.at(-2) as TrainRecord).time).to.be.below(budget);
    const end = log.ends[0] as EndRecord;
    expect([end.reason, end.step]).to.deep.equal(['time-budget', r.step]);
    expect(end.time).to.be.at.least(budget);
    expect(log.evals.at(-1)?.step).to.equal(r.step);
    const ckpt = await loadCheckpoint(runPaths(dir).last);
    expect(ckpt.progress.step).to.equal(r.step);
    expect(ckpt.progress.elapsedSeconds).to.be.at.least(budget);
    disposeCheckpoint(ckpt);
    task.model.dispose();
    task.optimizer.dispose();
  });

  it('refuses a non-positive budget before any work', async () => {
    const { task, rng } = tinyTask();
    const dir = join(root, 'bad');
    for (const [options, message] of [
      [{ maxSteps: 0 }, /maxSteps must be a positive integer, got 0/],
      [{ maxSteps: 2.5 }, /maxSteps must be a positive integer, got 2.5/],
      [{ timeBudgetSeconds: -1 }, /timeBudgetSeconds must be a positive number of seconds, got -1/],
    ] as const) {
      const err = await train(task, { runDir: dir, epochs: 1, rng, quiet: true, ...options }).then(
        () => null,
        (e: Error) => e,
      );
      expect(err?.message).to.match(message);
    }
    task.model.dispose();
    task.optimizer.dispose();
  });
});
