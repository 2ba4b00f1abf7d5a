import { expect } from 'chai';
import { isCollapsed, type MatchRecord, matchingChange, queryCollapseStats, queryOfTarget } from '../../lib/diagnostics/query-collapse.js';
import type { RunData } from '../../lib/report/run-data.js';
import { convergenceFigure, metricPoints } from '../../lib/report/run-figures.js';

describe('diagnostics/query-collapse', () => {
  it('box spread and top-class share (hand-computed), softmax no-object class ignored', () => {
    // q0 boxes (0.2, 0.2, 0.1, 0.1), q1 (0.4, 0.6, 0.3, 0.1): mean (0.3, 0.4, 0.2, 0.1), L1 0.4 each → 0.8 / 8 = 0.1
    // classes without no-object: q0 argmax 0 (2 > 1), q1 argmax 1 (3 > 0): share 1/2
    const stats = queryCollapseStats([2, 1, 9, 0, 3, 9], [0.2, 0.2, 0.1, 0.1, 0.4, 0.6, 0.3, 0.1], { images: 1, queries: 2, classes: 3 });
    expect(stats.boxSpread).to.be.closeTo(0.1, 1e-12);
    expect(stats.topClassShare).to.equal(0.5);
    expect(isCollapsed(stats)).to.equal(false);
    // two images × three identical queries on one class (focal head: every class counts): spread 0, share 1
    const same = [0.5, 0.5, 0.2, 0.2];
    const collapsed = queryCollapseStats(
      Array(12)
        .fill(0)
        .map((_, i) => (i % 2 === 1 ? 5 : 0)),
      Array(6).fill(same).flat(),
      { images: 2, queries: 3, classes: 2 },
      false,
    );
    expect(collapsed).to.deep.equal({ boxSpread: 0, topClassShare: 1 });
    expect(isCollapsed(collapsed)).to.equal(true);
  });

  it('matching change: the share of matched targets whose query changed, over comparable images', () => {
    expect(Array.from(queryOfTarget({ src: [7, 2], tgt: [1, 0] }, 2))).to.deep.equal([2, 7]);
    const previous: MatchRecord = new Map([
      [1, Int32Array.from([0, 3])],
      [2, Int32Array.from([5])],
      [4, Int32Array.from([1, 2])],
    ]);
    const current: MatchRecord = new Map([
      [1, Int32Array.from([0, 4])], // 1 of 2 changed
      [2, Int32Array.from([5])], // 0 of 1
      [3, Int32Array.from([1])], // not matched before: skipped
      [4, Int32Array.from([2])], // a crop dropped a target: not comparable
    ]);
    expect(matchingChange(previous, current)).to.be.closeTo(1 / 3, 1e-15);
    expect(matchingChange(new Map(), current)).to.equal(null);
  });

  it('the report draws matching change per epoch and warns about a collapsed evaluation', () => {
    const run = {
      label: 'r',
      epochs: [
        { type: 'epoch', epoch: 0, loss: 1, terms: {}, imagesPerSec: 1, seconds: 1, diagnostics: {} },
        { type: 'epoch', epoch: 1, loss: 1, terms: {}, imagesPerSec: 1, seconds: 1, diagnostics: { matchingChange: 0.25 } },
      ],
      evals: [{ type: 'eval', epoch: 1, metrics: { AP: 0, queryBoxSpread: 0.001, queryTopClassShare: 1, queryCollapse: 1 } }],
    } as unknown as RunData;
    const figure = convergenceFigure([run], metricPoints([run]), { field: 'run', title: 'run' });
    expect(figure?.caption).to.match(/^WARNING: query collapse .* at r epoch 2\. /);
    const values = JSON.stringify(figure?.spec);
    expect(values).to.include('"panel":"matchingChange","value":0.25');
    expect(values).to.include('"panel":"queryBoxSpread","value":0.001');
  });
});
