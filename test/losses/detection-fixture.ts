// The matcher_and_losses fixture as library inputs: targets, and the per-layer predictions of a part.
import type { DetectionOutputs, DetectionPrediction, DetectionTarget } from '../../losses/detection-types.js';
import type { Fixture } from '../helpers/safetensors-fixture.js';

export type Part = 'detr' | 'cond_detr';
export const NUM_LAYERS = 3;

export function fixtureTargets(fx: Fixture): DetectionTarget[] {
  return [0, 1].map((i) => ({ labels: fx.get(`input.targets.${i}.labels`), boxes: fx.get(`input.targets.${i}.boxes`) }));
}

/** Decoder layer l's prediction (l = 2 is the main output, 0 and 1 are aux_outputs). */
export function fixtureLayer(fx: Fixture, part: Part, l: number): DetectionPrediction {
  const prefix = l === NUM_LAYERS - 1 ? `input.${part}` : `input.${part}.aux_outputs.${l}`;
  return { predLogits: fx.get(`${prefix}.pred_logits`), predBoxes: fx.get(`${prefix}.pred_boxes`) };
}

export function fixtureOutputs(fx: Fixture, part: Part): DetectionOutputs {
  return { ...fixtureLayer(fx, part, NUM_LAYERS - 1), auxOutputs: [0, 1].map((l) => fixtureLayer(fx, part, l)) };
}
