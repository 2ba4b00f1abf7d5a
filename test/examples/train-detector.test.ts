// examples/train-detector.ts trains: with a tiny budget its epoch loss still falls.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { trainDetectorExample } from '../../examples/train-detector.js';

describe('examples/train-detector', () => {
  it('lowers the mean training loss from the first to the last epoch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'detector-example-'));
    try {
      const result = await trainDetectorExample({ runDir: dir, epochs: 3, trainImages: 4, valImages: 2, imageSize: 32, quiet: true });
      const losses = result.epochRecords.map((r) => r.loss);
      console.log(`      epoch losses ${losses.map((l) => l.toFixed(3)).join(' → ')}`);
      expect(losses).to.have.length(3);
      expect(losses[2]).to.be.below((losses[0] as number) * 0.95);
      expect(result.evalRecords).to.have.length(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
