import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { generateSyntheticShapes, syntheticShapesSource } from '../../../datasets/synthetic-shapes.js';
import { evaluateCoco } from '../../../lib/metrics/coco-eval.js';
import { COCO_STAT_NAMES } from '../../../lib/metrics/coco-summary.js';
import { buildDetector } from '../../../lib/models/detector.js';
import { Rng } from '../../../lib/runtime/rng.js';
import { cocoEvalParamsFor, createDetectionTask, evaluateDetector } from '../../../lib/tasks/detection/task.js';
import { readRunLog } from '../../../lib/train/run-log.js';
import { train } from '../../../lib/train/train.js';

const shapes = (count: number, seed: string) => syntheticShapesSource(generateSyntheticShapes({ count, height: 32, width: 32, seed, maxObjects: 3 }));
const tinyModel = (model: 'conditional' | 'detr') =>
  buildDetector(
    {
      model,
      numClasses: 5,
      backbone: 'small',
      smallChannels: [4, 8, 8, 16],
      numQueries: 8,
      hiddenDim: 16,
      nheads: 2,
      encLayers: 1,
      decLayers: 2,
      dimFeedforward: 32,
      dropout: 0,
    },
    new Rng(1),
  );

describe('detection task (training and COCO evaluation glue)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'detection-task-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('area ranges for small images replace COCO 32² / 96²', () => {
    const params = cocoEvalParamsFor({ small: 10, large: 90 });
    expect(params.areaRng).to.deep.equal([
      [0, 1e10],
      [0, 10],
      [10, 90],
      [90, 1e10],
    ]);
    expect(cocoEvalParamsFor().areaRng).to.deep.equal([
      [0, 1e10],
      [0, 1024],
      [1024, 9216],
      [9216, 1e10],
    ]);
  });

  it('evaluates a detector: top-k results per image and the 12 stats by name', async () => {
    const model = tinyModel('conditional');
    const val = shapes(3, 'eval');
    const areas = { small: 20, large: 200 };
    const before = tf.memory().numTensors;
    const evaluation = await evaluateDetector(model, val, { batchSize: 2, areas });
    expect(tf.memory().numTensors).to.equal(before);
    expect(model.training).to.equal(true); // restored after evaluation
    expect(evaluation.results).to.have.length(3 * 8 * 5); // top-100 capped at NQ·K = 40 per image
    expect(new Set(evaluation.results.map((r) => r.image_id))).to.deep.equal(new Set(val.imageIds));
    const again = evaluateCoco(val.gt, evaluation.results, cocoEvalParamsFor(areas));
    expect(Object.keys(evaluation.metrics)).to.deep.equal([
      ...COCO_STAT_NAMES,
      'evalImagesPerSec',
      'queryBoxSpread',
      'queryTopClassShare',
      'queryCollapse',
    ]);
    COCO_STAT_NAMES.forEach((name, i) => expect(evaluation.metrics[name]).to.equal(again.stats[i]));
    expect(evaluation.metrics.evalImagesPerSec).to.be.above(0);
    model.dispose();
  });

  it('trains with train(): DETR param groups, matcher timing, eval records, flat numTensors', async () => {
    const model = tinyModel('detr');
    const matchTimes: number[] = [];
    const task = createDetectionTask({
      model,
      train: shapes(4, 'train'),
      val: shapes(2, 'val'),
      batchSize: 2,
      lr: 1e-3,
      areas: { small: 20, large: 200 },
      onMatchTime: (ms) => matchTimes.push(ms),
    });
    expect(task.optimizer.groups.map((g) => [g.name, g.lr])).to.deep.equal([
      ['main', 1e-3],
      ['backbone', 1e-4],
    ]);
    const backbone = task.optimizer.groups[1]?.params.map(([n]) => n) ?? [];
    expect(backbone.length).to.be.above(0);
    expect(backbone.every((n) => n.startsWith('backbone.0.body.'))).to.equal(true);
    const counts = new Map<number, number>();
    const runDir = join(dir, 'run');
    const result = await train(task, {
      runDir,
      epochs: 3,
      rng: new Rng(2),
      quiet: true,
      clipMaxNorm: 0.1,
      evalEvery: 2,
      onStep: ({ step }) => void counts.set(step, tf.memory().numTensors),
    });
    expect(result.status).to.equal('completed');
    expect(result.step).to.equal(6);
    expect(matchTimes).to.have.length(6);
    expect(counts.get(2)).to.equal(counts.get(6)); // across an evaluation and two checkpoints
    const log = await readRunLog(join(runDir, 'log.jsonl'));
    const evals = log.flatMap((r) => (r.type === 'eval' ? [r] : []));
    expect(evals.map((r) => r.epoch)).to.deep.equal([1, 2]);
    for (const r of evals) {
      for (const name of COCO_STAT_NAMES) {
        const v = r.metrics[name];
        expect(typeof v === 'number' && v >= -1 && v <= 1, `${name} = ${v}`).to.equal(true);
      }
    }
    const epoch = log.find((r) => r.type === 'epoch');
    expect(Object.keys(epoch?.type === 'epoch' ? epoch.terms : {}).sort()).to.deep.equal([
      'cardinality_error',
      'class_error',
      'loss_bbox',
      'loss_ce',
      'loss_giou',
    ]);
    model.dispose();
  });
});
