// The options several commands share, declared once: the tfjs backend, the seed, the run
// directory with --resume / --overwrite, the epoch budget and --quiet. Each command spreads the
// ones it takes into its option table (bin/shared/command.ts, `inSection` to group them); the
// defaults that differ between commands are arguments.
import { type OptionSpec, optionalInt, UsageError } from './command.js';

export const backendOption = {
  backend: { type: 'string', value: 'NAME', help: 'tfjs backend (auto, wasm, cpu, tfjs-node, ...; default auto, see CONDFORMER_BACKEND)' },
} as const satisfies Record<string, OptionSpec>;

export function seedOption(help = 'default 0') {
  return { seed: { type: 'string', value: 'N', help } } as const satisfies Record<string, OptionSpec>;
}

/** `--epochs N`: the run's budget. */
export function epochsOption(fallback: number, help = `default ${fallback}`) {
  return { epochs: { type: 'string', value: 'N', help } } as const satisfies Record<string, OptionSpec>;
}

/** `--run-dir`, `--resume`, `--overwrite` of the training commands. */
export function runDirOptions(defaultRunDir: string) {
  return {
    'run-dir': { type: 'string', value: 'DIR', help: `default ${defaultRunDir}` },
    resume: { type: 'boolean', help: 'continue the run in --run-dir from its last checkpoint (config.json is reused; --epochs may extend it)' },
    overwrite: { type: 'boolean', help: 'start afresh even if --run-dir holds a checkpoint' },
  } as const satisfies Record<string, OptionSpec>;
}

/** `--max-steps` / `--time-budget` of the training commands: the run stops cleanly (checkpoint, evaluation) at whichever comes first. */
export const budgetOptions = {
  'max-steps': { type: 'string', value: 'N', help: 'stop after N optimizer steps (of the whole run): checkpoint, evaluate, end' },
  'time-budget': {
    type: 'string',
    value: 'SECONDS',
    help: "stop before the next step once the run's wall-clock time reaches SECONDS\n(periodic evaluations included; the final evaluation and checkpoint follow)",
  },
} as const satisfies Record<string, OptionSpec>;

export interface RunBudget {
  readonly maxSteps?: number;
  readonly timeBudgetSeconds?: number;
}

/** The budget flags as lib/train's TrainOptions fields (absent flags are left out). */
export function budgetValues(values: { readonly 'max-steps'?: string; readonly 'time-budget'?: string }): RunBudget {
  const maxSteps = optionalInt(values['max-steps'], 'max-steps', 1);
  const raw = values['time-budget'];
  const seconds = raw === undefined ? undefined : Number(raw);
  if (raw !== undefined && !(raw.trim() !== '' && Number.isFinite(seconds) && (seconds as number) > 0)) {
    throw new UsageError(`--time-budget: expected a positive number of seconds, got '${raw}'`);
  }
  return { ...(maxSteps === undefined ? {} : { maxSteps }), ...(seconds === undefined ? {} : { timeBudgetSeconds: seconds }) };
}

export const quietOption = { quiet: { type: 'boolean', help: 'no progress output' } } as const satisfies Record<string, OptionSpec>;

/** `--root DIR` of the commands that read a pose label CSV. */
export const poseCsvRootOption = {
  root: { type: 'string', value: '<dir>', help: "image root of a pose label CSV (default: the CSV's directory)" },
} as const satisfies Record<string, OptionSpec>;
