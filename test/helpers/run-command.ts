// Runs a CLI command in-process with its console output captured.
import type { Command } from '../../bin/shared/command.js';

export interface CommandRun {
  readonly code: number;
  /** console.log calls, one entry each (arguments joined by spaces). */
  readonly lines: string[];
  /** console.error calls, one entry each. */
  readonly errors: string[];
  /** `lines` joined by newlines. */
  readonly out: string;
  /** `errors` joined by newlines. */
  readonly err: string;
}

export async function runCommand(command: Command, args: string[]): Promise<CommandRun> {
  const lines: string[] = [];
  const errors: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => void lines.push(a.join(' '));
  console.error = (...a: unknown[]) => void errors.push(a.join(' '));
  try {
    const code = await command.run(args);
    return { code, lines, errors, out: lines.join('\n'), err: errors.join('\n') };
  } finally {
    Object.assign(console, { log, error });
  }
}
