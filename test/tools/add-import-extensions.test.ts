// tools/add-import-extensions.mjs, run as a script the way it is used: on a small tree it adds the
// extensions Node's ESM loader needs, a second run changes nothing, an unresolvable specifier is
// reported with exit status 1, and the repository itself is already rewritten (--check).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CODEMOD = join(REPO_ROOT, 'tools', 'add-import-extensions.mjs');

function codemod(args: string[]) {
  const child = spawnSync(process.execPath, [CODEMOD, ...args], { encoding: 'utf8' });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

const BEFORE = [
  "import { b } from './b';",
  "import type { C } from './dir';",
  "export * from './dir/c';",
  "export { b as again } from './b.ts';",
  "import './side-effect';",
  "import { readFileSync } from 'node:fs';",
  "import * as tf from '@tensorflow/tfjs';",
  "import data from './data.json' with { type: 'json' };",
  "const lazy = () => import('..');",
  "type T = typeof import('./b');",
  "const notAnImport = './b';",
  '',
].join('\n');

const AFTER = [
  "import { b } from './b.js';",
  "import type { C } from './dir/index.js';",
  "export * from './dir/c.js';",
  "export { b as again } from './b.js';",
  "import './side-effect.js';",
  "import { readFileSync } from 'node:fs';",
  "import * as tf from '@tensorflow/tfjs';",
  "import data from './data.json' with { type: 'json' };",
  "const lazy = () => import('../index.js');",
  "type T = typeof import('./b.js');",
  "const notAnImport = './b';",
  '',
].join('\n');

describe('tools/add-import-extensions.mjs', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'condformer-codemod-'));
    mkdirSync(join(root, 'up', 'src', 'dir'), { recursive: true }); // up/index.ts, up/src/{a,b,side-effect}.ts, up/src/dir/{index,c}.ts
    const src = join(root, 'up', 'src');
    for (const file of ['b.ts', 'side-effect.ts', 'dir/index.ts', 'dir/c.ts', 'data.json']) writeFileSync(join(src, file), '');
    writeFileSync(join(root, 'up', 'index.ts'), '');
    writeFileSync(join(src, 'a.ts'), BEFORE);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('adds .js to files and /index.js to directories in every import form, and is idempotent', () => {
    const first = codemod([root]);
    expect(first.status).to.equal(0);
    expect(first.stdout).to.match(/^1 file\(s\) rewritten:/);
    expect(readFileSync(join(root, 'up', 'src', 'a.ts'), 'utf8')).to.equal(AFTER);
    const second = codemod([root]);
    expect(second.status).to.equal(0);
    expect(second.stdout).to.equal('0 file(s) rewritten\n');
    expect(readFileSync(join(root, 'up', 'src', 'a.ts'), 'utf8')).to.equal(AFTER);
  });

  it('--check rewrites nothing and fails when a file would change; an unresolvable import fails with its line', () => {
    const check = codemod(['--check', root]);
    expect(check.status).to.equal(1);
    expect(check.stdout).to.match(/^1 file\(s\) would change:/);
    expect(readFileSync(join(root, 'up', 'src', 'a.ts'), 'utf8')).to.equal(BEFORE);
    writeFileSync(join(root, 'up', 'src', 'broken.ts'), "\nimport { x } from './missing';\n");
    const broken = codemod([join(root, 'up', 'src', 'broken.ts')]);
    expect(broken.status).to.equal(1);
    expect(broken.stderr).to.equal(`${join(root, 'up', 'src', 'broken.ts')}:2: cannot resolve './missing'\n`);
  });

  it('the repository is already rewritten', function () {
    this.timeout(60_000);
    const check = codemod(['--check']);
    expect(check.stderr).to.equal('');
    expect(check.stdout).to.equal('0 file(s) would change\n');
    expect(check.status).to.equal(0);
  });
});
