// `condformer data synthetic`: the written COCO directory decodes with the project's loader and
// equals the in-memory set train detect uses; bad usage exits 2.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { command as dataSynthetic } from '../../bin/commands/data-synthetic.js';
import { syntheticDataSpec } from '../../bin/shared/detection-data.js';
import { loadCocoDetection } from '../../datasets/coco.js';
import { cocoSplitPaths, loadDetectionSplit } from '../../lib/tasks/detection/data.js';
import { runCommand } from '../helpers/run-command.js';

describe('condformer data synthetic', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'data-synthetic-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const scene of ['clutter', 'classic'] as const) {
    it(`--scene ${scene}: the written COCO splits decode and equal the in-memory set of --data synthetic${scene === 'classic' ? '' : `:${scene}`}`, async () => {
      const out = join(dir, scene);
      const args = ['--scene', scene, '--out', out, '--train-images', '5', '--val-images', '3', '--image-size', '48', '--seed', '4'];
      const { code, out: printed } = await runCommand(dataSynthetic, args);
      expect(code).to.equal(0);
      expect(printed).to.equal(`wrote 5 train and 3 val images of '${scene}' to ${out}`);
      const spec = syntheticDataSpec(scene === 'classic' ? 'synthetic' : `synthetic:${scene}`, {
        'train-images': '5',
        'val-images': '3',
        'image-size': '48',
        seed: '4',
      });
      expect(spec.scene).to.equal(scene === 'classic' ? undefined : scene);
      for (const split of ['train', 'val'] as const) {
        const written = await loadCocoDetection(cocoSplitPaths(out, split));
        const memory = await loadDetectionSplit(spec, split);
        expect(written.gt).to.deep.equal(memory.gt);
        expect(written.length).to.equal(split === 'train' ? 5 : 3);
        for (let i = 0; i < written.length; i++) {
          const [a, b] = [await written.read(i), await memory.read(i)];
          expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data)), `${split} image ${i}`).to.equal(true);
          expect(Array.from(a.target.boxes)).to.deep.equal(Array.from(b.target.boxes));
          expect(Array.from(a.target.labels)).to.deep.equal(Array.from(b.target.labels));
        }
      }
    });
  }

  it('refuses an unknown scene, a missing --out and a non-empty --out with exit 2', async () => {
    const unknown = await runCommand(dataSynthetic, ['--scene', 'circles', '--out', join(dir, 'x')]);
    expect(unknown.code).to.equal(2);
    expect(unknown.err).to.contain("--scene: expected one of squares, shapes, clutter, classic, got 'circles'");
    expect((await runCommand(dataSynthetic, ['--scene', 'shapes'])).err).to.contain('--out is required');
    const full = await runCommand(dataSynthetic, ['--scene', 'shapes', '--out', join(dir, 'clutter')]);
    expect(full.code).to.equal(2);
    expect(full.err).to.contain('is not empty');
    expect(() => syntheticDataSpec('synthetic:circles', {})).to.throw(
      "--data synthetic:<scene>: expected one of squares, shapes, clutter, got 'circles'",
    );
  });
});
