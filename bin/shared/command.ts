// What every `condformer` command is made of. A command declares ONE option table (each flag's
// type, value placeholder, help line and section); its parser (node's parseArgs, strict) and its
// `--help` text are both made from it, as DETR's `get_args_parser()` is its `--help`. `--help` /
// `-h` is added to every table; bad usage is reported with the usage on stderr and exit code 2.
import { type ParseArgsConfig, parseArgs } from 'node:util';

/** Runs a command and returns the process exit code. */
export interface Command {
  readonly summary: string;
  run(args: string[]): Promise<number>;
}

/** A usage mistake (bad flag value, missing argument): reported with the usage and exit code 2. */
export class UsageError extends Error {}

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** The value's placeholder in the usage (`N`, `DIR`, `sine|learned`); string options only. */
  readonly value?: string;
  /** One line, or several joined by `\n` (continuation lines are aligned under the first). */
  readonly help: string;
  /** The usage groups options under these headings, in order of first appearance (default `options`). */
  readonly section?: string;
}

export type OptionTable = Readonly<Record<string, OptionSpec>>;

/** The parsed values: string options as strings, boolean options as booleans, absent ones undefined. */
export type OptionValues<O extends OptionTable> = { readonly [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string };

export interface CommandSpec<O extends OptionTable> {
  /** `train detect`, `eval coco`, ... */
  readonly name: string;
  /** What follows `condformer <name>` on the usage line. */
  readonly synopsis: string;
  /** Paragraphs between the usage line and the options. */
  readonly about?: string;
  readonly options: O;
  readonly positionals?: boolean;
  /** After the options, e.g. the exit codes. */
  readonly footer?: string;
  /** The errors that mean unreadable or malformed input: printed (message only) with exit code 1. */
  readonly inputError?: (err: unknown) => err is Error;
}

const HELP: OptionSpec = { type: 'boolean', short: 'h', help: 'this help' };

function flagOf(name: string, spec: OptionSpec): string {
  const value = spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : '';
  return `${spec.short === undefined ? '' : `-${spec.short}, `}--${name}${value}`;
}

/** The usage text of a command, made from its option table. */
export function usageOf<O extends OptionTable>(spec: CommandSpec<O>): string {
  const own = Object.entries(spec.options);
  // --help closes the last section
  const entries: [string, OptionSpec][] = [...own, ['help', { ...HELP, section: own.at(-1)?.[1].section }]];
  const width = Math.max(...entries.map(([name, o]) => flagOf(name, o).length)) + 2;
  const sections = new Map<string, string[]>();
  for (const [name, option] of entries) {
    const section = option.section ?? 'options';
    const [first, ...rest] = option.help.split('\n');
    const lines = [`  ${flagOf(name, option).padEnd(width)}${first}`, ...rest.map((line) => `  ${' '.repeat(width)}${line}`)];
    sections.set(section, [...(sections.get(section) ?? []), ...lines]);
  }
  const body = [...sections].map(([title, lines]) => [`${title}:`, ...lines].join('\n'));
  return [
    `usage: condformer ${spec.name} ${spec.synopsis}`,
    ...(spec.about === undefined ? [] : [spec.about]),
    ...body,
    ...(spec.footer === undefined ? [] : [spec.footer]),
  ].join('\n\n');
}

function parseArgsConfig(options: OptionTable): NonNullable<ParseArgsConfig['options']> {
  const entries = [...Object.entries(options), ['help', HELP] as const];
  return Object.fromEntries(entries.map(([name, o]) => [name, o.short === undefined ? { type: o.type } : { type: o.type, short: o.short }]));
}

/**
 * A Command from its spec and body: the body gets the parsed values and positionals; `--help`
 * prints the usage (exit 0); a parse error or a UsageError thrown by the body prints the message
 * and the usage on stderr (exit 2); an error the spec's `inputError` accepts prints its message (exit 1).
 */
export function defineCommand<const O extends OptionTable>(
  summary: string,
  spec: CommandSpec<O>,
  body: (values: OptionValues<O>, positionals: string[]) => Promise<number>,
): Command & { readonly usage: string } {
  const usage = usageOf(spec);
  return {
    summary,
    usage,
    async run(args: string[]): Promise<number> {
      let parsed: { values: Record<string, unknown>; positionals: string[] };
      try {
        parsed = parseArgs({ args, options: parseArgsConfig(spec.options), allowPositionals: spec.positionals ?? false, strict: true });
      } catch (err) {
        console.error(`${parseErrorMessage(err as Error, args)}\n\n${usage}`);
        return 2;
      }
      if (parsed.values.help === true) {
        console.log(usage);
        return 0;
      }
      try {
        return await body(parsed.values as OptionValues<O>, parsed.positionals);
      } catch (err) {
        if (err instanceof UsageError) {
          console.error(`${err.message}\n\n${usage}`);
          return 2;
        }
        if (!spec.inputError?.(err)) throw err;
        console.error(err.message);
        return 1;
      }
    },
  };
}

/** node:util parseArgs' message, or for `--epochs -1` (a value that looks like a flag) a plain one. */
function parseErrorMessage(err: Error, args: readonly string[]): string {
  const ambiguous = /^Option '(--[^' ]+)[^']*' argument is ambiguous/.exec(err.message);
  if (ambiguous === null) return err.message;
  const flag = ambiguous[1] as string;
  const value = args[args.indexOf(flag) + 1] ?? '';
  return `${flag}: expected a value, got '${value}' (a value starting with '-' is written ${flag}=${value})`;
}

/** A number flag: absent → fallback; otherwise it must parse and satisfy `integer` / `min`. */
export function numberValue(raw: string | undefined, name: string, fallback: number, rule: { integer?: boolean; min?: number } = {}): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  const { integer = false, min = -Infinity } = rule;
  if (raw.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min) {
    throw new UsageError(`--${name}: expected ${integer ? 'an integer' : 'a number'}${min > -Infinity ? ` >= ${min}` : ''}, got '${raw}'`);
  }
  return n;
}

/** An integer flag ≥ `min` (default 1). */
export function intValue(raw: string | undefined, name: string, fallback: number, min = 1): number {
  return numberValue(raw, name, fallback, { integer: true, min });
}

/** An integer flag that may be absent (→ undefined). */
export function optionalInt(raw: string | undefined, name: string, min: number): number | undefined {
  return raw === undefined ? undefined : intValue(raw, name, 0, min);
}

/** One of `allowed`: absent → fallback. */
export function choiceValue<T extends string>(raw: string | undefined, name: string, allowed: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  const found = allowed.find((a) => a === raw);
  if (found === undefined) throw new UsageError(`--${name}: expected one of ${allowed.join(', ')}, got '${raw}'`);
  return found;
}

/** A value that must be given. */
export function required<T>(value: T | undefined, message: string): T {
  if (value === undefined) throw new UsageError(message);
  return value;
}

/** The same options, listed in the usage under `section`. */
export function inSection<const O extends OptionTable>(
  section: string,
  options: O,
): { readonly [K in keyof O]: O[K] & { readonly section: string } } {
  return Object.fromEntries(Object.entries(options).map(([name, o]) => [name, { ...o, section }])) as {
    readonly [K in keyof O]: O[K] & { readonly section: string };
  };
}
