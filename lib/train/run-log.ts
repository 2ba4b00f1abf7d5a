// The JSON-lines run log `<runDir>/log.jsonl`. Record types (extra fields may be added, these
// never change):
//   {"type":"run","name","config","backend","startedAt"}         one per session (resumes append)
//   {"type":"train","epoch","step","lr","loss","terms","imagesPerSec","time"}   every logEvery steps
//   {"type":"epoch","epoch","loss","terms","imagesPerSec","seconds"}            each epoch end
//   {"type":"eval","epoch","metrics"}                                           each evaluation
//   {"type":"end","reason","epoch","step","time"}   once per session: why it stopped (epochs, max-steps, time-budget, interrupted)
// Epochs are 0-based; `step` counts optimizer steps (the first update is step 1); `time` is the
// run's wall-clock seconds so far (summed over sessions); `epoch.seconds` and `imagesPerSec`
// count training steps only (data loading included, evaluation and checkpoints not). Epoch and
// eval records also carry `step`; train records `lrs` (every group) and `gradNorm` (when clipping).
import { promises as fs } from 'node:fs';
import * as t from 'io-ts';
import { writeFileAtomic } from '../io/atomic.js';
import { DecodeError, decodeOrThrow, parseJson } from '../io/decode.js';
import { JsonObjectCodec } from './json.js';

const NumberRecord = t.record(t.string, t.number);

const RunFields = t.type({ type: t.literal('run'), name: t.string, config: JsonObjectCodec, backend: t.string, startedAt: t.string });
/** Set when the session resumed from a checkpoint. */
const RunExtras = t.partial({ resumedFrom: t.type({ epoch: t.number, step: t.number, checkpoint: t.string }) });

const TrainFields = t.type({
  type: t.literal('train'),
  epoch: t.number,
  step: t.number,
  /** The first group's learning rate (`lrs` has every group's). */
  lr: t.number,
  loss: t.number,
  terms: NumberRecord,
  imagesPerSec: t.number,
  time: t.number,
});
const TrainExtras = t.partial({ lrs: NumberRecord, gradNorm: t.number });

const EpochFields = t.type({
  type: t.literal('epoch'),
  epoch: t.number,
  loss: t.number,
  terms: NumberRecord,
  imagesPerSec: t.number,
  seconds: t.number,
});
const StepExtra = t.partial({ step: t.number });
/** Epoch records may also carry the task's `diagnostics` (TrainTask.epochDiagnostics). */
const EpochExtras = t.partial({ step: t.number, diagnostics: NumberRecord });

/** Metric values; a non-finite number is written as null (JSON has no NaN). */
const EvalFields = t.type({ type: t.literal('eval'), epoch: t.number, metrics: t.record(t.string, t.union([t.number, t.null])) });

/** `epoch`: epochs completed when the session ended; `time`: the run's wall-clock seconds then. */
const EndFields = t.type({
  type: t.literal('end'),
  reason: t.keyof({ epochs: null, 'max-steps': null, 'time-budget': null, interrupted: null }),
  epoch: t.number,
  step: t.number,
  time: t.number,
});

export const RunRecordCodec = t.intersection([RunFields, RunExtras]);
export const TrainRecordCodec = t.intersection([TrainFields, TrainExtras]);
export const EpochRecordCodec = t.intersection([EpochFields, EpochExtras]);
export const EvalRecordCodec = t.intersection([EvalFields, StepExtra]);

export const EndRecordCodec = EndFields;

export const LogRecordCodec = t.union([RunRecordCodec, TrainRecordCodec, EpochRecordCodec, EvalRecordCodec, EndRecordCodec]);

export type RunRecord = t.TypeOf<typeof RunRecordCodec>;
export type TrainRecord = t.TypeOf<typeof TrainRecordCodec>;
export type EpochRecord = t.TypeOf<typeof EpochRecordCodec>;
export type EvalRecord = t.TypeOf<typeof EvalRecordCodec>;
export type EndRecord = t.TypeOf<typeof EndRecordCodec>;
export type LogRecord = t.TypeOf<typeof LogRecordCodec>;

const RecordType = t.type({ type: t.keyof({ run: null, train: null, epoch: null, eval: null, end: null }) });
const PARTS: Record<LogRecord['type'], readonly [t.Mixed, t.Mixed]> = {
  run: [RunFields, RunExtras],
  train: [TrainFields, TrainExtras],
  epoch: [EpochFields, EpochExtras],
  eval: [EvalFields, StepExtra],
  end: [EndFields, t.type({})],
};

/** Decode one record: first its `type`, then that record's fields (so errors name the field). */
export function decodeLogRecord(value: unknown, source: string): LogRecord {
  const { type } = decodeOrThrow(RecordType, value, source);
  for (const part of PARTS[type]) decodeOrThrow(part, value, source);
  return decodeOrThrow(LogRecordCodec, value, source);
}

/** Read and decode a run log; errors name the file and line. A torn last line (a crash mid-write) is skipped. */
export async function readRunLog(path: string): Promise<LogRecord[]> {
  return (await readLines(path)).map(({ value, line }) => decodeLogRecord(value, `${path}:${line}`));
}

async function readLines(path: string): Promise<{ value: unknown; line: number }[]> {
  const lines = (await fs.readFile(path, 'utf8')).split('\n');
  const out: { value: unknown; line: number }[] = [];
  lines.forEach((text, i) => {
    if (text.trim() === '') return;
    try {
      out.push({ value: parseJson(text, `${path}:${i + 1}`), line: i + 1 });
    } catch (err) {
      const isLast = lines.slice(i + 1).every((rest) => rest.trim() === '');
      if (!(isLast && err instanceof DecodeError)) throw err;
    }
  });
  return out;
}

const StepOf = t.partial({ type: t.string, step: t.number });

/** Appends records to `<runDir>/log.jsonl`. */
export class RunLog {
  private constructor(readonly path: string) {}

  /** Start a new log, replacing any old one. */
  static async create(path: string): Promise<RunLog> {
    await writeFileAtomic(path, '');
    return new RunLog(path);
  }

  /**
   * Continue a log after resuming from a checkpoint taken at optimizer step `step`: records of
   * steps after it (written by the interrupted session and about to be redone) are dropped.
   */
  static async resume(path: string, step: number): Promise<RunLog> {
    let kept: string[] = [];
    try {
      kept = (await readLines(path))
        .filter(({ value, line }) => {
          const record = decodeOrThrow(StepOf, value, `${path}:${line}`);
          return record.type === 'run' || record.step === undefined || record.step <= step;
        })
        .map(({ value }) => JSON.stringify(value));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    await writeFileAtomic(path, kept.map((line) => `${line}\n`).join(''));
    return new RunLog(path);
  }

  async write(record: LogRecord): Promise<void> {
    await fs.appendFile(this.path, `${JSON.stringify(record)}\n`);
  }
}
