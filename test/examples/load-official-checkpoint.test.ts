// The load-official-checkpoint example on the official-style and HF fixtures: the same config and
// the same forward pass from both, nothing leaked.
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { forwardOfficialCheckpoint } from '../../examples/load-official-checkpoint.js';
import { TINY_DETECTORS } from '../fixtures/make-tiny-detectors.js';

const PTH = fileURLToPath(new URL('../fixtures/pth/', import.meta.url));

describe('examples/load-official-checkpoint', () => {
  it('derives the tiny Conditional DETR from the .pth and gives the HF file the same forward pass', async () => {
    const before = tf.memory().numTensors;
    const official = await forwardOfficialCheckpoint(`${PTH}official-tiny-conditional-detr.pth`);
    expect(official.config).to.deep.include(TINY_DETECTORS['conditional-detr']);
    expect(official.warnings).to.have.length(3);
    expect(official.logitsShape).to.deep.equal([1, 4, 3]);
    const hf = await forwardOfficialCheckpoint(`${PTH}hf-tiny-conditional-detr.safetensors`, { nheads: 2 });
    expect(hf.firstBox).to.deep.equal(official.firstBox);
    expect(official.firstBox.every((v) => v > 0 && v < 1)).to.equal(true);
    expect(tf.memory().numTensors).to.equal(before);
  });
});
