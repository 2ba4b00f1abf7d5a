// native/build.mjs, the package's install script: a bad LIBTORCH is an error naming what was
// expected; with the addon built (CI builds it in `npm ci`) a second run is a no-op that says so.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { staleBuildReason } from '../../lib/runtime/torch/addon.js';
import { torchAddon } from '../../lib/runtime/torch/setup.js';

const BUILD = fileURLToPath(new URL('../../native/build.mjs', import.meta.url));
const SOURCE = fileURLToPath(new URL('../../native/condformer-torch.cc', import.meta.url));
const BUILD_INFO = fileURLToPath(new URL('../../native/build/build-info.json', import.meta.url));

function build(env: Record<string, string>): { status: number | null; out: string } {
  const result = spawnSync(process.execPath, [BUILD], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: result.status, out: `${result.stdout}${result.stderr}`.trim() };
}

describe('native/build.mjs', () => {
  it('refuses a LIBTORCH that is neither a libtorch nor a PyTorch torch folder, naming what it looked for', () => {
    const { status, out } = build({ LIBTORCH: '/nonexistent/torch' });
    expect(status).to.equal(1);
    expect(out).to.equal(
      "condformer: LIBTORCH=/nonexistent/torch is neither a libtorch nor a PyTorch 'torch' folder: expected /nonexistent/torch/include/torch/csrc/api/include and /nonexistent/torch/lib/libtorch.so",
    );
  });

  it('skips an up-to-date build with one line', function () {
    if (!torchAddon().ok || process.env.LIBTORCH !== undefined) this.skip(); // the addon is built from system libtorch in CI
    const { status, out } = build({});
    expect(status).to.equal(0);
    expect(out).to.equal('condformer: torch addon up to date (system (libtorch-dev))');
  });

  it('the loader refuses an addon built from another source (the hash in build-info.json), not the current build', function () {
    if (!torchAddon().ok) this.skip();
    const source = readFileSync(SOURCE, 'utf8');
    const info = readFileSync(BUILD_INFO, 'utf8');
    expect(staleBuildReason(info, source)).to.equal(null);
    const stale = 'it was built from another native/condformer-torch.cc: rebuild with `node native/build.mjs`';
    expect(staleBuildReason(info, `${source}\n// edited`)).to.equal(stale);
    expect(staleBuildReason(JSON.stringify({ key: 'k' }), source)).to.equal(stale);
  });
});
