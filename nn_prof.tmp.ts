import * as tf from '@tensorflow/tfjs';
import { ResNet } from './lib/models/backbone/resnet';
import { setConvImplementation } from './lib/nn/conv-functional';
await tf.setBackend('cpu');
const f = new ResNet({ depth: 18 });
const x = tf.randomNormal([1, 32, 32, 3]) as tf.Tensor4D;
f.freezeLikeDetr(true);
for (const impl of ['patches', 'native'] as const) {
  setConvImplementation(impl);
  let t = Date.now();
  const y = f.forward(x);
  const tf1 = Date.now() - t;
  t = Date.now();
  const g = tf.variableGrads(() => f.forward(x).square().mean() as tf.Scalar, f.trainableVariables());
  console.log(impl, 'fwd', tf1, 'grad', Date.now() - t, y.sum().dataSync()[0], g.value.dataSync()[0], Object.values(g.grads)[0]!.sum().dataSync()[0]);
}
