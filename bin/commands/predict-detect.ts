// `condformer predict detect <image> --checkpoint <file> [--out out.png] [--threshold 0.5]`:
// detections of a trained detector (a condformer checkpoint, or official / Hugging Face weights:
// lib/tasks/detection/weights.ts) on one image, drawn (boxes, class names, scores) into a PNG.
import { basename, dirname, extname, join } from 'node:path';
import { collateDetection, disposeDetectionBatch } from '../../datasets/batching.js';
import { categoryIdOf, categoryMap } from '../../datasets/category-map.js';
import { normalizeSample } from '../../datasets/detection-sample.js';
import { detrValTransforms } from '../../datasets/detection-transforms.js';
import { readRgbImage } from '../../datasets/image.js';
import { postprocessDetections } from '../../lib/models/detection-postprocess.js';
import { disposeDetectorOutputs } from '../../lib/models/set-detector.js';
import { STATE_DICT_NAMES } from '../../lib/models/state-dict-file.js';
import { initBackend } from '../../lib/runtime/backend.js';
import { Rng } from '../../lib/runtime/rng.js';
import { maxSizeFor } from '../../lib/tasks/detection/data.js';
import { type LabelledBox, writeDetectionsPng } from '../../lib/tasks/detection/drawing.js';
import { loadDetectorWeights } from '../../lib/tasks/detection/weights.js';
import { choiceValue, defineCommand, numberValue, optionalInt, required, UsageError } from '../shared/command.js';
import { backendOption } from '../shared/options.js';

export const command = defineCommand(
  'detect objects in an image with a trained detector and draw them into a PNG',
  {
    name: 'predict detect',
    synopsis: '<image> --checkpoint <file> [options]',
    about: `Detects objects in one image (any format sharp reads) with a trained detector: the image is
resized as in evaluation (short side = the run's image size), boxes are mapped back to the
original pixels, and the image is written as PNG with the boxes, class names and scores drawn.
Detections are also printed, one per line: name score x0 y0 x1 y1.`,
    options: {
      checkpoint: {
        type: 'string',
        value: 'FILE',
        help: 'a checkpoint of `condformer train detect`, or official DETR / Conditional DETR weights (.pth as main.py saves them, .safetensors, official or Hugging Face names); their config is derived from the weights and the pickled args',
      },
      from: { type: 'string', value: 'NAMES', help: 'official | hf: the names in such weights (default detected)' },
      heads: { type: 'string', value: 'N', help: 'attention heads, when the weights carry no args.nheads' },
      dilation: { type: 'boolean', help: 'a DC5 ResNet (official weights without args.dilation)' },
      'image-size': { type: 'string', value: 'N', help: "short side for official weights (default 800; a run's own size otherwise)" },
      out: { type: 'string', value: 'FILE', help: 'output PNG (default <image>.detections.png next to the image)' },
      threshold: { type: 'string', value: 'X', help: 'minimum score to keep (default 0.5)' },
      json: { type: 'boolean', help: 'print the detections as JSON' },
      ...backendOption,
    },
    positionals: true,
    footer: 'exit codes: 0 done, 1 error, 2 bad usage',
  },
  async (values, positionals) => {
    const [imagePath, ...extra] = positionals;
    if (imagePath === undefined || extra.length > 0) throw new UsageError('expected exactly one image');
    const checkpoint = required(values.checkpoint, '--checkpoint is required');
    const threshold = numberValue(values.threshold, 'threshold', 0.5, { min: 0 });
    const out = values.out ?? join(dirname(imagePath), `${basename(imagePath, extname(imagePath))}.detections.png`);
    const from = values.from === undefined ? undefined : choiceValue(values.from, 'from', STATE_DICT_NAMES, 'official');
    const heads = optionalInt(values.heads, 'heads', 1);
    const overrides = { ...(heads === undefined ? {} : { nheads: heads }), ...(values.dilation ? { dilation: true } : {}) };
    const imageSize = optionalInt(values['image-size'], 'image-size', 1);
    await initBackend(values.backend, { log: (line) => console.error(line) });
    const weights = await loadDetectorWeights(checkpoint, { from, overrides });
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
  },
);
