// Attention diagnostics of trained MS-Transformers (one or several ablation arms) on a few images:
// per branch (position / orientation) encoder entropy, QK centroid distance and purity, a UMAP of
// one encoder head's queries and keys, and the last encoder layer's attention of chosen tokens
// over the image (mean over heads), the token's own cell outlined.
import * as tf from '@tensorflow/tfjs';
import type { AttentionRecord } from '../attention/attend.js';
import { encoderAttentionMaps } from '../diagnostics/attention-maps.js';
import { disposeMSTransformerOutput, type MSTransformer, type MSTransformerOutput } from '../models/ms-transformer.js';
import type { AnalysisOptions } from './analyze-detector.js';
import { attentionOverlay, cellBox, panelPng } from './attention-overlay.js';
import type { DiagnosticsData } from './diagnostics-report.js';
import { denormalisedImage, enlargeForDisplay } from './display-image.js';
import { embedQueriesKeys } from './embedding.js';
import { EncoderStatistics } from './encoder-statistics.js';
import type { EntropyRow, PurityHistogramRow, QkDistanceRow } from './figures.js';
import type { ReportImage } from './html.js';
import { slug } from './slug.js';

export interface PoseArm {
  readonly label: string;
  readonly model: MSTransformer;
}

export type PoseBranch = 't' | 'rot';
const BRANCH_NAMES: Record<PoseBranch, string> = { t: 'position', rot: 'orientation' };

/** A token by its relative position on the feature grid, (0.5, 0.5) = the centre; mapped to each branch's grid. */
export interface RelativeToken {
  readonly y: number;
  readonly x: number;
}

export interface PoseAnalysisOptions extends AnalysisOptions {
  /** Branch of the embedding (default 't', position). */
  readonly branch?: PoseBranch;
  /** Tokens whose attention is drawn (default: the centre and (0.25, 0.25)). */
  readonly tokens?: readonly RelativeToken[];
}

/** The grid [h, w] with h·w = tokens whose aspect is closest to the image's. */
export function gridShape(tokens: number, imageHeight: number, imageWidth: number): [number, number] {
  let best: [number, number] = [1, tokens];
  for (let h = 1; h <= tokens; h++) {
    if (tokens % h !== 0) continue;
    const err = Math.abs(Math.log(h / (tokens / h)) - Math.log(imageHeight / imageWidth));
    if (err < Math.abs(Math.log(best[0] / best[1]) - Math.log(imageHeight / imageWidth))) best = [h, tokens / h];
  }
  return best;
}

function branchRecords(out: MSTransformerOutput, branch: PoseBranch): AttentionRecord[] {
  const weights = out.encoderAttention?.[branch] ?? [];
  const qk = out.queriesKeys?.[branch] ?? [];
  return weights.map((w, l) => ({ weights: w, queries: qk[l]!.queries as tf.Tensor4D, keys: qk[l]!.keys as tf.Tensor4D }));
}

export async function analyzePoseRegressors(
  arms: readonly PoseArm[],
  images: readonly tf.Tensor4D[],
  options: PoseAnalysisOptions,
): Promise<DiagnosticsData> {
  const chosen = options.image ?? 0;
  if (images.length === 0 || chosen >= images.length) throw new RangeError(`analyzePoseRegressors: image ${chosen} of ${images.length} inputs`);
  const embedBranch = options.branch ?? 't';
  const tokens = options.tokens ?? [
    { y: 0.5, x: 0.5 },
    { y: 0.25, x: 0.25 },
  ];
  const entropy: EntropyRow[] = [];
  const qkDistance: QkDistanceRow[] = [];
  const purity: PurityHistogramRow[] = [];
  const embeddings: NonNullable<DiagnosticsData['embeddings']>[number][] = [];
  const attention: ReportImage[] = [];
  for (const { label, model } of arms) {
    const stats = { t: new EncoderStatistics({ purityK: options.purityK }), rot: new EncoderStatistics({ purityK: options.purityK }) };
    for (const [i, input] of images.entries()) {
      const out = model.forward(input, { returnAttention: true, returnQueriesKeys: true });
      try {
        for (const branch of ['t', 'rot'] as const) stats[branch].add(branchRecords(out, branch));
        if (i !== chosen) continue;
        const records = branchRecords(out, embedBranch);
        const layer = options.layer ?? records.length - 1;
        const head = options.head ?? 0;
        const record = records[layer];
        if (record === undefined) throw new RangeError(`${label}: no ${BRANCH_NAMES[embedBranch]} encoder layer ${layer} (it has ${records.length})`);
        const pick = (x: tf.Tensor4D): tf.Tensor2D => tf.tidy(() => tf.squeeze(tf.slice(x, [0, head, 0, 0], [1, 1, -1, -1]), [0, 1]) as tf.Tensor2D);
        const [q, k] = [pick(record.queries), pick(record.keys)];
        const [queries, keys] = [(await q.array()) as number[][], (await k.array()) as number[][]];
        tf.dispose([q, k]);
        embeddings.push({
          name: slug(label),
          title: `${label}: ${BRANCH_NAMES[embedBranch]} encoder layer ${layer}, head ${head}`,
          points: embedQueriesKeys(queries, keys, { rng: options.rng, nEpochs: options.umapEpochs }),
        });
        for (const branch of ['t', 'rot'] as const) attention.push(await tokenPanel(label, branch, input, branchRecords(out, branch).at(-1), tokens));
      } finally {
        disposeMSTransformerOutput(out);
      }
    }
    for (const branch of ['t', 'rot'] as const) {
      const rows = stats[branch].rows(label, BRANCH_NAMES[branch]);
      entropy.push(...rows.entropy);
      qkDistance.push(...rows.qkDistance);
      purity.push(...rows.purity);
    }
  }
  return {
    title: `Attention diagnostics: ${arms.map((a) => a.label).join(' vs ')}`,
    subtitle: [`${images.length} images`],
    entropy,
    qkDistance,
    purity,
    embeddings,
    attention,
  };
}

/** One branch's last-layer encoder attention of each token over the image. */
async function tokenPanel(
  label: string,
  branch: PoseBranch,
  input: tf.Tensor4D,
  record: AttentionRecord | undefined,
  tokens: readonly RelativeToken[],
): Promise<ReportImage> {
  if (record === undefined) throw new Error(`${label}: the ${BRANCH_NAMES[branch]} branch returned no encoder attention`);
  const { image } = await enlargeForDisplay(await denormalisedImage(input));
  const [h, w] = gridShape(record.weights.shape[2], image.height, image.width);
  const cells = tokens.map((t) => ({ y: Math.min(h - 1, Math.floor(t.y * h)), x: Math.min(w - 1, Math.floor(t.x * w)) }));
  const maps = tf.tidy(() => tf.mean(encoderAttentionMaps(record.weights, h, w, cells), 1)); // [1, T, h, w]
  const values = (await maps.data()) as Float32Array;
  maps.dispose();
  const tiles = cells.map((cell, t) => ({
    label: `token (${cell.y}, ${cell.x})`,
    image: attentionOverlay(
      image,
      { data: values.subarray(t * h * w, (t + 1) * h * w), height: h, width: w },
      { boxes: [cellBox(cell, { height: h, width: w }, image)], boxColour: [255, 255, 255] },
    ),
  }));
  return {
    name: `${slug(label)}-${BRANCH_NAMES[branch]}-tokens`,
    caption: `${label}: ${BRANCH_NAMES[branch]} branch, last encoder layer self-attention of ${cells.length === 1 ? 'a token' : `${cells.length} tokens`} (white cell) over the ${h}×${w} grid, mean over heads.`,
    png: await panelPng(tiles),
  };
}
