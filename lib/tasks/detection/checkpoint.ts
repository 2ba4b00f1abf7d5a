// A trained detector back from a checkpoint of `condformer train detect`: its run config (model,
// data, categories) travels in the checkpoint metadata.
import { buildDetector, type Detector } from '../../models/detector.js';
import { Rng } from '../../runtime/rng.js';
import { disposeCheckpoint, loadCheckpoint } from '../../train/checkpoint.js';
import { type DetectionRunConfig, decodeDetectionRunConfig } from './config.js';

/** The model of a checkpoint with the run config stored in it (model in eval mode). */
export async function loadDetectorCheckpoint(path: string): Promise<{ model: Detector; config: DetectionRunConfig }> {
  const checkpoint = await loadCheckpoint(path);
  try {
    const config = decodeDetectionRunConfig(checkpoint.config, `${path} metadata 'config'`);
    const model = buildDetector(config.detector, new Rng(0));
    model.loadStateDict(checkpoint.weights);
    return { model: model.eval(), config };
  } finally {
    disposeCheckpoint(checkpoint);
  }
}
