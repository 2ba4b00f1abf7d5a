import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { categoryIdOf, labelOf } from '../../datasets/category-map.js';
import { loadCocoDetection } from '../../datasets/coco.js';
import { ImageReadError } from '../../datasets/image.js';
import { generateSyntheticShapes, type SyntheticShapes, syntheticShapesSource, writeSyntheticShapes } from '../../datasets/synthetic-shapes.js';
import { DecodeError } from '../../lib/io/decode.js';
import { rejection } from '../helpers/rejection.js';

const CATEGORY_IDS = [2, 5, 11, 17, 40];

describe('COCO detection loader', () => {
  let set: SyntheticShapes;
  let annotationFile: string;
  let imageDir: string;
  let dir: string;

  before(async () => {
    set = generateSyntheticShapes({ count: 6, height: 40, width: 56, seed: 'loader', categoryIds: CATEGORY_IDS, minObjects: 2 });
    dir = mkdtempSync(join(tmpdir(), 'coco-detection-'));
    ({ annotationFile, imageDir } = await writeSyntheticShapes(dir, set));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A copy of the written annotation file with `edit` applied, written next to it. */
  function editedAnnotations(
    name: string,
    edit: (gt: { images: Record<string, unknown>[]; annotations: Record<string, unknown>[] }) => void,
  ): string {
    const gt = JSON.parse(readFileSync(annotationFile, 'utf8'));
    edit(gt);
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(gt));
    return path;
  }

  it('round-trips pixels, boxes, labels and the non-contiguous category mapping', async () => {
    const data = await loadCocoDetection({ annotationFile, imageDir });
    expect(data.length).to.equal(6);
    expect(data.categories.numClasses).to.equal(5);
    expect(CATEGORY_IDS.map((id) => labelOf(data.categories, id))).to.deep.equal([0, 1, 2, 3, 4]);
    expect([0, 1, 2, 3, 4].map((label) => categoryIdOf(data.categories, label))).to.deep.equal(CATEGORY_IDS);
    expect(() => labelOf(data.categories, 3)).to.throw(RangeError, 'unknown category id 3');
    const memory = syntheticShapesSource(set);
    let boxes = 0;
    for (let i = 0; i < data.length; i++) {
      const sample = await data.read(i);
      const id = data.imageIds[i];
      expect(sample.target.imageId).to.equal(id);
      expect(sample.target.origSize).to.deep.equal([40, 56]);
      expect(Buffer.from(sample.image.data).equals(Buffer.from(set.images.get(id)?.data ?? []))).to.equal(true);
      const anns = set.gt.annotations.filter((a) => a.image_id === id);
      expect(Array.from(sample.target.labels)).to.deep.equal(anns.map((a) => CATEGORY_IDS.indexOf(a.category_id)));
      expect(Array.from(sample.target.boxes)).to.deep.equal(anns.flatMap(({ bbox: [x, y, w, h] }) => [x, y, x + w, y + h]));
      const fromMemory = await memory.read(i);
      expect(fromMemory.target).to.deep.equal(sample.target);
      boxes += anns.length;
    }
    expect(boxes).to.be.at.least(12);
  });

  it("keeps raw category ids as labels in 'category-id' mode (DETR's num_classes = max id + 1)", async () => {
    const data = await loadCocoDetection({ annotationFile, imageDir, labelMode: 'category-id' });
    expect(data.categories.numClasses).to.equal(41);
    const sample = await data.read(0);
    const ids = set.gt.annotations.filter((a) => a.image_id === data.imageIds[0]).map((a) => a.category_id);
    expect(Array.from(sample.target.labels)).to.deep.equal(ids);
    expect(categoryIdOf(data.categories, 17)).to.equal(17);
  });

  it('drops crowd boxes, clips small overhangs and removes boxes left without area', async () => {
    const path = editedAnnotations('crowd.json', (gt) => {
      const anns = gt.annotations.filter((a) => a.image_id === 1);
      anns[0].iscrowd = 1;
      anns[1].bbox = [-0.5, 3, 10, 0]; // zero height: degenerate
      gt.annotations.push({ id: 999, image_id: 1, category_id: 2, bbox: [50, 30, 6.75, 10.5], area: 70, iscrowd: 0 });
    });
    const data = await loadCocoDetection({ annotationFile: path, imageDir });
    const { target } = await data.read(0);
    const kept = set.gt.annotations.filter((a) => a.image_id === 1).slice(2);
    expect(target.labels.length).to.equal(kept.length + 1);
    // 56 x 40 image: [50, 30, 56.75, 40.5] clips to [50, 30, 56, 40].
    expect(Array.from(target.boxes.slice(-4))).to.deep.equal([50, 30, 56, 40]);
  });

  it('rejects a box outside its image, naming the file and JSON path', async () => {
    const path = editedAnnotations('outside.json', (gt) => {
      gt.annotations[3].bbox = [50, 10, 20, 5];
    });
    const err = await rejection(loadCocoDetection({ annotationFile: path, imageDir }));
    expect(err).to.be.instanceOf(DecodeError);
    expect(err.message).to.contain(path).and.contain('at $.annotations[3].bbox: expected a box inside image');
  });

  it('rejects malformed JSON naming the file', async () => {
    const path = join(dir, 'malformed.json');
    writeFileSync(path, '{"images": [}');
    expect((await rejection(loadCocoDetection({ annotationFile: path, imageDir }))).message)
      .to.contain(path)
      .and.contain('malformed JSON');
  });

  it('names the image file, annotation file and image id of a missing image', async () => {
    const path = editedAnnotations('missing.json', (gt) => {
      gt.images[2].file_name = 'gone.png';
    });
    const missing = join(imageDir, 'gone.png');
    const atLoad = await rejection(loadCocoDetection({ annotationFile: path, imageDir }));
    expect(atLoad.message).to.contain(path).and.contain('at $.images[2].file_name').and.contain(missing).and.contain('image id 3');
    const lazy = await loadCocoDetection({ annotationFile: path, imageDir, checkFiles: false });
    const atRead = await rejection(lazy.read(2));
    expect(atRead).to.be.instanceOf(ImageReadError);
    expect(atRead.message).to.contain(missing).and.contain('image id 3').and.contain(path).and.contain('no such file');
  });

  it('rejects an image whose stored size differs from the annotation file', async () => {
    const path = editedAnnotations('size.json', (gt) => {
      gt.images[0].width = 60;
    });
    const data = await loadCocoDetection({ annotationFile: path, imageDir });
    const err = await rejection(data.read(0));
    expect(err.message).to.contain(path).and.contain('at $.images[0]').and.contain('(56x40)');
  });
});
