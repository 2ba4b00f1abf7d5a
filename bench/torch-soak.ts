// Memory over a long run on one backend (default torch): 1,000 training steps (forward, backward,
// AdamW) of a small pre-norm encoder (2 layers, d 64, 4 heads, 64 tokens, batch 4) with a conv stem,
// printing every 100 steps tf.memory().numTensors, the torch addon's live tensor slots and the
// process RSS. Flat numbers = no leak in tfjs, in the backend's storage or in libtorch.
//
//   node --expose-gc --import tsx bench/torch-soak.ts [--steps 1000] [--every 100] [--backend torch]
// (--expose-gc: a full collection before each reading, so RSS is not JavaScript garbage.)
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { Conv2d } from '../lib/nn/conv2d.js';
import { Linear } from '../lib/nn/linear.js';
import { Module, ModuleList } from '../lib/nn/module.js';
import { initBackend } from '../lib/runtime/backend.js';
import { Rng } from '../lib/runtime/rng.js';
import { torchAddon } from '../lib/runtime/torch/setup.js';
import { AdamW } from '../lib/train/adamw.js';
import { TransformerEncoderLayer } from '../lib/transformer/encoder-layer.js';

class SoakModel extends Module {
  readonly stem: Conv2d;
  readonly layers: ModuleList<TransformerEncoderLayer>;
  readonly head: Linear;
  constructor(rng: Rng) {
    super();
    this.stem = this.addModule('stem', new Conv2d(3, 64, 4, { stride: 4, rng }));
    const layers = [0, 1].map(
      () => new TransformerEncoderLayer({ dModel: 64, nhead: 4, dimFeedforward: 128, dropout: 0.1, activation: 'gelu', normalizeBefore: true, rng }),
    );
    this.layers = this.addModule('layers', new ModuleList(layers));
    this.head = this.addModule('head', new Linear(64, 4, { rng }));
  }
  /** images [B, 32, 32, 3] → a scalar regression loss. */
  loss(images: tf.Tensor4D, targets: tf.Tensor): tf.Scalar {
    return tf.tidy(() => {
      const map = this.stem.forward(images); // [B, 8, 8, 64]
      let tokens: tf.Tensor = map.reshape([map.shape[0], 64, 64]);
      for (const layer of this.layers.items) tokens = layer.forward(tokens).output;
      return tf.mean(tf.abs(tf.sub(this.head.forward(tokens), targets))) as tf.Scalar;
    });
  }
}

const gc: (() => void) | undefined = typeof globalThis.gc === 'function' ? globalThis.gc : undefined;
const { values } = parseArgs({
  options: { steps: { type: 'string', default: '1000' }, every: { type: 'string', default: '100' }, backend: { type: 'string', default: 'torch' } },
});
const steps = Number(values.steps);
const every = Number(values.every);
const choice = await initBackend(values.backend);
const addon = choice.backend.startsWith('torch') ? torchAddon() : null;
const rng = new Rng(0);
const model = new SoakModel(rng);
const images = tf.randomNormal([4, 32, 32, 3], 0, 1, 'float32', rng.seed()) as tf.Tensor4D;
const targets = tf.randomUniform([4, 64, 4], 0, 1, 'float32', rng.seed());
const optimizer = new AdamW(model.namedParameters(), { lr: 1e-3 });
const variables = optimizer.variables();
const rows: { step: number; numTensors: number; liveSlots: number | null; rssMiB: number; heapMiB: number; loss: number }[] = [];
const t0 = performance.now();
for (let step = 1; step <= steps; step++) {
  const { value, grads } = tf.variableGrads(() => model.loss(images, targets), variables);
  optimizer.step(grads);
  const loss = (await value.data())[0] as number;
  tf.dispose([value, grads]);
  if (step % every === 0 || step === 1) {
    gc?.(); // with --expose-gc: RSS without JavaScript garbage that is merely not collected yet
    const memory = process.memoryUsage();
    const mib = (bytes: number): number => Math.round(bytes / 1024 ** 2);
    const liveSlots = addon?.ok ? addon.addon.live() : null;
    const row = { step, numTensors: tf.memory().numTensors, liveSlots, rssMiB: mib(memory.rss), heapMiB: mib(memory.heapUsed), loss };
    rows.push(row);
    console.log(
      `step ${String(step).padStart(5)}  numTensors ${row.numTensors}  live slots ${liveSlots ?? '-'}  RSS ${row.rssMiB} MiB  JS heap ${row.heapMiB} MiB  loss ${loss.toFixed(4)}`,
    );
  }
}
const after = rows.filter((r) => r.step >= every);
const first = after[0];
const last = after[after.length - 1];
if (first !== undefined && last !== undefined) {
  console.log(
    `${steps} steps in ${((performance.now() - t0) / 1000).toFixed(1)} s: numTensors ${first.numTensors} → ${last.numTensors}, ` +
      `live slots ${first.liveSlots ?? '-'} → ${last.liveSlots ?? '-'}, RSS ${first.rssMiB} → ${last.rssMiB} MiB (step ${first.step} → ${last.step})`,
  );
}
