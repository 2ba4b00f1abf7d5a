import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import sharp from 'sharp';
import { blankRgb, drawBoxes, floatToRgb, ImageReadError, readRgbFloat, readRgbImage, resizeRgb, writePng } from '../../datasets/image.js';

describe('image I/O', () => {
  const dir = mkdtempSync(join(tmpdir(), 'image-io-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes PNG and reads it back as RGB bytes and as floats in [0, 1]', async () => {
    const image = blankRgb(3, 4, [10, 20, 30]);
    image.data.set([255, 0, 128], (2 * 4 + 3) * 3);
    const path = join(dir, 'a.png');
    await writePng(path, image);
    const back = await readRgbImage(path);
    expect([back.height, back.width]).to.deep.equal([3, 4]);
    expect(Buffer.from(back.data).equals(Buffer.from(image.data))).to.equal(true);
    const floats = await readRgbFloat(path);
    expect(floats.data[0]).to.be.closeTo(10 / 255, 1e-7);
    expect(Array.from(floats.data.slice(-3))).to.deep.equal([1, 0, 128 / 255].map(Math.fround));
    expect(Buffer.from(floatToRgb(floats).data).equals(Buffer.from(image.data))).to.equal(true);
  });

  it('expands grey and drops alpha', async () => {
    const grey = join(dir, 'grey.png');
    await sharp(Buffer.from([0, 100, 200, 255]), { raw: { width: 2, height: 2, channels: 1 } })
      .png()
      .toFile(grey);
    expect(Array.from((await readRgbImage(grey)).data)).to.deep.equal([0, 0, 0, 100, 100, 100, 200, 200, 200, 255, 255, 255]);
    const rgba = join(dir, 'rgba.png');
    await sharp(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]), { raw: { width: 2, height: 1, channels: 4 } })
      .png()
      .toFile(rgba);
    expect(Array.from((await readRgbImage(rgba)).data)).to.deep.equal([1, 2, 3, 5, 6, 7]);
  });

  it('names the file and the caller context when an image is missing', async () => {
    const path = join(dir, 'missing.jpg');
    try {
      await readRgbImage(path, 'image id 4 of ann.json');
      expect.fail('expected an error');
    } catch (err) {
      expect(err).to.be.instanceOf(ImageReadError);
      expect((err as Error).message).to.equal(`${path}: cannot read image (image id 4 of ann.json): no such file`);
    }
  });

  it('resizes a constant image to a constant image of the requested size', async () => {
    const out = await resizeRgb(blankRgb(10, 20, [40, 80, 120]), 7, 13);
    expect([out.height, out.width, out.data.length]).to.deep.equal([7, 13, 7 * 13 * 3]);
    expect(new Set(out.data)).to.deep.equal(new Set([40, 80, 120]));
  });

  it('draws box outlines inside the box', () => {
    const out = drawBoxes(blankRgb(5, 6), [[1, 1, 5, 4]], [9, 9, 9]);
    const drawn = Array.from({ length: 5 }, (_, y) => Array.from({ length: 6 }, (_, x) => out.data[(y * 6 + x) * 3]).join('')).join('|');
    expect(drawn).to.equal('000000|099990|090090|099990|000000');
  });
});
