// A detector from any weight file `predict detect` accepts: a condformer checkpoint of
// `train detect` (its run config inside), or an official DETR / Conditional DETR `.pth` / a
// `.safetensors` with official or Hugging Face names (lib/models/state-dict-file.ts), whose config
// is derived from the weights and the pickled args (lib/models/detector-from-state-dict.ts).
// Official COCO models (91 labels = COCO category ids) get COCO's category names.
import { cocoCategoryIdLabels } from '../../../datasets/coco-categories.js';
import type { CocoCategory } from '../../../datasets/coco-format.js';
import { buildDetector, type Detector, type DetectorConfig } from '../../models/detector.js';
import { detectorConfigFromStateDict } from '../../models/detector-from-state-dict.js';
import { readStateDictFile, type StateDictNames } from '../../models/state-dict-file.js';
import { StateDictError } from '../../nn/module.js';
import { readSafetensorsMetadata } from '../../nn/safetensors.js';
import { Rng } from '../../runtime/rng.js';
import { CHECKPOINT_FORMAT } from '../../train/checkpoint.js';
import { loadDetectorCheckpoint } from './checkpoint.js';

/** DETR's evaluation short side. */
export const OFFICIAL_IMAGE_SIZE = 800;

export interface DetectorWeights {
  /** In eval mode; the caller disposes it. */
  readonly model: Detector;
  readonly detector: DetectorConfig;
  /** The short side the model expects: the run's image size, or 800 (DETR's evaluation) for official weights. */
  readonly imageSize: number;
  /** Categories whose ids are the model's labels in 'contiguous' order. */
  readonly categories: CocoCategory[];
  readonly kind: 'condformer-checkpoint' | `${'pth' | 'safetensors'} (${StateDictNames} names)`;
  /** Skipped objects and assumptions, one line each. */
  readonly warnings: string[];
}

export interface DetectorWeightsOptions {
  /** The names in a state-dict file (default detected). */
  readonly from?: StateDictNames;
  /** Config fields the weights cannot tell (nheads without args, dilation) or that should win. */
  readonly overrides?: Partial<DetectorConfig>;
}

export async function loadDetectorWeights(path: string, options: DetectorWeightsOptions = {}): Promise<DetectorWeights> {
  const metadata = await readSafetensorsMetadata(path).catch((err: Error) => {
    throw new Error(`cannot read checkpoint ${path}: ${err.message}`);
  });
  if (metadata?.format === CHECKPOINT_FORMAT) {
    const { model, config } = await loadDetectorCheckpoint(path);
    return {
      model,
      detector: config.detector,
      imageSize: config.data.imageSize,
      categories: config.categories,
      kind: 'condformer-checkpoint',
      warnings: [],
    };
  }
  const file = await readStateDictFile(path, { from: options.from });
  try {
    const { config, notes } = detectorConfigFromStateDict(file.tensors, file.args, options.overrides ?? {}, path);
    const model = buildDetector(config, new Rng(0));
    try {
      model.loadStateDict(file.tensors, { layout: 'torch' });
    } catch (err) {
      model.dispose();
      if (err instanceof StateDictError)
        throw new Error(`${path}: the weights do not fit the derived config ${JSON.stringify(config)}: ${err.message}`);
      throw err;
    }
    const labels = config.numClasses;
    const categories = labels === 91 ? cocoCategoryIdLabels() : Array.from({ length: labels }, (_, id) => ({ id, name: `class ${id}` }));
    return {
      model: model.eval(),
      detector: config,
      imageSize: OFFICIAL_IMAGE_SIZE,
      categories,
      kind: `${file.format} (${file.names} names)`,
      warnings: [...file.warnings, ...notes],
    };
  } finally {
    for (const t of file.tensors.values()) t.dispose();
  }
}
