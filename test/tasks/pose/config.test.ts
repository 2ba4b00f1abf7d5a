// The pose run config: decoded once (recipe + data), and runs written before the shared vocabulary
// (nhead, positionEncoding, smallCnnChannels, data `source`) decode to the same config.
import { expect } from 'chai';
import { decodePoseRunConfig, poseTrainConfigJson, smallPoseTrainConfig } from '../../../lib/tasks/pose/config.js';
import { syntheticBenchmarkSpec } from '../../../lib/tasks/pose/data.js';

describe('tasks/pose/config', () => {
  const config = smallPoseTrainConfig(3, 'learned');
  const data = syntheticBenchmarkSpec({ numScenes: 3 });
  const stored = { ...poseTrainConfigJson(config), data, epochs: 2, seed: 0 };

  it('decodes a stored run config into the recipe and the data spec', () => {
    const run = decodePoseRunConfig(JSON.parse(JSON.stringify(stored)), 'config.json');
    expect(run.data).to.deep.equal(data);
    expect(run.config.model).to.deep.equal(config.model);
    expect(run.config.model).to.include({ nheads: 4, positionEmbedding: 'learned', hiddenDim: 64 });
  });

  it('reads the spellings of older runs', () => {
    const { nheads, positionEmbedding, smallChannels, ...model } = config.model;
    const { kind, ...spec } = data;
    const old = {
      ...stored,
      model: { ...model, nhead: nheads, positionEncoding: positionEmbedding, smallCnnChannels: smallChannels },
      data: { source: kind, ...spec },
    };
    const run = decodePoseRunConfig(JSON.parse(JSON.stringify(old)), 'old config.json');
    expect(run.config.model).to.deep.equal(config.model);
    expect(run.data).to.deep.equal(data);
  });

  it('names the file and the field of a bad value', () => {
    expect(() => decodePoseRunConfig({ ...stored, data: { ...data, numScenes: 0 } }, 'runs/x/config.json')).to.throw(
      /runs\/x\/config\.json at \$\.data: .*numScenes: expected positive integer, got 0/,
    );
  });
});
