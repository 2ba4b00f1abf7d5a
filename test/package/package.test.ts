// The package the way users meet it: `npm pack` (which runs `prepare`, the tsc build), a fresh
// project that installs the tarball and its peer dependencies from the registry (the local npm
// cache first), a strict TypeScript consumer and a plain-JavaScript consumer that build a
// Conditional DETR and run a forward pass under plain node, and the `condformer` executable.
// Every child runs without tsx and without the npm_* variables of an enclosing `npm test`.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { buildDetector, type DetectorConfig, decodeDetectorConfig } from '../../lib/models/detector.js';
import { disposeDetectorOutputs } from '../../lib/models/set-detector.js';
import { Rng } from '../../lib/runtime/rng.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONSUMER_SOURCES = fileURLToPath(new URL('./consumer/', import.meta.url));
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/** What both consumers build (argv of consumer.ts / consumer.mjs). */
const FORWARD_CASE: { readonly config: DetectorConfig; readonly imageShape: [number, number, number, number] } = {
  config: {
    model: 'conditional',
    numClasses: 3,
    backbone: 'small',
    smallChannels: [4, 8, 8, 16],
    numQueries: 5,
    hiddenDim: 16,
    nheads: 2,
    encLayers: 1,
    decLayers: 2,
    dimFeedforward: 32,
    dropout: 0,
  },
  imageShape: [2, 64, 64, 3],
};

interface TensorJson {
  readonly shape: number[];
  readonly values: number[];
}

/** One consumer's stdout line. */
interface ConsumerOutput {
  readonly backend: string;
  readonly numParameters: number;
  readonly predLogits: TensorJson;
  readonly predBoxes: TensorJson;
  readonly references: TensorJson;
}

interface ChildRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment without tsx (NODE_OPTIONS) and without an enclosing npm run's npm_* settings. */
function plainEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name) && name !== 'NODE_OPTIONS'));
}

function run(command: string, args: string[], cwd: string): ChildRun {
  const child = spawnSync(command, args, { cwd, env: plainEnv(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (child.error !== undefined) throw child.error;
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

/** Run and require exit status 0 (the output is in the failure message). */
function runOk(command: string, args: string[], cwd: string): ChildRun {
  const result = run(command, args, cwd);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** Images sin(0), sin(1), sin(2), … in row-major order, as both consumers make them. */
function sineImages(shape: [number, number, number, number]): tf.Tensor4D {
  return tf.tidy(() => tf.reshape(tf.sin(tf.range(0, tf.util.sizeFromShape(shape))), shape));
}

/** The same forward pass in this process, from the sources. */
function referenceForward(): ConsumerOutput {
  const detector = buildDetector(decodeDetectorConfig(FORWARD_CASE.config, 'FORWARD_CASE'), new Rng(0));
  const [batch, height, width] = FORWARD_CASE.imageShape;
  const images = sineImages(FORWARD_CASE.imageShape);
  const mask = tf.zeros([batch, height, width], 'bool') as tf.Tensor3D;
  const outputs = detector.forward({ images, mask });
  const json = (t: tf.Tensor): TensorJson => ({ shape: t.shape, values: Array.from(t.dataSync()) });
  const result = {
    backend: tf.getBackend(),
    numParameters: detector.numParameters(),
    predLogits: json(outputs.predLogits),
    predBoxes: json(outputs.predBoxes),
    references: json(outputs.references as tf.Tensor3D),
  };
  disposeDetectorOutputs(outputs);
  tf.dispose([images, mask]);
  detector.dispose();
  return result;
}

/** Every installed copy of package `name` in the tree under `nodeModules` (nested node_modules included). */
function installedCopies(nodeModules: string, name: string): string[] {
  const copies = existsSync(join(nodeModules, name, 'package.json')) ? [join(nodeModules, name)] : [];
  for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const scopeOrPackage = join(nodeModules, entry.name);
    const packageDirs = entry.name.startsWith('@') ? readdirSync(scopeOrPackage).map((n) => join(scopeOrPackage, n)) : [scopeOrPackage];
    for (const dir of packageDirs) {
      if (existsSync(join(dir, 'node_modules'))) copies.push(...installedCopies(join(dir, 'node_modules'), name));
    }
  }
  return copies;
}

function expectClose(actual: number[], expected: number[], tolerance: number): void {
  expect(actual).to.have.length(expected.length);
  const worst = Math.max(...actual.map((a, i) => Math.abs(a - (expected[i] as number))));
  expect(worst, 'largest absolute difference').to.be.at.most(tolerance);
}

/** Checks one consumer's output against the in-process reference and Conditional DETR's initial boxes. */
function expectForward(output: ConsumerOutput, reference: ConsumerOutput, tolerance: number): void {
  const batch = FORWARD_CASE.imageShape[0];
  const { numQueries, numClasses } = FORWARD_CASE.config;
  expect(output.numParameters).to.equal(reference.numParameters);
  expect(output.predLogits.shape).to.deep.equal([batch, numQueries, numClasses]);
  expect(output.predBoxes.shape).to.deep.equal([batch, numQueries, 4]);
  expect(output.references.shape).to.deep.equal([batch, numQueries, 2]);
  expectClose(output.predLogits.values, reference.predLogits.values, tolerance);
  expectClose(output.predBoxes.values, reference.predBoxes.values, tolerance);
  // bbox_embed's last layer starts at zero: every box is centred on its query's reference point, 0.5 × 0.5.
  const boxes = output.predBoxes.values;
  const centres = boxes.filter((_, i) => i % 4 < 2);
  const sizes = boxes.filter((_, i) => i % 4 >= 2);
  expectClose(centres, output.references.values, 1e-6);
  expectClose(
    sizes,
    sizes.map(() => 0.5),
    1e-6,
  );
  expect(new Set(output.references.values.map((v) => v.toFixed(4))).size, 'distinct reference coordinates').to.be.greaterThan(numQueries as number);
}

describe('npm package: packed, installed in a fresh project, used from TypeScript and plain JavaScript', function () {
  this.timeout(600_000);
  let workDir: string;
  let project: string;
  let packedFiles: string[];
  let reference: ConsumerOutput;

  before(() => {
    workDir = mkdtempSync(join(tmpdir(), 'condformer-package-'));
    const packed = JSON.parse(runOk('npm', ['pack', '--json', '--pack-destination', workDir], REPO_ROOT).stdout) as [
      { filename: string; files: { path: string }[] },
    ];
    packedFiles = packed[0].files.map((f) => f.path);
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      peerDependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    project = join(workDir, 'consumer');
    cpSync(CONSUMER_SOURCES, project, { recursive: true });
    writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'condformer-consumer', private: true, type: 'module' }, null, 2)}\n`);
    const peers = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'].map((name) => `${name}@${manifest.peerDependencies[name]}`);
    const nodeTypes = `@types/node@${manifest.devDependencies['@types/node']}`;
    runOk('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(workDir, packed[0].filename), ...peers, nodeTypes], project);
    reference = referenceForward();
  });

  after(() => {
    if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
  });

  it('the tarball holds compiled JavaScript and declarations, no TypeScript sources, tests or benches', () => {
    expect(packedFiles).to.include.members([
      'package.json',
      'README.md',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/bin/condformer.js',
      'dist/lib/models/conditional-detr.js',
    ]);
    const unexpected = packedFiles.filter(
      (path) =>
        !/^dist\/.*(\.js|\.d\.ts)$/.test(path) &&
        // the libtorch addon's sources: the package's install script builds them (native/build.mjs)
        !['package.json', 'README.md', 'docs/package.md', 'native/build.mjs', 'native/condformer-torch.cc'].includes(path),
    );
    expect(unexpected).to.deep.equal([]);
    expect(packedFiles.filter((path) => /^dist\/(test|bench|examples|tools)\//.test(path))).to.deep.equal([]);
  });

  it('the consumer gets one copy of TensorFlow.js (tfjs and tfjs-core installed once)', () => {
    const nodeModules = join(project, 'node_modules');
    expect(installedCopies(nodeModules, '@tensorflow/tfjs')).to.deep.equal([join(nodeModules, '@tensorflow/tfjs')]);
    expect(installedCopies(nodeModules, '@tensorflow/tfjs-core')).to.deep.equal([join(nodeModules, '@tensorflow/tfjs-core')]);
  });

  it('a strict TypeScript consumer type-checks against the declarations, compiles, and its forward pass (cpu) matches the sources, silently', () => {
    // skipLibCheck is off, so condformer's .d.ts files are checked too; tfjs 4.22's own declarations
    // do not pass skipLibCheck: false (Long, EmscriptenModule, tfjs-layers' index signatures), so
    // errors there are tolerated and every other error fails the test.
    const tsc = run(process.execPath, [TSC, '-p', '.'], project);
    const errors = `${tsc.stdout}${tsc.stderr}`.split('\n').filter((line) => / error TS\d+:/.test(line));
    expect(errors.filter((line) => !line.startsWith('node_modules/@tensorflow/'))).to.deep.equal([]);
    const consumer = runOk(process.execPath, [join('out', 'consumer.js'), 'cpu', JSON.stringify(FORWARD_CASE)], project);
    expect(consumer.stderr).to.equal('');
    const output = JSON.parse(consumer.stdout) as ConsumerOutput;
    expect(output.backend).to.equal('cpu');
    expectForward(output, reference, 1e-5);
  });

  it('a plain-JavaScript consumer importing tfjs itself runs the same forward pass on wasm (condformer kernels) under plain node, silently', () => {
    const consumer = runOk(process.execPath, ['consumer.mjs', 'wasm', JSON.stringify(FORWARD_CASE)], project);
    expect(consumer.stderr).to.equal('');
    const output = JSON.parse(consumer.stdout) as ConsumerOutput;
    expect(output.backend).to.equal('wasm');
    expectForward(output, reference, 1e-4);
  });

  it('the installed condformer executable runs compiled JavaScript under plain node', () => {
    const help = runOk(join(project, 'node_modules', '.bin', 'condformer'), ['--help'], project);
    expect(help.stderr).to.equal('');
    expect(help.stdout).to.match(/^usage: condformer <command> \[options\]/);
    expect(help.stdout).to.include('condformer convert checkpoint');
    const usage = run(join(project, 'node_modules', '.bin', 'condformer'), ['convert', 'checkpoint', '--help'], project);
    expect(usage.status).to.equal(0);
    expect(usage.stderr).to.equal('');
    expect(usage.stdout).to.match(/^usage: condformer convert checkpoint/);
  });
});
