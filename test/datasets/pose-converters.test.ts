import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { command } from '../../bin/commands/convert-pose.js';
import { convertCambridge } from '../../datasets/cambridge.js';
import { readPoseCsv } from '../../datasets/pose-csv.js';
import { convertSevenScenes, parsePoseMatrix } from '../../datasets/seven-scenes.js';

async function write(path: string, text: string): Promise<void> {
  await fs.mkdir(join(path, '..'), { recursive: true });
  await fs.writeFile(path, text);
}

/** A 4×4 matrix in the 7-Scenes text layout (tab separated, exponent notation, trailing blanks). */
function poseText(r: number[][], t: number[]): string {
  return (
    [0, 1, 2].map((i) => `${[...r[i]!, t[i]!].map((v) => v.toExponential(7)).join('\t ')}\t \n`).join('') +
    '0.0000000e+000\t 0.0000000e+000\t 0.0000000e+000\t 1.0000000e+000\t \n'
  );
}

const S = Math.SQRT1_2;

describe('pose converters', () => {
  let root: string;
  before(async () => {
    root = await fs.mkdtemp(join(tmpdir(), 'pose-conv-'));
    // Cambridge: 3 header lines then ImageFile X Y Z W P Q R.
    const header = 'Visual Landmark Dataset V1\nImageFile, Camera Position [X Y Z W P Q R]\n\n';
    await write(
      join(root, 'cambridge/ShopFacade/dataset_train.txt'),
      `${header}seq2/frame00001.png -1.5 2 0.25 0.5 0.5 -0.5 0.5\nseq2/frame00002.png 1 2 3 -2 0 0 0\nseq2/frame00003.png 1 2 3 -1 -1 1 1\n`,
    );
    await write(join(root, 'cambridge/ShopFacade/dataset_test.txt'), `${header}seq3/frame00007.png 4 5 6 0 1 0 0\n`);
    await write(join(root, 'cambridge/KingsCollege/dataset_train.txt'), `${header}seq1/frame00001.png 7 8 9 1 0 0 0\n`);
    await write(join(root, 'cambridge/KingsCollege/dataset_test.txt'), header);
    await fs.mkdir(join(root, 'cambridge/not-a-scene'), { recursive: true });
    // 7-Scenes: train sequence1, test sequence2.
    const s7 = join(root, '7scenes/chess');
    await write(join(s7, 'TrainSplit.txt'), 'sequence1\n');
    await write(join(s7, 'TestSplit.txt'), 'sequence2\n');
    await write(
      join(s7, 'seq-01/frame-000001.pose.txt'),
      poseText(
        [
          [0, -1, 0],
          [1, 0, 0],
          [0, 0, 1],
        ],
        [0.5, -1, 2],
      ),
    ); // 90° about z
    await write(
      join(s7, 'seq-01/frame-000000.pose.txt'),
      poseText(
        [
          [1, 0, 0],
          [0, -1, 0],
          [0, 0, -1],
        ],
        [0, 0, 0],
      ),
    ); // 180° about x
    await write(join(s7, 'seq-01/frame-000000.color.png'), '');
    await write(
      join(s7, 'seq-02/frame-000000.pose.txt'),
      poseText(
        [
          [0, 0, 1],
          [1, 0, 0],
          [0, 1, 0],
        ],
        [1, 1, 1],
      ),
    ); // 120° about (1,1,1)
  });
  after(async () => fs.rm(root, { recursive: true }));

  it('Cambridge: skips 3 header lines, img_path <scene>/<file>, seq = first path component, scenes sorted', async () => {
    const rows = await convertCambridge(join(root, 'cambridge'));
    expect(rows.map((r) => `${r.scene} ${r.split} ${r.seq} ${r.imgPath}`)).to.deep.equal([
      'KingsCollege train seq1 KingsCollege/seq1/frame00001.png',
      'ShopFacade train seq2 ShopFacade/seq2/frame00001.png',
      'ShopFacade train seq2 ShopFacade/seq2/frame00002.png',
      'ShopFacade train seq2 ShopFacade/seq2/frame00003.png',
      'ShopFacade test seq3 ShopFacade/seq3/frame00007.png',
    ]);
    expect(rows[1]!.t).to.deep.equal([-1.5, 2, 0.25]);
    expect(rows[1]!.q).to.deep.equal([0.5, 0.5, -0.5, 0.5]); // unit, w ≥ 0: kept as given
    // normalised and sign-fixed like 7-Scenes': (−2, 0, 0, 0) → (1, 0, 0, 0); (−1, −1, 1, 1) → (½, ½, −½, −½)
    expect(rows[2]!.q.map((v) => v + 0)).to.deep.equal([1, 0, 0, 0]); // + 0: −0 → 0
    expect(rows[3]!.q).to.deep.equal([0.5, 0.5, -0.5, -0.5]);
  });

  it('Cambridge: errors name the file and line', async () => {
    const dir = await fs.mkdtemp(join(tmpdir(), 'pose-bad-'));
    await write(join(dir, 'S/dataset_train.txt'), 'a\nb\nc\nseq1/f.png 1 2 x 1 0 0 0\n');
    await convertCambridge(dir).then(
      () => expect.fail('should throw'),
      (e: Error) => expect(e.message).to.match(/dataset_train\.txt:4: at \$\[2\]: expected number \(finite, as text\), got "x"/),
    );
    await write(join(dir, 'S/dataset_train.txt'), 'a\nb\nc\nseq1/f.png 1 2 3 1 0 0 0\nseq1/g.png 1 2 3 0 0 0 0\n');
    await convertCambridge(dir).then(
      () => expect.fail('should throw'),
      (e: Error) => expect(e.message).to.match(/dataset_train\.txt:5: .*zero quaternion/),
    );
    await fs.rm(dir, { recursive: true });
  });

  it('7-Scenes: t = T[:3,3], q from T[:3,:3] (w ≥ 0), sequences from the split files', async () => {
    const rows = await convertSevenScenes(join(root, '7scenes'));
    expect(rows.map((r) => `${r.split} ${r.seq} ${r.imgPath}`)).to.deep.equal([
      'train seq-01 chess/seq-01/frame-000000.color.png',
      'train seq-01 chess/seq-01/frame-000001.color.png',
      'test seq-02 chess/seq-02/frame-000000.color.png',
    ]);
    const close = (a: readonly number[], b: number[]) => a.forEach((v, i) => expect(v).to.be.closeTo(b[i]!, 1e-7));
    close(rows[0]!.q, [0, 1, 0, 0]); // 180° about x
    close(rows[1]!.q, [S, 0, 0, S]); // 90° about z: (cos 45°, 0, 0, sin 45°)
    close(rows[1]!.t, [0.5, -1, 2]);
    close(rows[2]!.q, [0.5, 0.5, 0.5, 0.5]); // 120° about (1,1,1)/√3
  });

  it('7-Scenes: a malformed pose file is reported with its path', () => {
    expect(() => parsePoseMatrix('1 0 0\n0 1 0', 'frame-000000.pose.txt')).to.throw(
      /frame-000000\.pose\.txt: .*expected 16 numbers \(a 4×4 camera-to-world matrix\)/,
    );
  });

  it('condformer convert writes a CSV that reads back (7scenes, --split test; cambridge --scenes)', async () => {
    const out = join(root, 'out/7s.csv');
    const log = console.log;
    console.log = () => undefined;
    try {
      expect(await command.run(['7scenes', join(root, '7scenes'), out, '--split', 'test'])).to.equal(0);
      expect((await readPoseCsv(out)).rows.map((r) => r.imgPath)).to.deep.equal(['chess/seq-02/frame-000000.color.png']);
      const out2 = join(root, 'out/cam.csv');
      expect(await command.run(['cambridge', join(root, 'cambridge'), out2, '--scenes', 'ShopFacade'])).to.equal(0);
      const table = await readPoseCsv(out2);
      expect(table.scenes).to.deep.equal(['ShopFacade']);
      expect(table.rows).to.have.length(4);
    } finally {
      console.log = log;
    }
    const error = console.error;
    console.error = () => undefined;
    try {
      expect(await command.run(['nope', root, out])).to.equal(2);
    } finally {
      console.error = error;
    }
  });
});
