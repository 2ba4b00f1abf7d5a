// Cambridge Landmarks → MS-Transformer label rows. Each scene folder under the root holds
// `dataset_train.txt` / `dataset_test.txt`: 3 header lines, then `ImageFile X Y Z W P Q R`
// (`seq1/frame00001.png` and the camera position and orientation quaternion, scalar first).
// Rows keep the file order; img_path is `<scene>/<ImageFile>` and seq the image's first path
// component, as in the official label files. Quaternions are normalised to unit length with w ≥ 0
// (canonicalQuaternion), as the 7-Scenes converter's are.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { DecodeError, decodeOrThrow } from '../lib/io/decode.js';
import { finiteNumbersFromText, type PoseRow } from './pose-csv.js';
import { canonicalQuaternion } from './quaternion.js';
import { findSceneFolders } from './scene-folders.js';

const HEADER_LINES = 3;
const SPLIT_FILES = { train: 'dataset_train.txt', test: 'dataset_test.txt' } as const;
export type CambridgeSplit = keyof typeof SPLIT_FILES;

const PoseNumbers = finiteNumbersFromText(7, 'X Y Z W P Q R');

/** Parse one `dataset_{train,test}.txt`; `source` names the file in errors (with the line). */
export function parseCambridgeSplit(text: string, scene: string, split: CambridgeSplit, source: string): PoseRow[] {
  const rows: PoseRow[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = HEADER_LINES; i < lines.length; i++) {
    const tokens = (lines[i] as string)
      .trim()
      .split(/\s+/)
      .filter((s) => s !== '');
    if (tokens.length === 0) continue;
    const where = `${source}:${i + 1}`;
    if (tokens.length !== 8) throw new DecodeError(where, [`expected 'ImageFile X Y Z W P Q R' (8 fields), got ${tokens.length}`]);
    const image = tokens[0] as string;
    const [x, y, z, w, p, q, r] = decodeOrThrow(PoseNumbers, tokens.slice(1), where) as [number, number, number, number, number, number, number];
    const seq = image.split('/')[0] ?? '';
    if (w === 0 && p === 0 && q === 0 && r === 0) throw new DecodeError(where, ['the orientation W P Q R is the zero quaternion']);
    rows.push({ scene, split, seq, imgPath: `${scene}/${image}`, t: [x, y, z], q: canonicalQuaternion([w, p, q, r]) });
  }
  return rows;
}

/**
 * All rows of a Cambridge Landmarks root: every sub-folder holding `dataset_train.txt` is a scene
 * (sorted by name); `scenes` restricts the set. Train rows come before test rows within a scene.
 */
export async function convertCambridge(
  root: string,
  options: { scenes?: readonly string[]; splits?: readonly CambridgeSplit[] } = {},
): Promise<PoseRow[]> {
  const scenes = await findSceneFolders(root, SPLIT_FILES.train, options.scenes);
  const rows: PoseRow[] = [];
  for (const scene of scenes) {
    for (const split of options.splits ?? (['train', 'test'] as const)) {
      const path = join(root, scene, SPLIT_FILES[split]);
      rows.push(...parseCambridgeSplit(await fs.readFile(path, 'utf8'), scene, split, path));
    }
  }
  return rows;
}
