// examples/train-pose.ts runs end to end with a tiny budget (2 scenes, 20 views each, 4-frame test trajectories, 1 step).

import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { trainPoseExample } from '../../examples/train-pose.js';
import { initBackend } from '../../lib/runtime/backend.js';

describe('examples/train-pose', () => {
  // The example's model is the CPU preset (d 64, batch 32): on the tfjs cpu backend one step takes
  // about a minute on the shared machine, so this test runs on wasm (as `npm start` does).
  let previous: string;
  before(async () => {
    previous = tf.getBackend();
    await initBackend('wasm', { log: null });
  });
  after(async () => {
    await tf.setBackend(previous);
  });

  it('trains one epoch, writes a checkpoint and evaluates both scenes next to the baseline', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'condformer-pose-example-'));
    try {
      const result = await trainPoseExample({ epochs: 1, runDir: dir, numScenes: 2, framesPerSequence: 4, trainViews: 20, quiet: true });
      expect(result.train.status).to.equal('completed');
      expect(result.split).to.equal('unseen-trajectories');
      expect(result.train.step).to.equal(1); // 2 scenes × 20 views = 40 train images, batch 32
      expect(existsSync(result.checkpoint)).to.equal(true);
      expect(result.evaluation.scenes.map((s) => s.count)).to.deep.equal([8, 8]); // 2 unseen trajectories × 4 frames
      for (const s of [...result.evaluation.scenes, ...result.baseline.scenes]) expect(Number.isFinite(s.medianPositionError)).to.equal(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
