import * as tf from '@tensorflow/tfjs';
import { EfficientNetB0 } from './lib/models/backbone/efficientnet';
await tf.setBackend('cpu');
const m = new EfficientNetB0();
console.log(m.numParameters(), m.namedParameters().length, m.namedBuffers().length, m.namedParameters().slice(0, 12).map(([n, v]) => `${n}:${v.shape}`).join(' '));
m.eval();
for (const s of [64, 224]) {
  const x = tf.randomNormal([1, s, s, 3]) as tf.Tensor4D;
  const t = Date.now();
  const e = m.extractEndpoints(x);
  console.log(s, Object.entries(e).map(([k, v]) => `${k}:${v.shape}`).join(' '), Date.now() - t, 'ms');
}
m.train();
const x = tf.randomNormal([2, 64, 64, 3]) as tf.Tensor4D;
const t = Date.now();
const g = tf.variableGrads(() => m.extractEndpoints(x).reduction_4!.square().mean() as tf.Scalar, m.trainableVariables());
console.log('grad', Date.now() - t, Object.keys(g.grads).length);
