import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CocoGroundTruth, decodeCocoGroundTruth, readCocoGroundTruth, readCocoResults } from '../../datasets/coco-format.js';
import { DecodeError } from '../../lib/io/decode.js';
import { rejection } from '../helpers/rejection.js';

const fixture = JSON.parse(readFileSync(new URL('../../../shared/fixtures/coco_eval.json', import.meta.url), 'utf8')) as {
  gt: unknown;
  dt: unknown;
};
const dir = mkdtempSync(join(tmpdir(), 'coco-format-'));

function writeJson(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

/** A deep copy of the fixture ground truth to break. */
function fixtureGt(): { images: Record<string, unknown>[]; annotations: Record<string, unknown>[]; categories: Record<string, unknown>[] } {
  return structuredClone(fixture.gt) as ReturnType<typeof fixtureGt>;
}

describe('COCO format', () => {
  let gt: CocoGroundTruth;

  after(() => rmSync(dir, { recursive: true, force: true }));

  before(async () => {
    gt = await readCocoGroundTruth(writeJson('gt.json', fixture.gt));
  });

  it('reads the fixture ground truth and results, keeping extra fields', async () => {
    expect(gt.images).to.have.length(20);
    expect(gt.annotations).to.have.length(64);
    expect(gt.categories.map((c) => c.id)).to.deep.equal([1, 3, 7]);
    expect(gt.annotations.filter((a) => a.iscrowd === 1)).to.have.length(3);
    expect(gt.annotations[0].bbox).to.deep.equal([185.83, 211.02, 324.4, 244.31]);
    expect((gt as unknown as { info: unknown }).info).to.not.equal(undefined);
    const results = await readCocoResults(writeJson('dt.json', fixture.dt), gt);
    expect(results).to.have.length(308);
    // Category 4 is not a GT category: allowed (COCOeval ignores it).
    expect(results.filter((r) => r.category_id === 4)).to.have.length(3);
  });

  it('names the file on malformed JSON and on a missing file', async () => {
    const bad = join(dir, 'broken.json');
    writeFileSync(bad, '{"images": [');
    const err = await rejection(readCocoGroundTruth(bad));
    expect(err).to.be.instanceOf(DecodeError);
    expect(err.message).to.contain(bad).and.contain('malformed JSON');
    const missing = join(dir, 'nope.json');
    expect((await rejection(readCocoGroundTruth(missing))).message).to.contain(missing).and.contain('cannot read file');
  });

  it('names file, JSON path and expectation for structural errors', async () => {
    const broken = fixtureGt();
    broken.images[2].width = -640;
    broken.annotations[4].bbox = [1, 2, 3];
    broken.annotations[6].iscrowd = 2;
    delete broken.categories[1].name;
    const path = writeJson('structural.json', broken);
    const message = (await rejection(readCocoGroundTruth(path))).message;
    expect(message).to.contain(path);
    expect(message).to.contain('at $.images[2].width: expected positive number, got -640');
    expect(message).to.contain('at $.annotations[4].bbox[3]: expected finite number >= 0, got nothing');
    expect(message).to.contain('at $.annotations[6].iscrowd: expected 0 | 1, got 2');
    expect(message).to.contain('at $.categories[1].name: expected string');
  });

  it('names file and JSON path for semantic errors', async () => {
    const broken = fixtureGt();
    broken.annotations[3].image_id = 999;
    broken.annotations[5].category_id = 4;
    broken.images[7].id = broken.images[6].id;
    const path = writeJson('semantic.json', broken);
    const message = (await rejection(readCocoGroundTruth(path))).message;
    expect(message).to.contain(path);
    expect(message).to.contain('at $.annotations[3].image_id: expected the id of an entry of $.images, got 999');
    expect(message).to.contain('at $.annotations[5].category_id: expected the id of an entry of $.categories, got 4');
    expect(message).to.contain('at $.images[7].id: expected an id unique in $.images');
  });

  it('rejects results whose image is not in the ground truth, and non-numeric scores', async () => {
    const dt = structuredClone(fixture.dt) as Record<string, unknown>[];
    dt[10].image_id = 5;
    const path = writeJson('dt-bad-image.json', dt);
    expect((await rejection(readCocoResults(path, gt))).message).to.contain(path).and.contain('at $[10].image_id');
    dt[10].image_id = 1000;
    dt[12].score = 'high';
    const path2 = writeJson('dt-bad-score.json', dt);
    expect((await rejection(readCocoResults(path2))).message).to.contain('at $[12].score: expected finite number, got "high"');
  });

  it('decodes in-memory values under a given source name', () => {
    expect(() => decodeCocoGroundTruth({ images: [], annotations: 3, categories: [] }, 'memory')).to.throw(
      DecodeError,
      'memory: at $.annotations: expected Array',
    );
  });
});
