// `condformer convert cambridge|7scenes <root> <out.csv> [--scenes a,b] [--split train|test]`:
// writes MS-Transformer label files (datasets/pose-csv.ts) from the datasets' own pose files.
import { convertCambridge } from '../../datasets/cambridge.js';
import { type PoseRow, writePoseCsv } from '../../datasets/pose-csv.js';
import { convertSevenScenes } from '../../datasets/seven-scenes.js';
import { defineCommand, UsageError } from '../shared/command.js';

const SPLITS = ['train', 'test'] as const;

export const command = defineCommand(
  'convert Cambridge Landmarks / 7-Scenes poses to the MS-Transformer CSV format',
  {
    name: 'convert',
    synopsis: '<cambridge|7scenes> <root> <out.csv> [options]',
    about: `Writes scene,split,seq,img_path,t1,t2,t3,q1,q2,q3,q4 rows (paths relative to <root>).
  cambridge  <root>/<Scene>/dataset_{train,test}.txt
  7scenes    <root>/<scene>/{Train,Test}Split.txt and seq-XX/frame-XXXXXX.pose.txt`,
    options: {
      scenes: { type: 'string', value: 'a,b', help: 'only these scene folders (default: every scene found)' },
      split: { type: 'string', value: 'train|test', help: 'only this split (default: both)' },
    },
    positionals: true,
  },
  async (values, positionals) => {
    const [dataset, root, out, ...extra] = positionals;
    if (dataset === undefined || root === undefined || out === undefined || extra.length > 0)
      throw new UsageError('expected <cambridge|7scenes> <root> <out.csv>');
    const split = SPLITS.find((s) => s === values.split);
    if (values.split !== undefined && split === undefined) throw new UsageError(`--split must be train or test, got ${values.split}`);
    const options = { scenes: values.scenes?.split(',').filter((s) => s !== ''), splits: split === undefined ? undefined : [split] };
    let rows: PoseRow[];
    if (dataset === 'cambridge') rows = await convertCambridge(root, options);
    else if (dataset === '7scenes') rows = await convertSevenScenes(root, options);
    else throw new UsageError(`unknown dataset '${dataset}' (cambridge or 7scenes)`);
    await writePoseCsv(out, rows);
    const scenes = new Set(rows.map((r) => r.scene));
    console.log(`wrote ${rows.length} rows (${scenes.size} scene(s): ${[...scenes].join(', ')}) to ${out}`);
    return 0;
  },
);
