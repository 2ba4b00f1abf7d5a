// A seeded, serialisable random number generator for everything random in condformer
// (initialisation, dropout, data augmentation, sampling). Its state goes into checkpoints so a
// resumed run draws the same numbers it would have drawn without the interruption.
import seedrandom from 'seedrandom';

/**
 * JSON-serialisable generator state: seedrandom's ARC4 state (seedrandom.State.Arc4), spelled out
 * so that the published declarations do not need @types/seedrandom.
 */
export interface RngState {
  i: number;
  j: number;
  S: number[];
}

export class Rng {
  private prng: seedrandom.StatefulPRNG<RngState>;

  constructor(seed: number | string = 0, state?: RngState) {
    this.prng = seedrandom(String(seed), { state: state ?? true });
  }

  static fromState(state: RngState): Rng {
    return new Rng('', state);
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.prng.double();
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Integer uniform in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.uniform());
  }

  /** A 31-bit integer seed for TensorFlow.js ops that take one (dropout, random initialisers). */
  seed(): number {
    return this.prng.int32() >>> 1;
  }

  /** Fisher-Yates shuffle, in place; returns the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  }

  /** A child generator whose stream is independent of this one's future draws. */
  fork(): Rng {
    return new Rng(`fork:${this.prng.int32()}`);
  }

  state(): RngState {
    return this.prng.state();
  }

  setState(state: RngState): void {
    this.prng = seedrandom('', { state });
  }
}

let globalRng = new Rng(0);

/** The process-wide generator used when a caller passes none. */
export function defaultRng(): Rng {
  return globalRng;
}

/** Re-seed the process-wide generator (call once at the start of a run). */
export function seedEverything(seed: number): Rng {
  globalRng = new Rng(seed);
  return globalRng;
}
