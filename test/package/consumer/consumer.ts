// A TypeScript project using the installed condformer package (test/package/package.test.ts
// type-checks it with strict tsc, compiles it and runs it under plain node):
//   node consumer.js <backend> '<{"config": DetectorConfig, "imageShape": [B, H, W, 3]}>'
// builds a Conditional DETR, runs one forward pass on sin(0, 1, 2, …) images and prints the
// outputs as one JSON line. tf comes from condformer itself.
import {
  buildDetector,
  type DetectorInputs,
  type DetectorOutputs,
  decodeDetectorConfig,
  disposeDetectorOutputs,
  initBackend,
  Rng,
  tf,
} from 'condformer';

interface ForwardCase {
  readonly config: unknown;
  readonly imageShape: [number, number, number, number];
}

const [backendName, caseJson] = process.argv.slice(2);
const forwardCase = JSON.parse(caseJson ?? '') as ForwardCase;
const backend = await initBackend(backendName, { log: null });
const detector = buildDetector(decodeDetectorConfig(forwardCase.config, 'argv'), new Rng(0));
const [batch, height, width] = forwardCase.imageShape;
const inputs: DetectorInputs = {
  images: tf.tidy(() => tf.reshape(tf.sin(tf.range(0, tf.util.sizeFromShape(forwardCase.imageShape))), forwardCase.imageShape)) as tf.Tensor4D,
  mask: tf.zeros([batch, height, width], 'bool') as tf.Tensor3D,
};
const outputs: DetectorOutputs = detector.forward(inputs);
const tensorJson = (t: tf.Tensor | undefined) => (t === undefined ? null : { shape: t.shape, values: Array.from(t.dataSync()) });
console.log(
  JSON.stringify({
    backend: backend.backend,
    numParameters: detector.numParameters(),
    predLogits: tensorJson(outputs.predLogits),
    predBoxes: tensorJson(outputs.predBoxes),
    references: tensorJson(outputs.references),
  }),
);
disposeDetectorOutputs(outputs);
tf.dispose([inputs.images, inputs.mask]);
detector.dispose();
