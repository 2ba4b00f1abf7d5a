// The training commands' flags of issue 14. The budgets both commands share (bin/shared/options.ts
// `budgetOptions`): parsed and refused with exit 2, recorded in config.json, and passed to the
// shared loop — a `train detect --max-steps 3` run stops at step 3 with its checkpoint, evaluation
// and end record; a pose run with maxSteps records it in its config and stops there too.
// `train detect --augment`: parsed, defaulted per data source and recorded in config.json.
// `train detect --preset`: flag, else preset, else DETR's default, and the name in config.json.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { augmentValue, configFromFlags, command as trainDetect } from '../../bin/commands/train-detect.js';
import { command as trainPose } from '../../bin/commands/train-pose.js';
import { UsageError } from '../../bin/shared/command.js';
import { budgetValues } from '../../bin/shared/options.js';
import { generateSyntheticShapes, syntheticShapesSource } from '../../datasets/synthetic-shapes.js';
import { parseJson } from '../../lib/io/decode.js';
import { decodeDetectionRunConfig } from '../../lib/tasks/detection/config.js';
import { defaultAugment } from '../../lib/tasks/detection/data.js';
import { DETECTION_PRESETS } from '../../lib/tasks/detection/presets.js';
import { overfitData, refuseTooFewQueries } from '../../lib/tasks/detection/run.js';
import { smallPoseTrainConfig } from '../../lib/tasks/pose/config.js';
import { loadPoseSplits, syntheticDataSpec } from '../../lib/tasks/pose/data.js';
import { runPoseTraining } from '../../lib/tasks/pose/run.js';
import { disposeCheckpoint, loadCheckpoint } from '../../lib/train/checkpoint.js';
import { readRunLog } from '../../lib/train/run-log.js';
import { runCommand } from '../helpers/run-command.js';

describe('training flags: --max-steps / --time-budget (both commands), --augment', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'budget-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('parses the flags into TrainOptions fields and refuses bad values', () => {
    expect(budgetValues({})).to.deep.equal({});
    expect(budgetValues({ 'max-steps': '300', 'time-budget': '600' })).to.deep.equal({ maxSteps: 300, timeBudgetSeconds: 600 });
    expect(budgetValues({ 'time-budget': '2.5' })).to.deep.equal({ timeBudgetSeconds: 2.5 });
    expect(() => budgetValues({ 'max-steps': '0' })).to.throw(UsageError, "--max-steps: expected an integer >= 1, got '0'");
    expect(() => budgetValues({ 'max-steps': '1.5' })).to.throw(UsageError, "--max-steps: expected an integer >= 1, got '1.5'");
    expect(() => budgetValues({ 'time-budget': '0' })).to.throw(UsageError, "--time-budget: expected a positive number of seconds, got '0'");
    expect(() => budgetValues({ 'time-budget': '10m' })).to.throw(UsageError, "--time-budget: expected a positive number of seconds, got '10m'");
  });

  it('bad usage exits 2 with the usage on both commands, before any work', async () => {
    for (const command of [trainDetect, trainPose]) {
      const { code, err } = await runCommand(command, ['--data', 'synthetic', '--time-budget', '0', '--run-dir', join(dir, 'never')]);
      expect(code).to.equal(2);
      expect(err).to.match(/--time-budget: expected a positive number of seconds, got '0'/);
      expect(err).to.match(/--time-budget SECONDS/);
    }
  });

  it('train detect --max-steps 3 stops at step 3 (of 2 epochs × 2 steps): checkpoint, evaluation, config and end record', async () => {
    const runDir = join(dir, 'detect');
    const tiny = ['--data', 'synthetic', '--train-images', '4', '--val-images', '2', '--image-size', '32', '--epochs', '2', '--batch-size', '2'];
    const model = ['--hidden-dim', '16', '--heads', '2', '--enc-layers', '1', '--dec-layers', '1', '--ffn', '32', '--queries', '5'];
    const args = [
      ...tiny,
      ...model,
      '--small-channels',
      '4,8,8,16',
      '--max-steps',
      '3',
      '--augment',
      'color,flip',
      '--run-dir',
      runDir,
      '--quiet',
      '--backend',
      tf.getBackend(),
    ];
    const { code, out } = await runCommand(trainDetect, args);
    expect(code).to.equal(0);
    expect(out.split('\n')[0]).to.equal(`completed; checkpoint ${join(runDir, 'checkpoints', 'last.safetensors')}`);
    const configPath = join(runDir, 'config.json');
    const config = decodeDetectionRunConfig(parseJson(readFileSync(configPath, 'utf8'), configPath), configPath);
    expect(config.training).to.include({ epochs: 2, maxSteps: 3 });
    expect(config.training.timeBudgetSeconds).to.equal(undefined);
    expect(config.training.augment).to.deep.equal(['color', 'flip']);
    expect(config.preset).to.equal('cpu-small'); // --data synthetic's default, its small-channels / widths overridden
    const log = await readRunLog(join(runDir, 'log.jsonl'));
    expect(log.flatMap((r) => (r.type === 'eval' ? [[r.epoch, r.step]] : []))).to.deep.equal([
      [0, 2],
      [1, 3],
    ]);
    expect(log.at(-1)).to.deep.include({ type: 'end', reason: 'max-steps', epoch: 1, step: 3 });
    // convergence diagnostics: no matching change after the first epoch (nothing to compare), collapse metrics per evaluation
    expect(log.flatMap((r) => (r.type === 'epoch' ? [r.diagnostics] : []))).to.deep.equal([{}]);
    for (const r of log) if (r.type === 'eval') expect([0, 1]).to.include(r.metrics.queryCollapse);
    const ckpt = await loadCheckpoint(join(runDir, 'checkpoints', 'last.safetensors'));
    expect(ckpt.progress).to.include({ epoch: 1, stepInEpoch: 1, step: 3 });
    disposeCheckpoint(ckpt);
  });

  it('a pose run with maxSteps 3 (2 steps an epoch) stops at step 3 and records the budget in config.json', async () => {
    const data = await loadPoseSplits(syntheticDataSpec({ numScenes: 2, size: 32, framesPerSequence: 4 }));
    const base = smallPoseTrainConfig(2);
    const model = {
      ...base.model,
      smallChannels: [4, 8, 8, 8] as [number, number, number, number],
      hiddenDim: 16,
      dimFeedforward: 16,
      regressorHidden: 16,
    };
    const layers = { numTEncoderLayers: 1, numTDecoderLayers: 1, numRotEncoderLayers: 1, numRotDecoderLayers: 1 };
    const config = { ...base, model: { ...model, ...layers }, batchSize: 8, resize: 32, crop: 28 };
    const runDir = join(dir, 'pose');
    const result = await runPoseTraining({ data, config, epochs: 5, runDir, seed: 1, quiet: true, maxSteps: 3 });
    expect(result.train).to.include({ status: 'completed', stoppedBy: 'max-steps', step: 3 });
    expect(JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8'))).to.include({ epochs: 5, maxSteps: 3 });
    const log = await readRunLog(result.log);
    expect(log.flatMap((r) => (r.type === 'eval' ? [r.step] : []))).to.deep.equal([3]);
    expect(log.at(-1)).to.deep.include({ type: 'end', reason: 'max-steps', step: 3 });
  });

  it('--augment: none or a comma list without repeats; the default depends on the data source', () => {
    expect(augmentValue(undefined, ['flip'])).to.deep.equal(['flip']);
    expect(augmentValue('none', ['flip'])).to.deep.equal([]);
    expect(augmentValue('multiscale,color', [])).to.deep.equal(['multiscale', 'color']);
    expect(() => augmentValue('flip,flip', [])).to.throw(UsageError, "--augment: 'flip,flip' names an augmentation twice");
    expect(() => augmentValue('flip,blur', [])).to.throw(UsageError, "--augment: expected one of flip, multiscale, color, got 'blur'");
    expect(() => augmentValue('none,flip', [])).to.throw(UsageError, "got 'none'");
    expect(defaultAugment({ kind: 'coco', dir: 'x', imageSize: 800 })).to.deep.equal(['flip', 'multiscale']);
    expect(defaultAugment({ kind: 'synthetic', seed: 0, trainImages: 1, valImages: 1, imageSize: 64 })).to.deep.equal(['flip']);
  });

  const categories = [{ id: 1, name: 'a' }];
  const resolve = (values: Parameters<typeof configFromFlags>[0]) => configFromFlags(values).complete(categories, 1);

  it('--data synthetic without --preset takes cpu-small; flags override it; --preset none is DETR', () => {
    const preset = DETECTION_PRESETS['cpu-small'];
    const plain = resolve({ data: 'synthetic' });
    expect(plain.preset).to.equal('cpu-small');
    expect(plain.detector).to.deep.equal({ model: 'conditional', ...preset.detector, numClasses: 1 });
    expect(plain.training).to.deep.include({ ...preset.training, augment: [...preset.augment] });
    expect(plain.data).to.include({ kind: 'synthetic', imageSize: 64 });

    const overridden = resolve({ data: 'synthetic', 'hidden-dim': '32', lr: '2e-3', augment: 'none', 'image-size': '96', model: 'detr' });
    expect(overridden.detector).to.deep.equal({ model: 'detr', ...preset.detector, hiddenDim: 32, numClasses: 1 });
    expect(overridden.training).to.deep.include({ lr: 2e-3, lrBackbone: 2e-3, batchSize: preset.training.batchSize, augment: [] });
    expect(overridden.data).to.include({ imageSize: 96 });

    const detr = resolve({ data: 'synthetic', preset: 'none' });
    expect(detr.preset).to.equal(undefined);
    expect(detr.detector).to.include({ hiddenDim: 256, numQueries: 300, dropout: 0.1, encLayers: 6 });
    expect(detr.training).to.deep.include({ lr: 1e-4, lrBackbone: 1e-5, batchSize: 8, augment: ['flip'] });
    const coco = resolve({ data: '/data/coco' });
    expect(coco.preset).to.equal(undefined);
    expect(coco.detector).to.include({ backbone: 'resnet50', hiddenDim: 256 });
    expect(coco.training.augment).to.deep.equal(['flip', 'multiscale']);
    expect(resolve({ data: '/data/coco', preset: 'cpu-small' }).data).to.include({ kind: 'coco', imageSize: 64 });
    expect(() => resolve({ data: 'synthetic', preset: 'gpu-huge' })).to.throw(
      UsageError,
      "--preset: expected one of cpu-small, none, got 'gpu-huge'",
    );
  });

  it('--overfit N: trains and evaluates on the first N training images with its own schedule, augment none by default, recorded in config.json', async () => {
    const config = resolve({ data: 'synthetic', overfit: '8' });
    expect(config.training).to.deep.include({ overfit: 8, augment: [] });
    // its own schedule: one batch of the 8 images, 300 steps, lr 1e-3 (the backbone too: cpu-small's ratio 1), drop at step 200, no clipping, 12 evaluations
    expect(config.training).to.include({ batchSize: 8, epochs: 300, lr: 1e-3, lrBackbone: 1e-3, lrDrop: 200, clipMaxNorm: 0, evalEvery: 25 });
    // 100 images: batches of 32, 4 steps an epoch, 75 epochs = 300 steps, drop at epoch 50, every 6 epochs
    expect(resolve({ data: 'synthetic', 'train-images': '100', overfit: '100' }).training).to.include({
      batchSize: 32,
      epochs: 75,
      lrDrop: 50,
      evalEvery: 6,
    });
    // flags given win; the drop and the evaluations follow the given epochs
    expect(resolve({ data: 'synthetic', overfit: '8', epochs: '30', 'batch-size': '4', lr: '2e-4', 'clip-max-norm': '0.1' }).training).to.include({
      clipMaxNorm: 0.1,
      batchSize: 4,
      epochs: 30,
      lr: 2e-4,
      lrDrop: 20,
      evalEvery: 3,
    });
    expect(resolve({ data: 'synthetic', overfit: '8', augment: 'flip' }).training.augment).to.deep.equal(['flip']);
    expect(() => resolve({ data: 'synthetic', overfit: '0' })).to.throw(UsageError, "--overfit: expected an integer >= 1, got '0'");
    const train = syntheticShapesSource(generateSyntheticShapes({ count: 5, height: 32, width: 32, seed: 'overfit' }));
    const val = syntheticShapesSource(generateSyntheticShapes({ count: 2, height: 32, width: 32, seed: 'other' }));
    const data = overfitData({ train, val }, 3);
    expect(data.val).to.equal(data.train);
    expect(data.train.imageIds).to.deep.equal(train.imageIds.slice(0, 3));
    expect(data.train.gt.images.map((i) => i.id)).to.deep.equal(train.imageIds.slice(0, 3));
    const kept = new Set(train.imageIds.slice(0, 3));
    expect(data.train.gt.annotations).to.deep.equal(train.gt.annotations.filter((a) => kept.has(a.image_id)));
    expect((await data.train.read(2)).target).to.deep.equal((await train.read(2)).target);
    expect(() => overfitData({ train, val }, 6)).to.throw(RangeError, 'overfit 6: the training set has only 5 images');
  });

  it('refuses inconsistent combinations before any work, with the numbers', () => {
    const refusals: [Parameters<typeof configFromFlags>[0], string][] = [
      [{ data: 'synthetic', 'hidden-dim': '100', heads: '8' }, '--hidden-dim 100 is not divisible by --heads 8'],
      [{ data: 'synthetic', dropout: '1' }, '--dropout: expected a probability in [0, 1), got 1'],
      [
        { data: 'synthetic', backbone: 'resnet18', 'small-channels': '8,8,8,8' },
        "--small-channels sets the small CNN's widths, but --backbone is resnet18",
      ],
      [{ data: 'synthetic', 'train-images': '4', overfit: '8' }, '--overfit 8 needs at least 8 training images, --train-images is 4'],
    ];
    for (const [values, message] of refusals) expect(() => configFromFlags(values), message).to.throw(UsageError, message);
    // the data's most crowded image against the query count (checked once the data is loaded, before step 1)
    const train = syntheticShapesSource(generateSyntheticShapes({ count: 6, height: 64, width: 64, seed: 'crowd', minObjects: 3, maxObjects: 3 }));
    const counts = train.imageIds.map((id) => train.gt.annotations.filter((a) => a.image_id === id).length);
    const most = Math.max(...counts);
    expect(() => refuseTooFewQueries(most, train)).to.not.throw();
    expect(() => refuseTooFewQueries(most - 1, train)).to.throw(RangeError, `the detector has ${most - 1} queries but training image`);
    expect(() => refuseTooFewQueries(most - 1, train)).to.throw(RangeError, `has ${most} objects`);
  });
});
