// The pose task's data specs: a label file's images are all checked before any work starts, and
// the synthetic specs name their test split.
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { blankRgb, writePng } from '../../../datasets/image.js';
import { writePoseCsv } from '../../../datasets/pose-csv.js';
import {
  csvDataSpec,
  interpolationBenchmarkSpec,
  loadPoseSplits,
  poseSplitName,
  syntheticBenchmarkSpec,
  syntheticDataSpec,
} from '../../../lib/tasks/pose/data.js';

describe('pose data specs', () => {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), 'pose-data-'));
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const row = (split: 'train' | 'test', imgPath: string) => ({
    scene: 'chess',
    split,
    seq: 's',
    imgPath,
    t: [0, 0, 0] as const,
    q: [1, 0, 0, 0] as const,
  });

  it('checks every image of both splits up front, naming the file, the row and its split', async () => {
    await writePng(join(dir, 'a.png'), blankRgb(4, 4));
    await writePng(join(dir, 'b.png'), blankRgb(4, 4));
    await fs.writeFile(join(dir, 'broken.png'), 'not an image');
    const csv = join(dir, 'labels.csv');
    await writePoseCsv(csv, [row('train', 'a.png'), row('test', 'b.png')]);
    const ok = await loadPoseSplits(csvDataSpec(csv));
    expect([ok.train.table.rows.length, ok.test.table.rows.length]).to.deep.equal([1, 1]);

    await writePoseCsv(csv, [row('train', 'a.png'), row('train', 'a.png'), row('test', 'missing.png'), row('test', 'broken.png')]);
    await loadPoseSplits(csvDataSpec(csv)).then(
      () => expect.fail('should throw'),
      (e: Error) => {
        expect(e.message).to.contain(join(dir, 'missing.png'));
        expect(e.message).to.contain('labels.csv row 3, split test');
        expect(e.message).to.match(/no such file \(and 1 more of 4 images\)/);
      },
    );
  });

  it('names the split: unseen-trajectories for the benchmark, interpolation for the old frame split', () => {
    expect(poseSplitName(syntheticBenchmarkSpec())).to.equal('unseen-trajectories');
    expect(poseSplitName(syntheticDataSpec({ size: 32 }))).to.equal('unseen-trajectories');
    expect(poseSplitName(interpolationBenchmarkSpec())).to.equal('interpolation');
    expect(poseSplitName(csvDataSpec('x.csv'))).to.equal('test');
    expect(syntheticBenchmarkSpec({ trainViews: 7 })).to.include({ heldOut: 'views', trainViews: 7, testSequences: 2 });
  });
});
