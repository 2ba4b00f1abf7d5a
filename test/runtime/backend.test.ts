import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { BACKEND_NAMES, type InitBackendOptions, initBackend } from '../../lib/runtime/backend.js';
import type { ModuleImporter } from '../../lib/runtime/optional-import.js';
import { type TorchAddonLoader, torchAddon } from '../../lib/runtime/torch/setup.js';
import { setUpWebGpu } from '../../lib/runtime/webgpu.js';

const noTorch: TorchAddonLoader = () => ({ ok: false, reason: 'not built' });

/** An importer that fails like Node does for a package that is not installed. */
const nothingInstalled: ModuleImporter = async (specifier) => {
  throw Object.assign(new Error(`Cannot find package '${specifier}' imported from /x.ts`), { code: 'ERR_MODULE_NOT_FOUND' });
};

/** `webgpu` present with one adapter (or none); everything else not installed. */
function fakeWebGpu(adapter: { info: { vendor: string; description: string; isFallbackAdapter?: boolean } } | null): ModuleImporter {
  return async (specifier) => {
    if (specifier === 'webgpu') return { create: () => ({ requestAdapter: async () => adapter }), globals: {} };
    return nothingInstalled(specifier);
  };
}

describe('runtime: initBackend', () => {
  let previous: string;
  let lines: string[];
  const quietly = (extra: InitBackendOptions = {}): InitBackendOptions => ({ log: (l) => lines.push(l), env: {}, torchAddon: noTorch, ...extra });
  beforeEach(() => {
    previous = tf.getBackend();
    lines = [];
  });
  afterEach(async () => {
    await tf.setBackend(previous);
  });

  it('takes a requested backend and prints one line', async () => {
    const choice = await initBackend('cpu', quietly());
    expect(choice.backend).to.equal('cpu');
    expect(tf.getBackend()).to.equal('cpu');
    expect(lines).to.deep.equal(['backend: cpu (requested cpu)']);
  });

  it('reads CONDFORMER_BACKEND when no name is passed, and a passed name wins over it', async () => {
    const fromEnv = await initBackend(undefined, quietly({ env: { CONDFORMER_BACKEND: 'wasm' } }));
    expect(fromEnv.backend).to.equal('wasm');
    expect(tf.getBackend()).to.equal('wasm');
    expect(fromEnv.line).to.equal('backend: wasm (CONDFORMER_BACKEND=wasm; condformer kernels)');
    const passed = await initBackend('cpu', quietly({ env: { CONDFORMER_BACKEND: 'wasm' } }));
    expect(passed.backend).to.equal('cpu');
  });

  it('rejects an unknown name with the list of backends', async () => {
    let message = '';
    await initBackend(undefined, quietly({ env: { CONDFORMER_BACKEND: 'tpu' } })).catch((e: Error) => (message = e.message));
    expect(message).to.equal(`unknown backend 'tpu' (from CONDFORMER_BACKEND): expected one of ${BACKEND_NAMES.join(', ')} or auto`);
    expect(lines).to.deep.equal([]);
  });

  it("falls back from a requested 'tfjs-node' that is not installed (real import), with the reason", async () => {
    const choice = await initBackend('tfjs-node', quietly());
    expect(choice.backend).to.equal('wasm');
    expect(choice.skipped).to.deep.equal([{ backend: 'tfjs-node', reason: 'not installed' }]);
    expect(lines).to.deep.equal(['backend: wasm (requested tfjs-node; condformer kernels) — skipped tfjs-node: not installed']);
  });

  it('goes down the automatic order (WebGPU only by name) and says why each faster backend was skipped', async () => {
    const choice = await initBackend(undefined, quietly({ importer: nothingInstalled }));
    expect(choice.backend).to.equal('wasm');
    expect(choice.line).to.equal(
      'backend: wasm (auto; condformer kernels) — skipped torch-cuda: not built; tfjs-node-gpu: not installed; torch: not built; tfjs-node: not installed',
    );
  });

  it('takes torch automatically where the addon is built, after torch-cuda and tfjs-node-gpu', async function () {
    if (!torchAddon().ok) this.skip(); // test/runtime/torch-kernels.test.ts fails when CONDFORMER_REQUIRE_TORCH is set
    const choice = await initBackend(undefined, quietly({ importer: nothingInstalled, torchAddon, env: { CONDFORMER_THREADS: '1' } }));
    expect(choice.backend).to.equal('torch');
    expect(choice.skipped.map((s) => s.backend)).to.deep.equal(['torch-cuda', 'tfjs-node-gpu']);
    expect(choice.skipped[0]?.reason).to.match(/^libtorch \d+\.\d+\.\d+ here has no CUDA$/);
    expect(choice.line).to.match(/^backend: torch \(auto; libtorch \d+\.\d+\.\d+, 1 thread(, [^)]+)?\) — skipped torch-cuda: /);
  });

  it('rejects a CONDFORMER_THREADS that is not a positive integer', async () => {
    let message = '';
    await initBackend('torch', quietly({ torchAddon, env: { CONDFORMER_THREADS: 'two' } })).catch((e: Error) => (message = e.message));
    if (torchAddon().ok) expect(message).to.equal("CONDFORMER_THREADS must be a positive integer, got 'two'");
    else expect(message).to.equal('');
  });

  it('reports a package that fails to load with its error', async () => {
    const broken: ModuleImporter = async (specifier) => {
      if (specifier === '@tensorflow/tfjs-node-gpu') throw new Error('libcudart.so.11.0: cannot open shared object file');
      return nothingInstalled(specifier);
    };
    const choice = await initBackend(undefined, quietly({ importer: broken }));
    expect(choice.skipped[1]).to.deep.equal({
      backend: 'tfjs-node-gpu',
      reason: 'failed to load: libcudart.so.11.0: cannot open shared object file',
    });
  });

  it('refuses a software WebGPU adapter unless webgpu is asked for by name', async () => {
    const swiftShader = { info: { vendor: 'google', description: 'SwiftShader Device (Subzero)' } };
    const auto = await setUpWebGpu(false, fakeWebGpu(swiftShader));
    expect(auto).to.deep.equal({
      ok: false,
      reason: "only a software adapter (google SwiftShader Device (Subzero)); ask for 'webgpu' by name to use it",
    });
    // Named: the adapter is accepted and the next step (tfjs-backend-webgpu) is what is missing.
    const named = await initBackend('webgpu', quietly({ importer: fakeWebGpu(swiftShader) }));
    expect(named.skipped[0]).to.deep.equal({ backend: 'webgpu', reason: 'package @tensorflow/tfjs-backend-webgpu not installed' });
    expect(Reflect.get(globalThis, 'navigator')?.gpu).to.equal(undefined); // nothing left holding Dawn
  });

  it('skips WebGPU without an adapter, and treats isFallbackAdapter as software', async () => {
    const none = await initBackend('webgpu', quietly({ importer: fakeWebGpu(null) }));
    expect(none.skipped[0]).to.deep.equal({ backend: 'webgpu', reason: 'no adapter (Vulkan)' });
    const flagged = await setUpWebGpu(false, fakeWebGpu({ info: { vendor: 'nvidia', description: 'x', isFallbackAdapter: true } }));
    expect(flagged.ok ? '' : flagged.reason).to.match(/^only a software adapter \(nvidia x\)/);
  });

  it('reports the wasm kernels as registered once they are (registration is process-wide)', async () => {
    const choice = await initBackend('wasm', quietly({ wasmKernels: 'none' }));
    // The suite has registered them already (idempotent, process-wide): the line says so.
    expect(choice.detail).to.equal('condformer kernels');
  });
});
