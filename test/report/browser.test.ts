// Opens a generated report in headless Chromium and checks the screenshot. Skipped (with a
// message) when Chromium is not installed: `apt-get install -y chromium`, or set CHROMIUM.
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import sharp from 'sharp';
import { findChromium, screenshotHtml } from '../../lib/report/chromium.js';
import { writeReport } from '../../lib/report/write-report.js';
import { writeDetectionRun } from './synthetic-runs.js';

/** Pixels within ±12 per channel of `colour`. */
function countColour(data: Buffer, channels: number, colour: readonly [number, number, number]): number {
  let n = 0;
  for (let p = 0; p < data.length; p += channels) {
    if (Math.abs(data[p]! - colour[0]) <= 12 && Math.abs(data[p + 1]! - colour[1]) <= 12 && Math.abs(data[p + 2]! - colour[2]) <= 12) n++;
  }
  return n;
}

describe('report in headless Chromium', function () {
  this.timeout(120_000);
  let chromium: string | null = null;
  let root: string;

  before(async function () {
    chromium = await findChromium();
    if (chromium === null) {
      console.log('      skipped: Chromium not found (apt-get install -y chromium, or set CHROMIUM=/path/to/chrome)');
      this.skip();
    }
    root = await fs.mkdtemp(join(tmpdir(), 'condformer-browser-'));
  });
  after(async () => {
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it('renders the inline SVG charts and tables of a comparison report', async () => {
    const runs = [await writeDetectionRun(root, 'detr-tiny'), await writeDetectionRun(root, 'cond-detr-tiny')];
    const report = await writeReport(runs, { outDir: join(root, 'report') });
    const shot = join(root, 'screenshot.png');
    await screenshotHtml(chromium as string, report.html, shot, { width: 1200, height: 2400 });
    const { data, info } = await sharp(shot).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).to.deep.equal([1200, 2400]);
    // Vega's first two category colours (#4c78a8, #f58518): the two runs' lines and points are drawn
    const blue = countColour(data, info.channels, [0x4c, 0x78, 0xa8]);
    const orange = countColour(data, info.channels, [0xf5, 0x85, 0x18]);
    console.log(`      screenshot: ${blue} blue and ${orange} orange run pixels`);
    expect(blue).to.be.greaterThan(500);
    expect(orange).to.be.greaterThan(500);
    // the title line: dark text in the top 40 rows
    expect(countColour(data.subarray(0, 40 * info.width * info.channels), info.channels, [0x22, 0x22, 0x22])).to.be.greaterThan(200);
  });
});
