// `torch.optim.lr_scheduler.StepLR`: every `stepSize` epochs each group's lr is multiplied by
// `gamma` (torch's recursive form, so the float64 values equal torch's). Call `step()` once per
// epoch, after the epoch's optimizer steps, as DETR does.
import * as t from 'io-ts';
import { decodeOrThrow } from '../io/decode.js';
import type { AdamW } from './adamw.js';
import type { JsonValue } from './json.js';

/** What the training loop needs from a learning-rate schedule (stepped once per epoch). */
export interface LrScheduler {
  step(): void;
  state(): JsonValue;
  /** Restore from `state()` output read back from a checkpoint (decoded, not trusted). */
  loadState(state: JsonValue): void;
}

export const StepLRStateCodec = t.type({ lastEpoch: t.number });
export type StepLRState = t.TypeOf<typeof StepLRStateCodec>;

export class StepLR implements LrScheduler {
  private lastEpoch = 0;

  constructor(
    private readonly optimizer: AdamW,
    readonly options: { readonly stepSize: number; readonly gamma?: number },
  ) {
    if (!(Number.isInteger(options.stepSize) && options.stepSize > 0)) {
      throw new RangeError(`StepLR: stepSize must be a positive integer, got ${options.stepSize}`);
    }
  }

  /** Epochs stepped so far (torch `last_epoch`). */
  get epoch(): number {
    return this.lastEpoch;
  }

  step(): void {
    this.lastEpoch += 1;
    if (this.lastEpoch % this.options.stepSize !== 0) return;
    const gamma = this.options.gamma ?? 0.1;
    for (const group of this.optimizer.groups) group.lr *= gamma;
  }

  /** The learning rates are part of the optimizer state; this is only the epoch counter. */
  state(): StepLRState {
    return { lastEpoch: this.lastEpoch };
  }

  loadState(state: JsonValue): void {
    this.lastEpoch = decodeOrThrow(StepLRStateCodec, state, 'StepLR state').lastEpoch;
  }
}
