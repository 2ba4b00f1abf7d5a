// `condformer <command> [<subcommand>] [options]`: dispatches to the command modules in
// bin/commands/, each loaded only when used so that start-up stays fast. Commands never import
// each other or this file: what they share is in bin/shared/.

import type { Command } from './shared/command.js';

const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  'train detect': () => import('./commands/train-detect.js'),
  'eval detect': () => import('./commands/eval-detect.js'),
  'predict detect': () => import('./commands/predict-detect.js'),
  'eval coco': () => import('./commands/eval-coco.js'),
  'data synthetic': () => import('./commands/data-synthetic.js'),
  'train pose': () => import('./commands/train-pose.js'),
  'eval pose': () => import('./commands/eval-pose.js'),
  'ablate pose': () => import('./commands/ablate-pose.js'),
  'convert checkpoint': () => import('./commands/convert-checkpoint.js'),
  convert: () => import('./commands/convert-pose.js'),
  report: () => import('./commands/report.js'),
  analyze: () => import('./commands/analyze.js'),
};

export function usage(): string {
  const lines = Object.keys(COMMANDS).map((name) => `  condformer ${name}`);
  return ['usage: condformer <command> [options]', '', 'commands:', ...lines, '', 'Add --help to any command for its options.'].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
    console.log(usage());
    return 0;
  }
  const key = [argv.slice(0, 2).join(' '), argv[0] ?? ''].find((k) => k in COMMANDS);
  if (key === undefined) {
    console.error(`condformer: unknown command '${argv.slice(0, 2).join(' ')}'\n\n${usage()}`);
    return 2;
  }
  const load = COMMANDS[key] as () => Promise<{ command: Command }>;
  const { command } = await load();
  try {
    return await command.run(argv.slice(key.split(' ').length));
  } catch (err) {
    console.error(`condformer ${key}: ${(err as Error).message}`);
    return 1;
  }
}
