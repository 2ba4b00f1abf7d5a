// DN-DETR's `prepare_for_dn` against the official code (dn_detr_prepare.safetensors, replaying its
// stored random draws), the attention mask by hand (which query sees which) and the noise bounds.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { type DenoisingDraws, DN_DEFAULTS, denoisingQueries, planDenoising, seededDenoisingDraws } from '../../lib/models/denoising.js';
import { queryAttentionMask } from '../../lib/models/query-masks.js';
import { Rng } from '../../lib/runtime/rng.js';
import { loadFixture, maxAbsDiff } from '../transformer/fixture.js';

const TOL = 1e-4;

/** The fixture's draws, returned in call order (each checked for the length the call asks for). */
function storedDraws(labelP: ArrayLike<number>, newLabel: ArrayLike<number>, box: ArrayLike<number>): DenoisingDraws {
  const checked = <T extends ArrayLike<number>>(values: T, n: number, what: string): T => {
    if (values.length !== n) throw new Error(`${what}: asked for ${n}, stored ${values.length}`);
    return values;
  };
  return {
    labelFlips: (n) => checked(labelP, n, 'label_p'),
    newLabels: (n) => checked(newLabel, n, 'new_label'),
    boxNoise: (n) => checked(box, 4 * n, 'box'),
  };
}

describe('DN-DETR denoising queries (prepare_for_dn)', () => {
  it('matches the official queries, attention mask and bookkeeping with the stored draws', async () => {
    const fx = await loadFixture('dn_detr_prepare.safetensors');
    const values = (name: string) => Array.from(fx.input(name).dataSync());
    const targets = [0, 1].map((i) => ({ labels: values(`targets.${i}.labels`), boxes: values(`targets.${i}.boxes`) }));
    const draws = storedDraws(fx.input('rand.label_p').dataSync(), fx.input('rand.new_label').dataSync(), fx.input('rand.box').dataSync());
    const plan = planDenoising(targets, { ...DN_DEFAULTS, numClasses: 5 }, draws);
    const out = (name: string) => Array.from(fx.output(name).dataSync());
    expect(Array.from(plan.knownIndice)).to.deep.equal(out('mask_dict.known_indice'));
    expect(Array.from(plan.batchIdx)).to.deep.equal(out('mask_dict.batch_idx'));
    expect(Array.from(plan.mapKnownIndice)).to.deep.equal(out('mask_dict.map_known_indice'));
    expect(Array.from(plan.knownLabels)).to.deep.equal(out('mask_dict.known_labels'));
    expect(Array.from(plan.noisedLabels)).to.deep.equal(out('noised_labels'));
    expect(plan.padSize).to.equal(out('mask_dict.pad_size')[0]);
    const knowIdx = [0, 1].map((i) => out(`mask_dict.know_idx.${i}`));
    expect(knowIdx).to.deep.equal([[0, 1, 2], []]); // nonzero(ones(n_i)): 0 … n_i − 1
    const floats = (a: ArrayLike<number>, b: number[]) => Math.max(0, ...Array.from(a, (v, i) => Math.abs(v - (b[i] as number))));
    const diffs: Record<string, number> = {
      known_bboxs: floats(plan.knownBoxes, out('mask_dict.known_bboxs')),
      noised_boxes: floats(plan.noisedBoxes, out('noised_boxes')),
    };
    const labelEnc = fx.weights.get('label_enc.weight') as tf.Tensor;
    const refpoints = fx.weights.get('refpoint_embed.weight') as tf.Tensor;
    const before = tf.memory().numTensors;
    const seqFirst = (x: tf.Tensor) => tf.transpose(x, [1, 0, 2]);
    tf.tidy(() => {
      const train = denoisingQueries(plan, labelEnc, refpoints, 2);
      const infer = denoisingQueries(null, labelEnc, refpoints, 2);
      diffs.input_query_label = maxAbsDiff(seqFirst(train.tgt), fx.output('input_query_label'));
      diffs.input_query_bbox = maxAbsDiff(seqFirst(train.anchors), fx.output('input_query_bbox'));
      diffs['eval.input_query_label'] = maxAbsDiff(seqFirst(infer.tgt), fx.output('eval.input_query_label'));
      diffs['eval.input_query_bbox'] = maxAbsDiff(seqFirst(infer.anchors), fx.output('eval.input_query_bbox'));
    });
    expect(tf.memory().numTensors).to.equal(before);
    console.log(
      `      max |Δ| ${Object.entries(diffs)
        .map(([k, v]) => `${k} ${v.toExponential(2)}`)
        .join(', ')}`,
    );
    for (const [name, d] of Object.entries(diffs)) expect(d, name).to.be.below(TOL);
    const mask = queryAttentionMask({ denoisingGroups: 5, denoisingGroupSize: plan.singlePad, matchingGroups: 1, matchingGroupSize: 7 });
    expect(mask?.size).to.equal(22);
    expect(Array.from(mask?.blocked ?? [])).to.deep.equal(out('attn_mask'));
    fx.dispose();
  });

  it('masks by hand: 2 dn groups of 2 rows, 3 matching queries', () => {
    const mask = queryAttentionMask({ denoisingGroups: 2, denoisingGroupSize: 2, matchingGroups: 1, matchingGroupSize: 3 });
    // rows / columns: d0 d0 d1 d1 m m m; 1 = may not attend
    expect(mask?.size).to.equal(7);
    const rows = Array.from({ length: 7 }, (_, i) => Array.from(mask?.blocked.subarray(7 * i, 7 * i + 7) ?? []).join(''));
    expect(rows).to.deep.equal(['0011000', '0011000', '1100000', '1100000', '1111000', '1111000', '1111000']);
  });

  it('masks Group DETR block-diagonally, and dn groups see every matching group', () => {
    const groupsOnly = queryAttentionMask({ denoisingGroups: 0, denoisingGroupSize: 0, matchingGroups: 3, matchingGroupSize: 2 });
    const rows = (m: typeof groupsOnly, n: number) =>
      Array.from({ length: n }, (_, i) => Array.from(m?.blocked.subarray(n * i, n * i + n) ?? []).join(''));
    expect(rows(groupsOnly, 6)).to.deep.equal(['001111', '001111', '110011', '110011', '111100', '111100']);
    const both = queryAttentionMask({ denoisingGroups: 1, denoisingGroupSize: 1, matchingGroups: 2, matchingGroupSize: 2 });
    expect(rows(both, 5)).to.deep.equal(['00000', '10011', '10011', '11100', '11100']);
    expect(queryAttentionMask({ denoisingGroups: 0, denoisingGroupSize: 3, matchingGroups: 1, matchingGroupSize: 4 })).to.equal(null);
  });

  it('keeps the noise within its bounds and is reproducible from a seed', () => {
    const targets = [
      { labels: [1, 3], boxes: [0.5, 0.5, 0.2, 0.4, 0.3, 0.6, 0.1, 0.1] },
      { labels: [0], boxes: [0.02, 0.97, 0.3, 0.2] },
    ];
    const config = { groups: 50, labelNoise: 0.2, boxNoise: 0.4, numClasses: 4 };
    const plan = planDenoising(targets, config, seededDenoisingDraws(new Rng(7)));
    const again = planDenoising(targets, config, seededDenoisingDraws(new Rng(7)));
    expect(Array.from(again.noisedBoxes)).to.deep.equal(Array.from(plan.noisedBoxes));
    expect(Array.from(again.noisedLabels)).to.deep.equal(Array.from(plan.noisedLabels));
    let flipped = 0;
    for (let j = 0; j < plan.knownLabels.length; j++) {
      const [cx, cy, w, h] = Array.from(plan.knownBoxes.subarray(4 * j, 4 * j + 4)) as [number, number, number, number];
      const [ncx, ncy, nw, nh] = Array.from(plan.noisedBoxes.subarray(4 * j, 4 * j + 4)) as [number, number, number, number];
      // centre within ±λ·(w/2, h/2), size within ±λ·(w, h), everything clamped to [0, 1]
      const within = (v: number, centre: number, half: number) => v >= Math.max(0, centre - half) - 1e-6 && v <= Math.min(1, centre + half) + 1e-6;
      expect(
        within(ncx, cx, 0.4 * (w / 2)) && within(ncy, cy, 0.4 * (h / 2)) && within(nw, w, 0.4 * w) && within(nh, h, 0.4 * h),
        `entry ${j}`,
      ).to.equal(true);
      expect(plan.noisedLabels[j]).to.be.within(0, 3);
      if (plan.noisedLabels[j] !== plan.knownLabels[j]) flipped++;
    }
    // 150 entries, re-drawn with p 0.2, changed with p 0.2 · 3/4 = 0.15: expect ≈ 22.5
    expect(flipped).to.be.within(8, 40);
    // the clamp is reached (box 2's centre x 0.02 − up to 0.06; centre y 0.97 + up to 0.04)
    expect(Math.min(...Array.from({ length: 50 }, (_, g) => plan.noisedBoxes[4 * (3 * g + 2)] as number))).to.equal(0);
    expect(Math.max(...Array.from({ length: 50 }, (_, g) => plan.noisedBoxes[4 * (3 * g + 2) + 1] as number))).to.equal(1);
  });
});
