// `condformer report <run-dir> [<run-dir>...] [--out <dir>]`: (re)build the self-contained
// report.html and figures/*.png of one run, or of several runs overlaid.
import { DecodeError } from '../../lib/io/decode.js';
import { writeReport } from '../../lib/report/write-report.js';
import { defineCommand, numberValue, UsageError } from '../shared/command.js';

export const command = defineCommand(
  'HTML report (inline SVG charts, PNG copies) of one or several training runs',
  {
    name: 'report',
    synopsis: '<run-dir> [<run-dir>...] [--out <dir>] [--title <text>]',
    about: `Reads each run directory (log.jsonl, config.json, checkpoints/) and writes report.html (one
self-contained file: inline SVG charts and tables, no network) plus figures/<name>.png: training
loss and each term, learning rate, images/s, and the evaluation curves (AP and the 12 COCO stats
for detection; per-scene median errors and recall for pose) with the final tables. Several runs
are overlaid, one colour per run.`,
    options: {
      out: { type: 'string', value: '<dir>', help: 'where report.html and figures/ go (default: the first run directory)' },
      title: { type: 'string', value: '<text>', help: 'page title' },
      scale: { type: 'string', value: '<n>', help: 'PNG pixels per chart pixel (default 2)' },
    },
    positionals: true,
    footer: 'exit codes: 0 written, 1 unreadable or malformed run log, 2 bad usage',
    inputError: (err): err is Error => err instanceof DecodeError || (err instanceof Error && (err as NodeJS.ErrnoException).code === 'ENOENT'),
  },
  async (values, positionals) => {
    if (positionals.length === 0) throw new UsageError('no run directory given');
    const scale = values.scale === undefined ? undefined : numberValue(values.scale, 'scale', 2, { min: Number.MIN_VALUE });
    const written = await writeReport(positionals, { outDir: values.out, title: values.title, pngScale: scale });
    console.log(written.html);
    for (const png of Object.values(written.pngs)) console.log(png);
    return 0;
  },
);
