// The "predict the scene mean" baseline: per scene, the mean training position and the mean
// training orientation (sign-aligned quaternion average). A regressor that has learnt anything
// beats it; one that only recognises the scene matches it.
import type { PoseTable } from './pose-csv.js';
import { meanQuaternion, type Quaternion, type Vec3 } from './quaternion.js';

export interface SceneMeanPose {
  readonly scene: string;
  readonly t: Vec3;
  readonly q: Quaternion;
}

/** Mean pose of each scene of `train`, in `train.scenes` order (scenes with no rows are omitted). */
export function sceneMeanPoses(train: PoseTable): SceneMeanPose[] {
  return train.scenes.flatMap((scene) => {
    const rows = train.rows.filter((r) => r.scene === scene);
    if (rows.length === 0) return [];
    const mean = (k: number) => rows.reduce((s, r) => s + r.t[k]!, 0) / rows.length;
    const t: Vec3 = [mean(0), mean(1), mean(2)];
    return [{ scene, t, q: meanQuaternion(rows.map((r) => r.q)) }];
  });
}

/** [N, 7] predictions for `rows`: each row gets its scene's mean pose (throws for an unknown scene). */
export function predictSceneMeans(means: readonly SceneMeanPose[], rows: PoseTable['rows']): Float64Array {
  const byScene = new Map(means.map((m) => [m.scene, m]));
  const out = new Float64Array(rows.length * 7);
  rows.forEach((r, i) => {
    const m = byScene.get(r.scene);
    if (m === undefined) throw new RangeError(`no training poses for scene '${r.scene}'`);
    out.set([...m.t, ...m.q], 7 * i);
  });
  return out;
}
