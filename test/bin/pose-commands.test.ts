// The pose commands refuse bad usage before any work starts: exit 2 with the usage, like the
// detector commands (bin/shared/command.ts defineCommand).
import { expect } from 'chai';
import { command as ablatePose } from '../../bin/commands/ablate-pose.js';
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
