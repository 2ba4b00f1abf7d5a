// The import rules of docs/architecture.md, checked by `npm run lint` (dependency-cruiser) in CI.
// Layers, lowest first; a module imports its own layer and the layers below it, never above, and
// no import cycle exists anywhere. There is no list of exceptions: a violation is fixed, not excused.
/** @typedef {{ name: string, paths: string[] }} Layer */

/** @type {Layer[]} */
const LAYERS = [
  { name: 'runtime', paths: ['^lib/runtime/', '^native/'] },
  { name: 'io', paths: ['^lib/io/'] },
  { name: 'nn', paths: ['^lib/nn/'] },
  { name: 'attention-position-transformer', paths: ['^lib/attention/', '^lib/position/', '^lib/transformer/', '^lib/diagnostics/'] },
  { name: 'heads', paths: ['^heads/'] },
  { name: 'models-losses-datasets-metrics', paths: ['^lib/models/', '^losses/', '^datasets/', '^lib/metrics/'] },
  { name: 'train', paths: ['^lib/train/'] },
  { name: 'tasks', paths: ['^lib/tasks/'] },
  { name: 'report', paths: ['^lib/report/'] },
  { name: 'bin', paths: ['^bin/'] },
];
/** Entry points above every layer: nothing in the layers imports them. */
const ENTRY_POINTS = ['^index\\.ts$', '^examples/', '^bench/', '^test/'];

const either = (paths) => `(${paths.join('|')})`;

const upward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `no-upward-from-${layer.name}`,
  comment: `${layer.name} imports only ${LAYERS.slice(0, i + 1)
    .map((l) => l.name)
    .join(', ')}`,
  severity: 'error',
  from: { path: either(layer.paths) },
  to: { path: either([...LAYERS.slice(i + 1).flatMap((l) => l.paths), ...ENTRY_POINTS]) },
}));

/** The four modules of one layer that stay apart: only a model may use the losses' geometry and types. */
const PEERS = { '^losses/': [], '^datasets/': [], '^lib/metrics/': [], '^lib/models/': ['^losses/'] };
const peers = Object.entries(PEERS).map(([from, allowed]) => ({
  name: `no-peer-import-from-${from.replace(/[^a-z]/g, '')}`,
  comment: 'models, losses, datasets and metrics do not import each other (a model may import losses)',
  severity: 'error',
  from: { path: from },
  to: { path: either(Object.keys(PEERS).filter((p) => p !== from && !allowed.includes(p))) },
}));

module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'no import cycles, type-only imports included', severity: 'error', from: {}, to: { circular: true } },
    ...upward,
    ...peers,
    {
      name: 'heads-import-only-nn-and-below',
      comment: 'heads/ holds prediction heads built from lib/nn: nothing above lib/nn',
      severity: 'error',
      from: { path: '^heads/' },
      to: { path: either(LAYERS.slice(3).flatMap((l) => l.paths)) },
    },
    {
      name: 'no-command-imports-a-command',
      comment: 'a command imports what it shares from bin/shared/, never another command (or bin/cli.ts)',
      severity: 'error',
      from: { path: '^bin/(commands|shared)/' },
      to: { path: '^bin/(commands/|cli\\.ts$|main\\.ts$)' },
    },
    {
      name: 'no-unresolvable',
      comment: 'every relative import resolves to a file',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|runs|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
