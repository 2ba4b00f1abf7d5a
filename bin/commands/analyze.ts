// `condformer analyze <checkpoint> [<checkpoint>...] [--data ...]`: attention diagnostics of trained
// detectors or pose regressors (one arm per checkpoint) written as analysis.html + PNGs.
import { dirname, join } from 'node:path';
import type { Command } from '../cli.js';
import { analyzeCheckpoints, armLabels } from '../../lib/report/analyze-checkpoints.js';
import type { RelativeToken } from '../../lib/report/analyze-pose.js';
import { writeDiagnosticsReport } from '../../lib/report/diagnostics-report.js';
import { initBackend } from '../../lib/runtime/backend.js';
import { parseCommandArgs, UsageError, usageExit } from './args.js';

const USAGE = `usage: condformer analyze <checkpoint> [<checkpoint>...] [options]

Attention diagnostics of trained models, one arm per checkpoint (all detectors or all pose
regressors), on the same images: attention entropy per encoder layer (and branch), query-region
purity histograms, the query-key centroid distance per layer and head, a UMAP of one encoder
head's queries and keys, and attention maps over the image: each top-scoring decoder query's
cross-attention with its predicted box (spatial, content and combined for Conditional DETR), or,
for pose, the encoder attention of chosen tokens. Writes analysis.html (self-contained),
figures/*.png and attention/*.png.

options:
  --data <path>       detectors: an image file or a directory of images; pose: a label CSV
                      (default: the first run's validation / test split, e.g. its synthetic data)
  --root <dir>        image root of a pose CSV (default: the CSV's directory)
  --images <n>        images analysed (default 8)
  --image <i>         the image of the embedding and the attention maps (default 0)
  --layer <l>         encoder layer of the embedding (default: the last)
  --head <h>          head of the embedding (default 0)
  --branch t|rot      pose: branch of the embedding (default t, position)
  --queries <n>       detectors: attention maps of the n top-scoring queries (default 4)
  --tokens <y,x;...>  pose: tokens by relative grid position (default 0.5,0.5;0.25,0.25)
  --umap-epochs <n>   UMAP optimisation epochs (default: umap-js's, 500 for small sets)
  --seed <n>          seed of the data order and the UMAP (default 0)
  --out <dir>         output directory (default: <first run dir>/analysis)
  --backend <name>    tfjs backend (default: automatic)
  -h, --help          this help

exit codes: 0 written, 1 unreadable or malformed input, 2 bad usage`;

const OPTIONS = {
  data: { type: 'string' },
  root: { type: 'string' },
  images: { type: 'string' },
  image: { type: 'string' },
  layer: { type: 'string' },
  head: { type: 'string' },
  branch: { type: 'string' },
  queries: { type: 'string' },
  tokens: { type: 'string' },
  'umap-epochs': { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
  backend: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function count(value: string | undefined, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got '${value}'`);
  return n;
}

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

export const command: Command = {
  summary: 'attention diagnostics (entropy, purity, QK distance, embedding, attention maps) of trained checkpoints',
  async run(args: string[]): Promise<number> {
    const parsed = parseCommandArgs(args, OPTIONS, USAGE, true);
    if (typeof parsed === 'number') return parsed;
    const { values, positionals } = parsed;
    let options;
    try {
      if (positionals.length === 0) throw new UsageError('no checkpoint given');
      if (values.branch !== undefined && values.branch !== 't' && values.branch !== 'rot') throw new UsageError(`--branch must be t or rot, got '${values.branch}'`);
      options = {
        data: values.data,
        root: values.root,
        images: count(values.images, 'images', 1),
        image: count(values.image, 'image', 0),
        layer: count(values.layer, 'layer', 0),
        head: count(values.head, 'head', 0),
        branch: values.branch as 't' | 'rot' | undefined,
        queries: count(values.queries, 'queries', 1),
        tokens: parseTokens(values.tokens),
        umapEpochs: count(values['umap-epochs'], 'umap-epochs', 1),
        seed: count(values.seed, 'seed', 0),
      };
    } catch (err) {
      return usageExit(err, USAGE);
    }
    await initBackend(values.backend);
    let data;
    try {
      data = await analyzeCheckpoints(positionals, options);
    } catch (err) {
      // unreadable / malformed checkpoints, configs or images (decode errors name the file and field)
      if (!(err instanceof Error)) throw err;
      console.error(err.message);
      return 1;
    }
    const out = values.out ?? defaultOut(positionals[0] as string);
    const written = await writeDiagnosticsReport(out, { ...data, subtitle: [...(data.subtitle ?? []), ...armLabels(positionals).map((label, i) => `${label}: ${positionals[i]}`)] });
    console.log(written.html);
    for (const png of Object.values(written.pngs)) console.log(png);
    return 0;
  },
};
