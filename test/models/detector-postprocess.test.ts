import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { categoryMap } from '../../datasets/category-map.js';
import { postprocessDetections } from '../../lib/models/detection-postprocess.js';
import { toCocoResults } from '../../lib/tasks/detection/coco-results.js';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const close = (a: ArrayLike<number>, b: readonly number[], tol = 1e-5) => {
  expect(a.length).to.equal(b.length);
  Array.from(a).forEach((v, i) => expect(v).to.be.closeTo(b[i] as number, tol));
};

describe('detection post-processing', () => {
  // two queries: q0 cxcywh (0.5, 0.5, 0.2, 0.4) → xyxy (0.4, 0.3, 0.6, 0.7); q1 (0.25, 0.75, 0.5, 0.5) → (0, 0.5, 0.5, 1)
  const boxes = () =>
    tf.tensor3d([
      [
        [0.5, 0.5, 0.2, 0.4],
        [0.25, 0.75, 0.5, 0.5],
      ],
    ]);
  const size = [[100, 200]] as const; // h, w

  it('Conditional DETR: top-k of sigmoid scores over queries × classes, boxes in original pixels', async () => {
    const predLogits = tf.tensor3d([
      [
        [0, 2, -1],
        [1, -3, 3],
      ],
    ]);
    const predBoxes = boxes();
    const [d] = await postprocessDetections({ predLogits, predBoxes }, size, 'focal', 3);
    close(d?.scores ?? [], [sigmoid(3), sigmoid(2), sigmoid(1)]);
    expect(Array.from(d?.labels ?? [])).to.deep.equal([2, 1, 0]);
    close(d?.boxes ?? [], [0, 50, 100, 100, 80, 30, 120, 70, 0, 50, 100, 100], 1e-4);
    // default k = 100 is capped at NQ·K = 6
    const [all] = await postprocessDetections({ predLogits, predBoxes }, size, 'focal');
    expect(all?.scores.length).to.equal(6);
    expect(all?.scores[5]).to.be.closeTo(sigmoid(-3), 1e-6);
    tf.dispose([predLogits, predBoxes]);
  });

  it('DETR: softmax max without the no-object class, one detection per query', async () => {
    const predLogits = tf.tensor3d([
      [
        [2, 0, 0, 1],
        [0, 0, 1, 5],
      ],
    ]);
    const predBoxes = boxes();
    const [d] = await postprocessDetections({ predLogits, predBoxes }, size, 'softmax');
    const z0 = Math.exp(2) + 2 + Math.E;
    const z1 = 2 + Math.E + Math.exp(5);
    close(d?.scores ?? [], [Math.exp(2) / z0, Math.E / z1]);
    expect(Array.from(d?.labels ?? [])).to.deep.equal([0, 2]);
    close(d?.boxes ?? [], [80, 30, 120, 70, 0, 50, 100, 100], 1e-4);
    // COCO results: xywh, label → category id (contiguous ids 3, 7, 9)
    const categories = categoryMap([
      { id: 9, name: 'c' },
      { id: 3, name: 'a' },
      { id: 7, name: 'b' },
    ]);
    const results = toCocoResults(d as NonNullable<typeof d>, 42, categories);
    expect(results.map((r) => [r.image_id, r.category_id])).to.deep.equal([
      [42, 3],
      [42, 9],
    ]);
    close(results[0]?.bbox ?? [], [80, 30, 40, 40], 1e-4);
    close(results[1]?.bbox ?? [], [0, 50, 100, 50], 1e-4);
    // 'category-id' labels that are no category are dropped
    const raw = categoryMap([{ id: 2, name: 'x' }], 'category-id');
    expect(
      toCocoResults({ scores: Float32Array.of(0.9, 0.8), labels: Int32Array.of(1, 2), boxes: new Float32Array(8) }, 1, raw).map((r) => r.category_id),
    ).to.deep.equal([2]);
    tf.dispose([predLogits, predBoxes]);
  });

  it('scales every image by its own size', async () => {
    const predLogits = tf.zeros([2, 1, 2]);
    const predBoxes = tf.tensor3d([[[0.5, 0.5, 1, 1]], [[0.5, 0.5, 1, 1]]]);
    const out = await postprocessDetections(
      { predLogits, predBoxes },
      [
        [10, 20],
        [30, 40],
      ],
      'focal',
      1,
    );
    close(out[0]?.boxes ?? [], [0, 0, 20, 10]);
    close(out[1]?.boxes ?? [], [0, 0, 40, 30]);
    tf.dispose([predLogits, predBoxes]);
  });
});
