// `condformer convert cambridge|7scenes <root> <out.csv> [--scenes a,b] [--split train|test]`:
// writes MS-Transformer label files (datasets/pose-csv.ts) from the datasets' own pose files.
import type { Command } from '../cli.js';
import { convertCambridge } from '../../datasets/cambridge.js';
import { writePoseCsv, type PoseRow } from '../../datasets/pose-csv.js';
import { convertSevenScenes } from '../../datasets/seven-scenes.js';
import { parseCommandArgs } from './args.js';

const USAGE = `usage: condformer convert <cambridge|7scenes> <root> <out.csv> [options]

Writes scene,split,seq,img_path,t1,t2,t3,q1,q2,q3,q4 rows (paths relative to <root>).
  cambridge  <root>/<Scene>/dataset_{train,test}.txt
  7scenes    <root>/<scene>/{Train,Test}Split.txt and seq-XX/frame-XXXXXX.pose.txt

options:
  --scenes a,b       only these scene folders (default: every scene found)
  --split train|test only this split (default: both)
  -h, --help         this help`;

type Split = 'train' | 'test';

export const command: Command = {
  summary: 'convert Cambridge Landmarks / 7-Scenes poses to the MS-Transformer CSV format',
  async run(args: string[]): Promise<number> {
    const parsed = parseCommandArgs(args, { scenes: { type: 'string' }, split: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, USAGE, true);
    if (typeof parsed === 'number') return parsed;
    const { values, positionals } = parsed;
    const [dataset, root, out, ...extra] = positionals;
    if (dataset === undefined || root === undefined || out === undefined || extra.length > 0) {
      console.error(USAGE);
      return 2;
    }
    if (values.split !== undefined && values.split !== 'train' && values.split !== 'test') {
      console.error(`--split must be train or test, got ${values.split}`);
      return 2;
    }
    const options = {
      scenes: values.scenes?.split(',').filter((s) => s !== ''),
      splits: values.split === undefined ? undefined : [values.split as Split],
    };
    let rows: PoseRow[];
    if (dataset === 'cambridge') rows = await convertCambridge(root, options);
    else if (dataset === '7scenes') rows = await convertSevenScenes(root, options);
    else {
      console.error(`unknown dataset '${dataset}' (cambridge or 7scenes)\n\n${USAGE}`);
      return 2;
    }
    await writePoseCsv(out, rows);
    const scenes = new Set(rows.map((r) => r.scene));
    console.log(`wrote ${rows.length} rows (${scenes.size} scene(s): ${[...scenes].join(', ')}) to ${out}`);
    return 0;
  },
};
