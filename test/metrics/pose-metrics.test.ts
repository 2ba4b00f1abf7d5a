import { expect } from 'chai';
import {
  CAMBRIDGE_POSE_THRESHOLDS,
  DEFAULT_POSE_THRESHOLDS,
  defaultPoseThresholds,
  evaluatePoses,
  formatPoseTable,
  lowerMedian,
  parsePoseThresholds,
  poseErrors,
  poseEvaluationJson,
} from '../../lib/metrics/pose-metrics.js';

const rad = (deg: number) => (deg * Math.PI) / 180;
/** Rotation by `deg` about x, scalar first. */
const qx = (deg: number) => [Math.cos(rad(deg) / 2), Math.sin(rad(deg) / 2), 0, 0];

describe('pose metrics', () => {
  it('position error is the L2 distance and orientation error 2·acos|<q, q̂>| of unit quaternions', () => {
    const target = [0, 0, 0, 1, 0, 0, 0, /**/ 0, 0, 0, 2, 0, 0, 0, /**/ 1, 1, 1, 1, 0, 0, 0];
    const predicted = [3, 4, 0, Math.SQRT1_2, 0, 0, Math.SQRT1_2, /* 90° about z */ 0, 0, 0, -3, 0, 0, 0, /* -q: same rotation */ 1, 1, 1, ...qx(30)];
    const e = poseErrors(predicted, target);
    expect(Array.from(e.position)).to.deep.equal([5, 0, 0]);
    expect(e.orientation[0]).to.be.closeTo(90, 1e-9);
    expect(e.orientation[1]).to.equal(0); // |<q,q̂>| = 1 exactly, clamped: no NaN
    expect(e.orientation[2]).to.be.closeTo(30, 1e-9);
  });

  it('lowerMedian follows torch.median (lower of the two middle values)', () => {
    expect(lowerMedian([4, 1, 3, 2])).to.equal(2);
    expect(lowerMedian([5, 1, 3])).to.equal(3);
    expect(lowerMedian([])).to.be.NaN;
  });

  it('per-scene medians, scene average and recall at the default thresholds', () => {
    const rows: { scene: string; dpos: number[]; deg: number }[] = [
      { scene: 'b', dpos: [0.2, 0, 0], deg: 1 },
      { scene: 'a', dpos: [3, 4, 0], deg: 90 },
      { scene: 'a', dpos: [0, 0, 0], deg: 0 },
      { scene: 'a', dpos: [0, 0, 1], deg: 10 },
      { scene: 'b', dpos: [0, 0.4, 0], deg: 3 },
    ];
    const target: number[] = [];
    const predicted: number[] = [];
    for (const r of rows) {
      target.push(1, 2, 3, 1, 0, 0, 0);
      predicted.push(1 + r.dpos[0]!, 2 + r.dpos[1]!, 3 + r.dpos[2]!, ...qx(r.deg));
    }
    const e = evaluatePoses(
      predicted,
      target,
      rows.map((r) => r.scene),
    );
    expect(e.scenes.map((s) => s.scene)).to.deep.equal(['a', 'b']);
    const [a, b] = e.scenes;
    expect(a!.medianPositionError).to.be.closeTo(1, 1e-12);
    expect(a!.medianOrientationError).to.be.closeTo(10, 1e-9);
    expect(b!.medianPositionError).to.be.closeTo(0.2, 1e-12);
    expect(b!.medianOrientationError).to.be.closeTo(1, 1e-9);
    expect(e.average.medianPositionError).to.be.closeTo(0.6, 1e-12);
    expect(e.average.medianOrientationError).to.be.closeTo(5.5, 1e-9);
    // (0.25 m, 2°): a(0,0°), b(0.2,1°) → 2/5; (0.5 m, 5°): + b(0.4,3°) → 3/5; (5 m, 10°): + a(1,10°) → 4/5
    expect(e.recall).to.deep.equal({ '0.25m/2deg': 0.4, '0.5m/5deg': 0.6, '5m/10deg': 0.8 });
    expect(a!.recall['5m/10deg']).to.be.closeTo(2 / 3, 1e-12);
    expect(e.thresholds).to.equal(DEFAULT_POSE_THRESHOLDS);

    const json = poseEvaluationJson(e);
    expect(json.scenes[1]).to.include({ scene: 'b', count: 2 });
    expect(JSON.parse(JSON.stringify(json)).average.medianOrientationError).to.be.closeTo(5.5, 1e-9);
    const table = formatPoseTable(e);
    expect(table.split('\n')).to.have.length(5);
    expect(table).to.match(/average\s+5\s+0\.600\s+5\.50\s+40\.0%\s+60\.0%\s+80\.0%/);
  });

  it('custom thresholds', () => {
    const e = evaluatePoses(
      [0.1, 0, 0, 1, 0, 0, 0],
      [0, 0, 0, 1, 0, 0, 0],
      ['s'],
      [
        { meters: 0.05, degrees: 1 },
        { meters: 0.1, degrees: 1 },
      ],
    );
    expect(e.recall).to.deep.equal({ '0.05m/1deg': 0, '0.1m/1deg': 1 });
  });
});

describe('recall thresholds of table 4', () => {
  it('picks 7Scenes thresholds for 7Scenes scenes and Cambridge thresholds otherwise', () => {
    expect(defaultPoseThresholds(['chess', 'Fire'])).to.deep.equal([
      { meters: 0.2, degrees: 5 },
      { meters: 0.2, degrees: 10 },
      { meters: 0.3, degrees: 5 },
      { meters: 0.3, degrees: 10 },
    ]);
    expect(defaultPoseThresholds(['KingsCollege', 'chess'])).to.equal(CAMBRIDGE_POSE_THRESHOLDS);
    expect(CAMBRIDGE_POSE_THRESHOLDS.map((t) => [t.meters, t.degrees])).to.deep.equal([
      [1, 5],
      [1, 10],
      [2, 5],
      [2, 10],
    ]);
  });

  it('parses metres:degrees pairs and refuses anything else', () => {
    expect(parsePoseThresholds('0.2:5, 1:10', '--thresholds')).to.deep.equal([
      { meters: 0.2, degrees: 5 },
      { meters: 1, degrees: 10 },
    ]);
    for (const bad of ['', '1', '1:x', '1:5:3', '-1:5', '1:5,'])
      expect(() => parsePoseThresholds(bad, '--thresholds'), bad).to.throw(/--thresholds: expected metres:degrees pairs/);
  });

  it('counts an image at a threshold only when both errors are within it', () => {
    // errors: (0.5 m, 0°), (1.5 m, 0°), (0.1 m, 8°)
    const predicted = [0.5, 0, 0, 1, 0, 0, 0, 1.5, 0, 0, 1, 0, 0, 0, 0.1, 0, 0, ...qx(8)];
    const target = [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0];
    const e = evaluatePoses(predicted, target, ['a', 'a', 'a'], CAMBRIDGE_POSE_THRESHOLDS);
    expect(e.recall).to.deep.equal({ '1m/5deg': 1 / 3, '1m/10deg': 2 / 3, '2m/5deg': 2 / 3, '2m/10deg': 1 });
  });
});
