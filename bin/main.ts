// `npm start`: condformer's headline job. Trains the multi-scene pose regressor (MS-Transformer
// with Query-Key Alignment, λ = 0.1, and the fixed 2-D sine position encoding: the ActMST recipe)
// on the built-in synthetic scenes (views drawn densely over each scene's free region and headings)
// with the small-CNN CPU preset for a few minutes, then prints the per-scene median errors on
// separately rendered test trajectories (split `unseen-trajectories`) next to the "predict each
// scene's mean pose" baseline, the same for the old interpolation split (every 4th trajectory
// frame) as a second line, and where the checkpoint, the log and the report are.
import { join } from 'node:path';
import { formatPoseTable, type PoseEvaluation } from '../lib/metrics/pose-metrics.js';
import { initBackend } from '../lib/runtime/backend.js';
import { loadPoseCheckpoint } from '../lib/tasks/pose/checkpoint.js';
import { smallPoseTrainConfig } from '../lib/tasks/pose/config.js';
import { describePoseData, interpolationBenchmarkSpec, loadPoseSplits, syntheticBenchmarkSpec } from '../lib/tasks/pose/data.js';
import { evaluatePoseModel } from '../lib/tasks/pose/evaluate.js';
import { runPoseTraining } from '../lib/tasks/pose/run.js';
import { writeReportSafely } from './shared/finish-run.js';

/** Stop training after this long (the run evaluates whatever it reached); the epoch cap usually ends it first on an idle 2-core machine. */
const TIME_BUDGET_SECONDS = 420;
const EPOCHS = 16;
/** StepLR ×0.1 after this many epochs. */
const LR_STEP_EPOCHS = 12;
const NUM_SCENES = 4;
const RUN_DIR = join('runs', 'pose-main');

async function main(): Promise<number> {
  const backend = await initBackend();
  const spec = syntheticBenchmarkSpec({ numScenes: NUM_SCENES });
  const data = await loadPoseSplits(spec);
  const config = { ...smallPoseTrainConfig(NUM_SCENES, 'sine'), lrStepSize: LR_STEP_EPOCHS };
  console.log(`MS-Transformer + QKA (λ ${config.qkaLambda}), fixed sine PE, small CNN, d ${config.model.hiddenDim}, backend ${backend.backend}`);
  console.log(
    `data: ${describePoseData(spec)}; ${data.train.table.rows.length} train / ${data.test.table.rows.length} test images (split unseen-trajectories)`,
  );
  console.log(`training up to ${EPOCHS} epochs or ${TIME_BUDGET_SECONDS} s, whichever comes first\n`);
  const result = await runPoseTraining({
    data,
    config,
    epochs: EPOCHS,
    runDir: RUN_DIR,
    seed: 0,
    overwrite: true,
    evalEvery: 2,
    logEvery: 25,
    signal: AbortSignal.timeout(TIME_BUDGET_SECONDS * 1000),
  });
  const { evaluation, baseline } = result;
  console.log(`\ntrained ${result.train.epochs} epochs (${result.train.step} steps) in ${result.seconds.toFixed(0)} s`);
  console.log(`\nsplit ${result.split}: test errors (median per scene):\n${formatPoseTable(evaluation)}`);
  console.log(`\nbaseline, each scene's mean training pose:\n${formatPoseTable(baseline)}`);
  console.log(`\n${comparison(evaluation, baseline)}`);
  console.log(`scene classification accuracy ${(100 * result.predictions.sceneAccuracy).toFixed(1)}%`);
  const { trained } = await loadPoseCheckpoint(result.checkpoint);
  try {
    const interpolation = await evaluatePoseModel(trained, config, interpolationBenchmarkSpec({ numScenes: NUM_SCENES }));
    console.log(`\nsplit ${interpolation.split} (every 4th frame of 6 trajectories per scene, never trained on either):`);
    console.log(comparison(interpolation.evaluation, interpolation.baseline));
  } finally {
    trained.dispose();
  }
  console.log(`\ncheckpoint: ${result.checkpoint}\nlog:        ${result.log}\nreport:     ${await writeReportSafely(RUN_DIR)}`);
  console.log(`evaluate again: npx condformer eval pose --checkpoint ${result.checkpoint} --json`);
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
