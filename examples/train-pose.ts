// Train the multi-scene pose regressor (MS-Transformer + Query-Key Alignment, fixed sine PE) on
// the built-in synthetic scenes and compare it with the scene-mean baseline.
//
//   npx tsx examples/train-pose.ts --epochs 12
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { formatPoseTable } from '../lib/metrics/pose-metrics.js';
import { initBackend } from '../lib/runtime/backend.js';
import { smallPoseTrainConfig } from '../lib/tasks/pose/config.js';
import { loadPoseSplits, syntheticBenchmarkSpec } from '../lib/tasks/pose/data.js';
import { type PoseRunResult, runPoseTraining } from '../lib/tasks/pose/run.js';

export interface PoseExampleOptions {
  readonly epochs: number;
  readonly runDir: string;
  readonly numScenes?: number;
  /** Frames per test trajectory (default 40; 2 unseen trajectories per scene). */
  readonly framesPerSequence?: number;
  /** Training views per scene, drawn over its free region and headings (default 2000). */
  readonly trainViews?: number;
  readonly quiet?: boolean;
}

export async function trainPoseExample(options: PoseExampleOptions): Promise<PoseRunResult> {
  const numScenes = options.numScenes ?? 4;
  const { framesPerSequence, trainViews } = options;
  const data = await loadPoseSplits(syntheticBenchmarkSpec({ numScenes, framesPerSequence, trainViews })); // split unseen-trajectories
  const config = smallPoseTrainConfig(numScenes, 'sine'); // QKA λ 0.1, Adam + L2 as ActMST, small CNN
  return runPoseTraining({ data, config, epochs: options.epochs, runDir: options.runDir, overwrite: true, quiet: options.quiet });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: { epochs: { type: 'string', default: '12' }, 'run-dir': { type: 'string', default: 'runs/pose-example' } },
  });
  const epochs = Number(values.epochs);
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`--epochs must be a positive integer, got '${values.epochs}'`);
  await initBackend();
  const result = await trainPoseExample({ epochs, runDir: values['run-dir'] });
  console.log(formatPoseTable(result.evaluation));
  console.log(`\nscene-mean baseline:\n${formatPoseTable(result.baseline)}\n\ncheckpoint: ${result.checkpoint}`);
}
