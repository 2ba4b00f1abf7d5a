import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { readSafetensors, writeSafetensors } from '../../lib/nn/safetensors.js';
import { Rng } from '../../lib/runtime/rng.js';
import { AdamW } from '../../lib/train/adamw.js';
import { type Checkpoint, disposeCheckpoint, loadCheckpoint, saveCheckpoint } from '../../lib/train/checkpoint.js';

describe('train/checkpoint', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'condformer-ckpt-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  function sample(): { checkpoint: Checkpoint; optimizer: AdamW; w: tf.Variable } {
    const w = tf.variable(
      tf.tensor2d([
        [0.1, -0.2],
        [0.3, 1e-7],
      ]),
    );
    const optimizer = new AdamW([{ name: 'main', params: [['proj.weight', w]], lr: 1e-4, weightDecay: 1e-4 }]);
    tf.tidy(() =>
      optimizer.step({
        [w.name]: tf.tensor2d([
          [1, 2],
          [3, 4],
        ]),
      }),
    );
    const rng = new Rng(3);
    rng.uniform();
    const checkpoint: Checkpoint = {
      weights: new Map([
        ['proj.weight', w as tf.Tensor],
        ['bn.num_batches_tracked', tf.scalar(5, 'int32')],
      ]),
      optimizer: optimizer.state(),
      scheduler: { lastEpoch: 4 },
      progress: { epoch: 4, stepInEpoch: 0, step: 40, elapsedSeconds: 12.5, rng: rng.state(), dataRng: null, epochTotals: null },
      config: { lr: 1e-4, backbone: 'resnet50', dims: [256, 8] },
      backend: 'cpu',
      savedAt: '2026-11-21T12:00:00.000Z',
    };
    return { checkpoint, optimizer, w };
  }

  it('round-trips weights, optimizer moments and metadata exactly', async () => {
    const { checkpoint, optimizer, w } = sample();
    const path = join(root, 'a', 'last.safetensors');
    await saveCheckpoint([path, join(root, 'a', 'copy.safetensors')], checkpoint);
    expect(readdirSync(join(root, 'a')).sort()).to.deep.equal(['copy.safetensors', 'last.safetensors']); // no temporary files left
    const back = await loadCheckpoint(path);
    expect([...back.weights.keys()].sort()).to.deep.equal(['bn.num_batches_tracked', 'proj.weight']);
    expect(Array.from(back.weights.get('proj.weight')?.dataSync() ?? [])).to.deep.equal(Array.from(w.dataSync()));
    expect(back.weights.get('bn.num_batches_tracked')?.dtype).to.equal('int32');
    expect(back.optimizer.meta).to.deep.equal(checkpoint.optimizer.meta);
    expect([...back.optimizer.moments.keys()].sort()).to.deep.equal(['exp_avg.proj.weight', 'exp_avg_sq.proj.weight']);
    const m = checkpoint.optimizer.moments.get('exp_avg_sq.proj.weight');
    expect(Array.from(back.optimizer.moments.get('exp_avg_sq.proj.weight')?.dataSync() ?? [])).to.deep.equal(Array.from(m?.dataSync() ?? []));
    expect(back.progress).to.deep.equal(checkpoint.progress);
    expect(Rng.fromState(back.progress.rng).uniform()).to.equal(Rng.fromState(checkpoint.progress.rng).uniform());
    expect({ scheduler: back.scheduler, config: back.config, backend: back.backend, savedAt: back.savedAt }).to.deep.equal({
      scheduler: checkpoint.scheduler,
      config: checkpoint.config,
      backend: 'cpu',
      savedAt: checkpoint.savedAt,
    });
    disposeCheckpoint(back);
    tf.dispose([...checkpoint.optimizer.moments.values(), checkpoint.weights.get('bn.num_batches_tracked') as tf.Tensor, w]);
    optimizer.dispose();
  });

  it('names the file and the JSON path of bad metadata, and unknown tensors', async () => {
    const { checkpoint, optimizer, w } = sample();
    const path = join(root, 'bad.safetensors');
    await saveCheckpoint(path, checkpoint);
    const { tensors, metadata } = await readSafetensors(path);
    const progress = JSON.parse(metadata.progress ?? '{}') as Record<string, unknown>;
    await writeSafetensors(path, tensors, { ...metadata, progress: JSON.stringify({ ...progress, step: 'forty' }) });
    await loadCheckpoint(path).then(
      () => expect.fail('expected an error'),
      (e: Error) => expect(e.message).to.match(/bad\.safetensors metadata 'progress': at \$\.step: expected number, got "forty"/),
    );
    const { format: _format, ...noFormat } = metadata;
    await writeSafetensors(path, tensors, noFormat);
    await loadCheckpoint(path).then(
      () => expect.fail('expected an error'),
      (e: Error) => expect(e.message).to.match(/metadata has no 'format'/),
    );
    tensors.set('stray', tf.zeros([1]));
    await writeSafetensors(path, tensors, metadata);
    await loadCheckpoint(path).then(
      () => expect.fail('expected an error'),
      (e: Error) => expect(e.message).to.match(/tensor 'stray' is neither/),
    );
    tf.dispose([...tensors.values(), ...checkpoint.optimizer.moments.values(), checkpoint.weights.get('bn.num_batches_tracked') as tf.Tensor, w]);
    optimizer.dispose();
  });
});
