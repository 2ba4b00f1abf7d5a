// `condformer ablate pose`: the ActMST research check on the synthetic scenes. Trains the four
// variants with the same seed, data and number of epochs (baseline = learned PE without QKA, fixed
// sine PE, QKA, fixed PE + QKA) and reports for each the test errors, the scene accuracy and, per
// encoder layer of both branches, the attention entropy and the QK centroid distance measured on
// the test set.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { initBackend } from '../../lib/runtime/backend.js';
import { QKA_LAMBDA } from '../../losses/qk-alignment.js';
import { smallPoseTrainConfig, type PoseDiagnostics } from '../../lib/tasks/pose.js';
import { describePoseData, loadPoseSplits, syntheticBenchmarkSpec } from '../../lib/tasks/pose-data.js';
import { runPoseTraining } from '../../lib/tasks/pose-run.js';
import type { Command } from '../cli.js';
import { intOption } from './train-pose.js';
import { writeReportSafely } from './finish-run.js';
import { parseCommandArgs } from './args.js';

interface Variant {
  readonly name: string;
  readonly positionEncoding: 'sine' | 'learned';
  readonly qka: boolean;
}

export const POSE_ABLATION_VARIANTS: readonly Variant[] = [
  { name: 'baseline', positionEncoding: 'learned', qka: false },
  { name: 'fixed-pe', positionEncoding: 'sine', qka: false },
  { name: 'qka', positionEncoding: 'learned', qka: true },
  { name: 'fixed-pe+qka', positionEncoding: 'sine', qka: true },
];

export interface AblationRow {
  readonly variant: string;
  readonly epochs: number;
  readonly seconds: number;
  readonly medianPositionError: number;
  readonly medianOrientationError: number;
  readonly sceneAccuracy: number;
  readonly diagnostics: PoseDiagnostics;
}

const USAGE = `usage: condformer ablate pose [options]

options:
  --variants a,b        subset of ${POSE_ABLATION_VARIANTS.map((v) => v.name).join(', ')} (default: all)
  --epochs <n>          epochs per variant (default 5)
  --scenes <n>          synthetic scenes (default 4)
  --seed <n>            default 0 (model, data order and scenes)
  --run-dir <dir>       default runs/pose-ablation (one sub-directory per variant)
  --json <file>         also write the rows as JSON
  --backend <name>      tfjs backend (default: automatic)
  -h, --help            this help`;

export const command: Command = {
  summary: 'ablation on synthetic scenes: learned vs fixed PE, with and without QKA (errors, entropy, QK distance)',
  async run(args: string[]): Promise<number> {
    const parsed = parseCommandArgs(args, {
      variants: { type: 'string' },
      epochs: { type: 'string' },
      scenes: { type: 'string' },
      seed: { type: 'string' },
      'run-dir': { type: 'string' },
      json: { type: 'string' },
      backend: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    }, USAGE);
    if (typeof parsed === 'number') return parsed;
    const { values } = parsed;
    const names = values.variants?.split(',') ?? POSE_ABLATION_VARIANTS.map((v) => v.name);
    const variants = names.map((n) => {
      const v = POSE_ABLATION_VARIANTS.find((x) => x.name === n);
      if (v === undefined) throw new Error(`unknown variant '${n}' (${POSE_ABLATION_VARIANTS.map((x) => x.name).join(', ')})`);
      return v;
    });
    const epochs = intOption(values.epochs, 'epochs', 5);
    const seed = Number(values.seed ?? 0);
    const numScenes = intOption(values.scenes, 'scenes', 4);
    const runDir = values['run-dir'] ?? join('runs', 'pose-ablation');
    await initBackend(values.backend);
      const spec = syntheticBenchmarkSpec({ numScenes, seed });
    const data = await loadPoseSplits(spec);
    console.log(`data: ${describePoseData(spec)}; ${epochs} epochs per variant, seed ${seed}`);
    const rows: AblationRow[] = [];
    for (const v of variants) {
      const config = { ...smallPoseTrainConfig(numScenes, v.positionEncoding), qkaLambda: v.qka ? QKA_LAMBDA : 0 };
      console.log(`\n== ${v.name}: ${v.positionEncoding} PE, QKA λ ${config.qkaLambda}`);
      const r = await runPoseTraining({ data, config, epochs, runDir: join(runDir, v.name), seed, overwrite: true, diagnostics: true, logEvery: 25 });
      rows.push({
        variant: v.name,
        epochs: r.train.epochs,
        seconds: r.seconds,
        medianPositionError: r.evaluation.average.medianPositionError,
        medianOrientationError: r.evaluation.average.medianOrientationError,
        sceneAccuracy: r.predictions.sceneAccuracy,
        diagnostics: r.predictions.diagnostics!,
      });
      if (values.json !== undefined) await writeFile(values.json, `${JSON.stringify(rows, null, 2)}\n`);
    }
    console.log(`\n${formatAblation(rows)}`);
    console.log(`report (the arms overlaid): ${await writeReportSafely(variants.map((v) => join(runDir, v.name)), runDir)}`);
    return 0;
  },
};

/** A markdown table: errors, scene accuracy, then entropy and QK distance per encoder layer (t | rot). */
export function formatAblation(rows: readonly AblationRow[]): string {
  const layers = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(' / ');
  const header = '| variant | epochs | pos (m) | ori (°) | scene acc | entropy t | entropy rot | QK dist t | QK dist rot |';
  const lines = rows.map((r) =>
    `| ${r.variant} | ${r.epochs} | ${r.medianPositionError.toFixed(3)} | ${r.medianOrientationError.toFixed(2)} | ${(100 * r.sceneAccuracy).toFixed(1)}% | ` +
    `${layers(r.diagnostics.entropy.t)} | ${layers(r.diagnostics.entropy.rot)} | ${layers(r.diagnostics.qkDistance.t)} | ${layers(r.diagnostics.qkDistance.rot)} |`,
  );
  return [header, '|---|---|---|---|---|---|---|---|---|', ...lines].join('\n');
}
