// How a detector run is trained, as JSON (config.json and every checkpoint's metadata) with its
// io-ts codec: the detector (lib/models/detector.ts), the data (data.ts), DETR's training recipe
// and the dataset's categories.
import * as t from 'io-ts';
import { decodeOrThrow } from '../../io/decode.js';
import { type DetectorConfig, decodeDetectorConfig } from '../../models/detector.js';
import { type JsonObject, JsonObjectCodec } from '../../train/json.js';
import { DetectionAugmentsCodec, DetectionDataSpecCodec } from './data.js';

export const DetectionTrainingCodec = t.intersection([
  t.type({
    epochs: t.number,
    batchSize: t.number,
    lr: t.number,
    lrBackbone: t.number,
    weightDecay: t.number,
    lrDrop: t.number,
    clipMaxNorm: t.number,
    evalEvery: t.number,
    seed: t.number,
  }),
  /**
   * The run's budgets (lib/train TrainOptions): absent = none. `augment`: the training augmentation
   * (data.ts detectionTransforms; absent in older runs = the data source's default). `overfit`:
   * train on the first N training images and evaluate on the same N (run.ts).
   */
  t.partial({ maxSteps: t.number, timeBudgetSeconds: t.number, augment: DetectionAugmentsCodec, overfit: t.number }),
]);
export type DetectionTraining = t.TypeOf<typeof DetectionTrainingCodec>;

/** The `config` of a detection run (config.json and every checkpoint); `detector` is decoded by decodeDetectorConfig. */
const DetectionRunFieldsCodec = t.intersection([
  t.type({
    task: t.literal('detect'),
    detector: t.unknown,
    data: DetectionDataSpecCodec,
    training: DetectionTrainingCodec,
    /** The dataset's categories, so that predictions can be named without the data. */
    categories: t.array(t.type({ id: t.number, name: t.string })),
  }),
  /** The `--preset` the values started from (presets.ts); absent: none. */
  t.partial({ preset: t.string }),
]);
export type DetectionRunConfig = Omit<t.TypeOf<typeof DetectionRunFieldsCodec>, 'detector'> & { readonly detector: DetectorConfig };

export function decodeDetectionRunConfig(value: unknown, source: string): DetectionRunConfig {
  const fields = decodeOrThrow(DetectionRunFieldsCodec, value, source);
  return { ...fields, detector: decodeDetectorConfig(fields.detector, `${source} at $.detector`) };
}

/** The run config as the plain JSON object the training loop stores. */
export function runConfigJson(config: DetectionRunConfig): JsonObject {
  return decodeOrThrow(JsonObjectCodec, JSON.parse(JSON.stringify(config)), 'detection run config');
}
