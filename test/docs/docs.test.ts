// The docs cannot drift from the code: README.md and docs/*.md embed their code examples from
// examples/ (between `<!-- example: examples/x.ts -->` and `<!-- /example -->`), name only paths
// that exist, and list exactly the CLI's commands with their own summaries; the README's library
// example runs.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { usage } from '../../bin/cli.js';
import type { Command } from '../../bin/shared/command.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PAGES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const text = (page: string): string => readFileSync(join(ROOT, page), 'utf8');

/** The marked blocks of a page: the example file named and the fenced code between the markers. */
function markedBlocks(page: string): { file: string; code: string | null }[] {
  const blocks: { file: string; code: string | null }[] = [];
  for (const m of text(page).matchAll(/<!-- example: (\S+) -->\n([\s\S]*?)<!-- \/example -->/g)) {
    const fenced = /^```[a-z]*\n([\s\S]*)```\n$/.exec(m[2] ?? '');
    blocks.push({ file: m[1] as string, code: fenced === null ? null : (fenced[1] as string) });
  }
  return blocks;
}

/** Code fences in a language that is a program (ts/js), outside every example marker. */
function unmarkedProgramFences(page: string): number {
  const outside = text(page).replace(/<!-- example: \S+ -->\n[\s\S]*?<!-- \/example -->/g, '');
  return [...outside.matchAll(/^```(ts|typescript|js|javascript|mjs)\s*$/gm)].length;
}

/** `a/{b,c}-d.ts` → a/b-d.ts, a/c-d.ts */
function expandBraces(path: string): string[] {
  const m = /\{([^{}]*)\}/.exec(path);
  if (m === null) return [path];
  return (m[1] as string).split(',').flatMap((alt) => expandBraces(path.replace(m[0], alt)));
}

const REPO_PATH = /(?<![\w./@-])(?:lib|bin|examples|docs|test|bench|native)\/[^\s`'"()<>*…|]*/g;

/** Repository paths named in a page: relative link targets and path-like words in inline code. */
function namedPaths(page: string): { path: string; from: string }[] {
  const body = text(page).replace(/^```[\s\S]*?^```/gm, ''); // fenced blocks are checked as examples
  const found: { path: string; from: string }[] = [];
  for (const m of body.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = (m[1] as string).split('#')[0] as string;
    if (target === '' || /^[a-z]+:/.test(target)) continue;
    found.push({ path: join(dirname(page), target), from: `link ${m[1]}` });
  }
  for (const span of body.matchAll(/`([^`\n]+)`/g)) {
    const code = span[1] as string;
    if (/[<*…]/.test(code.replace(/\s.*$/, '')) && !code.includes(' ')) continue; // a pattern, not a path
    for (const m of code.matchAll(REPO_PATH)) {
      const raw = m[0].replace(/[.,:;]+$/, '');
      if (/[<*…]/.test(code.slice(m.index, m.index + m[0].length + 1))) continue; // `lib/tasks/<task>/`, globs
      for (const path of expandBraces(raw)) found.push({ path, from: `\`${code}\`` });
    }
  }
  return found;
}

/** The README's CLI table: `| \`condformer <name>\` | summary |` rows. */
function readmeCliRows(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const m of text('README.md').matchAll(/^\| `condformer ([a-z ]+)` \| (.+?) \|$/gm)) {
    rows.set(m[1] as string, (m[2] as string).trim());
  }
  return rows;
}

/** Command name → its module, read from bin/cli.ts's registry (which the CLI does not export). */
function commandModules(): Map<string, string> {
  const source = readFileSync(join(ROOT, 'bin/cli.ts'), 'utf8');
  const modules = new Map<string, string>();
  for (const m of source.matchAll(/^\s*'?([a-z ]+?)'?: \(\) => import\('(\.\/commands\/[\w-]+)\.js'\),$/gm)) {
    modules.set(m[1] as string, join(ROOT, 'bin', `${m[2]}.ts`));
  }
  return modules;
}

describe('docs', () => {
  it('lists pages to check', () => {
    expect(PAGES).to.include.members(['README.md', 'docs/architecture.md', 'docs/attention.md', 'docs/results.md']);
  });

  describe('examples are embedded verbatim', () => {
    for (const page of PAGES) {
      it(`${page}: every marked block equals its file, and every ts/js fence is marked`, () => {
        for (const { file, code } of markedBlocks(page)) {
          expect(file, `${page}: ${file}`).to.match(/^examples\/[\w-]+\.ts$/);
          expect(existsSync(join(ROOT, file)), `${page}: ${file} exists`).to.equal(true);
          expect(code, `${page}: the block of ${file} is one fenced code block`).to.not.equal(null);
          expect(code, `${page}: the block of ${file} differs from the file`).to.equal(text(file));
        }
        expect(unmarkedProgramFences(page), `${page}: ts/js code outside <!-- example: … --> markers`).to.equal(0);
      });
    }
    it('the README embeds examples/readme.ts, of at most 20 lines', () => {
      expect(markedBlocks('README.md').map((b) => b.file)).to.include('examples/readme.ts');
      expect(text('examples/readme.ts').trimEnd().split('\n').length).to.be.at.most(20);
    });
  });

  it('every relative link and repository path named in README.md and docs/*.md exists', () => {
    const missing = PAGES.flatMap((page) =>
      namedPaths(page)
        .filter(({ path }) => !existsSync(join(ROOT, path)))
        .map(({ path, from }) => `${page}: ${path} (${from})`),
    );
    expect(missing).to.deep.equal([]);
  });

  it("the README's CLI table lists exactly the CLI's commands with their summaries", async () => {
    const listed = usage()
      .split('\n')
      .filter((line) => line.startsWith('  condformer '))
      .map((line) => line.slice('  condformer '.length));
    const modules = commandModules();
    expect([...modules.keys()]).to.deep.equal(listed);
    const rows = readmeCliRows();
    expect([...rows.keys()]).to.deep.equal(listed);
    for (const [name, path] of modules) {
      const { command } = (await import(path)) as { command: Command };
      expect(rows.get(name), `condformer ${name}`).to.equal(command.summary);
    }
  });

  it('the README is at most 200 lines', () => {
    expect(text('README.md').split('\n').length).to.be.at.most(200);
  });

  /** Runs a script-style example in this process: what it printed with console.log, and the tensors it left. */
  async function runExample(file: string): Promise<{ printed: string[]; leaked: number }> {
    const before = tf.memory().numTensors;
    const printed: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => {
      printed.push(args.map((a) => (Array.isArray(a) ? `[${a.join(', ')}]` : String(a))).join(' '));
    };
    try {
      await import(join(ROOT, file));
    } finally {
      console.log = log;
    }
    return { printed: printed.filter((l) => !l.startsWith('backend:')), leaked: tf.memory().numTensors - before };
  }

  it('examples/readme.ts runs, prints the shapes its comments give and frees its tensors', async () => {
    const { printed, leaked } = await runExample('examples/readme.ts');
    expect(printed).to.deep.equal([
      'class logits [2, 20, 5]',
      'boxes [2, 20, 4]',
      'reference points [2, 20, 2]',
      'aux outputs 1',
      'cross-attention [2, 4, 20, 16]',
    ]);
    expect(leaked).to.equal(0);
  });

  // Every other embedded example is run by its own test under test/examples/, or here.
  const embedded = [...new Set(PAGES.flatMap((page) => markedBlocks(page).map((b) => b.file)))];
  for (const file of embedded.filter((f) => f !== 'examples/readme.ts')) {
    const own = `test/examples/${file.slice('examples/'.length).replace(/\.ts$/, '.test.ts')}`;
    if (existsSync(join(ROOT, own))) continue;
    it(`${file} runs and frees its tensors (it has no test of its own under test/examples/)`, async () => {
      const { printed, leaked } = await runExample(file);
      expect(printed.length).to.be.above(0);
      expect(leaked).to.equal(0);
    });
  }
});
