// Records every tfjs kernel a process runs on the cpu and wasm backends and writes the sorted list
// (with call counts) to `$CONDFORMER_RECORD_KERNELS.<pid>.json` when the process exits. Plain
// JavaScript loaded with `--import`, so that the CLI processes the tests spawn record too:
//   CONDFORMER_RECORD_KERNELS=/tmp/k NODE_OPTIONS="--import $PWD/bench/record-kernels.mjs" npx mocha
// It collected the kernels the torch backend implements (lib/runtime/torch/kernels.ts).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { writeFileSync } from 'node:fs';

const out = process.env.CONDFORMER_RECORD_KERNELS;
const counts = new Map();

function wrapBackend(backendName) {
  for (const config of tf.getKernelsForBackend(backendName)) {
    const inner = config.kernelFunc;
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        counts.set(config.kernelName, (counts.get(config.kernelName) ?? 0) + 1);
        return inner(args);
      },
    });
  }
}

if (out !== undefined) {
  for (const b of ['cpu', 'wasm']) wrapBackend(b);
  process.on('exit', () => {
    const sorted = Object.fromEntries([...counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
    writeFileSync(`${out}.${process.pid}.json`, `${JSON.stringify(sorted, null, 1)}\n`);
  });
}
