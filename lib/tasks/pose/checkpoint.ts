// A trained pose regressor back from a checkpoint of `condformer train pose`: its run config
// (recipe and data) travels in the checkpoint metadata, decoded once (config.ts).
import { Rng } from '../../runtime/rng.js';
import { disposeCheckpoint, loadCheckpoint } from '../../train/checkpoint.js';
import { decodePoseRunConfig, type PoseRunConfig } from './config.js';
import { PoseTrainingModel } from './task.js';

/** The regressor (with its CameraPoseLoss s_x / s_q, eval mode) and the run config stored in the checkpoint. */
export async function loadPoseCheckpoint(path: string): Promise<PoseRunConfig & { readonly trained: PoseTrainingModel }> {
  const checkpoint = await loadCheckpoint(path);
  try {
    const { config, data } = decodePoseRunConfig(checkpoint.config, `${path} metadata 'config'`);
    const trained = new PoseTrainingModel(config, new Rng(0));
    trained.loadStateDict(checkpoint.weights);
    trained.eval();
    return { trained, config, data };
  } finally {
    disposeCheckpoint(checkpoint);
  }
}
