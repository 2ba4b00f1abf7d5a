// `condformer ablate pose`: the ActMST research check on the synthetic scenes. Trains the four
// variants (baseline = learned PE without QKA, fixed sine PE, QKA, fixed PE + QKA) with each of
// several seeds (model init and data order; the scenes stay those of data seed 0) on the same data
// and number of epochs, and reports per run and as mean ± std over the seeds the median errors on
// the unseen trajectories, the scene accuracy and, per encoder layer of both branches, the
// attention entropy and the QK centroid distance measured on the test set; then the paper's
// figures for the first seed's arms side by side (`condformer analyze` on their checkpoints):
// entropy per layer, query-region purity histograms, QK distance per layer and head, and a UMAP of
// each arm's queries and keys, in <run-dir>/analysis/analysis.html.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { analyzeCheckpoints, armLabels } from '../../lib/report/analyze-checkpoints.js';
import { writeDiagnosticsReport } from '../../lib/report/diagnostics-report.js';
import { initBackend } from '../../lib/runtime/backend.js';
import { type PositionEmbeddingKind, smallPoseTrainConfig } from '../../lib/tasks/pose/config.js';
import { BENCHMARK_TRAIN_VIEWS, describePoseData, loadPoseSplits, poseSplitName, syntheticBenchmarkSpec } from '../../lib/tasks/pose/data.js';
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
  readonly seed: number;
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
      ...epochsOption(2, 'epochs per run (default 2: 500 steps on the 8000 training views)'),
      scenes: { type: 'string', value: '<n>', help: 'synthetic scenes (default 4)' },
      'train-views': { type: 'string', value: '<n>', help: `training views per scene (default ${BENCHMARK_TRAIN_VIEWS})` },
      seeds: { type: 'string', value: '<a,b,c>', help: 'seeds of model init and data order (default 0,1,2)' },
      ...seedOption('one seed instead of --seeds'),
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
    const epochs = intValue(values.epochs, 'epochs', 2);
    const seeds =
      values.seeds !== undefined
        ? values.seeds.split(',').map((s) => intValue(s, 'seeds', 0, 0))
        : values.seed !== undefined
          ? [intValue(values.seed, 'seed', 0, 0)]
          : [0, 1, 2];
    const numScenes = intValue(values.scenes, 'scenes', 4);
    const trainViews = intValue(values['train-views'], 'train-views', BENCHMARK_TRAIN_VIEWS);
    const runDir = values['run-dir'] ?? join('runs', 'pose-ablation');
    await initBackend(values.backend);
    const spec = syntheticBenchmarkSpec({ numScenes, trainViews });
    const data = await loadPoseSplits(spec);
    console.log(`data: ${describePoseData(spec)}; ${epochs} epochs per run, seeds ${seeds.join(', ')}`);
    const rows: AblationRow[] = [];
    /** The first seed's checkpoint of each variant: the arms of the analysis. */
    const analysisArms: string[] = [];
    const armDir = (v: Variant, seed: number) => join(runDir, seeds.length === 1 ? v.name : `${v.name}-seed${seed}`);
    for (const seed of seeds) {
      for (const v of variants) {
        const config = { ...smallPoseTrainConfig(numScenes, v.positionEmbedding), qkaLambda: v.qka ? QKA_LAMBDA : 0 };
        console.log(`\n== ${v.name}, seed ${seed}: ${v.positionEmbedding} PE, QKA λ ${config.qkaLambda}`);
        const r = await runPoseTraining({ data, config, epochs, runDir: armDir(v, seed), seed, overwrite: true, diagnostics: true, logEvery: 25 });
        if (seed === seeds[0]) analysisArms.push(r.checkpoint);
        rows.push({
          variant: v.name,
          seed,
          epochs: r.train.epochs,
          seconds: r.seconds,
          medianPositionError: r.evaluation.average.medianPositionError,
          medianOrientationError: r.evaluation.average.medianOrientationError,
          sceneAccuracy: r.predictions.sceneAccuracy,
          diagnostics: r.predictions.diagnostics!,
        });
        if (values.json !== undefined) await writeFile(values.json, `${JSON.stringify(rows, null, 2)}\n`);
      }
    }
    console.log(`\nsplit ${poseSplitName(spec)}, per run:\n${formatAblation(rows)}`);
    console.log(`\nmean ± std over seeds ${seeds.join(', ')}:\n${formatAblationSummary(summarizeAblation(rows))}`);
    console.log(
      `report (the arms overlaid): ${await writeReportSafely(
        seeds.flatMap((seed) => variants.map((v) => armDir(v, seed))),
        runDir,
      )}`,
    );
    const analysis = await analyzeCheckpoints(analysisArms, { seed: 0 });
    const written = await writeDiagnosticsReport(join(runDir, 'analysis'), {
      ...analysis,
      subtitle: [
        ...(analysis.subtitle ?? []),
        `seed ${seeds[0]} of each variant, split ${poseSplitName(spec)}`,
        ...armLabels(analysisArms).map((label, i) => `${label}: ${analysisArms[i]}`),
      ],
    });
    console.log(`entropy, purity histograms, QK distance and UMAP per variant (seed ${seeds[0]}): ${written.html}`);
    return 0;
  },
);

/** A markdown table: errors, scene accuracy, then entropy and QK distance per encoder layer (t | rot). */
export function formatAblation(rows: readonly AblationRow[]): string {
  const layers = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(' / ');
  const header = '| variant | seed | epochs | pos (m) | ori (°) | scene acc | entropy t | entropy rot | QK dist t | QK dist rot |';
  const lines = rows.map(
    (r) =>
      `| ${r.variant} | ${r.seed} | ${r.epochs} | ${r.medianPositionError.toFixed(3)} | ${r.medianOrientationError.toFixed(2)} | ${(100 * r.sceneAccuracy).toFixed(1)}% | ` +
      `${layers(r.diagnostics.entropy.t)} | ${layers(r.diagnostics.entropy.rot)} | ${layers(r.diagnostics.qkDistance.t)} | ${layers(r.diagnostics.qkDistance.rot)} |`,
  );
  return [header, '|---|---|---|---|---|---|---|---|---|---|', ...lines].join('\n');
}

/** Mean and sample standard deviation (n − 1; 0 for one value). */
export interface MeanStd {
  readonly mean: number;
  readonly std: number;
}

export function meanStd(xs: readonly number[]): MeanStd {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1));
  return { mean, std };
}

export interface AblationSummary {
  readonly variant: string;
  readonly seeds: number;
  readonly medianPositionError: MeanStd;
  readonly medianOrientationError: MeanStd;
  /** Per encoder layer, mean over seeds. */
  readonly entropy: { readonly t: number[]; readonly rot: number[] };
  readonly qkDistance: { readonly t: number[]; readonly rot: number[] };
}

/** One summary per variant (in first-seen order) over its seeds. */
export function summarizeAblation(rows: readonly AblationRow[]): AblationSummary[] {
  const variants = [...new Set(rows.map((r) => r.variant))];
  const layerMeans = (per: number[][]) => (per[0] ?? []).map((_, l) => meanStd(per.map((p) => p[l]!)).mean);
  return variants.map((variant) => {
    const of = rows.filter((r) => r.variant === variant);
    return {
      variant,
      seeds: of.length,
      medianPositionError: meanStd(of.map((r) => r.medianPositionError)),
      medianOrientationError: meanStd(of.map((r) => r.medianOrientationError)),
      entropy: { t: layerMeans(of.map((r) => r.diagnostics.entropy.t)), rot: layerMeans(of.map((r) => r.diagnostics.entropy.rot)) },
      qkDistance: { t: layerMeans(of.map((r) => r.diagnostics.qkDistance.t)), rot: layerMeans(of.map((r) => r.diagnostics.qkDistance.rot)) },
    };
  });
}

/** A markdown table of summarizeAblation: mean ± std of the medians, per-layer means of the diagnostics. */
export function formatAblationSummary(summaries: readonly AblationSummary[]): string {
  const layers = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(' / ');
  const pm = (m: MeanStd, digits: number) => `${m.mean.toFixed(digits)} ± ${m.std.toFixed(digits)}`;
  const header = '| variant | seeds | pos (m) | ori (°) | entropy t | entropy rot | QK dist t | QK dist rot |';
  const lines = summaries.map(
    (s) =>
      `| ${s.variant} | ${s.seeds} | ${pm(s.medianPositionError, 3)} | ${pm(s.medianOrientationError, 2)} | ` +
      `${layers(s.entropy.t)} | ${layers(s.entropy.rot)} | ${layers(s.qkDistance.t)} | ${layers(s.qkDistance.rot)} |`,
  );
  return [header, '|---|---|---|---|---|---|---|---|', ...lines].join('\n');
}
