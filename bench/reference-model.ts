// The reference model of bench/step.ts: a small DETR-style detector without a backbone. A batch of
// 224×224×3 images → 16×16 patch conv to d 256 → + learned row / column embeddings → 2 pre-norm
// encoder layers (8 heads, GELU MLP ×4) → per token a sigmoid class head and a box MLP head.
import * as tf from '@tensorflow/tfjs';
import { Conv2d } from '../lib/nn/conv2d.js';
import { Linear } from '../lib/nn/linear.js';
import { MLP } from '../lib/nn/mlp.js';
import { Module, ModuleList } from '../lib/nn/module.js';
import { PositionEmbeddingLearned } from '../lib/position/learned-embedding.js';
import { Rng } from '../lib/runtime/rng.js';
import { AdamW } from '../lib/train/adamw.js';
import { TransformerEncoderLayer } from '../lib/transformer/encoder-layer.js';

export const REFERENCE = { batch: 2, image: 224, patch: 16, dModel: 256, nhead: 8, layers: 2, numClasses: 20 } as const;

export interface ReferenceTargets {
  readonly classes: tf.Tensor; // [B, S, numClasses] in {0, 1}
  readonly boxes: tf.Tensor; // [B, S, 4] in [0, 1]
}

export class ReferenceModel extends Module {
  readonly patchEmbed: Conv2d;
  readonly position: PositionEmbeddingLearned;
  readonly layers: ModuleList<TransformerEncoderLayer>;
  readonly classEmbed: Linear;
  readonly bboxEmbed: MLP;

  constructor(rng: Rng) {
    super();
    const { patch, dModel, nhead, layers, numClasses } = REFERENCE;
    this.patchEmbed = this.addModule('patch_embed', new Conv2d(3, dModel, patch, { stride: patch, rng }));
    this.position = this.addModule('position', new PositionEmbeddingLearned(dModel / 2, rng));
    const encoderLayers = Array.from(
      { length: layers },
      () => new TransformerEncoderLayer({ dModel, nhead, dimFeedforward: 4 * dModel, dropout: 0.1, activation: 'gelu', normalizeBefore: true, rng }),
    );
    this.layers = this.addModule('layers', new ModuleList(encoderLayers));
    this.classEmbed = this.addModule('class_embed', new Linear(dModel, numClasses, { rng }));
    this.bboxEmbed = this.addModule('bbox_embed', new MLP(dModel, dModel, 4, 3, rng));
  }

  /** images [B, H, W, 3] → class logits [B, S, numClasses], boxes [B, S, 4] (sigmoid). */
  forward(images: tf.Tensor4D): { logits: tf.Tensor; boxes: tf.Tensor } {
    return tf.tidy(() => {
      const map = this.patchEmbed.forward(images); // [B, h, w, C]
      const [b, h, w, c] = map.shape;
      const pos = this.position.forward(tf.zeros([b, h, w], 'bool')).reshape([b, h * w, c]); // [B, S, C]
      let tokens: tf.Tensor = map.reshape([b, h * w, c]); // [B, S, C]
      for (const layer of this.layers.items) tokens = layer.forward(tokens, { pos }).output;
      return { logits: this.classEmbed.forward(tokens), boxes: tf.sigmoid(this.bboxEmbed.forward(tokens)) };
    });
  }

  /** Sigmoid cross-entropy on the classes + L1 on the boxes (a scalar). */
  loss(images: tf.Tensor4D, targets: ReferenceTargets): tf.Scalar {
    return tf.tidy(() => {
      const { logits, boxes } = this.forward(images);
      const classLoss = tf.losses.sigmoidCrossEntropy(targets.classes, logits);
      const boxLoss = tf.mean(tf.abs(tf.sub(boxes, targets.boxes)));
      return tf.add(classLoss, boxLoss) as tf.Scalar;
    });
  }
}

/** Seeded inputs and targets of the reference shapes. */
export function referenceBatch(rng: Rng): { images: tf.Tensor4D; targets: ReferenceTargets } {
  const { batch, image, patch, numClasses } = REFERENCE;
  const tokens = (image / patch) ** 2;
  return {
    images: tf.randomNormal([batch, image, image, 3], 0, 1, 'float32', rng.seed()) as tf.Tensor4D,
    targets: {
      classes: tf.cast(tf.greater(tf.randomUniform([batch, tokens, numClasses], 0, 1, 'float32', rng.seed()), 0.9), 'float32'),
      boxes: tf.randomUniform([batch, tokens, 4], 0, 1, 'float32', rng.seed()),
    },
  };
}

export interface ReferenceStepTimes {
  /** Milliseconds of each timed step (after the warm-up ones). */
  readonly timesMs: number[];
  /** The loss of the first step (warm-up included). */
  readonly firstLoss: number;
  /** Tensors alive after the timed steps minus before them. */
  readonly leakedTensors: number;
}

/**
 * Train the reference model (seed 0, AdamW lr 1e-4) on its batch on the current backend: `warmup`
 * steps, then `runs` timed steps (forward, backward, update, the loss and the last parameter read
 * back so that asynchronous backends have finished).
 */
export async function timeReferenceSteps(runs: number, warmup: number): Promise<ReferenceStepTimes> {
  const rng = new Rng(0);
  const model = new ReferenceModel(rng);
  const { images, targets } = referenceBatch(rng);
  const optimizer = new AdamW(model.namedParameters(), { lr: 1e-4 });
  const variables = optimizer.variables();
  const probe = variables[variables.length - 1] as tf.Variable;
  const step = async (): Promise<number> => {
    const { value, grads } = tf.variableGrads(() => model.loss(images, targets), variables);
    optimizer.step(grads);
    const loss = (await value.data())[0] as number;
    await probe.data(); // the update has run (asynchronous backends)
    tf.dispose([value, grads]);
    return loss;
  };
  try {
    const losses: number[] = [];
    for (let i = 0; i < warmup; i++) losses.push(await step());
    const before = tf.memory().numTensors;
    const timesMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      losses.push(await step());
      timesMs.push(performance.now() - t0);
    }
    return { timesMs, firstLoss: losses[0] ?? Number.NaN, leakedTensors: tf.memory().numTensors - before };
  } finally {
    tf.dispose([images, targets.classes, targets.boxes]);
  }
}
