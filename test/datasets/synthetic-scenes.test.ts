import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { readRgbImage } from '../../datasets/image.js';
import { readPoseCsv } from '../../datasets/pose-csv.js';
import { renderView } from '../../datasets/raycast/render.js';
import type { SceneSpec, SurfaceMaterial } from '../../datasets/raycast/scene.js';
import { createSyntheticScenes, renderSyntheticRow, syntheticPoseSource, writeSyntheticScenes } from '../../datasets/synthetic-scenes.js';

const plain = (c: [number, number, number]): SurfaceMaterial => ({ texture: 'checker', colorA: c, colorB: c, scale: 1, seed: 0 });
const WALL: [number, number, number] = [0.2, 0.4, 0.6];
const BOX: [number, number, number] = [1, 0, 0];

/** A 4 m cube room with flat walls, full ambient light and no direct light: pixels = albedo. */
function testRoom(boxes: number[]): SceneSpec {
  return {
    name: 'test',
    kind: 'room',
    boundsMin: [0, 0, 0],
    boundsMax: [4, 4, 4],
    surfaces: Array(6).fill(plain(WALL)),
    boxes: Float32Array.from(boxes),
    boxMaterials: boxes.map(() => plain(BOX)).slice(0, boxes.length / 6),
    light: [2, 3.9, 2],
    lightIntensity: 0,
    ambient: 1,
    skyHorizon: [0, 0, 0],
    skyZenith: [0, 0, 0],
    cameraMin: [1, 1, 1],
    cameraMax: [3, 3, 3],
  };
}

const pixel = (img: { data: Uint8Array; width: number }, x: number, y: number) =>
  Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));
const WALL8 = WALL.map((v) => Math.round(255 * v));
const BOX8 = BOX.map((v) => Math.round(255 * v));

describe('synthetic scenes', () => {
  it('ray caster: pinhole projection of a box and the camera-to-world convention (x right, y down, z forward)', () => {
    // Camera at (2, 2, 0.5) looking along +z: camera x (right) = world −x, y (down) = world −y,
    // so R = diag(−1, −1, 1), q = (0, 0, 0, 1). 90° fov on 60 px: focal 30 px.
    const pose = { t: [2, 2, 0.5] as const, q: [0, 0, 0, 1] as const };
    // Box 1.5 m ahead spanning x, y ∈ [1.5, 2.5]: half-width 0.5 m → 0.5 / 1.5 · 30 = 10 px around the centre.
    const img = renderView(testRoom([1.5, 1.5, 2, 2.5, 2.5, 3]), pose, { width: 60, height: 60, fovDegrees: 90 });
    expect(pixel(img, 30, 30)).to.deep.equal(BOX8);
    expect(pixel(img, 21, 21)).to.deep.equal(BOX8);
    expect(pixel(img, 38, 38)).to.deep.equal(BOX8);
    expect(pixel(img, 18, 30)).to.deep.equal(WALL8);
    expect(pixel(img, 42, 30)).to.deep.equal(WALL8);
    // A box at world x ∈ [0.9, 1.3] (world −x of the camera) shows on the image's right half, and
    // one at world y ∈ [2.7, 3.1] (above the camera) on the image's top half.
    const right = renderView(testRoom([0.9, 1.8, 2, 1.3, 2.2, 3]), pose, { width: 60, height: 60, fovDegrees: 90 });
    expect(pixel(right, 45, 30)).to.deep.equal(BOX8);
    expect(pixel(right, 15, 30)).to.deep.equal(WALL8);
    const up = renderView(testRoom([1.8, 2.7, 2, 2.2, 3.1, 3]), pose, { width: 60, height: 60, fovDegrees: 90 });
    expect(pixel(up, 30, 15)).to.deep.equal(BOX8);
    expect(pixel(up, 30, 45)).to.deep.equal(WALL8);
  });

  it('is deterministic by seed; rows follow the train / test sequence split', () => {
    const options = { numScenes: 3, trainSequences: 2, testSequences: 1, framesPerSequence: 4, seed: 7 };
    const a = createSyntheticScenes(options);
    const b = createSyntheticScenes(options);
    const c = createSyntheticScenes({ ...options, seed: 8 });
    expect(a.table.rows).to.deep.equal(b.table.rows);
    expect(a.table.rows[0]!.t).to.not.deep.equal(c.table.rows[0]!.t);
    expect(a.table.scenes).to.deep.equal(['scene-00-room', 'scene-01-outdoor', 'scene-02-room']);
    expect(a.table.rows).to.have.length(3 * 3 * 4);
    const seqs = (split: string) => [...new Set(a.table.rows.filter((r) => r.split === split).map((r) => `${r.scene}/${r.seq}`))];
    expect(seqs('train')).to.have.length(6);
    expect(seqs('test')).to.deep.equal(['scene-00-room/seq-03', 'scene-01-outdoor/seq-03', 'scene-02-room/seq-03']);
    expect(a.table.rows[5]!.imgPath).to.equal('scene-00-room/seq-02/frame-000001.png');
    const img1 = renderSyntheticRow(a, a.table.rows[3]!, { width: 24, height: 16 });
    const img2 = renderSyntheticRow(b, b.table.rows[3]!, { width: 24, height: 16 });
    expect(Array.from(img1.data)).to.deep.equal(Array.from(img2.data));
    expect([img1.width, img1.height]).to.deep.equal([24, 16]);
  });

  it('poses: unit quaternions with w ≥ 0, cameras inside the free region, smooth paths', () => {
    const s = createSyntheticScenes({ numScenes: 2, framesPerSequence: 30, seed: 1 });
    for (const r of s.table.rows) {
      expect(Math.hypot(...r.q)).to.be.closeTo(1, 1e-9);
      expect(r.q[0]).to.be.at.least(0);
      const spec = s.specs.find((x) => x.name === r.scene)!;
      r.t.forEach((v, a) => expect(v).to.be.within(spec.cameraMin[a]! - 1e-9, spec.cameraMax[a]! + 1e-9));
    }
    // consecutive frames: < 0.6 m apart (scenes are up to ~9 m wide, 30 frames)
    for (let i = 1; i < 30; i++) expect(Math.hypot(...s.table.rows[i]!.t.map((v, a) => v - s.table.rows[i - 1]!.t[a]!))).to.be.below(0.6);
  });

  it('scenes look different from each other', () => {
    const s = createSyntheticScenes({ numScenes: 4, framesPerSequence: 3, seed: 2 });
    const firsts = s.table.scenes.map((name) => renderSyntheticRow(s, s.table.rows.find((r) => r.scene === name)!, { width: 16, height: 16 }));
    for (let i = 0; i < firsts.length; i++) {
      for (let j = i + 1; j < firsts.length; j++) {
        let diff = 0;
        for (let k = 0; k < firsts[i]!.data.length; k++) diff += Math.abs(firsts[i]!.data[k]! - firsts[j]!.data[k]!);
        expect(diff / firsts[i]!.data.length).to.be.above(20); // mean |Δ| per channel value (0..255)
      }
    }
  });

  it('serves a split in memory and writes labels.csv + PNGs that read back identically', async () => {
    const s = createSyntheticScenes({ numScenes: 1, trainSequences: 1, testSequences: 1, framesPerSequence: 2, seed: 3 });
    const test = syntheticPoseSource(s, 'test', { width: 12, height: 8 });
    expect(test.table.rows.map((r) => r.seq)).to.deep.equal(['seq-02', 'seq-02']);
    const image = await test.readImage(1);
    expect(await test.readImage(1)).to.equal(image); // cached
    const dir = await fs.mkdtemp(join(tmpdir(), 'synthetic-'));
    await writeSyntheticScenes(s, dir, { width: 12, height: 8 });
    const table = await readPoseCsv(join(dir, 'labels.csv'));
    expect(table.rows).to.deep.equal(s.table.rows);
    const back = await readRgbImage(join(dir, test.table.rows[1]!.imgPath));
    expect(Array.from(back.data)).to.deep.equal(Array.from(image.data));
    await fs.rm(dir, { recursive: true });
  });
});

describe('synthetic scenes: the unseen-trajectories split', () => {
  const options = { numScenes: 2, trainViews: 300, testSequences: 2, framesPerSequence: 20, seed: 3 };
  const scenes = createSyntheticScenes(options);
  const train = scenes.table.rows.filter((r) => r.split === 'train');
  const test = scenes.table.rows.filter((r) => r.split === 'test');

  it('draws trainViews views per scene inside its free region, deterministically from the seed', () => {
    expect(train).to.have.length(600);
    expect(test).to.have.length(2 * 2 * 20);
    for (const r of train) {
      const spec = scenes.specs.find((s) => s.name === r.scene)!;
      for (let a = 0; a < 3; a++) expect(r.t[a]).to.be.within(spec.cameraMin[a]!, spec.cameraMax[a]!);
      expect(Math.hypot(...r.q)).to.be.closeTo(1, 1e-9);
    }
    expect(createSyntheticScenes(options).table.rows).to.deep.equal(scenes.table.rows);
    expect(createSyntheticScenes({ ...options, seed: 4 }).table.rows[0]!.t).not.to.deep.equal(train[0]!.t);
  });

  it('covers every heading; test rows are whole trajectories, disjoint from the training views', () => {
    // camera forward = third column of R(q); heading = atan2(f_x, f_z): all 8 octants are hit
    const octants = new Set(
      train.map(({ q: [w, x, y, z] }) => {
        const fx = 2 * (x * z + w * y);
        const fz = 1 - 2 * (x * x + y * y);
        return Math.floor(((Math.atan2(fx, fz) + Math.PI) / (2 * Math.PI)) * 8) % 8;
      }),
    );
    expect(octants.size).to.equal(8);
    const images = new Set(train.map((r) => r.imgPath));
    expect(test.some((r) => images.has(r.imgPath))).to.equal(false);
    expect(new Set(test.map((r) => r.seq)).size).to.equal(2);
    expect(train.every((r) => r.seq === 'views')).to.equal(true);
  });
});
