// The MS-Transformer label format (`datasets/CameraPoseDataset.py` read_labels_file):
//   scene,split,seq,img_path,t1,t2,t3,q1,q2,q3,q4
// one image per row, img_path relative to the dataset root, t = camera position (metres),
// q = camera-to-world orientation (w, x, y, z). Scene ids are the indices of the sorted unique
// scene names (numpy `np.unique`).
//
// Parsing is a plain split on ',': every field of this format is a name, a relative path or a
// number, and neither the official label files nor our converters quote fields. A line with a
// quote character is rejected with a clear error instead of being misread, and the writer refuses
// values that would need quoting, so what we write always reads back identically.
import { promises as fs } from 'node:fs';
import * as t from 'io-ts';
import { writeFileAtomic } from '../lib/io/atomic.js';
import { DecodeError, decodeOrThrow } from '../lib/io/decode.js';
import type { Quaternion, Vec3 } from './quaternion.js';

export const POSE_CSV_COLUMNS = ['scene', 'split', 'seq', 'img_path', 't1', 't2', 't3', 'q1', 'q2', 'q3', 'q4'] as const;

export interface PoseRow {
  readonly scene: string;
  /** `train` or `test` (parsePoseCsv refuses any other value). */
  readonly split: string;
  readonly seq: string;
  /** Relative to the dataset root. */
  readonly imgPath: string;
  /** Camera position (metres). */
  readonly t: Vec3;
  /** Camera-to-world orientation, scalar first (w, x, y, z); not necessarily unit norm. */
  readonly q: Quaternion;
}

export interface PoseTable {
  readonly rows: readonly PoseRow[];
  /** Sorted unique scene names; a row's scene id is its scene's index here. */
  readonly scenes: readonly string[];
  /** [N] scene id of each row. */
  readonly sceneIds: Int32Array;
}

/** A finite number written as decimal text. */
const NumberFromString = new t.Type<number, string, unknown>(
  'number (finite, as text)',
  (u): u is number => typeof u === 'number' && Number.isFinite(u),
  (u, c) => {
    if (typeof u !== 'string' || u.trim() === '') return t.failure(u, c);
    const n = Number(u);
    return Number.isFinite(n) ? t.success(n) : t.failure(u, c);
  },
  String,
);

/** Exactly `n` whitespace-split tokens that are finite numbers (`what` describes them in errors). */
export function finiteNumbersFromText(n: number, what: string): t.Type<number[], string[], unknown> {
  return t.refinement(t.array(NumberFromString), (a) => a.length === n, `${n} numbers (${what})`);
}

const NonEmptyString = t.refinement(t.string, (s) => s.trim().length > 0, 'non-empty string');

/** The split column: every row is in one of the two (a row of another split would be silently dropped). */
const PoseSplitColumn = t.keyof({ train: null, test: null });

const PoseCsvRecord = t.type({
  scene: NonEmptyString,
  split: PoseSplitColumn,
  seq: t.string,
  img_path: NonEmptyString,
  t1: NumberFromString,
  t2: NumberFromString,
  t3: NumberFromString,
  q1: NumberFromString,
  q2: NumberFromString,
  q3: NumberFromString,
  q4: NumberFromString,
});

/** Sorted unique scene names and each row's index among them. */
export function poseTable(rows: readonly PoseRow[]): PoseTable {
  const scenes = [...new Set(rows.map((r) => r.scene))].sort();
  const index = new Map(scenes.map((s, i) => [s, i]));
  return { rows, scenes, sceneIds: Int32Array.from(rows, (r) => index.get(r.scene) ?? -1) };
}

/**
 * Parse label-file text. `source` names the file in errors, which also give the 1-based line and
 * the column (`poses.csv:17: at $.t2: expected number (finite, as text), got "abc"`).
 */
export function parsePoseCsv(text: string, source: string): PoseTable {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const missing = POSE_CSV_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw new DecodeError(`${source}:1`, [`header is missing column(s) ${missing.join(', ')} (expected ${POSE_CSV_COLUMNS.join(',')})`]);
  }
  const rows: PoseRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '') continue;
    const where = `${source}:${i + 1}`;
    if (line.includes('"')) throw new DecodeError(where, ['quoted CSV fields are not supported in pose label files']);
    const fields = line.split(',');
    if (fields.length !== header.length) {
      throw new DecodeError(where, [`expected ${header.length} fields, got ${fields.length}`]);
    }
    const record: Record<string, string> = {};
    header.forEach((h, k) => (record[h] = (fields[k] as string).trim()));
    const r = decodeOrThrow(PoseCsvRecord, record, where);
    rows.push({ scene: r.scene, split: r.split, seq: r.seq, imgPath: r.img_path, t: [r.t1, r.t2, r.t3], q: [r.q1, r.q2, r.q3, r.q4] });
  }
  return poseTable(rows);
}

export async function readPoseCsv(path: string): Promise<PoseTable> {
  return parsePoseCsv(await fs.readFile(path, 'utf8'), path);
}

/** Format rows as label-file text (header first, numbers in shortest round-trip form). */
export function formatPoseCsv(rows: readonly PoseRow[]): string {
  const lines = [POSE_CSV_COLUMNS.join(',')];
  for (const r of rows) {
    for (const text of [r.scene, r.split, r.seq, r.imgPath]) {
      if (/[",\r\n]/.test(text)) throw new RangeError(`pose CSV field ${JSON.stringify(text)} contains a comma, quote or newline`);
    }
    lines.push([r.scene, r.split, r.seq, r.imgPath, ...r.t, ...r.q].join(','));
  }
  return `${lines.join('\n')}\n`;
}

export async function writePoseCsv(path: string, rows: readonly PoseRow[]): Promise<void> {
  await writeFileAtomic(path, formatPoseCsv(rows));
}

/**
 * The rows of one split (e.g. `train`). The scene list (and so every scene id) stays that of the
 * whole table, so ids agree between splits even when a split lacks a scene.
 */
export function selectSplit(table: PoseTable, split: string): PoseTable {
  const keep = table.rows.map((r, i) => (r.split === split ? i : -1)).filter((i) => i >= 0);
  return {
    rows: keep.map((i) => table.rows[i] as PoseRow),
    scenes: table.scenes,
    sceneIds: Int32Array.from(keep, (i) => table.sceneIds[i] as number),
  };
}
