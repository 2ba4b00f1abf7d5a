import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { disposeCheckpoint, loadCheckpoint } from '../../lib/train/checkpoint.js';
import { runPaths, train } from '../../lib/train/train.js';
import { tinyTask, weightsOf } from './fixtures/tiny-task.js';

const SCRIPT = join('test', 'train', 'fixtures', 'sigint-train.ts');
const EPOCHS = 10;

/** Runs the fixture script, sends SIGINT once it prints READY; resolves with its exit and output. */
function runAndInterrupt(runDir: string): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, runDir, String(EPOCHS)], { cwd: process.cwd(), env: process.env });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!sent && stdout.includes('READY\n')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('train/SIGINT', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'condformer-sigint-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('saves a checkpoint and exits cleanly; resuming from it gives the uninterrupted weights', async () => {
    const dir = join(root, 'run');
    const { code, signal, stdout, stderr } = await runAndInterrupt(dir);
    expect({ code, signal }, stderr).to.deep.equal({ code: 0, signal: null });
    expect(stderr).to.not.match(/Error|at .*\.ts:\d+/);
    const result: unknown = JSON.parse(stdout.trim().split('\n').at(-1) ?? '');
    expect(result).to.include({ status: 'interrupted' });
    expect(existsSync(runPaths(dir).last)).to.equal(true);
    const ckpt = await loadCheckpoint(runPaths(dir).last);
    const step = ckpt.progress.step;
    disposeCheckpoint(ckpt);
    expect(result).to.include({ step });
    expect(step).to.be.within(3, EPOCHS * 8 - 1);
    console.log(`      child interrupted after step ${step} of ${EPOCHS * 8}`);

    const resumed = tinyTask();
    const r = await train(resumed.task, { runDir: dir, epochs: EPOCHS, rng: resumed.rng, quiet: true, resume: true });
    expect(r).to.include({ status: 'completed', step: EPOCHS * 8 });
    const straight = tinyTask();
    await train(straight.task, { runDir: join(root, 'straight'), epochs: EPOCHS, rng: straight.rng, quiet: true });
    expect(weightsOf(resumed.model)).to.deep.equal(weightsOf(straight.model));
    [resumed, straight].forEach(({ task }) => {
      task.model.dispose();
      task.optimizer.dispose();
    });
  });
});
