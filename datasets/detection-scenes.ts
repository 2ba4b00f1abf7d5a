// The built-in detection benchmark: a ladder of synthetic scenes whose objects are resolvable at
// the small CNN's stride 8 (a 64×64 image gives an 8×8 map, a cell of 8 px; the smallest object
// side is 10–14 px at 64²), from an easy control to a cluttered multi-object task. A scene is a
// name → a synthetic-shapes configuration; sides scale with the image size (given at 64²).
//
//   squares: one white rectangle (12–35 px a side) on black, 1 class: localisation only.
//   shapes:  1–3 coloured rectangles / ellipses / triangles (14–32 px) on textured backgrounds, 3 classes.
//   clutter: 2–6 of all five kinds (10–28 px), overlapping up to IoU 0.4, on textured backgrounds, 5 classes.
import { generateSyntheticShapes, SHAPE_KINDS, type SyntheticShapes, type SyntheticShapesConfig } from './synthetic-shapes.js';

export const DETECTION_SCENES = ['squares', 'shapes', 'clutter'] as const;
export type DetectionScene = (typeof DETECTION_SCENES)[number];

type SceneRecipe = Omit<SyntheticShapesConfig, 'count' | 'height' | 'width' | 'seed' | 'sides'> & {
  /** Box sides at a 64×64 image, in pixels (scaled with the image's shorter side). */
  readonly sides64: readonly [number, number];
};

const SCENES: Readonly<Record<DetectionScene, SceneRecipe>> = {
  squares: { kinds: ['rectangle'], minObjects: 1, maxObjects: 1, sides64: [12, 35], plain: true },
  shapes: { kinds: ['rectangle', 'ellipse', 'triangle'], minObjects: 1, maxObjects: 3, sides64: [14, 32], maxOverlapIou: 0.1 },
  clutter: { kinds: SHAPE_KINDS, minObjects: 2, maxObjects: 6, sides64: [10, 28], maxOverlapIou: 0.4 },
};

/** The synthetic-shapes configuration of `scene` at a height × width image. */
export function detectionSceneConfig(
  scene: DetectionScene,
  options: { readonly count: number; readonly height: number; readonly width: number; readonly seed: number | string },
): SyntheticShapesConfig {
  const { sides64, ...recipe } = SCENES[scene];
  const scale = Math.min(options.height, options.width) / 64;
  const sides: [number, number] = [Math.max(2, Math.round(sides64[0] * scale)), Math.max(2, Math.round(sides64[1] * scale))];
  return { ...recipe, ...options, sides, seed: `${scene}:${options.seed}` };
}

/** Images 1..count of `scene` with COCO ground truth, in memory (deterministic in the seed). */
export function generateDetectionScene(
  scene: DetectionScene,
  options: { readonly count: number; readonly height: number; readonly width: number; readonly seed: number | string },
): SyntheticShapes {
  return generateSyntheticShapes(detectionSceneConfig(scene, options));
}
