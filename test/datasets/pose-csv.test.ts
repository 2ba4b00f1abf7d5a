import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { formatPoseCsv, type PoseRow, parsePoseCsv, readPoseCsv, selectSplit, writePoseCsv } from '../../datasets/pose-csv.js';

// The first rows of the official `abs_7scenes_pose.csv_chess_test.csv` / Cambridge label files.
const OFFICIAL = `scene,split,seq,img_path,t1,t2,t3,q1,q2,q3,q4
chess,test,seq-03,chess/seq-03/frame-000000.color.png,-0.0513658,-0.7848635,-0.7011286999999999,0.9823381999999999,-0.18315179999999998,0.0323652,-0.0204851
ShopFacade,test,seq3,ShopFacade/seq3/frame00001.png,-12.561518,-7.815853999999999,1.968957,0.6368199999999999,0.6207630000000001,-0.332124,0.314337
chess,train,seq-01,chess/seq-01/frame-000000.color.png,1,2,3,1,0,0,0
`;

describe('pose CSV', () => {
  it('decodes the official format; scene ids are indices of the sorted unique names', () => {
    const table = parsePoseCsv(OFFICIAL, 'labels.csv');
    expect(table.scenes).to.deep.equal(['ShopFacade', 'chess']); // code-point order, as np.unique
    expect(Array.from(table.sceneIds)).to.deep.equal([1, 0, 1]);
    expect(table.rows[0]).to.deep.equal({
      scene: 'chess',
      split: 'test',
      seq: 'seq-03',
      imgPath: 'chess/seq-03/frame-000000.color.png',
      t: [-0.0513658, -0.7848635, -0.7011286999999999],
      q: [0.9823381999999999, -0.18315179999999998, 0.0323652, -0.0204851],
    });
  });

  it('round-trips through write / read exactly', async () => {
    const dir = await fs.mkdtemp(join(tmpdir(), 'pose-csv-'));
    const rows = parsePoseCsv(OFFICIAL, 'labels.csv').rows;
    await writePoseCsv(join(dir, 'out.csv'), rows);
    const back = await readPoseCsv(join(dir, 'out.csv'));
    expect(back.rows).to.deep.equal(rows);
    await fs.rm(dir, { recursive: true });
  });

  it('selectSplit keeps the whole table’s scene ids', () => {
    const train = selectSplit(parsePoseCsv(OFFICIAL, 'labels.csv'), 'train');
    expect(train.rows).to.have.length(1);
    expect(train.scenes).to.deep.equal(['ShopFacade', 'chess']);
    expect(Array.from(train.sceneIds)).to.deep.equal([1]);
  });

  it('names file, line and column on a bad value', () => {
    const bad = OFFICIAL.replace('1,2,3,1,0,0,0', '1,abc,3,1,0,0,0');
    expect(() => parsePoseCsv(bad, 'labels.csv')).to.throw(/labels\.csv:4: at \$\.t2: expected number \(finite, as text\), got "abc"/);
  });

  it('refuses a split other than train / test, naming file, line and value', () => {
    expect(() => parsePoseCsv(`${OFFICIAL}chess,val,seq-03,x.png,1,2,3,1,0,0,0\n`, 'labels.csv')).to.throw(
      /labels\.csv:5: at \$\.split: expected "train" \| "test", got "val"/,
    );
  });

  it('rejects a missing column, a wrong field count and quoted fields', () => {
    expect(() => parsePoseCsv('scene,split,seq,img_path,t1,t2,t3,q1,q2,q3\n', 'a.csv')).to.throw(/a\.csv:1: header is missing column\(s\) q4/);
    expect(() => parsePoseCsv(`${OFFICIAL}chess,test,seq-03,x.png,1,2\n`, 'a.csv')).to.throw(/a\.csv:5: expected 11 fields, got 6/);
    expect(() => parsePoseCsv(`${OFFICIAL}"chess",test,seq-03,x.png,1,2,3,1,0,0,0\n`, 'a.csv')).to.throw(/a\.csv:5: quoted CSV fields/);
    expect(() => parsePoseCsv(`${OFFICIAL}chess,test,seq-03,,1,2,3,1,0,0,0\n`, 'a.csv')).to.throw(
      /a\.csv:5: at \$\.img_path: expected non-empty string/,
    );
  });

  it('refuses to write a field that would need quoting', () => {
    const row: PoseRow = { scene: 'a,b', split: 'train', seq: 's', imgPath: 'x.png', t: [0, 0, 0], q: [1, 0, 0, 0] };
    expect(() => formatPoseCsv([row])).to.throw(/comma, quote or newline/);
  });
});
