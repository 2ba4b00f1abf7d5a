// `condformer analyze <checkpoint> [<checkpoint>...] [--data ...]`: attention diagnostics of trained
// detectors or pose regressors (one arm per checkpoint) written as analysis.html + PNGs.
import { dirname, join } from 'node:path';
import { analyzeCheckpoints, armLabels } from '../../lib/report/analyze-checkpoints.js';
import type { RelativeToken } from '../../lib/report/analyze-pose.js';
import { writeDiagnosticsReport } from '../../lib/report/diagnostics-report.js';
import { initBackend } from '../../lib/runtime/backend.js';
import { choiceValue, defineCommand, optionalInt, UsageError } from '../shared/command.js';
import { backendOption, poseCsvRootOption, seedOption } from '../shared/options.js';

function parseTokens(value: string | undefined): RelativeToken[] | undefined {
  if (value === undefined) return undefined;
  return value.split(';').map((pair) => {
    const [y, x, ...rest] = pair.split(',').map(Number);
    if (rest.length > 0 || !(y! >= 0 && y! < 1 && x! >= 0 && x! < 1)) throw new UsageError(`--tokens: '${pair}' is not 'y,x' with both in [0, 1)`);
    return { y: y!, x: x! };
  });
}

/** `runs/x/checkpoints/last.safetensors` → `runs/x/analysis`; another file → `<its dir>/analysis`. */
function defaultOut(checkpoint: string): string {
  const dir = dirname(checkpoint);
  return join(dir.endsWith('checkpoints') ? dirname(dir) : dir, 'analysis');
}

export const command = defineCommand(
  'attention diagnostics (entropy, purity, QK distance, embedding, attention maps) of trained checkpoints',
  {
    name: 'analyze',
    synopsis: '<checkpoint> [<checkpoint>...] [options]',
    about: `Attention diagnostics of trained models, one arm per checkpoint (all detectors or all pose
regressors), on the same images: attention entropy per encoder layer (and branch), query-region
purity histograms, the query-key centroid distance per layer and head, a UMAP of one encoder
head's queries and keys, and attention maps over the image: each top-scoring decoder query's
cross-attention with its predicted box (spatial, content and combined for Conditional DETR), or,
for pose, the encoder attention of chosen tokens. Writes analysis.html (self-contained),
figures/*.png and attention/*.png.`,
    options: {
      data: {
        type: 'string',
        value: '<path>',
        help: "detectors: an image file or a directory of images; pose: a label CSV\n(default: the first run's validation / test split, e.g. its synthetic data)",
      },
      ...poseCsvRootOption,
      images: { type: 'string', value: '<n>', help: 'images analysed (default 8)' },
      image: { type: 'string', value: '<i>', help: 'the image of the embedding and the attention maps (default 0)' },
      layer: { type: 'string', value: '<l>', help: 'encoder layer of the embedding (default: the last)' },
      head: { type: 'string', value: '<h>', help: 'head of the embedding (default 0)' },
      branch: { type: 'string', value: 't|rot', help: 'pose: branch of the embedding (default t, position)' },
      queries: { type: 'string', value: '<n>', help: 'detectors: attention maps of the n top-scoring queries (default 4)' },
      tokens: { type: 'string', value: '<y,x;...>', help: 'pose: tokens by relative grid position (default 0.5,0.5;0.25,0.25)' },
      'umap-epochs': { type: 'string', value: '<n>', help: "UMAP optimisation epochs (default: umap-js's, 500 for small sets)" },
      ...seedOption('seed of the data order and the UMAP (default 0)'),
      out: { type: 'string', value: '<dir>', help: 'output directory (default: <first run dir>/analysis)' },
      ...backendOption,
    },
    positionals: true,
    footer: 'exit codes: 0 written, 1 unreadable or malformed input, 2 bad usage',
    // unreadable / malformed checkpoints, configs or images (decode errors name the file and field)
    inputError: (err) => err instanceof Error,
  },
  async (values, positionals) => {
    if (positionals.length === 0) throw new UsageError('no checkpoint given');
    const options = {
      data: values.data,
      root: values.root,
      images: optionalInt(values.images, 'images', 1),
      image: optionalInt(values.image, 'image', 0),
      layer: optionalInt(values.layer, 'layer', 0),
      head: optionalInt(values.head, 'head', 0),
      branch: values.branch === undefined ? undefined : choiceValue(values.branch, 'branch', ['t', 'rot'] as const, 't'),
      queries: optionalInt(values.queries, 'queries', 1),
      tokens: parseTokens(values.tokens),
      umapEpochs: optionalInt(values['umap-epochs'], 'umap-epochs', 1),
      seed: optionalInt(values.seed, 'seed', 0),
    };
    await initBackend(values.backend);
    const data = await analyzeCheckpoints(positionals, options);
    const out = values.out ?? defaultOut(positionals[0] as string);
    const written = await writeDiagnosticsReport(out, {
      ...data,
      subtitle: [...(data.subtitle ?? []), ...armLabels(positionals).map((label, i) => `${label}: ${positionals[i]}`)],
    });
    console.log(written.html);
    for (const png of Object.values(written.pngs)) console.log(png);
    return 0;
  },
);
