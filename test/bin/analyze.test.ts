// `condformer analyze` end to end on tiny checkpoints written in the test (Conditional DETR and
// DETR arms; two pose arms), with the runs' own synthetic validation / test images. The command runs on
// the suite's backend (it calls initBackend), so the tests after it are not moved to another one.
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { command as analyzeCommand } from '../../bin/commands/analyze.js';
import { buildDetector, type DetectorConfig } from '../../lib/models/detector.js';
import type { Module } from '../../lib/nn/module.js';
import { armLabels } from '../../lib/report/analyze-checkpoints.js';
import { externalReferences } from '../../lib/report/html.js';
import { Rng } from '../../lib/runtime/rng.js';
import { type DetectionRunConfig, runConfigJson } from '../../lib/tasks/detection/config.js';
import { poseTrainConfigJson, smallPoseTrainConfig } from '../../lib/tasks/pose/config.js';
import { syntheticDataSpec } from '../../lib/tasks/pose/data.js';
import { PoseTrainingModel } from '../../lib/tasks/pose/task.js';
import { AdamW, paramGroups } from '../../lib/train/adamw.js';
import { saveCheckpoint } from '../../lib/train/checkpoint.js';
import type { JsonObject } from '../../lib/train/json.js';
import { runCommand } from '../helpers/run-command.js';

/** A checkpoint of `model` with `config` as its run config (weights as initialised). */
async function writeCheckpoint(path: string, model: Module, config: JsonObject): Promise<string> {
  const optimizer = new AdamW(paramGroups(model, [{ name: 'main' }]), { lr: 1e-4 });
  await saveCheckpoint(path, {
    weights: model.stateDict(),
    optimizer: optimizer.state(),
    scheduler: { lastEpoch: 0 },
    progress: { epoch: 1, stepInEpoch: 0, step: 1, elapsedSeconds: 1, rng: new Rng(0).state(), dataRng: null, epochTotals: null },
    config,
    backend: 'cpu',
    savedAt: new Date().toISOString(),
  });
  return path;
}

async function writeDetectorCheckpoint(runDir: string, detector: DetectorConfig): Promise<string> {
  const config: DetectionRunConfig = {
    task: 'detect',
    detector,
    data: { kind: 'synthetic', seed: 3, trainImages: 2, valImages: 3, imageSize: 48 },
    training: { epochs: 1, batchSize: 2, lr: 1e-4, lrBackbone: 1e-5, weightDecay: 1e-4, lrDrop: 1, clipMaxNorm: 0.1, evalEvery: 1, seed: 0 },
    categories: [1, 2, 3, 4, 5].map((id) => ({ id, name: `shape${id}` })),
  };
  const model = buildDetector(detector, new Rng(1));
  const path = await writeCheckpoint(join(runDir, 'checkpoints', 'last.safetensors'), model, runConfigJson(config));
  model.dispose();
  return path;
}

describe('condformer analyze', function () {
  this.timeout(120_000);

  it('writes analysis.html, statistics figures and attention panels for two detector arms', async () => {
    const root = await fs.mkdtemp(join(tmpdir(), 'condformer-analyze-'));
    try {
      const tiny = {
        numClasses: 5,
        backbone: 'small' as const,
        smallChannels: [4, 8, 8, 16] as [number, number, number, number],
        numQueries: 5,
        hiddenDim: 16,
        nheads: 2,
        encLayers: 2,
        decLayers: 1,
        dimFeedforward: 16,
        dropout: 0,
      };
      const cond = await writeDetectorCheckpoint(join(root, 'cond'), { model: 'conditional', ...tiny });
      const detr = await writeDetectorCheckpoint(join(root, 'detr'), { model: 'detr', ...tiny });
      expect(armLabels([cond, detr, join(root, 'x.safetensors'), cond])).to.deep.equal(['cond', 'detr', 'x', 'cond#2']);
      const { code, lines } = await runCommand(analyzeCommand, [
        cond,
        detr,
        '--images',
        '2',
        '--queries',
        '2',
        '--umap-epochs',
        '30',
        '--backend',
        tf.getBackend(),
      ]);
      expect(code).to.equal(0);
      const out = join(root, 'cond', 'analysis');
      expect(lines).to.include(join(out, 'analysis.html'));
      const html = await fs.readFile(join(out, 'analysis.html'), 'utf8');
      expect(externalReferences(html)).to.deep.equal([]);
      for (const name of ['attention-entropy', 'query-region-purity', 'qk-centroid-distance', 'qk-embedding-cond', 'qk-embedding-detr']) {
        expect(html).to.include(`<figure id="fig-${name}"`);
        await fs.access(join(out, 'figures', `${name}.png`));
      }
      const panels = (await fs.readdir(join(out, 'attention'))).sort();
      expect(panels).to.have.length(4); // 2 queries × 2 arms
      expect(panels.filter((p) => p.startsWith('cond-query-'))).to.have.length(2);
      expect((html.match(/<img src="data:image\/png;base64,/g) ?? []).length).to.equal(4);
      // bad usage and a missing checkpoint
      expect((await runCommand(analyzeCommand, [])).code).to.equal(2);
      const badTokens = await runCommand(analyzeCommand, [cond, '--tokens', '2,0']);
      expect(badTokens.code).to.equal(2);
      expect(badTokens.errors[0]).to.include("--tokens: '2,0' is not 'y,x' with both in [0, 1)");
      const missing = await runCommand(analyzeCommand, [join(root, 'missing.safetensors'), '--backend', tf.getBackend()]);
      expect(missing.code).to.equal(1);
      expect(missing.errors[0]).to.include('missing.safetensors');
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });

  it('writes token attention panels of both branches for two pose arms', async () => {
    const root = await fs.mkdtemp(join(tmpdir(), 'condformer-analyze-pose-'));
    try {
      const data = syntheticDataSpec({ size: 64, numScenes: 2, framesPerSequence: 2, trainSequences: 1, testSequences: 1 });
      const paths = [];
      for (const [arm, seed] of [
        ['baseline', 1],
        ['qka', 2],
      ] as const) {
        const config = smallPoseTrainConfig(2);
        const model = new PoseTrainingModel(config, new Rng(seed));
        paths.push(await writeCheckpoint(join(root, arm, 'checkpoints', 'last.safetensors'), model, { ...poseTrainConfigJson(config), data }));
        model.dispose();
      }
      const { code } = await runCommand(analyzeCommand, [
        ...paths,
        '--images',
        '2',
        '--umap-epochs',
        '30',
        '--tokens',
        '0.5,0.5',
        '--backend',
        tf.getBackend(),
        '--out',
        join(root, 'out'),
      ]);
      expect(code).to.equal(0);
      const panels = (await fs.readdir(join(root, 'out', 'attention'))).sort();
      expect(panels).to.deep.equal([
        'baseline-orientation-tokens.png',
        'baseline-position-tokens.png',
        'qka-orientation-tokens.png',
        'qka-position-tokens.png',
      ]);
      const html = await fs.readFile(join(root, 'out', 'analysis.html'), 'utf8');
      expect(html).to.include('<figure id="fig-attention-entropy"').and.include('<figure id="fig-qk-embedding-qka"');
      expect(html).to.include('baseline: position branch, last encoder layer self-attention of a token');
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});
