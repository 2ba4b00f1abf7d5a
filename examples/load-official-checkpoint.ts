// Official DETR / Conditional DETR weights (a main.py .pth, a converted or Hugging Face
// .safetensors) as a condformer detector: read the state dict (official names, PyTorch layout),
// derive the config from its shapes and pickled args, build, load strictly, run one forward pass.
//
//   npx tsx examples/load-official-checkpoint.ts ConditionalDETR_r50_epoch50.pth [--heads 8]
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { buildDetector, type DetectorConfig } from '../lib/models/detector.js';
import { detectorConfigFromStateDict } from '../lib/models/detector-from-state-dict.js';
import { disposeDetectorOutputs } from '../lib/models/set-detector.js';
import { readStateDictFile } from '../lib/models/state-dict-file.js';
import { initBackend } from '../lib/runtime/backend.js';
import { Rng } from '../lib/runtime/rng.js';

export interface OfficialForward {
  readonly config: DetectorConfig;
  readonly warnings: string[];
  /** [B, NQ, K] (Conditional DETR) or [B, NQ, K + 1] (DETR) */
  readonly logitsShape: number[];
  /** The first query's box (normalised cx, cy, w, h) on a grey image. */
  readonly firstBox: number[];
}

export async function forwardOfficialCheckpoint(path: string, overrides: Partial<DetectorConfig> = {}, imageSize = 64): Promise<OfficialForward> {
  const file = await readStateDictFile(path); // names detected: official or Hugging Face
  try {
    const { config, notes } = detectorConfigFromStateDict(file.tensors, file.args, overrides, path);
    const model = buildDetector(config, new Rng(0)).eval();
    model.loadStateDict(file.tensors, { layout: 'torch' }); // strict: every name and shape must match
    const images = tf.fill([1, imageSize, imageSize, 3], 0.5) as tf.Tensor4D; // [B, H, W, 3]
    const mask = tf.zeros([1, imageSize, imageSize], 'bool') as tf.Tensor3D; // [B, H, W], true = padding
    const outputs = model.forward({ images, mask });
    const result = {
      config,
      warnings: [...file.warnings, ...notes],
      logitsShape: outputs.predLogits.shape,
      firstBox: Array.from(outputs.predBoxes.dataSync().slice(0, 4)),
    };
    disposeDetectorOutputs(outputs);
    tf.dispose([images, mask]);
    model.dispose();
    return result;
  } finally {
    tf.dispose([...file.tensors.values()]);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values, positionals } = parseArgs({ options: { heads: { type: 'string' } }, allowPositionals: true });
  const [path] = positionals;
  if (path === undefined) throw new Error('usage: npx tsx examples/load-official-checkpoint.ts <weights> [--heads N]');
  await initBackend(undefined, { log: null });
  const out = await forwardOfficialCheckpoint(path, values.heads === undefined ? {} : { nheads: Number(values.heads) });
  for (const w of out.warnings) console.error(`note: ${w}`);
  console.log(JSON.stringify(out.config));
  console.log(`logits [${out.logitsShape}], first box ${out.firstBox.map((v) => v.toFixed(3)).join(' ')}`);
}
