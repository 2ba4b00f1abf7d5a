// DETR / Conditional DETR `HungarianMatcher`: a one-to-one matching of queries to targets minimising
// cost_class·class cost + cost_bbox·L1 + cost_giou·(−GIoU). The cost matrices of all images (and of
// all decoder layers handed in together) come from one batched tensor computation with the targets
// of every image concatenated, read back once, then split per image and solved with munkres.
import * as tf from '@tensorflow/tfjs';
import { boxCxcywhToXyxy, generalizedBoxIou } from './box-ops.js';
import type { DetectionPrediction, DetectionTarget, ImageMatch } from './detection-types.js';
import { linearSumAssignment } from './linear-sum-assignment.js';

/** softmax: −p(class), DETR. focal: the focal positive − negative cost (α 0.25, γ 2), Conditional DETR. */
export type ClassCost = 'softmax' | 'focal';

export interface HungarianMatcherConfig {
  readonly classCost: ClassCost;
  readonly costClass: number;
  readonly costBbox: number;
  readonly costGiou: number;
}

/** Hard-coded in Conditional DETR's matcher. */
const FOCAL_ALPHA = 0.25;
const FOCAL_GAMMA = 2;

export class HungarianMatcher {
  constructor(readonly config: HungarianMatcherConfig) {
    if (config.costClass === 0 && config.costBbox === 0 && config.costGiou === 0) throw new Error("all costs can't be 0");
  }

  /** DETR defaults: softmax class cost 1, L1 5, GIoU 2. */
  static detr(): HungarianMatcher {
    return new HungarianMatcher({ classCost: 'softmax', costClass: 1, costBbox: 5, costGiou: 2 });
  }

  /** Conditional DETR defaults: focal class cost 2, L1 5, GIoU 2. */
  static conditionalDetr(): HungarianMatcher {
    return new HungarianMatcher({ classCost: 'focal', costClass: 2, costBbox: 5, costGiou: 2 });
  }

  /**
   * The cost of every query of every image against every target of the batch:
   * [B·NQ, T] with T = Σ n_i, targets in image order. Image i's matrix is its NQ rows and n_i columns.
   */
  costMatrix(prediction: DetectionPrediction, targets: readonly DetectionTarget[]): tf.Tensor2D {
    return tf.tidy(() => {
      const [b, nq, numLogits] = prediction.predLogits.shape as [number, number, number];
      const logits = tf.reshape(prediction.predLogits, [b * nq, numLogits]) as tf.Tensor2D;
      const outBoxes = tf.reshape(prediction.predBoxes, [b * nq, 4]) as tf.Tensor2D;
      const tgtIds = tf.concat(targets.map((t) => t.labels)) as tf.Tensor1D;
      const tgtBoxes = tf.concat(targets.map((t) => t.boxes)) as tf.Tensor2D;
      const classCost = tf.gather(this.classCostPerClass(logits), tgtIds, 1); // [B·NQ, T]
      const l1Cost = tf.sum(tf.abs(tf.sub(tf.expandDims(outBoxes, 1), tf.expandDims(tgtBoxes, 0))), -1); // [B·NQ, T]
      const giouCost = tf.neg(generalizedBoxIou(boxCxcywhToXyxy(outBoxes) as tf.Tensor2D, boxCxcywhToXyxy(tgtBoxes) as tf.Tensor2D));
      const { costClass, costBbox, costGiou } = this.config;
      return tf.addN([tf.mul(l1Cost, costBbox), tf.mul(classCost, costClass), tf.mul(giouCost, costGiou)]) as tf.Tensor2D;
    });
  }

  /** [N, C] logits → [N, C] cost of assigning each row to each class. */
  private classCostPerClass(logits: tf.Tensor2D): tf.Tensor2D {
    if (this.config.classCost === 'softmax') return tf.neg(tf.softmax(logits));
    const p = tf.sigmoid(logits);
    const neg = tf.mul(tf.mul(1 - FOCAL_ALPHA, tf.pow(p, FOCAL_GAMMA)), tf.neg(tf.log(tf.add(tf.sub(1, p), 1e-8))));
    const pos = tf.mul(tf.mul(FOCAL_ALPHA, tf.pow(tf.sub(1, p), FOCAL_GAMMA)), tf.neg(tf.log(tf.add(p, 1e-8))));
    return tf.sub(pos, neg);
  }

  /** Matches of one prediction: one entry per image. */
  async match(prediction: DetectionPrediction, targets: readonly DetectionTarget[]): Promise<ImageMatch[]> {
    return (await this.matchLayers([prediction], targets))[0] as ImageMatch[];
  }

  /** Matches of several decoder layers with a single read-back: [layer][image]. */
  async matchLayers(layers: readonly DetectionPrediction[], targets: readonly DetectionTarget[]): Promise<ImageMatch[][]> {
    const stacked = this.stackedCosts(layers, targets);
    if (stacked === null) return this.solve(layers, targets, new Float32Array(0));
    const data = (await stacked.data()) as Float32Array;
    stacked.dispose();
    return this.solve(layers, targets, data);
  }

  /** `matchLayers` with a synchronous read-back (dataSync), for use inside `tf.variableGrads`. */
  matchLayersSync(layers: readonly DetectionPrediction[], targets: readonly DetectionTarget[]): ImageMatch[][] {
    const stacked = this.stackedCosts(layers, targets);
    if (stacked === null) return this.solve(layers, targets, new Float32Array(0));
    const data = stacked.dataSync() as Float32Array;
    stacked.dispose();
    return this.solve(layers, targets, data);
  }

  /** [L, B·NQ, T], or null when the batch has no targets at all. */
  private stackedCosts(layers: readonly DetectionPrediction[], targets: readonly DetectionTarget[]): tf.Tensor3D | null {
    if (targets.every((t) => t.labels.shape[0] === 0)) return null;
    return tf.tidy(() => tf.stack(layers.map((layer) => this.costMatrix(layer, targets))) as tf.Tensor3D);
  }

  /** Split the flat [L, B·NQ, T] costs per layer and image and solve each assignment. */
  private solve(layers: readonly DetectionPrediction[], targets: readonly DetectionTarget[], costs: Float32Array): ImageMatch[][] {
    const sizes = targets.map((t) => t.labels.shape[0] as number);
    const total = sizes.reduce((a, b) => a + b, 0);
    return layers.map((layer, l) => {
      const [b, nq] = layer.predLogits.shape as [number, number];
      if (b !== targets.length) throw new Error(`HungarianMatcher: ${b} images of predictions but ${targets.length} targets`);
      let offset = 0;
      return sizes.map((n, i) => {
        const rows = Array.from({ length: nq }, (_, q) => {
          const start = (l * b * nq + i * nq + q) * total + offset;
          return costs.subarray(start, start + n);
        });
        offset += n;
        const { rows: src, cols: tgt } = linearSumAssignment(n === 0 ? [] : rows);
        return { src, tgt };
      });
    });
  }
}
