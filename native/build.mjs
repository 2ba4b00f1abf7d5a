#!/usr/bin/env node
// Builds the libtorch addon (native/condformer-torch.cc → native/build/condformer-torch.node) with
// the C++ compiler and the Node.js headers already on the machine; nothing is downloaded. Run by
// `npm install` (the package's install script) and by hand: `node native/build.mjs [--force]`.
//
// libtorch is looked for in, first to last:
//   LIBTORCH=<dir>  a libtorch folder or a PyTorch install's `torch` folder (site-packages/torch),
//                   each with include/ and lib/
//   Debian/Ubuntu   `apt-get install libtorch-dev` (/usr/include/torch, /usr/lib/<triplet>/libtorch.so)
// Without libtorch it prints one line saying how to get it and exits 0: wasm stays the default.
// The C++ ABI flag is read from libtorch's TorchConfig.cmake (LIBTORCH_CXX11_ABI=0|1 overrides it).
// A libtorch with CUDA (libtorch_cuda.so beside libtorch.so) gives the `torch-cuda` backend too.
// The build is skipped when native/build/build-info.json records the same source and flags.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, 'condformer-torch.cc');
const buildDir = join(here, 'build');
const output = join(buildDir, 'condformer-torch.node');
const infoFile = join(buildDir, 'build-info.json');
const force = process.argv.includes('--force');
const say = (line) => console.log(`condformer: ${line}`);

function findLibtorch() {
  const explicit = process.env.LIBTORCH;
  if (explicit !== undefined && explicit !== '') {
    const include = join(explicit, 'include');
    const lib = join(explicit, 'lib');
    if (!existsSync(join(include, 'torch', 'csrc', 'api', 'include')) || !existsSync(join(lib, 'libtorch.so'))) {
      throw new Error(`LIBTORCH=${explicit} is neither a libtorch nor a PyTorch 'torch' folder: expected ${include}/torch/csrc/api/include and ${lib}/libtorch.so`);
    }
    const cmake = [join(explicit, 'share', 'cmake', 'Torch', 'TorchConfig.cmake')].find(existsSync);
    return { origin: `LIBTORCH=${explicit}`, includes: [include, join(include, 'torch', 'csrc', 'api', 'include')], lib, cmake };
  }
  for (const lib of ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib']) {
    if (existsSync(join(lib, 'libtorch.so')) && existsSync('/usr/include/torch/csrc/api/include')) {
      const cmake = join(lib, 'cmake', 'Torch', 'TorchConfig.cmake');
      return { origin: 'system (libtorch-dev)', includes: ['/usr/include', '/usr/include/torch/csrc/api/include'], lib, cmake: existsSync(cmake) ? cmake : undefined };
    }
  }
  return null;
}

function cxx11Abi(torch) {
  const forced = process.env.LIBTORCH_CXX11_ABI;
  if (forced === '0' || forced === '1') return forced;
  if (torch.cmake !== undefined) {
    const match = /_GLIBCXX_USE_CXX11_ABI=([01])/.exec(readFileSync(torch.cmake, 'utf8'));
    if (match !== null) return match[1];
  }
  return '1';
}

function nodeHeaders() {
  const candidates = [
    process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include', 'node'),
    join(dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ].filter((c) => typeof c === 'string' && c !== '');
  const found = candidates.find((dir) => existsSync(join(dir, 'node_api.h')));
  if (found === undefined) throw new Error(`no Node.js headers (node_api.h) in ${candidates.join(', ')}: install the nodejs headers (Debian: libnode-dev)`);
  return found;
}

function main() {
  const torch = findLibtorch();
  if (torch === null) {
    say('libtorch not found, so the torch backend is not built and wasm stays the default (get it: `apt-get install libtorch-dev`, or LIBTORCH=<libtorch or site-packages/torch> npm rebuild)');
    return 0;
  }
  const require = createRequire(import.meta.url);
  const addonApi = require('node-addon-api').include_dir;
  const cuda = existsSync(join(torch.lib, 'libtorch_cuda.so'));
  const compiler = process.env.CXX ?? 'g++';
  const flags = [
    '-O2', '-std=c++17', '-shared', '-fPIC', '-fvisibility=hidden', `-D_GLIBCXX_USE_CXX11_ABI=${cxx11Abi(torch)}`,
    '-DNAPI_VERSION=8', '-DNAPI_CPP_EXCEPTIONS', '-DNODE_ADDON_API_DISABLE_DEPRECATED',
    `-I${nodeHeaders()}`, `-I${addonApi}`, ...torch.includes.map((dir) => `-I${dir}`),
    source, '-o', output,
    `-L${torch.lib}`, `-Wl,-rpath,${torch.lib}`, '-Wl,--no-as-needed',
    ...(cuda ? ['-ltorch_cuda', '-lc10_cuda'] : []), '-ltorch', '-ltorch_cpu', '-lc10', '-Wl,--as-needed',
  ];
  const sourceText = readFileSync(source);
  const key = createHash('sha256').update(sourceText).update(JSON.stringify([compiler, flags])).digest('hex');
  // lib/runtime/torch/addon.ts refuses a build whose source hash is not the current source's.
  const sourceHash = createHash('sha256').update(sourceText).digest('hex');
  const previous = existsSync(infoFile) ? JSON.parse(readFileSync(infoFile, 'utf8')) : null;
  if (!force && existsSync(output) && previous?.key === key && previous?.source === sourceHash) {
    say(`torch addon up to date (${torch.origin})`);
    return 0;
  }
  mkdirSync(buildDir, { recursive: true });
  say(`building the torch addon against libtorch from ${torch.origin}${cuda ? ' with CUDA' : ''} (about a minute)…`);
  const started = Date.now();
  const result = spawnSync(compiler, flags, { stdio: 'inherit' });
  if (result.status !== 0) {
    say(`building the torch addon failed (${compiler} exited ${result.status ?? result.signal}); the torch backend is unavailable until \`node native/build.mjs\` succeeds`);
    return process.env.LIBTORCH ? 1 : 0;
  }
  const version = versionOf(torch);
  writeFileSync(infoFile, `${JSON.stringify({ key, source: sourceHash, libtorch: torch.origin, lib: torch.lib, version, cuda, seconds: (Date.now() - started) / 1000 }, null, 2)}\n`);
  say(`torch addon built in ${((Date.now() - started) / 1000).toFixed(0)} s (libtorch ${version ?? 'unknown version'}${cuda ? ', CUDA' : ''})`);
  return 0;
}

function versionOf(torch) {
  for (const dir of torch.includes) {
    const file = join(dir, 'torch', 'version.h');
    if (existsSync(file)) {
      const m = /TORCH_VERSION\s+"([^"]+)"/.exec(readFileSync(file, 'utf8')) ?? /TORCH_VERSION_MAJOR (\d+)[\s\S]*TORCH_VERSION_MINOR (\d+)[\s\S]*TORCH_VERSION_PATCH (\d+)/.exec(readFileSync(file, 'utf8'));
      if (m !== null) return m.length > 2 ? `${m[1]}.${m[2]}.${m[3]}` : m[1];
    }
  }
  return null;
}

try {
  process.exitCode = main();
} catch (error) {
  say(error instanceof Error ? error.message : String(error));
  process.exitCode = process.env.LIBTORCH ? 1 : 0;
}
