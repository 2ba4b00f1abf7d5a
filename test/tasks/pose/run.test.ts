// The pose task end to end on a tiny synthetic set: the loop's log carries every loss term, λ = 0
// drops the QKA terms, s_x / s_q train with the model, tensors stay flat over steps, and
// `condformer eval pose --json` reads the checkpoint back.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { command as evalPose } from '../../../bin/commands/eval-pose.js';
import { command as trainPose } from '../../../bin/commands/train-pose.js';
import { decodePoseRegressorConfig } from '../../../lib/models/pose-regressor.js';
import { type PoseTrainConfig, smallPoseTrainConfig } from '../../../lib/tasks/pose/config.js';
import { loadPoseSplits, type PoseSplits, syntheticDataSpec } from '../../../lib/tasks/pose/data.js';
import { runPoseTraining } from '../../../lib/tasks/pose/run.js';
import { sceneMeanBaseline } from '../../../lib/tasks/pose/task.js';
import { disposeCheckpoint, loadCheckpoint } from '../../../lib/train/checkpoint.js';
import { readRunLog } from '../../../lib/train/run-log.js';
import { runPaths } from '../../../lib/train/train.js';
import { runCommand } from '../../helpers/run-command.js';

function tinyConfig(qkaLambda: number): PoseTrainConfig {
  const base = smallPoseTrainConfig(2);
  const model = decodePoseRegressorConfig(
    {
      ...base.model,
      smallChannels: [4, 8, 8, 8],
      hiddenDim: 16,
      dimFeedforward: 16,
      regressorHidden: 16,
      numTEncoderLayers: 1,
      numTDecoderLayers: 1,
      numRotEncoderLayers: 1,
      numRotDecoderLayers: 1,
    },
    'tiny',
  );
  return { ...base, model, qkaLambda, batchSize: 8, resize: 32, crop: 28 };
}

describe('pose task (tiny synthetic run)', () => {
  let dir: string;
  let data: PoseSplits;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'condformer-pose-'));
    data = await loadPoseSplits(syntheticDataSpec({ numScenes: 2, size: 32, framesPerSequence: 4 }));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('logs loss_x, loss_q, scene, qka_t, qka_rot, s_x, s_q; trains s_x / s_q; keeps numTensors flat', async () => {
    const counts: number[] = [];
    const runDir = join(dir, 'qka');
    const result = await runPoseTraining({
      data,
      // ActMST's learnable weighting (the CPU preset fixes s_x = s_q = 1).
      config: { ...tinyConfig(0.1), poseLoss: { learnable: true, sX: 0, sQ: 0, norm: 2 } },
      epochs: 2,
      runDir,
      seed: 1,
      quiet: true,
      logEvery: 1,
      onStep: () => counts.push(tf.memory().numTensors),
    });
    expect(result.train.status).to.equal('completed');
    expect(result.train.step).to.equal(4); // 2 scenes × 2 trajectories × 4 frames = 16 train images, batch 8, 2 epochs
    // After the first step (Adam moments created) the tensor count does not move.
    expect(new Set(counts.slice(1)).size, `numTensors per step: ${counts.join(', ')}`).to.equal(1);
    const log = await readRunLog(result.log);
    const trainRecords = log.filter((r) => r.type === 'train');
    expect(Object.keys(trainRecords[0]!.terms).sort()).to.deep.equal(['loss_q', 'loss_x', 'qka_rot', 'qka_t', 's_q', 's_x', 'scene']);
    const sX = trainRecords.map((r) => r.terms.s_x!);
    expect(sX[0]).to.equal(0); // official 7-Scenes init
    expect(Math.abs(sX[sX.length - 1]!)).to.be.greaterThan(1e-4); // optimised with the model
    const ckpt = await loadCheckpoint(result.checkpoint);
    expect(ckpt.weights.has('pose_loss.s_x')).to.equal(true);
    expect(ckpt.weights.has('model.transformer_t.encoder.layers.0.self_attn.in_proj_weight')).to.equal(true);
    disposeCheckpoint(ckpt);
    expect(result.evaluation.scenes.map((s) => s.count)).to.deep.equal([4, 4]);
    expect(result.baseline.scenes.length).to.equal(2);
  });

  it('λ = 0 computes no alignment terms; the preset weights stay fixed at 1 : 1', async () => {
    const result = await runPoseTraining({ data, config: tinyConfig(0), epochs: 1, runDir: join(dir, 'plain'), seed: 1, quiet: true, logEvery: 1 });
    const log = await readRunLog(result.log);
    const first = log.find((r) => r.type === 'train');
    expect(Object.keys(first!.terms).sort()).to.deep.equal(['loss_q', 'loss_x', 's_q', 's_x', 'scene']);
    // The preset's fixed weights: loss = 1·l_x + 1·l_q + scene, s_x / s_q never move.
    for (const r of log.filter((x) => x.type === 'train')) {
      expect([r.terms.s_x, r.terms.s_q]).to.deep.equal([1, 1]);
      expect(r.loss).to.be.closeTo(r.terms.loss_x! + r.terms.loss_q! + r.terms.scene!, 1e-4);
    }
  });

  it('condformer eval pose --json prints split, per-scene medians, recall and the scene-mean baseline from the checkpoint alone', async () => {
    const { code, lines } = await runCommand(evalPose, [
      '--checkpoint',
      join(dir, 'qka', 'checkpoints', 'last.safetensors'),
      '--json',
      '--backend',
      tf.getBackend(),
    ]);
    expect(code).to.equal(0);
    const json = JSON.parse(lines.join('\n')) as {
      split: string;
      scenes: { scene: string; medianPositionError: number; medianOrientationError: number }[];
      average: { medianPositionError: number };
      recall: Record<string, number>;
      baseline: {
        average: { medianPositionError: number; medianOrientationError: number };
        scenes: { scene: string; medianPositionError: number }[];
      };
    };
    expect(json.split).to.equal('unseen-trajectories');
    // the baseline is the scene-mean prediction on the same test split, recomputed here
    const baseline = sceneMeanBaseline(data.train, data.test);
    expect(json.baseline.average.medianPositionError).to.be.closeTo(baseline.average.medianPositionError, 1e-12);
    expect(json.baseline.average.medianOrientationError).to.be.closeTo(baseline.average.medianOrientationError, 1e-12);
    expect(json.baseline.scenes.map((s) => s.medianPositionError)).to.deep.equal(baseline.scenes.map((s) => s.medianPositionError));
    expect(json.scenes.map((s) => s.scene)).to.deep.equal(['scene-00-room', 'scene-01-outdoor']);
    for (const s of json.scenes) expect(Number.isFinite(s.medianPositionError) && Number.isFinite(s.medianOrientationError)).to.equal(true);
    expect(json.average.medianPositionError).to.be.closeTo((json.scenes[0]!.medianPositionError + json.scenes[1]!.medianPositionError) / 2, 1e-9);
    // synthetic scenes: table 4's Cambridge thresholds
    expect(Object.keys(json.recall)).to.deep.equal(['1m/5deg', '1m/10deg', '2m/5deg', '2m/10deg']);
    const checkpoint = join(dir, 'qka', 'checkpoints', 'last.safetensors');
    const custom = await runCommand(evalPose, ['--checkpoint', checkpoint, '--json', '--thresholds', '0.2:5,1000:180', '--backend', tf.getBackend()]);
    const recall = (JSON.parse(custom.lines.join('\n')) as { recall: Record<string, number> }).recall;
    expect(Object.keys(recall)).to.deep.equal(['0.2m/5deg', '1000m/180deg']);
    expect(recall['1000m/180deg']).to.equal(1); // every error is under 1 km and 180°
  });

  it('condformer train pose --resume --run-dir needs no --data: it trains on from the stored config and data', async () => {
    const runDir = join(dir, 'qka');
    const { code } = await runCommand(trainPose, ['--resume', '--run-dir', runDir, '--epochs', '3', '--backend', tf.getBackend()]);
    expect(code).to.equal(0);
    const log = await readRunLog(runPaths(runDir).log);
    expect(log.flatMap((r) => (r.type === 'epoch' ? [r.epoch] : []))).to.deep.equal([0, 1, 2]); // 0-based: 2 epochs, then the resumed third
  });
});
