// `npm start`: condformer's headline job. Trains the multi-scene pose regressor (MS-Transformer
// with Query-Key Alignment, λ = 0.1, and the fixed 2-D sine position encoding: the ActMST recipe)
// on the built-in synthetic scenes with the small-CNN CPU preset for a few minutes, then prints
// the per-scene median errors on held-out frames of the scenes' trajectories next to the
// "predict each scene's mean pose" baseline, and where the checkpoint, the log and the report are.
import { join } from 'node:path';
import { formatPoseTable, type PoseEvaluation } from '../lib/metrics/pose-metrics.js';
import { initBackend } from '../lib/runtime/backend.js';
import { smallPoseTrainConfig } from '../lib/tasks/pose/config.js';
import { describePoseData, loadPoseSplits, syntheticBenchmarkSpec } from '../lib/tasks/pose/data.js';
import { runPoseTraining } from '../lib/tasks/pose/run.js';
import { writeReportSafely } from './shared/finish-run.js';

/** Stop training after this long (the run evaluates whatever it reached); the epoch cap usually ends it first on an idle 2-core machine. */
const TIME_BUDGET_SECONDS = 270;
const EPOCHS = 30;
const NUM_SCENES = 4;
const RUN_DIR = join('runs', 'pose-main');

async function main(): Promise<number> {
  const backend = await initBackend();
  const spec = syntheticBenchmarkSpec({ numScenes: NUM_SCENES });
  const data = await loadPoseSplits(spec);
  const config = smallPoseTrainConfig(NUM_SCENES, 'sine');
  console.log(`MS-Transformer + QKA (λ ${config.qkaLambda}), fixed sine PE, small CNN, d ${config.model.hiddenDim}, backend ${backend.backend}`);
  console.log(
    `data: ${describePoseData(spec)}; ${data.train.table.rows.length} train / ${data.test.table.rows.length} test images (held-out frames)`,
  );
  console.log(`training up to ${EPOCHS} epochs or ${TIME_BUDGET_SECONDS} s, whichever comes first\n`);
  const result = await runPoseTraining({
    data,
    config,
    epochs: EPOCHS,
    runDir: RUN_DIR,
    seed: 0,
    overwrite: true,
    evalEvery: 10,
    logEvery: 25,
    signal: AbortSignal.timeout(TIME_BUDGET_SECONDS * 1000),
  });
  const { evaluation, baseline } = result;
  console.log(`\ntrained ${result.train.epochs} epochs (${result.train.step} steps) in ${result.seconds.toFixed(0)} s`);
  console.log(`\ntest errors (median per scene):\n${formatPoseTable(evaluation)}`);
  console.log(`\nbaseline, each scene's mean training pose:\n${formatPoseTable(baseline)}`);
  console.log(`\n${comparison(evaluation, baseline)}`);
  console.log(`scene classification accuracy ${(100 * result.predictions.sceneAccuracy).toFixed(1)}%`);
  console.log(`\ncheckpoint: ${result.checkpoint}\nlog:        ${result.log}\nreport:     ${await writeReportSafely(RUN_DIR)}`);
  console.log(`evaluate again: npx condformer eval pose --checkpoint ${result.checkpoint}`);
  return 0;
}

function comparison(model: PoseEvaluation, baseline: PoseEvaluation): string {
  const ratio = (a: number, b: number) => `${a.toFixed(2)} vs ${b.toFixed(2)} (${((100 * a) / b).toFixed(0)}% of the baseline)`;
  return [
    `average median position error:    ${ratio(model.average.medianPositionError, baseline.average.medianPositionError)} m`,
    `average median orientation error: ${ratio(model.average.medianOrientationError, baseline.average.medianOrientationError)} deg`,
  ].join('\n');
}

process.exitCode = await main();
