// Group DETR's criterion (Chen et al., "Group DETR", the Conditional DETR authors): the K query
// groups of a training forward are K independent detectors. Each group is Hungarian-matched to
// the targets on its own (one-to-one within the group, so every target is matched once per
// group) and the set losses are averaged over the groups. With K = 1 this is the plain criterion.
import * as tf from '@tensorflow/tfjs';
import type { DetectionOutputs, DetectionPrediction, DetectionTarget, ImageMatch } from './detection-types.js';
import type { CriterionOutput, DetectionLosses, LossKey, SetCriterion } from './set-criterion.js';

/** [B, K·NQ, …] → K predictions [B, NQ, …] (group g = queries g·NQ … (g+1)·NQ − 1); caller disposes. */
export function splitQueryGroups(outputs: DetectionOutputs, groups: number): DetectionOutputs[] {
  const slice = (p: DetectionPrediction, g: number): DetectionPrediction => {
    const nq = (p.predLogits.shape[1] as number) / groups;
    if (!Number.isInteger(nq)) throw new Error(`splitQueryGroups: ${p.predLogits.shape[1]} queries do not split into ${groups} groups`);
    return { predLogits: tf.slice(p.predLogits, [0, g * nq], [-1, nq]), predBoxes: tf.slice(p.predBoxes, [0, g * nq], [-1, nq]) };
  };
  return Array.from({ length: groups }, (_, g) => ({
    ...slice(outputs, g),
    ...(outputs.auxOutputs === undefined ? {} : { auxOutputs: outputs.auxOutputs.map((a) => slice(a, g)) }),
  }));
}

export interface GroupedCriterionOutput extends CriterionOutput {
  /** [group][layer][image]: each group's own matching, query indices within the group. */
  readonly matches: ImageMatch[][][];
}

/** Match every group separately (synchronous read-back, usable inside tf.variableGrads) and average the losses over groups. */
export function groupedSetLosses(
  criterion: SetCriterion,
  outputs: DetectionOutputs,
  targets: readonly DetectionTarget[],
  groups: number,
): GroupedCriterionOutput {
  if (groups === 1) {
    const matches = criterion.matchSync(outputs, targets);
    return { ...criterion.compute(outputs, targets, matches), matches: [matches] };
  }
  const parts = splitQueryGroups(outputs, groups);
  const matches = parts.map((part) => criterion.matchSync(part, targets));
  const results = parts.map((part, g) => criterion.compute(part, targets, matches[g] as ImageMatch[][]));
  const keys = Object.keys(results[0]?.losses ?? {}) as LossKey[];
  const mean = (values: tf.Scalar[]): tf.Scalar => tf.tidy(() => tf.div(tf.addN(values), groups) as tf.Scalar);
  const losses = Object.fromEntries(keys.map((k) => [k, mean(results.map((r) => r.losses[k]))])) as DetectionLosses;
  const total = mean(results.map((r) => r.total));
  tf.dispose([
    results.map((r) => [r.total, Object.values(r.losses)]),
    parts.map((p) => [p.predLogits, p.predBoxes, (p.auxOutputs ?? []).map((a) => [a.predLogits, a.predBoxes])]),
  ]);
  return { losses, total, matches };
}
