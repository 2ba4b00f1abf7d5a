// The training loop shared by the detectors and the pose regressor, generic over the batch type.
// Per step: loss and gradients over the model's trainable variables (tf.variableGrads), a
// non-finite check, optional gradient-norm clipping, one optimizer step. Per epoch: the
// scheduler steps, a checkpoint is written (`last`, plus optional per-epoch copies) and the
// model is evaluated every `evalEvery` epochs. Everything random flows from one Rng whose state
// is checkpointed, so `resume` continues bit-for-bit on the same backend; SIGINT (or an abort
// signal) saves a checkpoint after the current step and returns. A budget (`maxSteps`, a
// wall-clock `timeBudgetSeconds`) ends the run cleanly before the next step: checkpoint, evaluation,
// and an `end` log record that says why the run stopped (every run ends with one).
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../io/atomic.js';
import type { Module } from '../nn/module.js';
import { Rng, type RngState } from '../runtime/rng.js';
import type { AdamW } from './adamw.js';
import { type Checkpoint, disposeCheckpoint, type EpochTotals, loadCheckpoint, saveCheckpoint, type TrainProgress } from './checkpoint.js';
import { clipGradNorm } from './clip-grad-norm.js';
import type { JsonObject } from './json.js';
import { formatValue, ProgressLine, type ProgressStream } from './progress.js';
import { type EpochRecord, type EvalRecord, RunLog } from './run-log.js';
import type { LrScheduler } from './step-lr.js';
import { checkWasmMemory, estimateStepMemory } from './wasm-memory.js';

export interface LossOutput {
  /** The scalar that is differentiated. */
  readonly total: tf.Scalar;
  /** Named parts for the log (scalars; they need not sum to `total`). */
  readonly terms: Readonly<Record<string, tf.Scalar>>;
}

export type EvalMetrics = Readonly<Record<string, number>>;

export interface TrainTask<B> {
  readonly model: Module;
  /** Must manage every trainable variable of the model. */
  readonly optimizer: AdamW;
  /** Stepped once after every epoch (DETR's StepLR). */
  readonly scheduler?: LrScheduler;
  /** One epoch of batches; every random choice (order, augmentation) must come from `rng`. */
  readonly data: (epoch: number, rng: Rng) => Iterable<B> | AsyncIterable<B>;
  /** Runs inside `tf.variableGrads`; tensors it creates are freed by the loop. */
  readonly loss: (batch: B) => LossOutput;
  /** Called (model in eval mode) every `evalEvery` epochs and after the last one. */
  readonly evaluate?: (epoch: number) => EvalMetrics | Promise<EvalMetrics>;
  /** Images in a batch, for images/s (default 1). */
  readonly imagesPerBatch?: (batch: B) => number;
  /** Frees a batch after its step (default: dispose every tensor found in it). */
  readonly disposeBatch?: (batch: B) => void;
  /** Numbers about the epoch just trained, written into its `epoch` log record as `diagnostics` (e.g. the detectors' matching change). */
  readonly epochDiagnostics?: () => Readonly<Record<string, number>>;
  /** A one-image batch cut from `batch` (freed with disposeBatch): lets the loop check, before step 1 on wasm, that the step fits wasm's heap. */
  readonly oneImageBatch?: (batch: B) => B;
}

export interface TrainOptions {
  /** Holds log.jsonl, config.json and checkpoints/. */
  readonly runDir: string;
  /** Total epochs of the run (a resumed run continues up to it). */
  readonly epochs: number;
  /** Run name for the log (default: the run directory's name). */
  readonly name?: string;
  /** The run configuration, written to config.json, the log and every checkpoint. */
  readonly config?: JsonObject;
  /** The run's generator (pass the one the model's dropout uses); default `new Rng(seed)`. */
  readonly rng?: Rng;
  readonly seed?: number;
  /** clip_grad_norm_ max norm (DETR 0.1); 0 or absent: no clipping. */
  readonly clipMaxNorm?: number;
  /** Evaluate every N epochs (default 1). */
  readonly evalEvery?: number;
  /** Write a `train` log record (and a progress line when stderr is not a TTY) every N steps (default 20). */
  readonly logEvery?: number;
  /** Also keep `checkpoints/epoch-NNNN.safetensors` every N epochs (default 0: only `last`). */
  readonly checkpointEvery?: number;
  /** true: continue from `<runDir>/checkpoints/last.safetensors`; a string: from that file. */
  readonly resume?: boolean | string;
  /** Start afresh even if the run directory already holds a checkpoint. */
  readonly overwrite?: boolean;
  readonly quiet?: boolean;
  /** Steps per epoch for the progress bar and ETA before the first epoch has ended. */
  readonly stepsPerEpoch?: number;
  /** Save and stop on SIGINT (default true). */
  readonly handleSigint?: boolean;
  /** Save and stop when aborted, like SIGINT. */
  readonly signal?: AbortSignal;
  /** Stop before the step after this one (optimizer steps of the run, summed over resumes): checkpoint, evaluate, end. */
  readonly maxSteps?: number;
  /**
   * Stop before the next step once the run's wall-clock seconds (summed over sessions; periodic
   * evaluations and checkpoints included) reach this: checkpoint, evaluate, end. The final
   * evaluation and checkpoint come after the budget.
   */
  readonly timeBudgetSeconds?: number;
  /** Called after every step. */
  readonly onStep?: (info: StepInfo) => void;
  /** Where progress goes (default process.stderr). */
  readonly progressStream?: ProgressStream;
}

export interface StepInfo {
  readonly epoch: number;
  readonly step: number;
  readonly stepInEpoch: number;
  readonly loss: number;
  readonly terms: Readonly<Record<string, number>>;
  readonly lr: number;
  /** Total gradient norm before clipping (null without clipping). */
  readonly gradNorm: number | null;
}

/** Why a run ended: its epochs done, a budget reached, or SIGINT / the abort signal. */
export type StopReason = 'epochs' | 'max-steps' | 'time-budget' | 'interrupted';

export interface TrainResult {
  /** `completed` for every clean end (epochs or a budget), `interrupted` for SIGINT / abort. */
  readonly status: 'completed' | 'interrupted';
  readonly stoppedBy: StopReason;
  /** Epochs completed. */
  readonly epochs: number;
  /** Optimizer steps done. */
  readonly step: number;
  /** The checkpoint that holds the final state. */
  readonly checkpoint: string;
  /** Epoch and evaluation records of this session (as logged). */
  readonly epochRecords: EpochRecord[];
  readonly evalRecords: EvalRecord[];
}

/** A non-finite loss, loss term or gradient norm. No update was applied for the step. */
export class NonFiniteLossError extends Error {
  constructor(
    readonly epoch: number,
    readonly step: number,
    /** The non-finite values by name (`loss` = the total, `grad_norm`, or a term name). */
    readonly values: Readonly<Record<string, number>>,
    /** The last good checkpoint (left untouched), or null if none was written yet. */
    readonly checkpoint: string | null,
  ) {
    const named = Object.entries(values)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    super(
      `non-finite loss at step ${step} (epoch ${epoch}): ${named}; training stopped, ` +
        (checkpoint === null ? 'no checkpoint was written yet' : `the last good checkpoint is ${checkpoint}`),
    );
    this.name = 'NonFiniteLossError';
  }
}

export function runPaths(runDir: string): { log: string; config: string; last: string; epoch: (epoch: number) => string } {
  return {
    log: join(runDir, 'log.jsonl'),
    config: join(runDir, 'config.json'),
    last: join(runDir, 'checkpoints', 'last.safetensors'),
    epoch: (epoch) => join(runDir, 'checkpoints', `epoch-${String(epoch).padStart(4, '0')}.safetensors`),
  };
}

export async function train<B>(task: TrainTask<B>, options: TrainOptions): Promise<TrainResult> {
  checkOptions(options);
  checkCoverage(task);
  const paths = runPaths(options.runDir);
  const rng = options.rng ?? new Rng(options.seed ?? 0);
  const bar = new ProgressLine({ quiet: options.quiet, everySteps: options.logEvery ?? 20, stream: options.progressStream });

  let state: TrainProgress;
  let config = options.config ?? {};
  let log: RunLog;
  let resumedFrom: { epoch: number; step: number; checkpoint: string } | undefined;
  let lastCheckpoint: string | null = null;
  if (options.resume) {
    const path = typeof options.resume === 'string' ? options.resume : paths.last;
    const checkpoint = await loadCheckpoint(path);
    try {
      restore(task, rng, checkpoint);
    } finally {
      disposeCheckpoint(checkpoint);
    }
    if (checkpoint.backend !== tf.getBackend()) {
      bar.line(`resume: checkpoint written on backend '${checkpoint.backend}', running on '${tf.getBackend()}' (not bit-exact)`);
    }
    state = checkpoint.progress;
    config = options.config ?? checkpoint.config;
    log = await RunLog.resume(paths.log, state.step);
    resumedFrom = { epoch: state.epoch, step: state.step, checkpoint: path };
    lastCheckpoint = path;
  } else {
    if (existsSync(paths.last) && !options.overwrite) {
      throw new Error(`${options.runDir} already holds a checkpoint; pass resume to continue it or overwrite to start over`);
    }
    state = { epoch: 0, stepInEpoch: 0, step: 0, elapsedSeconds: 0, rng: rng.state(), dataRng: null, epochTotals: null };
    log = await RunLog.create(paths.log);
  }
  await writeFileAtomic(paths.config, `${JSON.stringify(config, null, 2)}\n`);
  const name = options.name ?? basename(options.runDir);
  await log.write({ type: 'run', name, config, backend: tf.getBackend(), startedAt: new Date().toISOString(), ...(resumedFrom && { resumedFrom }) });

  const stop = stopRequests(options, bar);
  try {
    return await new Loop(task, options, { rng, bar, log, config, paths, lastCheckpoint, stop }).run(state);
  } finally {
    stop.dispose();
    bar.clear();
  }
}

interface LoopContext {
  readonly rng: Rng;
  readonly bar: ProgressLine;
  readonly log: RunLog;
  readonly config: JsonObject;
  readonly paths: ReturnType<typeof runPaths>;
  lastCheckpoint: string | null;
  readonly stop: StopRequests;
}

interface StepNumbers {
  readonly loss: number;
  readonly terms: Record<string, number>;
  readonly gradNorm: number | null;
}

class Loop<B> {
  private readonly variables: tf.Variable[];
  private readonly sessionStart = performance.now();
  private elapsedBefore = 0;
  private stepsPerEpoch: number | null;
  private sessionSteps = 0;
  private sessionTrainSeconds = 0;
  private step = 0;
  /** Images and start time since the last `train` log record (for images/s). */
  private window = { start: 0, images: 0 };
  private readonly epochRecords: EpochRecord[] = [];
  private readonly evalRecords: EvalRecord[] = [];
  /** The step of the last evaluation (so a budget stop right after one does not repeat it). */
  private lastEvalStep = -1;

  constructor(
    private readonly task: TrainTask<B>,
    private readonly options: TrainOptions,
    private readonly ctx: LoopContext,
  ) {
    this.variables = task.model.trainableVariables();
    this.stepsPerEpoch = options.stepsPerEpoch ?? null;
  }

  private elapsed(): number {
    return this.elapsedBefore + (performance.now() - this.sessionStart) / 1000;
  }

  async run(start: TrainProgress): Promise<TrainResult> {
    const { options, ctx } = this;
    this.elapsedBefore = start.elapsedSeconds;
    this.step = start.step;
    for (let epoch = start.epoch; epoch < options.epochs; epoch++) {
      const partial = epoch === start.epoch ? partialEpoch(start) : null;
      const budget = partial === null ? this.budgetReached() : null;
      if (budget !== null) {
        // At an epoch boundary: the checkpoint is the last epoch's (or the resumed one). A time budget
        // is spent over all sessions, so the checkpoint records the time at the stop: a resume with the
        // same budget stops again instead of training the few milliseconds that were left at the epoch's end.
        if (budget === 'time-budget') {
          const progress = {
            epoch,
            stepInEpoch: 0,
            step: this.step,
            elapsedSeconds: this.elapsed(),
            rng: ctx.rng.state(),
            dataRng: null,
            epochTotals: null,
          };
          await this.save(progress, []);
        }
        await this.evaluateAt(epoch - 1);
        return this.finish('completed', epoch, budget);
      }
      const totals = await this.runEpoch(epoch, partial);
      if (totals === null) return this.finish('interrupted', epoch, 'interrupted');
      if ('stoppedBy' in totals) return this.finish('completed', epoch, totals.stoppedBy);
      this.stepsPerEpoch = totals.batches;
      await this.endEpoch(epoch, totals);
      if (ctx.stop.requested && epoch + 1 < options.epochs) return this.finish('interrupted', epoch + 1, 'interrupted');
    }
    return this.finish('completed', Math.max(options.epochs, start.epoch), 'epochs');
  }

  /** The budget the run has reached (checked before each step), or null. */
  private budgetReached(): 'max-steps' | 'time-budget' | null {
    const { maxSteps, timeBudgetSeconds } = this.options;
    if (maxSteps !== undefined && this.step >= maxSteps) return 'max-steps';
    if (timeBudgetSeconds !== undefined && this.elapsed() >= timeBudgetSeconds) return 'time-budget';
    return null;
  }

  /**
   * Trains one epoch (the rest of it after a mid-epoch checkpoint); null when interrupted,
   * `stoppedBy` when a budget ended it mid-epoch (after its checkpoint and evaluation).
   */
  private async runEpoch(epoch: number, partial: PartialEpoch | null): Promise<EpochTotals | { stoppedBy: 'max-steps' | 'time-budget' } | null> {
    const { task, ctx } = this;
    const dataRngState: RngState = partial?.dataRng ?? ctx.rng.fork().state();
    const totals: EpochTotals = partial ? cloneTotals(partial.totals) : { loss: 0, terms: {}, batches: 0, images: 0, seconds: 0 };
    const source = task.data(epoch, Rng.fromState(dataRngState));
    if (Array.isArray(source)) this.stepsPerEpoch = source.length;
    const iterator = iteratorOf(source);
    task.model.train();
    try {
      for (let skipped = 0; skipped < totals.batches; skipped++) {
        const next = await iterator.next();
        if (next.done) throw new Error(`resume: epoch ${epoch} has only ${skipped} batches, the checkpoint was taken after ${totals.batches}`);
        this.disposeBatch(next.value);
      }
      this.window = { start: performance.now(), images: 0 };
      for (;;) {
        const stepStart = performance.now();
        const next = await iterator.next();
        if (next.done) return totals;
        const budget = totals.batches > 0 ? this.budgetReached() : null;
        if (budget !== null) {
          this.disposeBatch(next.value);
          await this.save(this.midEpochProgress(epoch, totals, dataRngState), []);
          await this.evaluateAt(epoch);
          return { stoppedBy: budget };
        }
        const images = task.imagesPerBatch?.(next.value) ?? 1;
        let numbers: StepNumbers;
        try {
          if (this.sessionSteps === 0) await this.checkMemory(next.value, images);
          numbers = await this.trainStep(next.value, epoch, this.step + 1);
        } finally {
          this.disposeBatch(next.value);
        }
        this.step += 1;
        accumulate(totals, numbers, images);
        await this.report(epoch, totals, numbers, images, stepStart);
        await new Promise<void>((resolve) => setImmediate(resolve)); // lets SIGINT handlers run
        if (ctx.stop.requested) {
          await this.save(this.midEpochProgress(epoch, totals, dataRngState), []);
          ctx.bar.line(`interrupted at epoch ${epoch} step ${this.step}: checkpoint ${ctx.paths.last}`);
          return null;
        }
      }
    } finally {
      await iterator.return?.();
    }
  }

  /** The progress of a checkpoint taken `totals.batches` steps into `epoch` (resume continues the epoch). */
  private midEpochProgress(epoch: number, totals: EpochTotals, dataRng: RngState): TrainProgress {
    const { ctx } = this;
    return {
      epoch,
      stepInEpoch: totals.batches,
      step: this.step,
      elapsedSeconds: this.elapsed(),
      rng: ctx.rng.state(),
      dataRng,
      epochTotals: totals,
    };
  }

  /** The step's log record (every logEvery steps), progress display, timing and onStep. */
  private async report(epoch: number, totals: EpochTotals, numbers: StepNumbers, images: number, stepStart: number): Promise<void> {
    const { options, ctx, step } = this;
    const logEvery = options.logEvery ?? 20;
    this.window.images += images;
    const imagesPerSec = this.window.images / ((performance.now() - this.window.start) / 1000);
    const lr = this.task.optimizer.groups[0]?.lr ?? 0;
    if (step % logEvery === 0) {
      const lrs = Object.fromEntries(this.task.optimizer.groups.map((g) => [g.name, g.lr]));
      const gradNorm = numbers.gradNorm === null ? {} : { gradNorm: numbers.gradNorm };
      await ctx.log.write({
        type: 'train',
        epoch,
        step,
        lr,
        loss: numbers.loss,
        terms: numbers.terms,
        imagesPerSec,
        time: this.elapsed(),
        lrs,
        ...gradNorm,
      });
      this.window = { start: performance.now(), images: 0 };
    }
    const seconds = (performance.now() - stepStart) / 1000;
    totals.seconds += seconds;
    this.sessionSteps += 1;
    this.sessionTrainSeconds += seconds;
    const stepInEpoch = totals.batches;
    ctx.bar.update({
      epoch,
      epochs: options.epochs,
      step,
      stepInEpoch,
      stepsPerEpoch: this.stepsPerEpoch,
      loss: numbers.loss,
      lr,
      imagesPerSec,
      etaSeconds: this.eta(epoch, stepInEpoch),
    });
    options.onStep?.({ epoch, step, stepInEpoch, ...numbers, lr });
  }

  /** On wasm, before the session's first step: refuse a batch that cannot fit the wasm heap (see ./wasm-memory). */
  private async checkMemory(batch: B, images: number): Promise<void> {
    const { task } = this;
    if (tf.getBackend() !== 'wasm' || task.oneImageBatch === undefined) return;
    const one = task.oneImageBatch(batch);
    const training = task.model.training;
    task.model.eval(); // no dropout: the run's generator is not touched
    try {
      const estimate = await estimateStepMemory(() => task.loss(one).total, this.variables, images, this.step > 0);
      checkWasmMemory(estimate);
    } finally {
      if (training) task.model.train();
      this.disposeBatch(one);
    }
  }

  /** Loss, gradients, checks, clipping and the update; no update when anything is non-finite. */
  private async trainStep(batch: B, epoch: number, step: number): Promise<StepNumbers> {
    const { task, options } = this;
    let terms: Readonly<Record<string, tf.Scalar>> = {};
    const { value, grads } = tf.variableGrads(() => {
      const out = task.loss(batch);
      terms = out.terms;
      for (const term of Object.values(terms)) tf.keep(term);
      return out.total;
    }, this.variables);
    const clipped = options.clipMaxNorm ? clipGradNorm(grads, options.clipMaxNorm) : null;
    try {
      const names = Object.keys(terms);
      const scalars = [value, ...names.map((n) => terms[n] as tf.Scalar), ...(clipped ? [clipped.totalNorm] : [])];
      const packed = tf.tidy(() => tf.stack(scalars.map((s) => s.reshape([]))));
      const data = await packed.data();
      packed.dispose();
      const loss = data[0] as number;
      const values = Object.fromEntries(names.map((n, i) => [n, data[i + 1] as number]));
      const gradNorm = clipped ? (data[names.length + 1] as number) : null;
      const checked: [string, number][] = [
        ['loss', loss],
        ...Object.entries(values),
        ...(gradNorm === null ? [] : [['grad_norm', gradNorm] as [string, number]]),
      ];
      const bad = checked.filter(([, v]) => !Number.isFinite(v));
      if (bad.length > 0) throw new NonFiniteLossError(epoch, step, Object.fromEntries(bad), this.ctx.lastCheckpoint);
      task.optimizer.step(clipped?.grads ?? grads);
      return { loss, terms: values, gradNorm };
    } finally {
      tf.dispose([value, ...Object.values(terms), ...Object.values(grads)]);
      if (clipped) tf.dispose([clipped.totalNorm, ...Object.values(clipped.grads)]);
    }
  }

  private async endEpoch(epoch: number, totals: EpochTotals): Promise<void> {
    const { task, options, ctx, step } = this;
    task.scheduler?.step();
    const record: EpochRecord = {
      type: 'epoch',
      epoch,
      step,
      loss: totals.loss / Math.max(1, totals.batches),
      terms: Object.fromEntries(Object.entries(totals.terms).map(([k, v]) => [k, v / Math.max(1, totals.batches)])),
      imagesPerSec: totals.images / Math.max(totals.seconds, 1e-9),
      seconds: totals.seconds,
      ...(task.epochDiagnostics ? { diagnostics: task.epochDiagnostics() } : {}),
    };
    await ctx.log.write(record);
    this.epochRecords.push(record);
    ctx.bar.line(
      `epoch ${epoch + 1}/${options.epochs} done: loss ${formatValue(record.loss)}, ${record.imagesPerSec.toFixed(1)} img/s, ${record.seconds.toFixed(1)} s`,
    );
    const every = options.checkpointEvery ?? 0;
    const copies = every > 0 && (epoch + 1) % every === 0 ? [ctx.paths.epoch(epoch)] : [];
    await this.save(
      { epoch: epoch + 1, stepInEpoch: 0, step, elapsedSeconds: this.elapsed(), rng: ctx.rng.state(), dataRng: null, epochTotals: null },
      copies,
    );
    if ((epoch + 1) % (options.evalEvery ?? 1) === 0 || epoch + 1 === options.epochs) await this.evaluateAt(epoch);
  }

  /** Evaluates now (unless already done at this step) and logs it under `epoch` (the one in progress or just ended). */
  private async evaluateAt(epoch: number): Promise<void> {
    const { task, ctx, step } = this;
    if (!task.evaluate || this.lastEvalStep === step) return;
    task.model.eval();
    const metrics = await task.evaluate(epoch);
    task.model.train();
    this.lastEvalStep = step;
    const evalRecord: EvalRecord = {
      type: 'eval',
      epoch,
      step,
      metrics: Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, Number.isFinite(v) ? v : null])),
    };
    await ctx.log.write(evalRecord);
    this.evalRecords.push(evalRecord);
    // Top-level metrics only: grouped ones (`scene/<name>/...`, `recall/...`) are in the log.
    const shown = Object.entries(metrics).filter(([k]) => !k.includes('/'));
    ctx.bar.line(`eval epoch ${epoch + 1}: ${shown.map(([k, v]) => `${k} ${formatValue(v)}`).join(', ')}`);
  }

  private async save(progress: TrainProgress, copies: string[]): Promise<void> {
    const { task, ctx } = this;
    const optimizer = task.optimizer.state();
    try {
      await saveCheckpoint([ctx.paths.last, ...copies], {
        weights: task.model.stateDict(),
        optimizer,
        scheduler: task.scheduler?.state() ?? null,
        progress,
        config: ctx.config,
        backend: tf.getBackend(),
        savedAt: new Date().toISOString(),
      });
    } finally {
      tf.dispose([...optimizer.moments.values()]);
    }
    ctx.lastCheckpoint = ctx.paths.last;
  }

  private disposeBatch(batch: B): void {
    if (this.task.disposeBatch) this.task.disposeBatch(batch);
    else tf.dispose(tensorsIn(batch));
  }

  private eta(epoch: number, stepInEpoch: number): number | null {
    if (this.stepsPerEpoch === null || this.sessionSteps === 0) return null;
    const byEpochs = (this.options.epochs - epoch) * this.stepsPerEpoch - stepInEpoch;
    const remaining = Math.min(byEpochs, (this.options.maxSteps ?? Infinity) - this.step);
    return (remaining * this.sessionTrainSeconds) / this.sessionSteps;
  }

  /** Logs why the run ended (an `end` record) and returns the result. */
  private async finish(status: TrainResult['status'], epochs: number, stoppedBy: StopReason): Promise<TrainResult> {
    const { ctx, step } = this;
    await ctx.log.write({ type: 'end', reason: stoppedBy, epoch: epochs, step, time: this.elapsed() });
    if (stoppedBy === 'max-steps' || stoppedBy === 'time-budget') {
      const limit = stoppedBy === 'max-steps' ? `${this.options.maxSteps} steps` : `${this.options.timeBudgetSeconds} s`;
      ctx.bar.line(`stopped by --${stoppedBy} (${limit}) at step ${step}, ${this.elapsed().toFixed(1)} s: checkpoint ${ctx.paths.last}`);
    }
    return {
      status,
      stoppedBy,
      epochs,
      step: this.step,
      checkpoint: this.ctx.lastCheckpoint ?? this.ctx.paths.last,
      epochRecords: this.epochRecords,
      evalRecords: this.evalRecords,
    };
  }
}

function restore<B>(task: TrainTask<B>, rng: Rng, checkpoint: Checkpoint): void {
  task.model.loadStateDict(checkpoint.weights);
  task.optimizer.loadState(checkpoint.optimizer);
  if (task.scheduler && checkpoint.scheduler !== null) task.scheduler.loadState(checkpoint.scheduler);
  rng.setState(checkpoint.progress.rng);
}

function checkOptions(options: TrainOptions): void {
  const positive = { logEvery: options.logEvery, evalEvery: options.evalEvery };
  for (const [key, value] of Object.entries(positive)) {
    if (value !== undefined && !(Number.isInteger(value) && value > 0))
      throw new RangeError(`train: ${key} must be a positive integer, got ${value}`);
  }
  if (!(Number.isInteger(options.epochs) && options.epochs >= 0))
    throw new RangeError(`train: epochs must be a non-negative integer, got ${options.epochs}`);
  if (options.maxSteps !== undefined && !(Number.isInteger(options.maxSteps) && options.maxSteps > 0))
    throw new RangeError(`train: maxSteps must be a positive integer, got ${options.maxSteps}`);
  if (options.timeBudgetSeconds !== undefined && !(Number.isFinite(options.timeBudgetSeconds) && options.timeBudgetSeconds > 0))
    throw new RangeError(`train: timeBudgetSeconds must be a positive number of seconds, got ${options.timeBudgetSeconds}`);
}

/** Every trainable variable must be in the optimizer, or it would silently never change. */
function checkCoverage<B>(task: TrainTask<B>): void {
  const managed = new Set(task.optimizer.variables());
  const missing = task.model
    .namedParameters()
    .filter(([, v]) => v.trainable && !managed.has(v))
    .map(([n]) => n);
  if (missing.length > 0) throw new Error(`train: trainable parameters in no optimizer group: ${missing.join(', ')}`);
}

function accumulate(totals: EpochTotals, numbers: StepNumbers, images: number): void {
  totals.loss += numbers.loss;
  for (const [k, v] of Object.entries(numbers.terms)) totals.terms[k] = (totals.terms[k] ?? 0) + v;
  totals.batches += 1;
  totals.images += images;
}

/** The part of an epoch a mid-epoch checkpoint already trained (null at an epoch boundary). */
interface PartialEpoch {
  readonly dataRng: RngState;
  readonly totals: EpochTotals;
}

function partialEpoch(progress: TrainProgress): PartialEpoch | null {
  if (progress.stepInEpoch === 0) return null;
  if (progress.dataRng === null || progress.epochTotals === null || progress.epochTotals.batches !== progress.stepInEpoch) {
    throw new Error(
      `resume: the checkpoint stopped ${progress.stepInEpoch} steps into epoch ${progress.epoch} but lacks that epoch's data Rng or totals`,
    );
  }
  return { dataRng: progress.dataRng, totals: progress.epochTotals };
}

function cloneTotals(totals: EpochTotals): EpochTotals {
  return { ...totals, terms: { ...totals.terms } };
}

function iteratorOf<B>(source: Iterable<B> | AsyncIterable<B>): Iterator<B> | AsyncIterator<B> {
  return Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
}

/** Every tensor inside arrays, Maps and plain objects (the default batch disposal). */
function tensorsIn(value: unknown, seen = new Set<unknown>()): tf.Tensor[] {
  if (value instanceof tf.Tensor) return [value];
  if (value === null || typeof value !== 'object' || seen.has(value)) return [];
  seen.add(value);
  const children = Array.isArray(value) ? value : value instanceof Map ? [...value.values()] : Object.values(value);
  return children.flatMap((child) => tensorsIn(child, seen));
}

interface StopRequests {
  readonly requested: boolean;
  dispose(): void;
}

/** SIGINT (a second one exits at once with code 130) and the abort signal both request a stop. */
function stopRequests(options: TrainOptions, bar: ProgressLine): StopRequests {
  let requested = options.signal?.aborted ?? false;
  const onSigint = (): void => {
    if (requested) process.exit(130);
    requested = true;
    bar.line('SIGINT: saving a checkpoint after this step (press Ctrl-C again to quit without saving)');
  };
  const onAbort = (): void => {
    requested = true;
  };
  if (options.handleSigint !== false) process.on('SIGINT', onSigint);
  options.signal?.addEventListener('abort', onAbort);
  return {
    get requested() {
      return requested;
    },
    dispose() {
      process.off('SIGINT', onSigint);
      options.signal?.removeEventListener('abort', onAbort);
    },
  };
}
