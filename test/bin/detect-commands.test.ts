import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import sharp from 'sharp';
import { command as evalDetect } from '../../bin/commands/eval-detect.js';
import { command as predictDetect } from '../../bin/commands/predict-detect.js';
import { command as trainDetect } from '../../bin/commands/train-detect.js';
import { writePng } from '../../datasets/image.js';
import { generateSyntheticShapes, writeSyntheticShapes } from '../../datasets/synthetic-shapes.js';
import { parseJson } from '../../lib/io/decode.js';
import { COCO_STAT_NAMES } from '../../lib/metrics/coco-summary.js';
import { decodeDetectionRunConfig } from '../../lib/tasks/detection/config.js';
import { readRunLog } from '../../lib/train/run-log.js';
import { runCommand } from '../helpers/run-command.js';

describe('condformer train / eval / predict detect', () => {
  let dir: string;
  let runDir: string;
  let checkpoint: string;
  const backend = () => ['--backend', tf.getBackend()]; // keep the suite's backend
  const tinyRun = () => [
    '--data',
    'synthetic',
    '--train-images',
    '4',
    '--val-images',
    '2',
    '--image-size',
    '32',
    '--epochs',
    '1',
    '--batch-size',
    '2',
    '--hidden-dim',
    '16',
    '--heads',
    '2',
    '--enc-layers',
    '1',
    '--dec-layers',
    '1',
    '--ffn',
    '32',
    '--queries',
    '5',
    '--small-channels',
    '4,8,8,16',
    '--run-dir',
    runDir,
    '--quiet',
    '--seed',
    '0',
    ...backend(),
  ];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'detect-cli-'));
    runDir = join(dir, 'run');
    checkpoint = join(runDir, 'checkpoints', 'last.safetensors');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('train detect: writes the run directory and a log with the 12 COCO stats per evaluation', async () => {
    const { code, out } = await runCommand(trainDetect, tinyRun());
    expect(code).to.equal(0);
    expect(out.split('\n')).to.deep.equal([
      `completed; checkpoint ${checkpoint}`,
      `log ${join(runDir, 'log.jsonl')}`,
      `report ${join(runDir, 'report.html')}`,
    ]);
    for (const f of ['log.jsonl', 'config.json', 'checkpoints/last.safetensors', 'report.html'])
      expect(existsSync(join(runDir, f)), f).to.equal(true);
    const configPath = join(runDir, 'config.json');
    const config = decodeDetectionRunConfig(parseJson(readFileSync(configPath, 'utf8'), configPath), configPath);
    expect(config.detector).to.include({ model: 'conditional', backbone: 'small', numClasses: 5, numQueries: 5, hiddenDim: 16 });
    expect(config.categories.map((c) => c.name)).to.deep.equal(['rectangle', 'ellipse', 'triangle', 'cross', 'star']);
    const log = await readRunLog(join(runDir, 'log.jsonl'));
    const evals = log.flatMap((r) => (r.type === 'eval' ? [r] : []));
    expect(evals).to.have.length(1);
    expect(COCO_STAT_NAMES.every((k) => typeof evals[0]?.metrics[k] === 'number')).to.equal(true);
    expect(log.filter((r) => r.type === 'epoch')).to.have.length(1);
  });

  it('train detect --resume extends a run; a fresh run refuses an existing checkpoint', async () => {
    const refused = await runCommand(trainDetect, tinyRun()).catch((e: Error) => ({ code: 1, out: '', err: e.message }));
    expect(refused.err).to.match(/already holds a checkpoint/);
    const { code } = await runCommand(trainDetect, ['--resume', '--run-dir', runDir, '--epochs', '2', '--quiet', ...backend()]);
    expect(code).to.equal(0);
    const log = await readRunLog(join(runDir, 'log.jsonl'));
    expect(log.filter((r) => r.type === 'run')).to.have.length(2);
    expect(log.filter((r) => r.type === 'epoch').map((r) => r.epoch)).to.deep.equal([0, 1]);
  });

  it('eval detect prints the pycocotools summary (or JSON stats)', async () => {
    const { code, out } = await runCommand(evalDetect, ['--checkpoint', checkpoint, ...backend()]);
    expect(code).to.equal(0);
    const lines = out.split('\n');
    expect(lines).to.have.length(12);
    expect(lines[0]).to.match(/^ Average Precision {2}\(AP\) @\[ IoU=0\.50:0\.95 \| area= {3}all \| maxDets=100 \] = \d\.\d{3}$/);
    const json = await runCommand(evalDetect, ['--checkpoint', checkpoint, '--json', ...backend()]);
    const parsed = parseJson(json.out, 'stdout') as { stats: number[] };
    expect(parsed.stats).to.have.length(12);
    expect(parsed.stats[0]?.toFixed(3)).to.equal(lines[0]?.slice(-5));
  });

  it('eval detect --data reads a COCO directory (annotations/instances_val.json + val/)', async () => {
    const root = join(dir, 'coco');
    const written = await writeSyntheticShapes(join(dir, 'written'), generateSyntheticShapes({ count: 2, height: 48, width: 40, seed: 'coco-dir' }));
    mkdirSync(join(root, 'annotations'), { recursive: true });
    renameSync(written.annotationFile, join(root, 'annotations', 'instances_val.json'));
    renameSync(written.imageDir, join(root, 'val'));
    const { code, out, err } = await runCommand(evalDetect, ['--checkpoint', checkpoint, '--data', root, '--json', ...backend()]);
    expect(code).to.equal(0);
    expect((parseJson(out, 'stdout') as { stats: number[] }).stats).to.have.length(12);
    expect(err).to.match(/^2 images, [\d.]+ images\/s$/m);
    const missing = await runCommand(evalDetect, ['--checkpoint', checkpoint, '--data', join(dir, 'nowhere'), ...backend()]).catch((e: Error) => ({
      code: 1,
      out: '',
      err: e.message,
    }));
    expect(missing.err).to.contain(join(dir, 'nowhere', 'annotations', 'instances_val.json'));
  });

  it('predict detect writes a PNG with the detections drawn', async () => {
    const set = generateSyntheticShapes({ count: 1, height: 40, width: 56, seed: 'predict' });
    const imagePath = join(dir, 'input.png');
    const image = [...set.images.values()][0];
    if (image === undefined) throw new Error('no image');
    await writePng(imagePath, image);
    const outPath = join(dir, 'out', 'pred.png');
    const { code, out, err } = await runCommand(predictDetect, [
      imagePath,
      '--checkpoint',
      checkpoint,
      '--out',
      outPath,
      '--threshold',
      '0',
      ...backend(),
    ]);
    expect(code).to.equal(0);
    const meta = await sharp(outPath).metadata();
    expect([meta.format, meta.width, meta.height]).to.deep.equal(['png', 56, 40]);
    // threshold 0 keeps Conditional DETR's top min(100, NQ·K = 25) detections
    const rows = out.split('\n');
    expect(rows).to.have.length(25);
    expect(rows[0]).to.match(/^(rectangle|ellipse|triangle|cross|star) \d\.\d{3}( -?\d+\.\d){4}$/);
    expect(err).to.match(/25 detections with score >= 0; wrote /);
    const drawn = await sharp(outPath).raw().toBuffer();
    expect(Buffer.compare(drawn, Buffer.from(image.data))).to.not.equal(0);
  });

  it('usage errors exit 2 with a message; --help exits 0', async () => {
    expect((await runCommand(trainDetect, ['--epochs', '1'])).err).to.match(/--data is required/);
    const bad = await runCommand(trainDetect, ['--data', 'synthetic', '--model', 'yolo', ...backend()]);
    expect([bad.code, bad.err.split('\n')[0]]).to.deep.equal([2, "--model: expected one of conditional, detr, got 'yolo'"]);
    const badNumber = await runCommand(trainDetect, ['--data', 'synthetic', '--epochs', 'two', ...backend()]);
    expect([badNumber.code, badNumber.err.split('\n')[0]]).to.deep.equal([2, "--epochs: expected an integer >= 1, got 'two'"]);
    expect((await runCommand(evalDetect, [])).code).to.equal(2);
    expect((await runCommand(predictDetect, ['--checkpoint', checkpoint])).err).to.match(/expected exactly one image/);
    const help = await runCommand(trainDetect, ['--help']);
    expect([help.code, help.out.split('\n')[0]]).to.deep.equal([0, 'usage: condformer train detect --data <coco-dir|synthetic> [options]']);
  });
});
