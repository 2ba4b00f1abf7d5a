// Training checkpoints as one safetensors file: tensors `model.<param>` (the model's state dict,
// tfjs layout) and `optimizer.exp_avg.<param>` / `optimizer.exp_avg_sq.<param>`, plus metadata
// JSON strings: `format`, `progress` (epoch, step, RNG states, the running epoch totals),
// `optimizer` (steps and group hyper-parameters), `scheduler`, `config` (the run config),
// `backend`, `savedAt`. Written atomically (temporary file, then rename).
import * as tf from '@tensorflow/tfjs';
import * as t from 'io-ts';
import { writeFileAtomic } from '../io/atomic.js';
import { decodeOrThrow, parseJson } from '../io/decode.js';
import { encodeSafetensors, readSafetensors } from '../nn/safetensors.js';
import { AdamWMetaCodec, type AdamWState } from './adamw.js';
import { type JsonObject, JsonObjectCodec, type JsonValue, JsonValueCodec } from './json.js';

export const CHECKPOINT_FORMAT = 'condformer-checkpoint/1';

const RngStateCodec = t.type({ i: t.number, j: t.number, S: t.array(t.number) });

const EpochTotalsCodec = t.type({
  /** Sum of the batch losses so far in the epoch. */
  loss: t.number,
  terms: t.record(t.string, t.number),
  batches: t.number,
  images: t.number,
  /** Training seconds spent in the epoch so far. */
  seconds: t.number,
});
export type EpochTotals = t.TypeOf<typeof EpochTotalsCodec>;

const TrainProgressCodec = t.type({
  /** The epoch to run next, or the one in progress when `stepInEpoch > 0` (0-based). */
  epoch: t.number,
  /** Batches of `epoch` already trained. */
  stepInEpoch: t.number,
  /** Optimizer steps so far. */
  step: t.number,
  /** Training wall time over every session so far. */
  elapsedSeconds: t.number,
  /** The loop's Rng now. */
  rng: RngStateCodec,
  /** The epoch's data Rng as it was when the epoch started (null between epochs). */
  dataRng: t.union([RngStateCodec, t.null]),
  /** Running totals of the epoch in progress (null between epochs). */
  epochTotals: t.union([EpochTotalsCodec, t.null]),
});
export type TrainProgress = t.TypeOf<typeof TrainProgressCodec>;

export interface Checkpoint {
  /** The model's state dict by parameter name, tfjs layout (`Module.loadStateDict` takes it). */
  readonly weights: Map<string, tf.Tensor>;
  readonly optimizer: AdamWState;
  readonly scheduler: JsonValue;
  readonly progress: TrainProgress;
  readonly config: JsonObject;
  /** `tf.getBackend()` of the run that wrote it (bit-exact resume holds on the same backend). */
  readonly backend: string;
  readonly savedAt: string;
}

const MODEL = 'model.';
const OPTIMIZER = 'optimizer.';

/** Encode a checkpoint once and write it atomically to every path (e.g. `last` and a per-epoch copy). */
export async function saveCheckpoint(paths: string | readonly string[], checkpoint: Checkpoint): Promise<void> {
  const tensors = new Map<string, tf.Tensor>();
  for (const [name, tensor] of checkpoint.weights) tensors.set(MODEL + name, tensor);
  for (const [name, tensor] of checkpoint.optimizer.moments) tensors.set(OPTIMIZER + name, tensor);
  const bytes = await encodeSafetensors(tensors, {
    format: CHECKPOINT_FORMAT,
    progress: JSON.stringify(checkpoint.progress),
    optimizer: JSON.stringify(checkpoint.optimizer.meta),
    scheduler: JSON.stringify(checkpoint.scheduler),
    config: JSON.stringify(checkpoint.config),
    backend: checkpoint.backend,
    savedAt: checkpoint.savedAt,
  });
  for (const path of typeof paths === 'string' ? [paths] : paths) await writeFileAtomic(path, bytes);
}

/** Read a checkpoint; the caller owns (and disposes, see `disposeCheckpoint`) its tensors. */
export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  const { tensors, metadata } = await readSafetensors(path);
  try {
    const field = (key: string): string => {
      const value = metadata[key];
      if (value === undefined) throw new Error(`checkpoint ${path}: metadata has no '${key}'`);
      return value;
    };
    const json = <A>(key: string, codec: t.Type<A, unknown, unknown>): A =>
      decodeOrThrow(codec, parseJson(field(key), `${path} metadata '${key}'`), `${path} metadata '${key}'`);
    if (field('format') !== CHECKPOINT_FORMAT) {
      throw new Error(`checkpoint ${path}: format '${field('format')}', expected '${CHECKPOINT_FORMAT}'`);
    }
    const weights = new Map<string, tf.Tensor>();
    const moments = new Map<string, tf.Tensor>();
    for (const [name, tensor] of tensors) {
      if (name.startsWith(MODEL)) weights.set(name.slice(MODEL.length), tensor);
      else if (name.startsWith(OPTIMIZER)) moments.set(name.slice(OPTIMIZER.length), tensor);
      else throw new Error(`checkpoint ${path}: tensor '${name}' is neither 'model.*' nor 'optimizer.*'`);
    }
    return {
      weights,
      optimizer: { meta: json('optimizer', AdamWMetaCodec), moments },
      scheduler: json('scheduler', JsonValueCodec),
      progress: json('progress', TrainProgressCodec),
      config: json('config', JsonObjectCodec),
      backend: field('backend'),
      savedAt: field('savedAt'),
    };
  } catch (err) {
    tf.dispose([...tensors.values()]);
    throw err;
  }
}

export function disposeCheckpoint(checkpoint: Checkpoint): void {
  tf.dispose([...checkpoint.weights.values(), ...checkpoint.optimizer.moments.values()]);
}
