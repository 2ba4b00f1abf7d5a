// DN-DETR's denoising queries (models/DN_DAB_DETR/dn_components.py `prepare_for_dn`): the ground
// truth of the batch, repeated in `groups` groups, noised (labels flipped with probability
// labelNoise to a uniform class; box centres shifted by up to ±boxNoise·(w/2, h/2) and sizes
// scaled by up to ±boxNoise·(w, h), clamped to [0, 1]), and fed to the decoder in front of the
// matching queries. The bookkeeping says which output row reconstructs which target, for the
// reconstruction losses (losses/denoising-loss.ts).
//
// Layout per image: [group 0: singlePad rows | … | group S−1 | matching queries], singlePad = the
// largest target count of the batch; target k of image b in group g is row g·singlePad + k; rows
// past an image's targets stay zero (content, indicator and box). The random draws come from a
// `DenoisingDraws` so that the official draws can be replayed (the fixture) or a seeded Rng used.
import * as tf from '@tensorflow/tfjs';
import { inverseSigmoid } from '../nn/functional.js';
import type { Rng } from '../runtime/rng.js';

export interface DenoisingConfig {
  /** DN groups (DN-DETR's `scalar`, default 5). */
  readonly groups: number;
  /** Probability that a label is re-drawn (default 0.2). */
  readonly labelNoise: number;
  /** Box noise scale λ (default 0.4). */
  readonly boxNoise: number;
  readonly numClasses: number;
}

export const DN_DEFAULTS = { groups: 5, labelNoise: 0.2, boxNoise: 0.4 } as const;

/** The three draws of `prepare_for_dn`, in call order (torch.rand_like, randint_like, rand_like). */
export interface DenoisingDraws {
  /** n uniforms in [0, 1): label j is re-drawn when its uniform < labelNoise. */
  labelFlips(n: number): ArrayLike<number>;
  /** n classes uniform in [0, numClasses) (may equal the old one). */
  newLabels(n: number, numClasses: number): ArrayLike<number>;
  /** n·4 uniforms in [0, 1), row-major [n, 4]. */
  boxNoise(n: number): ArrayLike<number>;
}

/** Draws from a seeded Rng (training). */
export function seededDenoisingDraws(rng: Rng): DenoisingDraws {
  const uniforms = (n: number) => Float64Array.from({ length: n }, () => rng.uniform());
  return {
    labelFlips: uniforms,
    newLabels: (n, numClasses) => Int32Array.from({ length: n }, () => rng.int(numClasses)),
    boxNoise: (n) => uniforms(4 * n),
  };
}

/** One image's ground truth as plain arrays. */
export interface PlainTarget {
  readonly labels: ArrayLike<number>; // [n]
  readonly boxes: ArrayLike<number>; // [n·4] cxcywh
}

/** Everything `prepare_for_dn` decides, as plain arrays (its `mask_dict` plus the noised values). N = Σ n_i, S = groups. */
export interface DenoisingPlan {
  readonly groups: number;
  readonly singlePad: number;
  /** singlePad · groups: the rows in front of the matching queries. */
  readonly padSize: number;
  /** [N·S] target index (0 … N−1) of entry j: j mod N (`known_indice`). */
  readonly knownIndice: Int32Array;
  /** [N] image of target t (`batch_idx`, not repeated). */
  readonly batchIdx: Int32Array;
  /** [N·S] the query row of entry j within its image (`map_known_indice`). */
  readonly mapKnownIndice: Int32Array;
  /** [N·S] the clean labels and [N·S·4] boxes: the reconstruction targets (`known_lbs_bboxes`). */
  readonly knownLabels: Int32Array;
  readonly knownBoxes: Float32Array;
  /** [N·S] after label noise; [N·S·4] after box noise and the clamp (before inverse_sigmoid). */
  readonly noisedLabels: Int32Array;
  readonly noisedBoxes: Float32Array;
}

/** Entry j of the N·S entries is group ⌊j / N⌋, target j mod N (group-major, as `repeat(scalar, 1)`). */
export function planDenoising(targets: readonly PlainTarget[], config: DenoisingConfig, draws: DenoisingDraws): DenoisingPlan {
  const { groups, labelNoise, boxNoise, numClasses } = config;
  const sizes = targets.map((t) => t.labels.length);
  const n = sizes.reduce((a, b) => a + b, 0);
  const labels = targets.flatMap((t) => Array.from(t.labels));
  const boxes = targets.flatMap((t) => Array.from(t.boxes));
  const batchIdx = Int32Array.from(sizes.flatMap((size, b) => Array<number>(size).fill(b)));
  const withinImage = sizes.flatMap((size) => Array.from({ length: size }, (_, k) => k));
  const singlePad = Math.max(0, ...sizes);
  const total = n * groups;
  const entry = (j: number) => j % Math.max(n, 1);
  const knownIndice = Int32Array.from({ length: total }, (_, j) => entry(j));
  const knownLabels = Int32Array.from(knownIndice, (t) => labels[t] as number);
  const knownBoxes = Float32Array.from({ length: 4 * total }, (_, i) => boxes[4 * entry(Math.floor(i / 4)) + (i % 4)] as number);
  const noisedLabels = Int32Array.from(knownLabels);
  if (labelNoise > 0) {
    const flips = draws.labelFlips(total);
    const chosen = Array.from({ length: total }, (_, j) => j).filter((j) => Math.fround(flips[j] as number) < Math.fround(labelNoise));
    const redrawn = draws.newLabels(chosen.length, numClasses);
    chosen.forEach((j, k) => {
      noisedLabels[j] = redrawn[k] as number;
    });
  }
  const noisedBoxes = Float32Array.from(knownBoxes);
  if (boxNoise > 0) {
    const u = draws.boxNoise(total);
    for (let j = 0; j < total; j++) {
      const [w, h] = [knownBoxes[4 * j + 2] as number, knownBoxes[4 * j + 3] as number];
      const diff = [w / 2, h / 2, w, h];
      for (let c = 0; c < 4; c++) {
        const shifted = (knownBoxes[4 * j + c] as number) + ((u[4 * j + c] as number) * 2 - 1) * (diff[c] as number) * boxNoise;
        noisedBoxes[4 * j + c] = Math.min(1, Math.max(0, shifted));
      }
    }
  }
  const mapKnownIndice = Int32Array.from({ length: total }, (_, j) => Math.floor(j / Math.max(n, 1)) * singlePad + (withinImage[entry(j)] as number));
  return {
    groups,
    singlePad,
    padSize: singlePad * groups,
    knownIndice,
    batchIdx,
    mapKnownIndice,
    knownLabels,
    knownBoxes,
    noisedLabels,
    noisedBoxes,
  };
}

export interface DenoisingQueries {
  /** The decoder's initial target: [dn rows: label_enc(noised label) | 1, padding 0 | matching rows: label_enc(K) | 0]. [B, pad + M, C] */
  readonly tgt: tf.Tensor3D;
  /** Unsigmoided anchors: [dn rows: inverse_sigmoid(noised box), padding 0 | matching: refpoint_embed]. [B, pad + M, 4] */
  readonly anchors: tf.Tensor3D;
}

/**
 * The decoder queries of `prepare_for_dn` (batch-first). labelEnc: `label_enc.weight` [K + 1, C − 1];
 * refpoints: `refpoint_embed.weight` [M, 4]; plan null = inference (matching rows only).
 */
export function denoisingQueries(plan: DenoisingPlan | null, labelEnc: tf.Tensor, refpoints: tf.Tensor, batchSize: number): DenoisingQueries {
  return tf.tidy(() => {
    const [numEmbeddings, width] = labelEnc.shape as [number, number];
    const numMatching = refpoints.shape[0] as number;
    const noObject = tf.slice(labelEnc, [numEmbeddings - 1, 0], [1, width]); // label_enc(num_classes) [1, C − 1]
    const matchingTgt = tf.tile(tf.expandDims(tf.concat([noObject, tf.zeros([1, 1])], 1), 0), [batchSize, numMatching, 1]); // [B, M, C]
    const matchingAnchors = tf.tile(tf.expandDims(refpoints, 0), [batchSize, 1, 1]); // [B, M, 4]
    if (plan === null || plan.padSize === 0) return { tgt: matchingTgt as tf.Tensor3D, anchors: matchingAnchors as tf.Tensor3D };
    const { padSize } = plan;
    // Row r of image b holds entry slot[b·pad + r] (−1 = padding).
    const slot = new Int32Array(batchSize * padSize).fill(-1);
    plan.mapKnownIndice.forEach((row, j) => {
      slot[(plan.batchIdx[plan.knownIndice[j] as number] as number) * padSize + row] = j;
    });
    const present = Float32Array.from(slot, (j) => (j < 0 ? 0 : 1));
    const labelOfRow = Int32Array.from(slot, (j) => (j < 0 ? 0 : (plan.noisedLabels[j] as number)));
    const boxOfRow = Float32Array.from({ length: 4 * slot.length }, (_, i) => {
      const j = slot[Math.floor(i / 4)] as number;
      return j < 0 ? 0.5 : (plan.noisedBoxes[4 * j + (i % 4)] as number);
    });
    const rowMask = tf.tensor3d(present, [batchSize, padSize, 1]);
    const content = tf.mul(tf.reshape(tf.gather(labelEnc, tf.tensor1d(labelOfRow, 'int32')), [batchSize, padSize, width]), rowMask);
    const dnTgt = tf.concat([content, rowMask], 2); // indicator 1 on dn rows, 0 on padding
    const dnAnchors = tf.mul(inverseSigmoid(tf.tensor3d(boxOfRow, [batchSize, padSize, 4])), rowMask);
    return {
      tgt: tf.concat([dnTgt, matchingTgt], 1) as tf.Tensor3D,
      anchors: tf.concat([dnAnchors, matchingAnchors], 1) as tf.Tensor3D,
    };
  });
}
