// Mocha root hooks: pick the backend once for the whole suite through initBackend
// (CONDFORMER_BACKEND, default cpu), quietly.
import { initBackend } from '../lib/runtime/backend';

export const mochaHooks = {
  async beforeAll(): Promise<void> {
    await initBackend(process.env.CONDFORMER_BACKEND ?? 'cpu', { log: null });
  },
};
