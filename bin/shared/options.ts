// The options several commands share, declared once: the tfjs backend, the seed, the run
// directory with --resume / --overwrite, the epoch budget and --quiet. Each command spreads the
// ones it takes into its option table (bin/shared/command.ts, `inSection` to group them); the
// defaults that differ between commands are arguments.
import type { OptionSpec } from './command.js';

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

export const quietOption = { quiet: { type: 'boolean', help: 'no progress output' } } as const satisfies Record<string, OptionSpec>;

/** `--root DIR` of the commands that read a pose label CSV. */
export const poseCsvRootOption = {
  root: { type: 'string', value: '<dir>', help: "image root of a pose label CSV (default: the CSV's directory)" },
} as const satisfies Record<string, OptionSpec>;
