// `condformer predict detect <image> --checkpoint <file> [--out out.png] [--threshold 0.5]`:
// detections of a trained detector (a condformer checkpoint, or official / Hugging Face weights:
// lib/tasks/detector-weights.ts) on one image, drawn (boxes, class names, scores) into a PNG.
import { basename, extname, join, dirname } from 'node:path';
import type { Command } from '../cli.js';
import { categoryIdOf, categoryMap } from '../../datasets/category-map.js';
import { collateDetection, disposeDetectionBatch } from '../../datasets/batching.js';
import { detrValTransforms } from '../../datasets/detection-transforms.js';
import { normalizeSample } from '../../datasets/detection-sample.js';
import { readRgbImage } from '../../datasets/image.js';
import { postprocessDetections } from '../../lib/models/detection-postprocess.js';
import { disposeDetectorOutputs } from '../../lib/models/set-detector.js';
import { Rng } from '../../lib/runtime/rng.js';
import { initBackend } from '../../lib/runtime/backend.js';
import { type LabelledBox, writeDetectionsPng } from '../../lib/tasks/detection-drawing.js';
import { maxSizeFor } from '../../lib/tasks/detection-run.js';
import { loadDetectorWeights } from '../../lib/tasks/detector-weights.js';
import { STATE_DICT_NAMES } from '../../lib/models/state-dict-file.js';
import { numberOption } from './train-detect.js';
import { parseCommandArgs, UsageError, usageExit } from './args.js';

const USAGE = `usage: condformer predict detect <image> --checkpoint <file> [options]

Detects objects in one image (any format sharp reads) with a trained detector: the image is
resized as in evaluation (short side = the run's image size), boxes are mapped back to the
original pixels, and the image is written as PNG with the boxes, class names and scores drawn.
Detections are also printed, one per line: name score x0 y0 x1 y1.

options:
  --checkpoint FILE   a checkpoint of \`condformer train detect\`, or official DETR / Conditional
                      DETR weights (.pth as main.py saves them, .safetensors, official or Hugging
                      Face names); their config is derived from the weights and the pickled args
  --from NAMES        official | hf: the names in such weights (default detected)
  --heads N           attention heads, when the weights carry no args.nheads
  --dilation          a DC5 ResNet (official weights without args.dilation)
  --image-size N      short side for official weights (default 800; a run's own size otherwise)
  --out FILE          output PNG (default <image>.detections.png next to the image)
  --threshold X       minimum score to keep (default 0.5)
  --json              print the detections as JSON
  --backend NAME      tfjs backend (default auto)
  -h, --help          this help

exit codes: 0 done, 1 error, 2 bad usage`;

const OPTIONS = {
  checkpoint: { type: 'string' },
  from: { type: 'string' },
  heads: { type: 'string' },
  dilation: { type: 'boolean' },
  'image-size': { type: 'string' },
  out: { type: 'string' },
  threshold: { type: 'string' },
  json: { type: 'boolean' },
  backend: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const command: Command = {
  summary: 'detect objects in an image with a trained detector and draw them into a PNG',
  async run(args: string[]): Promise<number> {
    const parsed = parseCommandArgs(args, OPTIONS, USAGE, true);
    if (typeof parsed === 'number') return parsed;
    const { values, positionals } = parsed;
    try {
      const [imagePath, ...extra] = positionals;
      if (imagePath === undefined || extra.length > 0) throw new UsageError('expected exactly one image');
      if (values.checkpoint === undefined) throw new UsageError('--checkpoint is required');
      const threshold = numberOption(values, 'threshold', 0.5, { min: 0 });
      const out = values.out ?? join(dirname(imagePath), `${basename(imagePath, extname(imagePath))}.detections.png`);
      const from = values.from === undefined ? undefined : STATE_DICT_NAMES.find((n) => n === values.from);
      if (from === undefined && values.from !== undefined) throw new UsageError(`--from: expected official or hf, got '${values.from}'`);
      const overrides = {
        ...(values.heads === undefined ? {} : { nheads: numberOption(values, 'heads', 8, { integer: true, min: 1 }) }),
        ...(values.dilation ? { dilation: true } : {}),
      };
      const imageSize = values['image-size'] === undefined ? undefined : numberOption(values, 'image-size', 800, { integer: true, min: 1 });
      await initBackend(values.backend, { log: (line) => console.error(line) });
      const weights = await loadDetectorWeights(values.checkpoint, { from, overrides });
      for (const warning of weights.warnings) console.error(`note: ${warning}`);
      const { model } = weights;
      const image = await readRgbImage(imagePath);
      const size = imageSize ?? weights.imageSize;
      const sample = await detrValTransforms(size, maxSizeFor(size))(
        { image, target: { boxes: new Float32Array(0), labels: new Int32Array(0), imageId: 0, origSize: [image.height, image.width] } },
        new Rng(0),
      );
      const batch = collateDetection([normalizeSample(sample)]);
      const outputs = model.forward(batch);
      const [found] = await postprocessDetections(outputs, [[image.height, image.width]], model.classHead);
      disposeDetectorOutputs(outputs);
      disposeDetectionBatch(batch);
      model.dispose();
      const categories = categoryMap(weights.categories);
      const detections: LabelledBox[] = [];
      found?.scores.forEach((score, i) => {
        const label = found.labels[i] as number;
        if (score < threshold) return;
        const box = [0, 1, 2, 3].map((j) => found.boxes[i * 4 + j] as number) as [number, number, number, number];
        detections.push({ box, label, score, name: categories.names.get(categoryIdOf(categories, label)) ?? `class ${label}` });
      });
      detections.sort((a, b) => b.score - a.score);
      await writeDetectionsPng(out, image, detections);
      if (values.json) console.log(JSON.stringify(detections));
      else for (const d of detections) console.log(`${d.name} ${d.score.toFixed(3)} ${d.box.map((v) => v.toFixed(1)).join(' ')}`);
      console.error(`${detections.length} detections with score >= ${threshold}; wrote ${out}`);
      return 0;
    } catch (err) {
      return usageExit(err, USAGE);
    }
  },
};
