// Smooth camera trajectories inside a scene's free region: the centre follows independent
// sinusoids per axis, the heading sweeps and wobbles, pitch and roll oscillate gently.
import type { Rng } from '../../lib/runtime/rng.js';
import { rotationToQuaternion } from '../quaternion.js';
import type { CameraPose } from './render.js';
import type { SceneSpec } from './scene.js';

export interface Trajectory {
  /** Per axis: cycles over the sequence and phase (radians); the amplitude is the free region's half-size. */
  readonly frequency: readonly [number, number, number];
  readonly phase: readonly [number, number, number];
  /** Heading (radians about +y, 0 = looking along +z): start, total sweep, wobble amplitude / cycles / phase. */
  readonly yaw: readonly [number, number, number, number, number];
  /** Pitch (radians, positive = up): amplitude, cycles, phase. */
  readonly pitch: readonly [number, number, number];
  /** Roll (radians): amplitude, cycles, phase. */
  readonly roll: readonly [number, number, number];
}

export function randomTrajectory(rng: Rng): Trajectory {
  const cycles = () => rng.range(0.5, 1.5);
  const phase = () => rng.range(0, 2 * Math.PI);
  return {
    frequency: [cycles(), cycles() * 2, cycles()],
    phase: [phase(), phase(), phase()],
    yaw: [phase(), rng.range(-Math.PI, Math.PI), rng.range(0.1, 0.6), cycles() * 2, phase()],
    pitch: [rng.range(0.05, MAX_PITCH), cycles(), phase()],
    roll: [rng.range(0, MAX_ROLL), cycles(), phase()],
  };
}

/**
 * The camera pose at progress s ∈ [0, 1] along the trajectory. Camera axes: x right, y down,
 * z forward (the 7-Scenes / OpenCV convention); q is camera-to-world, w ≥ 0.
 */
export function trajectoryPose(scene: SceneSpec, path: Trajectory, s: number): CameraPose {
  const wave = ([amplitude, cycles, phase]: readonly [number, number, number]) => amplitude * Math.sin(2 * Math.PI * cycles * s + phase);
  const t = [0, 1, 2].map((a) => {
    const centre = (scene.cameraMin[a]! + scene.cameraMax[a]!) / 2;
    const half = (scene.cameraMax[a]! - scene.cameraMin[a]!) / 2;
    return centre + wave([half, path.frequency[a]!, path.phase[a]!]);
  });
  const [yaw0, sweep, wobble, wobbleCycles, wobblePhase] = path.yaw;
  const yaw = yaw0 + sweep * s + wave([wobble, wobbleCycles, wobblePhase]);
  return cameraPose([t[0]!, t[1]!, t[2]!], yaw, wave(path.pitch), wave(path.roll));
}

/** Largest |pitch| and |roll| (radians) of randomTrajectory's poses, also the range of randomViewPose's. */
export const MAX_PITCH = 0.3;
export const MAX_ROLL = 0.1;

/**
 * A view drawn uniformly over the scene's free region (position) and headings (yaw ∈ [−π, π)),
 * pitch and roll uniform within the trajectories' range: the dense training views.
 */
export function randomViewPose(scene: SceneSpec, rng: Rng): CameraPose {
  const t = [0, 1, 2].map((a) => rng.range(scene.cameraMin[a]!, scene.cameraMax[a]!));
  return cameraPose([t[0]!, t[1]!, t[2]!], rng.range(-Math.PI, Math.PI), rng.range(-MAX_PITCH, MAX_PITCH), rng.range(-MAX_ROLL, MAX_ROLL));
}

/** The camera at `t` looking along heading `yaw` (about +y), tilted by `pitch` (up) and rolled by `roll`. */
function cameraPose(t: CameraPose['t'], yaw: number, pitch: number, roll: number): CameraPose {
  const f = [Math.cos(pitch) * Math.sin(yaw), Math.sin(pitch), Math.cos(pitch) * Math.cos(yaw)];
  // right = normalize(f × up), down = f × right (so right × down = forward).
  const rn = Math.hypot(f[2]!, f[0]!);
  const r0 = [-f[2]! / rn, 0, f[0]! / rn];
  const d0 = [f[1]! * r0[2]! - f[2]! * r0[1]!, f[2]! * r0[0]! - f[0]! * r0[2]!, f[0]! * r0[1]! - f[1]! * r0[0]!];
  const [c, sn] = [Math.cos(roll), Math.sin(roll)];
  const right = [0, 1, 2].map((a) => c * r0[a]! + sn * d0[a]!);
  const down = [0, 1, 2].map((a) => -sn * r0[a]! + c * d0[a]!);
  // Columns of the camera-to-world rotation are the camera axes in world coordinates.
  const R = [0, 1, 2].flatMap((a) => [right[a]!, down[a]!, f[a]!]);
  return { t, q: rotationToQuaternion(R) };
}
