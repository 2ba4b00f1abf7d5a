// Attention diagnostics of trained detectors (one or several arms, e.g. DETR vs Conditional DETR)
// on a few images: encoder entropy / QK distance / purity, a UMAP of one encoder head's queries
// and keys, and each top-scoring decoder query's cross-attention over the image with its box
// (spatial, content and combined for Conditional DETR, as in its paper's figure; combined for DETR).
import * as tf from '@tensorflow/tfjs';
import type { XyxyBox } from '../../datasets/image.js';
import type { Detector } from '../models/detector.js';
import { type DetectorInputs, disposeDetectorOutputs } from '../models/set-detector.js';
import type { Rng } from '../runtime/rng.js';
import { attentionOverlay, type PanelTile, panelPng } from './attention-overlay.js';
import { conditionalAttentionParts } from './cross-attention-parts.js';
import type { DiagnosticsData } from './diagnostics-report.js';
import { denormalisedImage, enlargeForDisplay } from './display-image.js';
import { embedQueriesKeys } from './embedding.js';
import { EncoderStatistics } from './encoder-statistics.js';
import type { EntropyRow, PurityHistogramRow, QkDistanceRow } from './figures.js';
import type { ReportImage } from './html.js';
import { slug } from './slug.js';

export interface DetectorArm {
  readonly label: string;
  readonly model: Detector;
}

export interface AnalysisOptions {
  readonly rng: Rng;
  /** Encoder layer and head of the query/key embedding (default: last layer, head 0). */
  readonly layer?: number;
  readonly head?: number;
  /** Which input the embedding and the attention maps use (default 0). */
  readonly image?: number;
  /** UMAP optimisation epochs (default umap-js's). */
  readonly umapEpochs?: number;
  readonly purityK?: number;
}

export interface DetectorAnalysisOptions extends AnalysisOptions {
  /** Attention maps for this many top-scoring queries (default 4). */
  readonly queries?: number;
}

/** Max class probability per query: sigmoid (focal head) or softmax without no-object. logits [1, NQ, K'] → [NQ]. */
async function queryScores(model: Detector, logits: tf.Tensor3D): Promise<Float32Array> {
  const scores = tf.tidy(() => {
    if (model.classHead === 'focal') return tf.max(tf.sigmoid(logits), -1);
    const [b, nq, k] = logits.shape;
    return tf.max(tf.slice(tf.softmax(logits), [0, 0, 0], [b, nq, k - 1]), -1);
  });
  const data = (await scores.data()) as Float32Array;
  scores.dispose();
  return data;
}

/** Indices of the `n` largest values, largest first. */
function topIndices(values: ArrayLike<number>, n: number): number[] {
  return Array.from(values, (v, i) => [v, i] as const)
    .sort((a, b) => b[0] - a[0])
    .slice(0, n)
    .map(([, i]) => i);
}

/** [rows, columns] of the first image that are not padding (DETR pads bottom / right). mask [B, H, W] bool. */
async function unpaddedSize(mask: tf.Tensor3D): Promise<[number, number]> {
  const [, H, W] = mask.shape;
  const padded = await mask.data();
  let rows = 0;
  let cols = 0;
  for (let y = 0; y < H; y++) rows += padded[y * W] ? 0 : 1;
  for (let x = 0; x < W; x++) cols += padded[x] ? 0 : 1;
  return [rows, cols];
}

/** Queries and keys [Lq][dh], [Lk][dh] of one image and head. */
async function headVectors(record: { queries: tf.Tensor4D; keys: tf.Tensor4D }, head: number): Promise<{ queries: number[][]; keys: number[][] }> {
  const pick = (x: tf.Tensor4D): tf.Tensor2D => tf.tidy(() => tf.squeeze(tf.slice(x, [0, head, 0, 0], [1, 1, -1, -1]), [0, 1]) as tf.Tensor2D);
  const [q, k] = [pick(record.queries), pick(record.keys)];
  const out = { queries: (await q.array()) as number[][], keys: (await k.array()) as number[][] };
  tf.dispose([q, k]);
  return out;
}

export async function analyzeDetectors(
  arms: readonly DetectorArm[],
  inputs: readonly DetectorInputs[],
  options: DetectorAnalysisOptions,
): Promise<DiagnosticsData> {
  const chosen = options.image ?? 0;
  if (inputs.length === 0 || chosen >= inputs.length) throw new RangeError(`analyzeDetectors: image ${chosen} of ${inputs.length} inputs`);
  const data = {
    entropy: [] as EntropyRow[],
    qkDistance: [] as QkDistanceRow[],
    purity: [] as PurityHistogramRow[],
    embeddings: [] as NonNullable<DiagnosticsData['embeddings']>[number][],
    attention: [] as ReportImage[],
  };
  for (const { label, model } of arms) {
    const stats = new EncoderStatistics({ purityK: options.purityK });
    for (const [i, input] of inputs.entries()) {
      const out = model.forward(input, { returnAttention: true });
      try {
        const encoder = out.encoderAttention ?? [];
        stats.add(encoder);
        if (i !== chosen) continue;
        const layer = options.layer ?? encoder.length - 1;
        const head = options.head ?? 0;
        const record = encoder[layer];
        if (record === undefined) throw new RangeError(`${label}: no encoder layer ${layer} (it has ${encoder.length})`);
        const { queries, keys } = await headVectors(record, head);
        data.embeddings.push({
          name: slug(label),
          title: `${label}: encoder layer ${layer}, head ${head}`,
          points: embedQueriesKeys(queries, keys, { rng: options.rng, nEpochs: options.umapEpochs }),
        });
        data.attention.push(...(await queryPanels(label, model, input, out, options.queries ?? 4)));
      } finally {
        disposeDetectorOutputs(out);
      }
    }
    const rows = stats.rows(label);
    data.entropy.push(...rows.entropy);
    data.qkDistance.push(...rows.qkDistance);
    data.purity.push(...rows.purity);
  }
  return { title: `Attention diagnostics: ${arms.map((a) => a.label).join(' vs ')}`, subtitle: [`${inputs.length} images`], ...data };
}

/** The cross-attention panels of the top-scoring queries of the last decoder layer (input with one image). */
async function queryPanels(
  label: string,
  model: Detector,
  input: DetectorInputs,
  out: ReturnType<Detector['forward']>,
  count: number,
): Promise<ReportImage[]> {
  const cross = out.decoderAttention?.at(-1)?.crossAttention;
  if (cross === undefined) return [];
  const [, h, w] = out.featureMask.shape;
  const [validRows, validCols] = await unpaddedSize(out.featureMask);
  const [imageH, imageW] = await unpaddedSize(input.mask);
  const { image } = await enlargeForDisplay(await denormalisedImage(input.images, 0, [imageH, imageW]));
  const scores = await queryScores(model, out.predLogits);
  const boxes = (await out.predBoxes.data()) as Float32Array; // [NQ·4] cxcywh normalised by the unpadded size
  const conditional = model.classHead === 'focal';
  const keyMask = tf.reshape(out.featureMask, [1, h * w]);
  const parts = conditional ? conditionalAttentionParts(cross, keyMask) : { combined: tf.clone(cross.weights) };
  keyMask.dispose();
  // mean over heads, then only the valid (unpadded) part of the grid: [NQ, validRows, validCols]
  const maps = Object.fromEntries(
    await Promise.all(
      Object.entries(parts).map(async ([name, weights]) => {
        const mean = tf.tidy(() => tf.slice(tf.reshape(tf.mean(weights, 1), [-1, h, w]), [0, 0, 0], [-1, validRows, validCols]));
        const values = (await mean.data()) as Float32Array;
        mean.dispose();
        return [name, values] as const;
      }),
    ),
  );
  tf.dispose(Object.values(parts));
  const cells = validRows * validCols;
  const panels: ReportImage[] = [];
  for (const q of topIndices(scores, count)) {
    const [cx, cy, bw, bh] = Array.from(boxes.subarray(4 * q, 4 * q + 4));
    const box: XyxyBox = [
      (cx! - bw! / 2) * image.width,
      (cy! - bh! / 2) * image.height,
      (cx! + bw! / 2) * image.width,
      (cy! + bh! / 2) * image.height,
    ];
    const tiles: PanelTile[] = (conditional ? ['spatial', 'content', 'combined'] : ['combined']).map((name) => ({
      label: name,
      image: attentionOverlay(
        image,
        { data: (maps[name] as Float32Array).subarray(q * cells, (q + 1) * cells), height: validRows, width: validCols },
        { boxes: [box] },
      ),
    }));
    panels.push({
      name: `${slug(label)}-query-${q}`,
      caption: `${label}: decoder query ${q} (score ${(scores[q] as number).toFixed(3)}), last decoder layer cross-attention averaged over heads${conditional ? ' — spatial, content and combined' : ''}; red: its predicted box.`,
      png: await panelPng(tiles),
    });
  }
  return panels;
}
