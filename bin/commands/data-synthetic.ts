// `condformer data synthetic --scene NAME --out DIR`: write a synthetic detection set (a benchmark
// scene or the original shapes) in the COCO layout that `train detect --data DIR` and other tools
// read: DIR/annotations/instances_{train,val}.json and DIR/{train,val}/*.png.
import { existsSync, readdirSync } from 'node:fs';
import { DETECTION_SCENES } from '../../datasets/detection-scenes.js';
import { writeSyntheticCoco } from '../../lib/tasks/detection/data.js';
import { choiceValue, defineCommand, inSection, UsageError } from '../shared/command.js';
import { syntheticDataSpec, syntheticSizeOptions } from '../shared/detection-data.js';
import { seedOption } from '../shared/options.js';

export const command = defineCommand(
  'write a synthetic detection scene as a COCO directory',
  {
    name: 'data synthetic',
    synopsis: '--scene <scene> --out <dir> [options]',
    about: `Generates the train and val splits of a synthetic detection set exactly as
\`train detect --data synthetic:<scene>\` does in memory (same --seed, sizes and images) and
writes them as PNGs with COCO ground truth: <dir>/annotations/instances_{train,val}.json and
<dir>/{train,val}/. Scenes: ${DETECTION_SCENES.join(', ')}, or 'classic' for plain --data synthetic.`,
    options: {
      ...inSection('data', {
        scene: { type: 'string', value: `${DETECTION_SCENES.join('|')}|classic`, help: 'the scene (required)' },
        out: { type: 'string', value: '<dir>', help: 'output directory (required; must be empty or absent)' },
        ...syntheticSizeOptions,
        'image-size': { type: 'string', value: 'N', help: 'image side (default 64)' },
        ...seedOption(),
      }),
    },
    footer: 'exit codes: 0 done, 1 error, 2 bad usage',
  },
  async (values) => {
    if (values.scene === undefined) throw new UsageError('--scene is required');
    const scene = choiceValue(values.scene, 'scene', [...DETECTION_SCENES, 'classic'], 'classic');
    if (values.out === undefined) throw new UsageError('--out is required');
    if (existsSync(values.out) && readdirSync(values.out).length > 0) throw new UsageError(`--out: ${values.out} is not empty`);
    const spec = syntheticDataSpec(scene === 'classic' ? 'synthetic' : `synthetic:${scene}`, values);
    await writeSyntheticCoco(spec, values.out);
    console.log(`wrote ${spec.trainImages} train and ${spec.valImages} val images of '${scene}' to ${values.out}`);
    return 0;
  },
);
