// Forward + backward time of one Conditional DETR decoder layer (B 2, 300 queries, memory 25×34,
// d 256, 8 heads, FFN 2048) and one MS-Transformer pre-norm gelu encoder layer (B 8, 196 tokens,
// d 256, 8 heads, FFN 256, the ActMST configs), in training mode (dropout 0.1), on the fastest
// backend `initBackend` finds. Also checks that the live tensor count stays flat across iterations.
//
//   npx tsx bench/attention.ts [--iterations 5] [--warmup 2]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import type { Module } from '../lib/nn/module.js';
import { initBackend } from '../lib/runtime/backend.js';
import { Rng } from '../lib/runtime/rng.js';
import { ConditionalDecoderLayer } from '../lib/transformer/conditional-decoder-layer.js';
import { TransformerEncoderLayer } from '../lib/transformer/encoder-layer.js';

interface Case {
  readonly name: string;
  readonly module: Module;
  /** The layer's output for fixed inputs (the loss is its sum against a fixed readout). */
  readonly forward: () => tf.Tensor;
  readonly inputs: tf.Tensor[];
}

function randn(shape: number[], rng: Rng): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', rng.seed());
}

function conditionalDecoderCase(rng: Rng): Case {
  const [batch, queries, tokens, d] = [2, 300, 25 * 34, 256];
  const layer = new ConditionalDecoderLayer({ dModel: d, nhead: 8, dimFeedforward: 2048, dropout: 0.1, isFirst: false, rng });
  const [tgt, memory, pos, queryPos, querySineEmbed] = [
    randn([batch, queries, d], rng),
    randn([batch, tokens, d], rng),
    randn([batch, tokens, d], rng),
    randn([batch, queries, d], rng),
    randn([batch, queries, d], rng),
  ];
  const memoryKeyPaddingMask = tf.tidy(() => tf.greater(tf.randomUniform([batch, tokens], 0, 1, 'float32', rng.seed()), 0.9));
  return {
    name: 'Conditional decoder layer (B 2, 300 queries, memory 25×34, d 256, 8 heads)',
    module: layer,
    forward: () => layer.forward(tgt, memory, { pos, queryPos, querySineEmbed, memoryKeyPaddingMask }).output,
    inputs: [tgt, memory, pos, queryPos, querySineEmbed, memoryKeyPaddingMask],
  };
}

function preNormEncoderCase(rng: Rng): Case {
  const [batch, tokens, d] = [8, 196, 256];
  const layer = new TransformerEncoderLayer({
    dModel: d,
    nhead: 8,
    dimFeedforward: 256,
    dropout: 0.1,
    activation: 'gelu',
    normalizeBefore: true,
    rng,
  });
  const [src, pos] = [randn([batch, tokens, d], rng), randn([batch, tokens, d], rng)];
  return {
    name: 'pre-norm gelu encoder layer (B 8, 196 tokens, d 256, 8 heads)',
    module: layer,
    forward: () => layer.forward(src, { pos }).output,
    inputs: [src, pos],
  };
}

async function measure(c: Case, iterations: number, warmup: number): Promise<{ ms: number[]; tensors: number[] }> {
  c.module.train();
  const readout = tf.tidy(() => tf.onesLike(c.forward()));
  const ms: number[] = [];
  const tensors: number[] = [];
  for (let i = 0; i < warmup + iterations; i++) {
    const start = performance.now();
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(c.forward(), readout)) as tf.Scalar, c.module.trainableVariables());
    await Promise.all(Object.values(grads).map((g) => g.data())); // wait for the backend to finish
    const elapsed = performance.now() - start;
    tf.dispose([value, Object.values(grads)]);
    if (i >= warmup) {
      ms.push(elapsed);
      tensors.push(tf.memory().numTensors);
    }
  }
  readout.dispose();
  return { ms, tensors };
}

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '5' }, warmup: { type: 'string', default: '2' } } });
const [iterations, warmup] = [Number(values.iterations), Number(values.warmup)];
if (!Number.isInteger(iterations) || iterations < 1 || !Number.isInteger(warmup) || warmup < 0) {
  throw new Error(`--iterations must be a positive integer and --warmup a non-negative one, got '${values.iterations}', '${values.warmup}'`);
}
await initBackend();
const rng = new Rng(0);
for (const make of [conditionalDecoderCase, preNormEncoderCase]) {
  const c = make(rng);
  const { ms, tensors } = await measure(c, iterations, warmup);
  const sorted = [...ms].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  const flat = tensors.every((n) => n === tensors[0]);
  console.log(
    `${c.name}: forward+backward median ${median.toFixed(1)} ms, min ${(sorted[0] as number).toFixed(1)} ms over ${iterations} iterations (${warmup} warm-up)`,
  );
  console.log(`  numTensors after each iteration: ${tensors.join(', ')} (${flat ? 'flat' : 'GROWING'})`);
  tf.dispose(c.inputs);
  c.module.dispose();
}
