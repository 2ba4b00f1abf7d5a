// The pose commands refuse bad usage before any work starts: exit 2 with the usage, like the
// detector commands (bin/shared/command.ts defineCommand).
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { type AblationRow, command as ablatePose, formatAblationSummary, meanStd, summarizeAblation } from '../../bin/commands/ablate-pose.js';
import { command as evalPose } from '../../bin/commands/eval-pose.js';
import { command as trainPose } from '../../bin/commands/train-pose.js';
import type { Command } from '../../bin/shared/command.js';
import { runCommand } from '../helpers/run-command.js';

const cases: [string, Command, string[], RegExp][] = [
  ['train pose --epochs=0', trainPose, ['--data', 'synthetic', '--epochs=0'], /--epochs: expected an integer >= 1, got '0'/],
  ['train pose --epochs -1', trainPose, ['--data', 'synthetic', '--epochs', '-1'], /--epochs: expected a value, got '-1' \(.*--epochs=-1\)/],
  ['train pose --epochs=-1', trainPose, ['--data', 'synthetic', '--epochs=-1'], /--epochs: expected an integer >= 1, got '-1'/],
  ['train pose --lr abc', trainPose, ['--data', 'synthetic', '--lr', 'abc'], /--lr: expected a number >= 0, got 'abc'/],
  [
    'train pose --backbone resnet',
    trainPose,
    ['--data', 'synthetic', '--backbone', 'resnet'],
    /--backbone: expected one of small, efficientnet, got 'resnet'/,
  ],
  ['train pose --batch-size 0', trainPose, ['--data', 'synthetic', '--batch-size', '0'], /--batch-size: expected an integer >= 1/],
  ['train pose without --data', trainPose, [], /--data is required/],
  ['ablate pose --seed abc', ablatePose, ['--seed', 'abc'], /--seed: expected an integer >= 0, got 'abc'/],
  ['ablate pose --epochs 0', ablatePose, ['--epochs', '0'], /--epochs: expected an integer >= 1, got '0'/],
  ['eval pose --thresholds 1', evalPose, ['--checkpoint', 'x.safetensors', '--thresholds', '1'], /--thresholds: expected metres:degrees pairs/],
  ['eval pose without --checkpoint', evalPose, [], /--checkpoint is required/],
];

describe('pose commands: bad usage', () => {
  for (const [name, command, args, message] of cases) {
    it(`${name}: exit 2 with the message and the usage`, async () => {
      const run = await runCommand(command, args);
      expect(run.code).to.equal(2);
      expect(run.err).to.match(message);
      expect(run.err).to.contain('usage: condformer');
    });
  }
});

describe('ablate pose: mean ± std over seeds', () => {
  const row = (variant: string, seed: number, pos: number, ori: number, entropy: number[]): AblationRow => ({
    variant,
    seed,
    epochs: 2,
    seconds: 1,
    medianPositionError: pos,
    medianOrientationError: ori,
    sceneAccuracy: 1,
    diagnostics: { entropy: { t: entropy, rot: entropy }, qkDistance: { t: [1, 2], rot: [3, 4] } },
  });

  it('gives per variant the mean and sample std of the medians and per-layer means of the diagnostics', () => {
    const rows = [row('qka', 0, 1, 10, [1, 2]), row('base', 0, 4, 40, [0, 0]), row('qka', 1, 2, 20, [3, 4]), row('qka', 2, 6, 30, [2, 6])];
    const [qka, base] = summarizeAblation(rows);
    expect(qka!.variant).to.equal('qka');
    expect(qka!.seeds).to.equal(3);
    // pos 1, 2, 6: mean 3, sample variance ((−2)² + (−1)² + 3²) / 2 = 7
    expect(qka!.medianPositionError.mean).to.equal(3);
    expect(qka!.medianPositionError.std).to.be.closeTo(Math.sqrt(7), 1e-12);
    expect(qka!.medianOrientationError).to.deep.equal({ mean: 20, std: 10 });
    expect(qka!.entropy.t).to.deep.equal([2, 4]);
    expect(base!.medianPositionError).to.deep.equal({ mean: 4, std: 0 });
    expect(formatAblationSummary([qka!])).to.contain('| qka | 3 | 3.000 ± 2.646 | 20.00 ± 10.00 | 2.00 / 4.00 |');
    expect(meanStd([5])).to.deep.equal({ mean: 5, std: 0 });
  });

  it('trains the variants and writes the paper figures of the first seed: entropy, purity histograms, QK distance, a UMAP per arm', async function () {
    this.timeout(300_000);
    const runDir = await fs.mkdtemp(join(tmpdir(), 'condformer-ablate-'));
    try {
      // 1 scene of 32 views: one step of batch 32 per run; 2 test trajectories of 40 frames.
      const args = ['--variants', 'baseline,fixed-pe+qka', '--seeds', '0,1', '--epochs', '1', '--scenes', '1', '--train-views', '32'];
      const run = await runCommand(ablatePose, [...args, '--run-dir', runDir, '--backend', tf.getBackend()]);
      expect(run.code, run.err).to.equal(0);
      expect(run.out).to.match(/\| baseline \| 2 \| \d+\.\d{3} ± \d+\.\d{3} \|/);
      const html = join(runDir, 'analysis', 'analysis.html');
      expect(run.out).to.contain(`(seed 0): ${html}`);
      const page = await fs.readFile(html, 'utf8');
      for (const arm of ['baseline-seed0', 'fixed-pe+qka-seed0']) expect(page).to.contain(`${arm}: ${join(runDir, arm, 'checkpoints')}`);
      expect(page).not.to.contain('seed1:');
      const figures = (await fs.readdir(join(runDir, 'analysis', 'figures'))).sort();
      expect(figures).to.include.members(['attention-entropy.png', 'query-region-purity.png', 'qk-centroid-distance.png']);
      expect(figures.filter((f) => f.startsWith('qk-embedding-'))).to.have.length(2);
    } finally {
      await fs.rm(runDir, { recursive: true, force: true });
    }
  });

  it('refuses a bad --seeds list before any work', async () => {
    const run = await runCommand(ablatePose, ['--seeds', '0,x']);
    expect(run.code).to.equal(2);
    expect(run.err).to.match(/--seeds: expected an integer >= 0, got 'x'/);
  });
});
