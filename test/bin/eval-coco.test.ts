import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { command } from '../../bin/commands/eval-coco.js';
import { runCommand } from '../helpers/run-command.js';

const fixturePath = new URL('../../../shared/fixtures/coco_eval.json', import.meta.url);
// test data (a trusted fixture), not external input
const fixture = JSON.parse(readFileSync(fixturePath, 'utf8')) as { gt: unknown; dt: unknown; stats: number[]; summary: string[] };

describe('condformer eval coco', () => {
  let dir: string;
  let gtPath: string;
  let dtPath: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'eval-coco-'));
    gtPath = join(dir, 'gt.json');
    dtPath = join(dir, 'results.json');
    writeFileSync(gtPath, JSON.stringify(fixture.gt));
    writeFileSync(dtPath, JSON.stringify(fixture.dt));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("prints pycocotools' 12-line summary", async () => {
    const { code, out } = await runCommand(command, [gtPath, dtPath]);
    expect(code).to.equal(0);
    expect(out.split('\n').map((l) => l.trimStart())).to.deep.equal(fixture.summary.map((l) => l.trimStart()));
  });

  it('prints {"stats": [...]} with --json', async () => {
    const { code, out } = await runCommand(command, [gtPath, dtPath, '--json']);
    expect(code).to.equal(0);
    const parsed = JSON.parse(out) as { stats: number[] };
    expect(Object.keys(parsed)).to.deep.equal(['stats']);
    parsed.stats.forEach((s, i) => expect(s).to.be.closeTo(fixture.stats[i] as number, 1e-6));
  });

  it('names the file, the JSON path and the expectation for malformed input (exit 1)', async () => {
    const bad = join(dir, 'bad-results.json');
    writeFileSync(bad, JSON.stringify([{ image_id: 1000, category_id: 1, bbox: [1, 2, 3], score: 0.5 }]));
    const { code, err } = await runCommand(command, [gtPath, bad]);
    expect(code).to.equal(1);
    expect(err).to.contain(bad);
    expect(err).to.contain('$[0].bbox');
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"images": [');
    const second = await runCommand(command, [broken, dtPath]);
    expect(second.code).to.equal(1);
    expect(second.err).to.contain(broken).and.to.contain('malformed JSON');
    const missing = await runCommand(command, [join(dir, 'nope.json'), dtPath]);
    expect(missing.code).to.equal(1);
    expect(missing.err).to.contain('nope.json');
  });

  it('rejects results on images that are not in the ground truth (exit 1)', async () => {
    const stray = join(dir, 'stray.json');
    writeFileSync(stray, JSON.stringify([{ image_id: 424242, category_id: 1, bbox: [1, 2, 3, 4], score: 0.5 }]));
    const { code, err } = await runCommand(command, [gtPath, stray]);
    expect(code).to.equal(1);
    expect(err).to.contain('$[0].image_id');
  });

  it('prints --help (exit 0) and usage on bad arguments (exit 2)', async () => {
    const help = await runCommand(command, ['--help']);
    expect(help.code).to.equal(0);
    expect(help.out).to.contain('usage: condformer eval coco');
    expect((await runCommand(command, [gtPath])).code).to.equal(2);
    expect((await runCommand(command, [gtPath, dtPath, '--bogus'])).code).to.equal(2);
  });
});
