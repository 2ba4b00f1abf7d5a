import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { writePng } from '../../datasets/image.js';
import { predictSceneMeans, sceneMeanPoses } from '../../datasets/pose-baseline.js';
import { type PoseRow, poseTable, writePoseCsv } from '../../datasets/pose-csv.js';
import { disposePoseBatch, type PoseSource, poseBatches, poseCsvSource, sceneEqualizedEpoch } from '../../datasets/pose-dataset.js';
import { poseTestConfig, poseTrainConfig } from '../../datasets/pose-transforms.js';
import { Rng } from '../../lib/runtime/rng.js';

const row = (scene: string, t: [number, number, number], q: [number, number, number, number]): PoseRow => ({
  scene,
  split: 'train',
  seq: 'seq-01',
  imgPath: `${scene}/x.png`,
  t,
  q,
});

/** Rows whose image is a constant colour derived from the row index. */
function constantSource(rows: PoseRow[]): PoseSource {
  const table = poseTable(rows);
  return {
    table,
    readImage: async (i) => ({ data: new Uint8Array(8 * 10 * 3).fill(10 * i), height: 8, width: 10 }),
  };
}

describe('pose dataset', () => {
  it('sceneEqualizedEpoch: maxRows × nScenes entries, every row once, extras fill the smaller scenes', () => {
    const ids = Int32Array.from([0, 0, 0, 0, 0, 0, 1, 1, 2]); // 6 / 2 / 1 rows → epoch of 18
    const rng = new Rng(0);
    const totals = [0, 0, 0];
    const epochs = 300;
    for (let e = 0; e < epochs; e++) {
      const order = sceneEqualizedEpoch(ids, 3, rng);
      expect(order).to.have.length(18);
      for (let i = 0; i < 9; i++) expect(order).to.include(i);
      const counts = [0, 0, 0];
      for (const i of order) counts[ids[i]!]!++;
      expect(counts[0]).to.equal(6); // the largest scene gets no extras (gap 0)
      counts.forEach((c, s) => (totals[s]! += c));
    }
    // Extras pick scene 1 with p = 4/9 and scene 2 with p = 5/9: 6 per scene in expectation.
    expect(totals[1]! / epochs).to.be.closeTo(6, 0.35);
    expect(totals[2]! / epochs).to.be.closeTo(6, 0.35);
    expect(sceneEqualizedEpoch(Int32Array.from([0, 0, 0]), 1, new Rng(1)).sort()).to.deep.equal([0, 1, 2]);
    // scene 1 absent from this split: scenes 0 and 2 are balanced (3 + 3 entries)
    const partial = sceneEqualizedEpoch(Int32Array.from([0, 0, 0, 2]), 3, new Rng(2));
    expect(partial).to.have.length(6);
    expect(partial.filter((i) => i === 3)).to.have.length(3);
  });

  it('poseBatches: NHWC images, [B, 7] poses and scene ids; deterministic; no leaked tensors', async () => {
    const rows = [row('b', [1, 2, 3], [1, 0, 0, 0]), row('a', [4, 5, 6], [0, 1, 0, 0]), row('b', [7, 8, 9], [0, 0, 1, 0])];
    const source = constantSource(rows);
    const before = tf.memory().numTensors;
    const seen: number[][] = [];
    for await (const batch of poseBatches(source, { batchSize: 2, transform: poseTestConfig(8, 6), rng: new Rng(0), shuffle: false })) {
      expect(batch.images.shape).to.deep.equal([batch.indices.length, 6, 6, 3]);
      expect(Array.from(batch.poses.dataSync())).to.deep.equal(batch.indices.flatMap((i) => [...rows[i]!.t, ...rows[i]!.q]));
      expect(Array.from(batch.sceneIds.dataSync())).to.deep.equal(batch.indices.map((i) => (rows[i]!.scene === 'a' ? 0 : 1)));
      const px = batch.images.dataSync();
      expect(px[0]).to.be.closeTo(((10 * batch.indices[0]!) / 255 - 0.485) / 0.229, 1e-5);
      seen.push([...batch.indices]);
      disposePoseBatch(batch);
    }
    expect(seen).to.deep.equal([[0, 1], [2]]);
    expect(tf.memory().numTensors).to.equal(before);

    const run = async (seed: number) => {
      const out: number[] = [];
      for await (const b of poseBatches(source, { batchSize: 3, transform: poseTrainConfig(8, 6), rng: new Rng(seed), equalizeScenes: true })) {
        out.push(...b.indices, ...Array.from(b.images.dataSync()).slice(0, 20));
        disposePoseBatch(b);
      }
      return out;
    };
    expect(await run(5)).to.deep.equal(await run(5));
    expect(await run(5)).to.not.deep.equal(await run(6));
  });

  it('poseCsvSource reads a split of a label file and its images relative to the root', async () => {
    const dir = await fs.mkdtemp(join(tmpdir(), 'pose-src-'));
    const rows = [row('b', [1, 2, 3], [1, 0, 0, 0]), { ...row('a', [4, 5, 6], [0, 1, 0, 0]), split: 'test' }];
    await writePoseCsv(join(dir, 'labels.csv'), rows);
    await writePng(join(dir, 'a/x.png'), { data: new Uint8Array(2 * 3 * 3).fill(7), height: 2, width: 3 });
    const test = await poseCsvSource(join(dir, 'labels.csv'), dir, 'test');
    expect(test.table.scenes).to.deep.equal(['a', 'b']);
    expect(Array.from(test.table.sceneIds)).to.deep.equal([0]);
    expect((await test.readImage(0)).data[0]).to.equal(7);
    const train = await poseCsvSource(join(dir, 'labels.csv'), dir, 'train');
    await train.readImage(0).then(
      () => expect.fail('missing image should throw'),
      (e: Error) => expect(e.message).to.match(/b\/x\.png: cannot read image \(.*labels\.csv \(train row 0\)\): no such file/),
    );
    await poseCsvSource(join(dir, 'labels.csv'), dir, 'val').then(
      () => expect.fail('empty split should throw'),
      (e: Error) => expect(e.message).to.match(/no rows with split 'val'/),
    );
    await fs.rm(dir, { recursive: true });
  });

  it('scene mean pose baseline: mean position and sign-aligned mean orientation per scene', () => {
    const c = Math.cos((10 * Math.PI) / 360),
      s = Math.sin((10 * Math.PI) / 360); // 10° about z
    const table = poseTable([row('a', [0, 0, 0], [1, 0, 0, 0]), row('b', [5, 5, 5], [0, 1, 0, 0]), row('a', [2, 4, 6], [-c, 0, 0, -s])]);
    const means = sceneMeanPoses(table);
    expect(means.map((m) => m.scene)).to.deep.equal(['a', 'b']);
    expect(means[0]!.t).to.deep.equal([1, 2, 3]);
    // identity + (cos 5°, 0, 0, sin 5°) → (1 + cos 5°, 0, 0, sin 5°) normalised = (cos 2.5°, 0, 0, sin 2.5°): 5° about z
    const q = means[0]!.q;
    [Math.cos((2.5 * Math.PI) / 180), 0, 0, Math.sin((2.5 * Math.PI) / 180)].forEach((v, i) => expect(q[i]).to.be.closeTo(v, 1e-12));
    const pred = predictSceneMeans(means, [row('b', [0, 0, 0], [1, 0, 0, 0])]);
    expect(Array.from(pred)).to.deep.equal([5, 5, 5, 0, 1, 0, 0]);
    expect(() => predictSceneMeans(means, [row('z', [0, 0, 0], [1, 0, 0, 0])])).to.throw(/scene 'z'/);
  });
});
