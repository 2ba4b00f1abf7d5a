// Rotation helpers for camera poses. Quaternions are scalar first, (w, x, y, z), as in the
// MS-Transformer label files; rotation matrices are row-major 3×3 arrays.

export type Vec3 = readonly [number, number, number];
export type Quaternion = readonly [number, number, number, number];
/** Row-major 3×3 rotation matrix: [r00, r01, r02, r10, ..., r22]. */
export type Matrix3 = readonly number[];

/**
 * Unit quaternion with the same orientation and w ≥ 0 (q and −q are the same rotation); when w is
 * exactly 0 (a 180° rotation) the first non-zero component is made positive.
 */
export function canonicalQuaternion(q: Quaternion): Quaternion {
  const n = Math.hypot(q[0], q[1], q[2], q[3]);
  if (!(n > 0)) throw new RangeError(`cannot normalise the zero quaternion`);
  const leading = q.find((v) => v !== 0) ?? 1;
  const s = (q[0] === 0 ? leading : q[0]) < 0 ? -1 / n : 1 / n;
  return [q[0] * s, q[1] * s, q[2] * s, q[3] * s];
}

/**
 * Rotation matrix → unit quaternion (Shepperd's method: the largest of w², x², y², z² picks the
 * numerically stable branch), sign-normalised so that w ≥ 0.
 */
export function rotationToQuaternion(r: Matrix3): Quaternion {
  if (r.length !== 9) throw new RangeError(`rotation matrix must have 9 entries, got ${r.length}`);
  const [m00, m01, m02, m10, m11, m12, m20, m21, m22] = r;
  const trace = m00 + m11 + m22;
  let q: Quaternion;
  if (trace > 0) {
    const s = 2 * Math.sqrt(1 + trace); // s = 4w
    q = [s / 4, (m21 - m12) / s, (m02 - m20) / s, (m10 - m01) / s];
  } else if (m00 > m11 && m00 > m22) {
    const s = 2 * Math.sqrt(1 + m00 - m11 - m22); // s = 4x
    q = [(m21 - m12) / s, s / 4, (m01 + m10) / s, (m02 + m20) / s];
  } else if (m11 > m22) {
    const s = 2 * Math.sqrt(1 + m11 - m00 - m22); // s = 4y
    q = [(m02 - m20) / s, (m01 + m10) / s, s / 4, (m12 + m21) / s];
  } else {
    const s = 2 * Math.sqrt(1 + m22 - m00 - m11); // s = 4z
    q = [(m10 - m01) / s, (m02 + m20) / s, (m12 + m21) / s, s / 4];
  }
  return canonicalQuaternion(q);
}

/** Unit quaternion (w, x, y, z) → row-major rotation matrix. The input is normalised first. */
export function quaternionToRotation(quaternion: Quaternion): Matrix3 {
  const [w, x, y, z] = canonicalQuaternion(quaternion);
  return [
    1 - 2 * (y * y + z * z),
    2 * (x * y - w * z),
    2 * (x * z + w * y),
    2 * (x * y + w * z),
    1 - 2 * (x * x + z * z),
    2 * (y * z - w * x),
    2 * (x * z - w * y),
    2 * (y * z + w * x),
    1 - 2 * (x * x + y * y),
  ];
}

/**
 * Mean orientation of a set of quaternions: each is sign-aligned with the first (so q and −q vote
 * together), the aligned quaternions are summed and the sum normalised (w ≥ 0). A good
 * approximation of the rotation average when the orientations are not spread over more than ~90°.
 */
export function meanQuaternion(quaternions: readonly Quaternion[]): Quaternion {
  const first = quaternions[0];
  if (first === undefined) throw new RangeError('meanQuaternion of an empty set');
  const ref = canonicalQuaternion(first);
  const sum = [0, 0, 0, 0];
  for (const raw of quaternions) {
    const q = canonicalQuaternion(raw);
    const sign = q[0] * ref[0] + q[1] * ref[1] + q[2] * ref[2] + q[3] * ref[3] < 0 ? -1 : 1;
    for (let i = 0; i < 4; i++) sum[i] += sign * q[i];
  }
  return canonicalQuaternion([sum[0], sum[1], sum[2], sum[3]]);
}
