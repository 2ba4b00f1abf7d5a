// The compose-head example trains: its centre error falls within a few Adam steps.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { trainComposeHead } from '../../examples/compose-head.js';

describe('examples/compose-head', () => {
  it('lowers the L1 centre error by a third in 25 steps and leaks nothing', () => {
    const before = tf.memory().numTensors;
    const losses = trainComposeHead({ steps: 25, seed: 0 });
    const first = losses[0] as number;
    const last = losses[losses.length - 1] as number;
    console.log(`      loss ${first.toFixed(4)} → ${last.toFixed(4)}`);
    expect(last).to.be.below(first * 0.67);
    expect(tf.memory().numTensors).to.equal(before);
  });
});
