// The README's library example: a small Conditional DETR, one forward pass, the output shapes.
import { buildDetector, disposeDetectorOutputs, initBackend, Rng, tf } from '../index.js';

await initBackend(); // prints one line: the backend chosen and why faster ones were skipped
const sizes = { hiddenDim: 64, nheads: 4, encLayers: 2, decLayers: 2, dimFeedforward: 128, numQueries: 20 };
const model = buildDetector({ model: 'conditional', numClasses: 5, backbone: 'small', ...sizes }, new Rng(0)).eval();
const images = tf.randomUniform([2, 64, 64, 3]) as tf.Tensor4D; // [B, H, W, 3], NHWC
const mask = tf.zeros([2, 64, 64], 'bool') as tf.Tensor3D; // true = padding
const out = model.forward({ images, mask }, { returnAttention: true });
console.log('class logits', out.predLogits.shape); // [2, 20, 5]: one sigmoid score per class
console.log('boxes', out.predBoxes.shape); // [2, 20, 4]: cx, cy, w, h in [0, 1]
console.log('reference points', out.references?.shape); // [2, 20, 2]: the conditional spatial queries' centres
console.log('aux outputs', out.auxOutputs?.length); // one per earlier decoder layer
console.log('cross-attention', out.decoderAttention?.at(-1)?.crossAttention.weights.shape); // [2, 4, 20, 16]
disposeDetectorOutputs(out);
tf.dispose([images, mask]);
model.dispose();
