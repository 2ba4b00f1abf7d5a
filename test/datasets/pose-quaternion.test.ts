import { expect } from 'chai';
import { canonicalQuaternion, meanQuaternion, type Quaternion, quaternionToRotation, rotationToQuaternion } from '../../datasets/quaternion.js';

const S = Math.SQRT1_2;
const close = (a: readonly number[], b: readonly number[], tol = 1e-12) => a.forEach((v, i) => expect(v).to.be.closeTo(b[i]!, tol));
const deg = (d: number) => (d * Math.PI) / 180;

describe('pose quaternions', () => {
  it('rotation → quaternion, hand-computed (scalar first, w ≥ 0)', () => {
    close(rotationToQuaternion([0, -1, 0, 1, 0, 0, 0, 0, 1]), [S, 0, 0, S]); // 90° about z
    close(rotationToQuaternion([1, 0, 0, 0, 0, -1, 0, 1, 0]), [S, S, 0, 0]); // 90° about x
    close(rotationToQuaternion([0, 0, 1, 0, 1, 0, -1, 0, 0]), [S, 0, S, 0]); // 90° about y
    close(rotationToQuaternion([1, 0, 0, 0, -1, 0, 0, 0, -1]), [0, 1, 0, 0]); // 180° about x
    close(rotationToQuaternion([-1, 0, 0, 0, 1, 0, 0, 0, -1]), [0, 0, 1, 0]); // 180° about y
    close(rotationToQuaternion([-1, 0, 0, 0, -1, 0, 0, 0, 1]), [0, 0, 0, 1]); // 180° about z
    close(rotationToQuaternion([0, -1, 0, -1, 0, 0, 0, 0, -1]), [0, S, -S, 0]); // 180° about (1,-1,0)/√2
    close(rotationToQuaternion([0, 1, 0, -1, 0, 0, 0, 0, 1]), [S, 0, 0, -S]); // −90° about z: w stays ≥ 0
  });

  it('quaternion → rotation inverts rotation → quaternion in every branch', () => {
    const qs: Quaternion[] = [
      [0.9, 0.1, -0.3, 0.2],
      [0.1, 0.9, 0.2, -0.3],
      [0.1, -0.2, 0.9, 0.3],
      [0.05, 0.3, -0.2, 0.9],
      [-0.5, 0.5, 0.5, -0.5],
    ];
    for (const q of qs) close(rotationToQuaternion(quaternionToRotation(q)), canonicalQuaternion(q), 1e-12);
  });

  it('meanQuaternion sign-aligns q and −q', () => {
    const rz = (d: number): Quaternion => [Math.cos(deg(d) / 2), 0, 0, Math.sin(deg(d) / 2)];
    const q30 = rz(30);
    // 10° and −(30°) (the same rotation as 30°) average to 20° about z.
    close(meanQuaternion([rz(10), [-q30[0], -q30[1], -q30[2], -q30[3]]]), rz(20), 1e-12);
    expect(() => meanQuaternion([])).to.throw(/empty/);
  });
});
