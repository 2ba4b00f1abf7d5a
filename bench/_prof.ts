import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/runtime/backend';
import { Rng } from '../lib/runtime/rng';
import { AdamW } from '../lib/train/adamw';
import { ReferenceModel, referenceBatch } from './reference-model';
import { setConvImplementation } from '../lib/nn/conv-functional';
await initBackend(process.argv[2] ?? 'wasm');
setConvImplementation((process.argv[3] ?? 'native') as 'native');
const rng = new Rng(0);
const model = new ReferenceModel(rng);
const { images, targets } = referenceBatch(rng);
const optimizer = new AdamW(model.namedParameters(), { lr: 1e-4 });
const variables = optimizer.variables();
const step = () => { const { value, grads } = tf.variableGrads(() => model.loss(images, targets), variables); optimizer.step(grads); value.dataSync(); tf.dispose([value, grads]); };
step();
const info = await tf.profile(() => { step(); });
const agg = new Map<string, { ms: number; n: number; shapes: string }>();
for (const k of info.kernels) {
  const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : (await k.kernelTimeMs as unknown as number);
  const key = k.name;
  const e = agg.get(key) ?? { ms: 0, n: 0, shapes: '' };
  e.ms += Number(ms); e.n++; if (Number(ms) > 50) e.shapes += ` ${JSON.stringify(k.inputShapes)}:${Number(ms).toFixed(0)}`;
  agg.set(key, e);
}
const rows = [...agg.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25);
for (const [k, v] of rows) console.log(k.padEnd(24), v.ms.toFixed(0).padStart(7), 'ms', v.n, v.shapes.slice(0, 300));
