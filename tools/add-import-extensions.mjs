#!/usr/bin/env node
// Codemod: gives every relative module specifier the explicit extension Node's ESM loader needs.
//
//   node tools/add-import-extensions.mjs [--check] [dir-or-file ...]   (default: the repository root)
//
// In `import … from`, `export … from`, `import '…'`, `import('…')` and `typeof import('…')`:
//   './x'     → './x.js'          when x.ts (or x.tsx / x.mts / x.js / x.mjs) exists next to the importer
//   './x.ts'  → './x.js'          (TypeScript emits x.js; tsx and tsc resolve './x.js' to x.ts)
//   './dir'   → './dir/index.js'  when dir/index.ts (or index.js) exists
// Specifiers that already carry an extension (.js, .mjs, .cjs, .json, …) and bare package names are
// left alone, so running it again changes nothing (idempotent: re-run it after merging branches
// that add files or imports). A relative specifier that resolves to no file is reported and makes
// the exit status 1. `--check` rewrites nothing and exits 1 when some file would change.
import { readdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.js', '.mjs'];
const SKIPPED_DIRECTORIES = new Set(['node_modules', 'dist', '.git', 'shared', 'build', 'runs', 'coverage']);
/** What TypeScript emits for each TypeScript source extension. */
const TYPESCRIPT_EMITTED = { '.ts': '.js', '.tsx': '.js', '.mts': '.mjs' };
/** Emitted extension of each source extension. */
const EMITTED = { ...TYPESCRIPT_EMITTED, '.js': '.js', '.mjs': '.mjs' };
/** Specifiers ending so are left as they are. */
const EXPLICIT_EXTENSIONS = new Set(['.js', '.mjs', '.cjs', '.json', '.node', '.wasm']);

function* sourceFiles(path) {
  if (statSync(path).isFile()) {
    if (SOURCE_EXTENSIONS.includes(extname(path)) && !path.endsWith('.d.ts')) yield path;
    return;
  }
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.isDirectory() && SKIPPED_DIRECTORIES.has(entry.name)) continue;
    yield* sourceFiles(join(path, entry.name));
  }
}

const isFile = (path) => existsSync(path) && statSync(path).isFile();

/** The specifier with its extension, or null when it needs no change; throws when it resolves to nothing. */
export function withExtension(specifier, importerDir) {
  if (!specifier.startsWith('./') && !specifier.startsWith('../') && specifier !== '.' && specifier !== '..') return null;
  const target = resolve(importerDir, specifier);
  const extension = extname(specifier);
  if (extension in TYPESCRIPT_EMITTED && isFile(target)) return specifier.slice(0, -extension.length) + TYPESCRIPT_EMITTED[extension];
  if (EXPLICIT_EXTENSIONS.has(extension)) return null; // already what Node loads
  for (const candidate of SOURCE_EXTENSIONS) {
    if (isFile(target + candidate)) return specifier + EMITTED[candidate];
  }
  for (const candidate of SOURCE_EXTENSIONS) {
    if (isFile(join(target, `index${candidate}`))) return `${specifier.replace(/\/$/, '')}/index${EMITTED[candidate]}`;
  }
  throw new Error(`cannot resolve '${specifier}'`);
}

/** String-literal nodes that are module specifiers in `file`. */
function moduleSpecifiers(file) {
  const found = [];
  const visit = (node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteralLike(node.arguments[0])) {
      found.push(node.arguments[0]);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push(node.argument.literal);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      found.push(node.moduleReference.expression);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** Rewrites one file's text; returns the new text and the specifiers it could not resolve. */
export function rewriteSource(path, text) {
  const kind = path.endsWith('.tsx') ? ts.ScriptKind.TSX : /\.m?js$/.test(path) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, kind);
  const edits = [];
  const unresolved = [];
  for (const literal of moduleSpecifiers(file)) {
    try {
      const replacement = withExtension(literal.text, dirname(path));
      if (replacement !== null) edits.push({ start: literal.getStart(file) + 1, end: literal.getEnd() - 1, replacement });
    } catch (error) {
      const { line } = file.getLineAndCharacterOfPosition(literal.getStart(file));
      unresolved.push(`${path}:${line + 1}: ${error.message}`);
    }
  }
  let rewritten = text;
  for (const { start, end, replacement } of edits.sort((a, b) => b.start - a.start)) {
    rewritten = rewritten.slice(0, start) + replacement + rewritten.slice(end);
  }
  return { text: rewritten, unresolved };
}

function main(argv) {
  const check = argv.includes('--check');
  const roots = argv.filter((arg) => arg !== '--check');
  const changed = [];
  const unresolved = [];
  for (const root of roots.length > 0 ? roots.map((r) => resolve(r)) : [REPO_ROOT]) {
    for (const path of sourceFiles(root)) {
      const text = readFileSync(path, 'utf8');
      const result = rewriteSource(path, text);
      unresolved.push(...result.unresolved);
      if (result.text === text) continue;
      changed.push(relative(process.cwd(), path));
      if (!check) writeFileSync(path, result.text);
    }
  }
  for (const line of unresolved) console.error(line);
  console.log(`${changed.length} file(s) ${check ? 'would change' : 'rewritten'}${changed.length > 0 ? `:\n  ${changed.join('\n  ')}` : ''}`);
  return unresolved.length > 0 || (check && changed.length > 0) ? 1 : 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
