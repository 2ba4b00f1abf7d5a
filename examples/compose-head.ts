// Composing a custom head from condformer's pieces: one learned query finds the centre of a blob
// on a toy feature map with Conditional-DETR-style attention. The query gets a reference point
// s = sigmoid(MLP(query)); its sine embedding is the query's *spatial* part, the map's sine
// position embedding the keys' spatial part, and the `concat` attention scores each location by
// a content term plus a spatial term. The centre is predicted relative to s (in logit space).
//
//   npx tsx examples/compose-head.ts --steps 200
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { MultiHeadAttention } from '../lib/attention/multi-head-attention.js';
import { inverseSigmoid } from '../lib/nn/functional.js';
import { normal } from '../lib/nn/init.js';
import { LayerNorm } from '../lib/nn/layer-norm.js';
import { Linear } from '../lib/nn/linear.js';
import { MLP } from '../lib/nn/mlp.js';
import { Module } from '../lib/nn/module.js';
import { sineEmbedReferencePoints } from '../lib/position/reference-points.js';
import { sinePositionEmbedding } from '../lib/position/sine-embedding.js';
import { initBackend } from '../lib/runtime/backend.js';
import { Rng } from '../lib/runtime/rng.js';
import { flattenFeatureMap } from '../lib/transformer/tokens.js';

class BlobCenterHead extends Module {
  readonly query_embed: tf.Variable; // [1, C]
  readonly ref_point_head: MLP; // C → 2
  readonly q_content_proj: Linear;
  readonly q_sine_proj: Linear;
  readonly k_content_proj: Linear;
  readonly k_pos_proj: Linear;
  readonly v_proj: Linear;
  readonly attn: MultiHeadAttention;
  readonly norm: LayerNorm;
  readonly center_head: MLP; // C → 2, offset from the reference point in logit space

  constructor(
    readonly channels: number,
    numHeads: number,
    rng: Rng,
  ) {
    super();
    const proj = (name: string) => this.addModule(name, new Linear(channels, channels, { rng }));
    this.query_embed = this.addParameter('query_embed', normal([1, channels], 1, rng));
    this.ref_point_head = this.addModule('ref_point_head', new MLP(channels, channels, 2, 2, rng));
    this.q_content_proj = proj('q_content_proj');
    this.q_sine_proj = proj('q_sine_proj');
    this.k_content_proj = proj('k_content_proj');
    this.k_pos_proj = proj('k_pos_proj');
    this.v_proj = proj('v_proj');
    this.attn = this.addModule('attn', new MultiHeadAttention({ embedDim: channels, numHeads, combine: 'concat', inputProjection: false, rng }));
    this.norm = this.addModule('norm', new LayerNorm(channels));
    this.center_head = this.addModule('center_head', new MLP(channels, channels, 2, 2, rng));
  }

  /** features: [B, H, W, C] → predicted centres (x, y) in (0, 1): [B, 2]. */
  forward(features: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const [batch, height, width] = features.shape as number[];
      const noPadding = tf.zeros([batch as number, height as number, width as number], 'bool');
      const pos = sinePositionEmbedding(noPadding, { numPosFeats: this.channels / 2, normalize: true }); // [B, H, W, C]
      const memory = flattenFeatureMap(features); // [B, HW, C]
      const query = tf.tile(tf.expandDims(this.query_embed, 0), [batch as number, 1, 1]); // [B, 1, C]
      const reference = tf.sigmoid(this.ref_point_head.forward(query)); // [B, 1, 2]
      const { output } = this.attn.forward({
        queryContent: this.q_content_proj.forward(query),
        querySpatial: this.q_sine_proj.forward(sineEmbedReferencePoints(reference, this.channels / 2)),
        keyContent: this.k_content_proj.forward(memory),
        keySpatial: this.k_pos_proj.forward(flattenFeatureMap(pos)),
        value: this.v_proj.forward(memory),
      }); // [B, 1, C]
      const offset = this.center_head.forward(this.norm.forward(output)); // [B, 1, 2]
      return tf.squeeze(tf.sigmoid(tf.add(offset, inverseSigmoid(reference))), [1]);
    });
  }
}

/** Maps with one Gaussian blob (a fixed channel pattern) plus noise, and the blob centres. */
function toyBlobs(rng: Rng, batch: number, size: number, channels: number): { features: tf.Tensor; centers: tf.Tensor } {
  const centers = Array.from({ length: batch }, () => [rng.range(0.15, 0.85), rng.range(0.15, 0.85)]);
  return tf.tidy(() => {
    const grid = tf.div(tf.add(tf.range(0, size), 0.5), size); // [S] cell centres
    const c = tf.tensor2d(centers); // [B, 2] (x, y)
    const dx = tf.sub(tf.reshape(grid, [1, 1, size]), tf.reshape(tf.slice(c, [0, 0], [-1, 1]), [batch, 1, 1]));
    const dy = tf.sub(tf.reshape(grid, [1, size, 1]), tf.reshape(tf.slice(c, [0, 1], [-1, 1]), [batch, 1, 1]));
    const blob = tf.exp(tf.div(tf.add(tf.square(dx), tf.square(dy)), -2 * 0.12 ** 2)); // [B, S, S]
    const pattern = normal([channels], 1, rng);
    const features = tf.add(tf.mul(tf.expandDims(blob, -1), pattern), normal([batch, size, size, channels], 0.1, rng));
    return { features, centers: c };
  });
}

export interface ComposeHeadOptions {
  readonly steps: number;
  readonly seed?: number;
  readonly onStep?: (step: number, loss: number) => void;
}

/** Train the head with Adam on the L1 centre error; returns the loss of every step. */
export function trainComposeHead(options: ComposeHeadOptions): number[] {
  const rng = new Rng(options.seed ?? 0);
  const head = new BlobCenterHead(32, 4, rng);
  const optimizer = tf.train.adam(3e-3);
  const { features, centers } = toyBlobs(rng, 16, 8, 32);
  const losses: number[] = [];
  for (let step = 0; step < options.steps; step++) {
    const centerError = () => tf.mean(tf.abs(tf.sub(head.forward(features), centers))) as tf.Scalar;
    const loss = optimizer.minimize(centerError, true, head.trainableVariables());
    losses.push(loss?.dataSync()[0] as number);
    options.onStep?.(step, losses[step] as number);
    loss?.dispose();
  }
  tf.dispose([features, centers]);
  optimizer.dispose();
  head.dispose();
  return losses;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { steps: { type: 'string', default: '200' }, seed: { type: 'string', default: '0' } } });
  const [steps, seed] = [Number(values.steps), Number(values.seed)];
  if (!Number.isInteger(steps) || steps < 1 || !Number.isInteger(seed)) {
    throw new Error(`--steps must be a positive integer and --seed an integer, got '${values.steps}' and '${values.seed}'`);
  }
  await initBackend();
  trainComposeHead({
    steps,
    seed,
    onStep: (step, loss) => {
      if (step % 20 === 0 || step === steps - 1) console.log(`step ${step}: mean |centre error| ${loss.toFixed(4)}`);
    },
  });
}
