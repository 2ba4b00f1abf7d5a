// Argument parsing shared by every command: node's parseArgs (strict), `--help` printing the
// usage, and bad usage reported with the usage on stderr and exit code 2.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A usage mistake (bad flag value, missing argument): reported with exit code 2. */
export class UsageError extends Error {}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;
/** What node's strict parseArgs returns for `options` (spelled out so that declarations can name it). */
type ParsedCommandArgs<O extends OptionsConfig> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: boolean; strict: true }>>;

/**
 * The parsed arguments, or the exit code when parsing already ended the command: 0 after
 * `--help` (usage printed), 2 on bad usage (the error and the usage on stderr).
 */
export function parseCommandArgs<const O extends OptionsConfig>(args: string[], options: O, usage: string, allowPositionals = false): ParsedCommandArgs<O> | 0 | 2 {
  try {
    const parsed = parseArgs({ args, options, allowPositionals, strict: true });
    if ((parsed.values as Record<string, unknown>).help === true) {
      console.log(usage);
      return 0;
    }
    return parsed;
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${usage}`);
    return 2;
  }
}

/** Report a UsageError with the usage (exit code 2); rethrow anything else. */
export function usageExit(err: unknown, usage: string): number {
  if (!(err instanceof UsageError)) throw err;
  console.error(`${err.message}\n\n${usage}`);
  return 2;
}
