// Microsoft 7-Scenes → MS-Transformer label rows. Each scene folder holds `TrainSplit.txt` and
// `TestSplit.txt` (lines `sequence1`, ...) and sequence folders `seq-01/` with
// `frame-000000.pose.txt` (a 4×4 camera-to-world matrix, whitespace separated) next to
// `frame-000000.color.png`. The row pose is t = T[:3, 3] and q = quaternion of T[:3, :3]
// (w, x, y, z with w ≥ 0).
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { DecodeError, decodeOrThrow } from '../lib/io/decode.js';
import { finiteNumbersFromText, type PoseRow } from './pose-csv.js';
import { rotationToQuaternion } from './quaternion.js';
import { findSceneFolders } from './scene-folders.js';

const SPLIT_FILES = { train: 'TrainSplit.txt', test: 'TestSplit.txt' } as const;
export type SevenScenesSplit = keyof typeof SPLIT_FILES;

const PoseMatrix = finiteNumbersFromText(16, 'a 4×4 camera-to-world matrix');

/** `sequence1` → `seq-01`, decoded per line of a split file. */
export function parseSplitFile(text: string, source: string): string[] {
  const seqs: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const m = /^sequence(\d+)$/i.exec(line);
    if (m === null) throw new DecodeError(`${source}:${i + 1}`, [`expected 'sequenceN', got ${JSON.stringify(line)}`]);
    seqs.push(`seq-${String(Number(m[1])).padStart(2, '0')}`);
  });
  return seqs;
}

/** A `frame-XXXXXX.pose.txt` → camera position and orientation (w ≥ 0). */
export function parsePoseMatrix(text: string, source: string): Pick<PoseRow, 't' | 'q'> {
  const tokens = text
    .trim()
    .split(/\s+/)
    .filter((s) => s !== '');
  const m = decodeOrThrow(PoseMatrix, tokens, source);
  const row = (i: number, j: number) => m[4 * i + j] as number;
  return {
    t: [row(0, 3), row(1, 3), row(2, 3)],
    q: rotationToQuaternion([row(0, 0), row(0, 1), row(0, 2), row(1, 0), row(1, 1), row(1, 2), row(2, 0), row(2, 1), row(2, 2)]),
  };
}

/**
 * All rows of a 7-Scenes root: every sub-folder holding `TrainSplit.txt` is a scene (sorted by
 * name); `scenes` restricts the set. Within a scene: train sequences then test sequences, in the
 * split files' order, frames sorted by name.
 */
export async function convertSevenScenes(
  root: string,
  options: { scenes?: readonly string[]; splits?: readonly SevenScenesSplit[] } = {},
): Promise<PoseRow[]> {
  const scenes = await findSceneFolders(root, SPLIT_FILES.train, options.scenes);
  const rows: PoseRow[] = [];
  for (const scene of scenes) {
    for (const split of options.splits ?? (['train', 'test'] as const)) {
      const splitPath = join(root, scene, SPLIT_FILES[split]);
      for (const seq of parseSplitFile(await fs.readFile(splitPath, 'utf8'), splitPath)) {
        const dir = join(root, scene, seq);
        const poses = (await fs.readdir(dir)).filter((f) => /^frame-\d+\.pose\.txt$/.test(f)).sort();
        if (poses.length === 0) throw new Error(`${dir}: no frame-XXXXXX.pose.txt files (listed in ${splitPath})`);
        for (const file of poses) {
          const path = join(dir, file);
          const pose = parsePoseMatrix(await fs.readFile(path, 'utf8'), path);
          const image = file.replace('.pose.txt', '.color.png');
          rows.push({ scene, split, seq, imgPath: `${scene}/${seq}/${image}`, ...pose });
        }
      }
    }
  }
  return rows;
}
