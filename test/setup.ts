// Mocha root hooks: pick the backend once for the whole suite (CONDFORMER_BACKEND, default cpu).
import * as tf from '@tensorflow/tfjs';

export const mochaHooks = {
  async beforeAll(): Promise<void> {
    await tf.setBackend(process.env.CONDFORMER_BACKEND ?? 'cpu');
    await tf.ready();
  },
};
