// `condformer report <run-dir> [<run-dir>...] [--out <dir>]`: (re)build the self-contained
// report.html and figures/*.png of one run, or of several runs overlaid.
import type { Command } from '../cli.js';
import { DecodeError } from '../../lib/io/decode.js';
import { writeReport } from '../../lib/report/write-report.js';
import { parseCommandArgs } from './args.js';

const USAGE = `usage: condformer report <run-dir> [<run-dir>...] [--out <dir>] [--title <text>]

Reads each run directory (log.jsonl, config.json, checkpoints/) and writes report.html (one
self-contained file: inline SVG charts and tables, no network) plus figures/<name>.png: training
loss and each term, learning rate, images/s, and the evaluation curves (AP and the 12 COCO stats
for detection; per-scene median errors and recall for pose) with the final tables. Several runs
are overlaid, one colour per run.

options:
  --out <dir>      where report.html and figures/ go (default: the first run directory)
  --title <text>   page title
  --scale <n>      PNG pixels per chart pixel (default 2)
  -h, --help       this help

exit codes: 0 written, 1 unreadable or malformed run log, 2 bad usage`;

export const command: Command = {
  summary: 'HTML report (inline SVG charts, PNG copies) of one or several training runs',
  async run(args: string[]): Promise<number> {
    const parsed = parseCommandArgs(args, { out: { type: 'string' }, title: { type: 'string' }, scale: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, USAGE, true);
    if (typeof parsed === 'number') return parsed;
    const { values, positionals } = parsed;
    const scale = values.scale === undefined ? undefined : Number(values.scale);
    if (positionals.length === 0 || (scale !== undefined && !(scale > 0))) {
      console.error(USAGE);
      return 2;
    }
    let written;
    try {
      written = await writeReport(positionals, { outDir: values.out, title: values.title, pngScale: scale });
    } catch (err) {
      if (!(err instanceof DecodeError) && (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      console.error((err as Error).message);
      return 1;
    }
    console.log(written.html);
    for (const png of Object.values(written.pngs)) console.log(png);
    return 0;
  },
};
