// A run directory read back for reporting: config.json, the run log and the checkpoints present.
import { promises as fs } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { decodeOrThrow, parseJson } from '../io/decode.js';
import { type JsonObject, JsonObjectCodec } from '../train/json.js';
import { type EpochRecord, type EvalRecord, type RunRecord, readRunLog, type TrainRecord } from '../train/run-log.js';

export interface RunData {
  /** The label in legends and tables (the run directory's name, made unique among compared runs). */
  readonly label: string;
  readonly dir: string;
  /** The name the training loop logged (first session). */
  readonly name: string;
  readonly config: JsonObject;
  /** One record per session (a resume appends one). */
  readonly sessions: readonly RunRecord[];
  readonly train: readonly TrainRecord[];
  readonly epochs: readonly EpochRecord[];
  readonly evals: readonly EvalRecord[];
  /** Checkpoint file names under `<dir>/checkpoints`. */
  readonly checkpoints: readonly string[];
}

/** Read `<runDir>/log.jsonl` (required), `config.json` (else the logged config) and the checkpoint list. */
export async function loadRun(runDir: string, label = basename(resolve(runDir))): Promise<RunData> {
  const records = await readRunLog(join(runDir, 'log.jsonl'));
  const sessions = records.filter((r): r is RunRecord => r.type === 'run');
  const configPath = join(runDir, 'config.json');
  let config: JsonObject = sessions.at(-1)?.config ?? {};
  try {
    config = decodeOrThrow(JsonObjectCodec, parseJson(await fs.readFile(configPath, 'utf8'), configPath), configPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  let checkpoints: string[] = [];
  try {
    checkpoints = (await fs.readdir(join(runDir, 'checkpoints'))).filter((f) => f.endsWith('.safetensors')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return {
    label,
    dir: runDir,
    name: sessions[0]?.name ?? label,
    config,
    sessions,
    train: records.filter((r): r is TrainRecord => r.type === 'train'),
    epochs: records.filter((r): r is EpochRecord => r.type === 'epoch'),
    evals: records.filter((r): r is EvalRecord => r.type === 'eval'),
    checkpoints,
  };
}

/** Load several runs; labels are the directory names, suffixed `#2`, `#3` where they repeat. */
export async function loadRuns(runDirs: readonly string[]): Promise<RunData[]> {
  const seen = new Map<string, number>();
  const labels = runDirs.map((dir) => {
    const base = basename(resolve(dir));
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}#${n}`;
  });
  return Promise.all(runDirs.map((dir, i) => loadRun(dir, labels[i])));
}

/** The backends the run trained on, in session order without repeats. */
export function runBackends(run: RunData): string[] {
  return [...new Set(run.sessions.map((s) => s.backend))];
}
