// `predict detect` on an official-style Conditional DETR .pth (written by torch, no condformer
// config: derived from the weights + pickled args) gives the same detections as the equivalent
// condformer checkpoint; `convert checkpoint` writes official-name safetensors that predict the same
// again; HF weights too; bad input is refused before any work, naming the file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { main } from '../../bin/cli.js';
import { command as convertCheckpoint } from '../../bin/commands/convert-checkpoint.js';
import { command as predictDetect } from '../../bin/commands/predict-detect.js';
import { writePng } from '../../datasets/image.js';
import { generateSyntheticShapes } from '../../datasets/synthetic-shapes.js';
import { buildDetector, type DetectorConfig } from '../../lib/models/detector.js';
import { readSafetensors } from '../../lib/nn/safetensors.js';
import { Rng } from '../../lib/runtime/rng.js';
import { type DetectionRunConfig, runConfigJson } from '../../lib/tasks/detection/config.js';
import { saveCheckpoint } from '../../lib/train/checkpoint.js';
import { TINY_DETECTORS } from '../fixtures/make-tiny-detectors.js';
import { runCommand } from '../helpers/run-command.js';

const PTH = fileURLToPath(new URL('../fixtures/pth/', import.meta.url));
const SIZE = 40;

/** A condformer `train detect` checkpoint holding `weights` (torch layout, loaded into the model first). */
async function condformerCheckpoint(path: string, detector: DetectorConfig, weights: Map<string, tf.Tensor> | null, seed = 0): Promise<void> {
  const model = buildDetector(detector, new Rng(seed));
  if (weights !== null) model.loadStateDict(weights, { layout: 'torch' });
  const config: DetectionRunConfig = {
    task: 'detect',
    detector,
    data: { kind: 'synthetic', seed: 0, trainImages: 1, valImages: 1, imageSize: SIZE },
    training: { epochs: 1, batchSize: 1, lr: 1e-4, lrBackbone: 1e-5, weightDecay: 1e-4, lrDrop: 200, clipMaxNorm: 0.1, evalEvery: 1, seed: 0 },
    categories: [0, 1, 2].map((id) => ({ id, name: `class ${id}` })),
  };
  await saveCheckpoint(path, {
    weights: model.stateDict(),
    optimizer: { meta: { groups: [], steps: {} }, moments: new Map() },
    scheduler: null,
    progress: { epoch: 1, stepInEpoch: 0, step: 1, elapsedSeconds: 0, rng: { i: 0, j: 0, S: [] }, dataRng: null, epochTotals: null },
    config: runConfigJson(config),
    backend: tf.getBackend(),
    savedAt: '2026-12-07T00:00:00.000Z',
  });
  model.dispose();
}

interface Detection {
  readonly name: string;
  readonly score: number;
  readonly box: number[];
}

describe('official and Hugging Face checkpoints end to end', () => {
  let dir: string;
  let image: string;
  const backend = () => ['--backend', tf.getBackend()];
  const predict = async (checkpoint: string, ...extra: string[]) => {
    const run = await runCommand(predictDetect, [
      image,
      '--checkpoint',
      checkpoint,
      '--out',
      join(dir, 'out.png'),
      '--threshold',
      '0',
      '--json',
      ...extra,
      ...backend(),
    ]);
    expect(run.code, run.err).to.equal(0);
    return { detections: JSON.parse(run.out) as Detection[], err: run.err };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'official-ckpt-'));
    image = join(dir, 'input.png');
    const set = generateSyntheticShapes({ count: 1, height: SIZE, width: 56, seed: 'official' });
    const first = [...set.images.values()][0];
    if (first === undefined) throw new Error('no image');
    await writePng(image, first);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('predict detect on the official .pth = on the equivalent condformer checkpoint = on its converted safetensors = on the HF safetensors', async () => {
    const before = tf.memory().numTensors;
    const { tensors } = await readSafetensors(`${PTH}tiny-conditional-detr.safetensors`);
    const reference = join(dir, 'condformer.safetensors');
    await condformerCheckpoint(reference, TINY_DETECTORS['conditional-detr'], tensors);
    tf.dispose([...tensors.values()]);
    const expected = (await predict(reference)).detections;
    // threshold 0: every one of NQ·K = 4·3 query-class pairs (4 distinct boxes, in pixels, unclipped as DETR's)
    expect(expected).to.have.length(12);
    expect(new Set(expected.map((d) => d.box.join(','))).size).to.equal(4);
    expect(
      expected.every((d) => d.score > 0 && d.score < 1 && (d.box[0] as number) < (d.box[2] as number) && (d.box[1] as number) < (d.box[3] as number)),
    ).to.equal(true);

    const official = await predict(`${PTH}official-tiny-conditional-detr.pth`, '--image-size', String(SIZE));
    expect(official.detections).to.deep.equal(expected);
    expect(official.err.split('\n').filter((l) => l.startsWith('note: '))).to.deep.equal([
      "note: skipped 'optimizer': dict of 2 (not part of the model's state dict)",
      "note: skipped 'lr_scheduler': dict of 4 (not part of the model's state dict)",
      "note: skipped 'args': argparse.Namespace object (not rebuilt; its 37 plain fields are read as args)",
    ]);

    const converted = join(dir, 'converted.safetensors');
    const convert = await runCommand(convertCheckpoint, [`${PTH}official-tiny-conditional-detr.pth`, converted]);
    expect([convert.code, convert.out]).to.deep.equal([0, `wrote 127 tensors (pth, official names → official) to ${converted}`]);
    expect(convert.errors).to.have.length(3);
    // the converted file has no args: the heads come from --heads
    const noHeads = await runCommand(predictDetect, [image, '--checkpoint', converted, ...backend()]).catch((e: Error) => ({
      code: 1,
      err: e.message,
    }));
    expect(noHeads.err).to.equal(
      `${converted}: cannot determine the number of attention heads: no shape holds it and the checkpoint has no args.nheads; pass --heads N (8 in the official models)`,
    );
    expect((await predict(converted, '--heads', '2', '--image-size', String(SIZE))).detections).to.deep.equal(expected);
    const hf = join(dir, 'hf-converted.safetensors');
    expect((await runCommand(convertCheckpoint, [`${PTH}hf-tiny-conditional-detr.safetensors`, hf, '--from', 'hf'])).code).to.equal(0);
    expect((await predict(`${PTH}hf-tiny-conditional-detr.safetensors`, '--heads', '2', '--image-size', String(SIZE))).detections).to.deep.equal(
      expected,
    );
    expect((await predict(hf, '--heads', '2', '--image-size', String(SIZE))).detections).to.deep.equal(expected);

    const badFrom = await runCommand(predictDetect, [image, '--checkpoint', converted, '--from', 'timm', ...backend()]);
    expect([badFrom.code, badFrom.err.split('\n')[0]]).to.deep.equal([2, "--from: expected one of official, hf, got 'timm'"]);

    // other weights, other detections (the comparison above can fail)
    const other = join(dir, 'other.safetensors');
    await condformerCheckpoint(other, TINY_DETECTORS['conditional-detr'], null, 5);
    expect((await predict(other)).detections).to.not.deep.equal(expected);
    expect(tf.memory().numTensors).to.equal(before);
  });

  it('convert checkpoint: the output reads back as the official dict; bad input is refused naming the file and what was expected', async () => {
    const out = join(dir, 'detr.safetensors');
    expect((await runCommand(convertCheckpoint, [`${PTH}hf-tiny-detr.bin`, out])).code).to.equal(0);
    const [written, want] = await Promise.all([readSafetensors(out), readSafetensors(`${PTH}tiny-detr.safetensors`)]);
    expect(written.metadata).to.deep.equal({ format: 'pt', names: 'official', source: 'pth (hf names)' });
    expect([...written.tensors.keys()]).to.deep.equal([...want.tensors.keys()]);
    for (const [name, t] of want.tensors)
      expect(Array.from(written.tensors.get(name)?.dataSync() ?? []), name).to.deep.equal(Array.from(t.dataSync()));
    tf.dispose([...written.tensors.values(), ...want.tensors.values()]);

    const usage = async (args: string[]) => {
      const run = await runCommand(convertCheckpoint, args);
      return [run.code, run.err.split('\n')[0]];
    };
    expect(await usage([`${PTH}tensors.expected.json`, out])).to.deep.equal([
      2,
      `${PTH}tensors.expected.json: expected a PyTorch checkpoint or safetensors file (.pth, .pt, .bin, .safetensors)`,
    ]);
    expect(await usage([`${PTH}tensors.pth`, join(dir, 'x.pth')])).to.deep.equal([
      2,
      `${join(dir, 'x.pth')}: expected an output path ending in .safetensors`,
    ]);
    expect(await usage([`${PTH}tensors.pth`])).to.deep.equal([2, 'expected <in> and <out.safetensors>']);
    expect(await usage([`${PTH}tensors.pth`, out, '--from', 'timm'])).to.deep.equal([2, "--from: expected one of official, hf, got 'timm'"]);
    const missing = await runCommand(convertCheckpoint, [join(dir, 'nothing.pth'), out]).catch((e: Error) => ({ code: 1, err: e.message }));
    expect(missing.err).to.equal(`${join(dir, 'nothing.pth')}: no such file`);
    const notTorch = join(dir, 'notes.pth');
    writeFileSync(notTorch, 'hello, not a checkpoint');
    const refused = await runCommand(convertCheckpoint, [notTorch, out]).catch((e: Error) => ({ code: 1, err: e.message }));
    expect(refused.err).to.equal(`${notTorch}: expected a PyTorch checkpoint (torch.save zip: .pth / .bin) or a .safetensors file`);
    const legacy = await runCommand(convertCheckpoint, [`${PTH}legacy.pth`, out]).catch((e: Error) => ({ code: 1, err: e.message }));
    expect(legacy.err).to.match(/legacy\.pth: a PyTorch file in the legacy \(pre-1\.6, non-zip\) format/);
    const condformer = join(dir, 'condformer.safetensors');
    const own = await runCommand(convertCheckpoint, [condformer, out]).catch((e: Error) => ({ code: 1, err: e.message }));
    expect(own.err).to.match(/condformer\.safetensors: a condformer training checkpoint \(condformer-checkpoint\/1\)/);
  });

  it("the CLI dispatches 'convert checkpoint' to the new command and 'convert cambridge' still to the pose converter", async () => {
    const lines: string[] = [];
    const { log, error } = console;
    console.log = (...a: unknown[]) => void lines.push(a.join(' '));
    console.error = (...a: unknown[]) => void lines.push(a.join(' '));
    try {
      expect(await main(['convert', 'checkpoint', '--help'])).to.equal(0);
      expect(await main(['convert', 'cambridge'])).to.equal(2);
    } finally {
      Object.assign(console, { log, error });
    }
    expect(lines[0]?.split('\n')[0]).to.equal('usage: condformer convert checkpoint <in.pth|in.bin|in.safetensors> <out.safetensors> [options]');
    // A usage error prints its message, then the usage (bin/shared/command.ts).
    expect(lines[1]?.split('\n').slice(0, 3)).to.deep.equal([
      'expected <cambridge|7scenes> <root> <out.csv>',
      '',
      'usage: condformer convert <cambridge|7scenes> <root> <out.csv> [options]',
    ]);
  });
});
