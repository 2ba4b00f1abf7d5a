import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { formatEta } from '../../lib/train/progress.js';
import { RunLog, readRunLog } from '../../lib/train/run-log.js';

describe('train/run log', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'condformer-log-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('on resume drops the records after the checkpoint step and skips a torn last line', async () => {
    const path = join(root, 'log.jsonl');
    const train = (step: number): string =>
      JSON.stringify({ type: 'train', epoch: Math.floor((step - 1) / 4), step, lr: 1e-4, loss: 1, terms: {}, imagesPerSec: 2, time: step });
    const lines = [
      JSON.stringify({ type: 'run', name: 'r', config: {}, backend: 'cpu', startedAt: '2026-11-21T12:00:00Z' }),
      train(2),
      train(4),
      JSON.stringify({ type: 'epoch', epoch: 0, step: 4, loss: 1, terms: {}, imagesPerSec: 2, seconds: 1 }),
      JSON.stringify({ type: 'eval', epoch: 0, step: 4, metrics: { ap: 0.5, nan: null } }),
      train(6),
      '{"type":"train","epo',
    ];
    writeFileSync(path, `${lines.join('\n')}\n`);
    expect((await readRunLog(path)).map((r) => r.type)).to.deep.equal(['run', 'train', 'train', 'epoch', 'eval', 'train']);
    const log = await RunLog.resume(path, 4);
    await log.write({ type: 'train', epoch: 1, step: 6, lr: 1e-4, loss: 0.5, terms: { a: 0.25 }, imagesPerSec: 3, time: 7 });
    const records = await readRunLog(path);
    expect(records.map((r) => [r.type, 'step' in r ? r.step : null])).to.deep.equal([
      ['run', null],
      ['train', 2],
      ['train', 4],
      ['epoch', 4],
      ['eval', 4],
      ['train', 6],
    ]);
    expect(records.at(-1)).to.include({ loss: 0.5 });
    writeFileSync(path, `${lines[1]}\n{"type":"train"}\n${lines[2]}\n`);
    await readRunLog(path).then(
      () => expect.fail('expected an error'),
      (e: Error) => expect(e.message).to.match(/log\.jsonl:2: at \$\.epoch: expected number, got nothing; at \$\.step: expected number/),
    );
  });

  it('formats durations for the ETA', () => {
    expect([formatEta(7.2), formatEta(95), formatEta(3725)]).to.deep.equal(['7s', '1m35s', '1h02m05s']);
  });
});
