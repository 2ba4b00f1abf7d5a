// Mocha root hooks: pick the backend once for the whole suite through initBackend, quietly:
// CONDFORMER_BACKEND, default cpu. The default is written back to the environment so that code
// under test calling initBackend() without a name, and child processes, use the same backend.
import { initBackend } from '../lib/runtime/backend.js';

export const mochaHooks = {
  async beforeAll(): Promise<void> {
    process.env.CONDFORMER_BACKEND ??= 'cpu';
    await initBackend(undefined, { log: null });
  },
};
