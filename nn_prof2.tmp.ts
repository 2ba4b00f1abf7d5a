import * as tf from '@tensorflow/tfjs';
import { EfficientNetB0 } from './lib/models/backbone/efficientnet';
import { setConvImplementation } from './lib/nn/conv-functional';
await tf.setBackend('cpu');
const m = new EfficientNetB0();
m.eval();
const x = tf.randomNormal([1, 64, 64, 3]) as tf.Tensor4D;
for (const impl of ['patches', 'native'] as const) {
  setConvImplementation(impl);
  const t = Date.now();
  const info = await tf.profile(() => m.extractEndpoints(x).reduction_4!);
  const agg = new Map<string, number>();
  for (const k of info.kernels) agg.set(k.name, (agg.get(k.name) ?? 0) + (k.kernelTimeMs as number));
  console.log(impl, Date.now() - t, [...agg].sort((a, b) => b[1] - a[1]).slice(0, 6));
}
