// DAB-DETR (models/DAB_DETR/DABDETR.py, iter_update) with optional DN-DETR denoising
// (models/DN_DAB_DETR/DABDETR.py): the learned queries are 4-D anchor boxes `refpoint_embed`
// [NQ, 4] (unsigmoided), refined layer by layer through the box head `bbox_embed`, which is the
// same module as `transformer.decoder.bbox_embed` (both state-dict names exist, as in PyTorch).
// Every layer's boxes are sigmoid(bbox_embed(hs) + inverse_sigmoid(anchor it received)). With DN,
// `label_enc` [K + 1, d − 1] embeds the noised labels of the denoising queries, and every matching
// query starts from label_enc(K) with indicator 0 instead of zeros (training and inference).
import type * as tf from '@tensorflow/tfjs';
import { anchorRelativeBoxes, createBboxEmbed } from '../../heads/detection-heads.js';
import type { DetectionTarget } from '../../losses/detection-types.js';
import { Embedding } from '../nn/embedding.js';
import type { Rng } from '../runtime/rng.js';
import type { DabTransformer } from '../transformer/dab-transformer.js';
import { type DenoisingConfig, type DenoisingPlan, denoisingQueries, planDenoising, seededDenoisingDraws } from './denoising.js';
import { type DecoderQueries, SetDetector, type SetDetectorParts } from './set-detector.js';

export interface DabDetrParts extends SetDetectorParts<DabTransformer> {
  /** DN-DETR's denoising (numClasses is the detector's); absent = off. */
  readonly denoising?: Omit<DenoisingConfig, 'numClasses'>;
}

/** The box head shared by a DAB-DETR and its transformer: MLP(d, d, 4, 3), last layer zero. */
export function createDabBoxHead(hiddenDim: number, rng: Rng) {
  return createBboxEmbed(hiddenDim, true, rng);
}

export class DABDETR extends SetDetector<DabTransformer> {
  readonly classHead = 'focal' as const;
  /** DN-DETR's label embedding [K + 1, d − 1]; null without denoising. */
  readonly label_enc: Embedding | null;
  readonly denoising: DenoisingConfig | null;
  private readonly noiseRng: Rng;

  constructor(parts: DabDetrParts) {
    super(parts, {
      classHead: 'focal',
      zeroBoxHead: true,
      queries: { name: 'refpoint_embed', dim: 4 },
      bboxEmbed: parts.transformer.decoder.bbox_embed,
    });
    const d = parts.transformer.dModel;
    this.denoising = parts.denoising === undefined || parts.denoising.groups === 0 ? null : { ...parts.denoising, numClasses: parts.numClasses };
    this.label_enc = this.denoising === null ? null : this.addModule('label_enc', new Embedding(parts.numClasses + 1, d - 1, parts.rng));
    this.noiseRng = parts.rng.fork();
  }

  protected boxesOf(raw: tf.Tensor, references: tf.Tensor | undefined): tf.Tensor {
    if (references === undefined) throw new Error('DABDETR: the transformer returned no anchors');
    return anchorRelativeBoxes(raw, references);
  }

  protected override denoisingPlan(targets: readonly DetectionTarget[]): DenoisingPlan | null {
    if (this.denoising === null) return null;
    const plain = targets.map((t) => ({ labels: t.labels.dataSync(), boxes: t.boxes.dataSync() }));
    return planDenoising(plain, this.denoising, seededDenoisingDraws(this.noiseRng));
  }

  protected override decoderQueries(active: tf.Tensor, batchSize: number, plan: DenoisingPlan | null): DecoderQueries {
    if (this.label_enc === null) return { queryEmbed: active };
    const { tgt, anchors } = denoisingQueries(plan, this.label_enc.weight, active, batchSize);
    return { queryEmbed: anchors, tgt };
  }
}
