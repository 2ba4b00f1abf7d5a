// `condformer ablate pose`: the ActMST research check on the synthetic scenes. Trains the four
// variants with the same seed, data and number of epochs (baseline = learned PE without QKA, fixed
// sine PE, QKA, fixed PE + QKA) and reports for each the test errors, the scene accuracy and, per
// encoder layer of both branches, the attention entropy and the QK centroid distance measured on
// the test set.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { initBackend } from '../../lib/runtime/backend.js';
import { type PositionEmbeddingKind, smallPoseTrainConfig } from '../../lib/tasks/pose/config.js';
import { describePoseData, loadPoseSplits, syntheticBenchmarkSpec } from '../../lib/tasks/pose/data.js';
import { runPoseTraining } from '../../lib/tasks/pose/run.js';
import type { PoseDiagnostics } from '../../lib/tasks/pose/task.js';
import { QKA_LAMBDA } from '../../losses/qk-alignment.js';
import { defineCommand, intValue, UsageError } from '../shared/command.js';
import { writeReportSafely } from '../shared/finish-run.js';
import { backendOption, epochsOption, seedOption } from '../shared/options.js';

interface Variant {
  readonly name: string;
  readonly positionEmbedding: PositionEmbeddingKind;
  readonly qka: boolean;
}

export const POSE_ABLATION_VARIANTS: readonly Variant[] = [
  { name: 'baseline', positionEmbedding: 'learned', qka: false },
  { name: 'fixed-pe', positionEmbedding: 'sine', qka: false },
  { name: 'qka', positionEmbedding: 'learned', qka: true },
  { name: 'fixed-pe+qka', positionEmbedding: 'sine', qka: true },
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

export const command = defineCommand(
  'ablation on synthetic scenes: learned vs fixed PE, with and without QKA (errors, entropy, QK distance)',
  {
    name: 'ablate pose',
    synopsis: '[options]',
    options: {
      variants: { type: 'string', value: 'a,b', help: `subset of ${POSE_ABLATION_VARIANTS.map((v) => v.name).join(', ')} (default: all)` },
      ...epochsOption(5, 'epochs per variant (default 5)'),
      scenes: { type: 'string', value: '<n>', help: 'synthetic scenes (default 4)' },
      ...seedOption('default 0 (model, data order and scenes)'),
      'run-dir': { type: 'string', value: '<dir>', help: 'default runs/pose-ablation (one sub-directory per variant)' },
      json: { type: 'string', value: '<file>', help: 'also write the rows as JSON' },
      ...backendOption,
    },
  },
  async (values) => {
    const names = values.variants?.split(',') ?? POSE_ABLATION_VARIANTS.map((v) => v.name);
    const variants = names.map((n) => {
      const v = POSE_ABLATION_VARIANTS.find((x) => x.name === n);
      if (v === undefined) throw new UsageError(`unknown variant '${n}' (${POSE_ABLATION_VARIANTS.map((x) => x.name).join(', ')})`);
      return v;
    });
    const epochs = intValue(values.epochs, 'epochs', 5);
    const seed = intValue(values.seed, 'seed', 0, 0);
    const numScenes = intValue(values.scenes, 'scenes', 4);
    const runDir = values['run-dir'] ?? join('runs', 'pose-ablation');
    await initBackend(values.backend);
    const spec = syntheticBenchmarkSpec({ numScenes, seed });
    const data = await loadPoseSplits(spec);
    console.log(`data: ${describePoseData(spec)}; ${epochs} epochs per variant, seed ${seed}`);
    const rows: AblationRow[] = [];
    for (const v of variants) {
      const config = { ...smallPoseTrainConfig(numScenes, v.positionEmbedding), qkaLambda: v.qka ? QKA_LAMBDA : 0 };
      console.log(`\n== ${v.name}: ${v.positionEmbedding} PE, QKA λ ${config.qkaLambda}`);
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
    console.log(
      `report (the arms overlaid): ${await writeReportSafely(
        variants.map((v) => join(runDir, v.name)),
        runDir,
      )}`,
    );
    return 0;
  },
);

/** A markdown table: errors, scene accuracy, then entropy and QK distance per encoder layer (t | rot). */
export function formatAblation(rows: readonly AblationRow[]): string {
  const layers = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(' / ');
  const header = '| variant | epochs | pos (m) | ori (°) | scene acc | entropy t | entropy rot | QK dist t | QK dist rot |';
  const lines = rows.map(
    (r) =>
      `| ${r.variant} | ${r.epochs} | ${r.medianPositionError.toFixed(3)} | ${r.medianOrientationError.toFixed(2)} | ${(100 * r.sceneAccuracy).toFixed(1)}% | ` +
      `${layers(r.diagnostics.entropy.t)} | ${layers(r.diagnostics.entropy.rot)} | ${layers(r.diagnostics.qkDistance.t)} | ${layers(r.diagnostics.qkDistance.rot)} |`,
  );
  return [header, '|---|---|---|---|---|---|---|---|---|', ...lines].join('\n');
}
