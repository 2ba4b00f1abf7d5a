// COCO evaluator speed: 5,000 images × 100 detections (80 categories, ~7 GT boxes per image with
// some crowd), generated deterministically; prints the evaluation time and the stats.
// `npx tsx bench/coco-eval.ts [numImages] [detsPerImage]`
import { type CocoEvalAnnotation, type CocoEvalDetection, evaluateCoco } from '../lib/metrics/coco-eval.js';
import { Rng } from '../lib/runtime/rng.js';

const NUM_CATEGORIES = 80;
const WIDTH = 640;
const HEIGHT = 480;

function syntheticCoco(numImages: number, detsPerImage: number, rng: Rng) {
  const images = Array.from({ length: numImages }, (_, i) => ({ id: i + 1 }));
  const categories = Array.from({ length: NUM_CATEGORIES }, (_, k) => ({ id: k + 1 }));
  const annotations: CocoEvalAnnotation[] = [];
  const dets: CocoEvalDetection[] = [];
  const randomBox = (): number[] => {
    const w = 4 + rng.uniform() ** 2 * 300;
    const h = 4 + rng.uniform() ** 2 * 300;
    return [rng.range(0, WIDTH - w), rng.range(0, HEIGHT - h), w, h];
  };
  for (const { id: imageId } of images) {
    const numGt = 1 + rng.int(14);
    const imageDets: CocoEvalDetection[] = [];
    for (let g = 0; g < numGt; g++) {
      const bbox = randomBox();
      const categoryId = 1 + rng.int(NUM_CATEGORIES);
      const [x, y, w, h] = bbox as [number, number, number, number];
      annotations.push({
        id: annotations.length + 1,
        image_id: imageId,
        category_id: categoryId,
        bbox,
        area: w * h,
        iscrowd: rng.uniform() < 0.02 ? 1 : 0,
      });
      // jittered hits (some off-class)
      for (let j = 0; j < 3; j++) {
        const jitter = 0.15 * rng.uniform();
        const hit = [x + jitter * w * rng.normal(), y + jitter * h * rng.normal(), w * (1 + jitter * rng.normal()), h * (1 + jitter * rng.normal())];
        const cat = rng.uniform() < 0.85 ? categoryId : 1 + rng.int(NUM_CATEGORIES);
        imageDets.push({ image_id: imageId, category_id: cat, bbox: hit.map((v) => Math.max(v, 1)), score: rng.uniform() });
      }
    }
    while (imageDets.length < detsPerImage)
      imageDets.push({ image_id: imageId, category_id: 1 + rng.int(NUM_CATEGORIES), bbox: randomBox(), score: rng.uniform() * 0.6 });
    dets.push(...imageDets.slice(0, detsPerImage));
  }
  return { gt: { images, categories, annotations }, dets };
}

const numImages = Number(process.argv[2] ?? 5000);
const detsPerImage = Number(process.argv[3] ?? 100);
const { gt, dets } = syntheticCoco(numImages, detsPerImage, new Rng(2024));
const start = performance.now();
const cpuStart = process.cpuUsage();
const result = evaluateCoco(gt, dets);
const cpu = process.cpuUsage(cpuStart);
const seconds = (performance.now() - start) / 1000;
console.log(result.summary.join('\n'));
console.log(
  `evaluateCoco: ${numImages} images, ${dets.length} detections, ${gt.annotations.length} GT boxes, ${NUM_CATEGORIES} categories: ` +
    `${seconds.toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU`,
);
