// A plain-JavaScript project using the installed condformer package under plain node (no
// TypeScript anywhere): the same forward pass as consumer.ts,
//   node consumer.mjs <backend> '<{"config": DetectorConfig, "imageShape": [B, H, W, 3]}>'
// It also imports TensorFlow.js itself, as a project that already uses tfjs does, and makes the
// input tensors with it: with a second copy of tfjs in the tree, that copy would print "kernel …
// already registered" warnings on stderr (344 of them with `npm install ../condformer`).
import * as projectTf from '@tensorflow/tfjs';
import { buildDetector, decodeDetectorConfig, disposeDetectorOutputs, initBackend, Rng, tf } from 'condformer';

const [backendName, caseJson] = process.argv.slice(2);
const { config, imageShape } = JSON.parse(caseJson);
const backend = await initBackend(backendName, { log: null });
const detector = buildDetector(decodeDetectorConfig(config, 'argv'), new Rng(0));
const images = projectTf.tidy(() => projectTf.reshape(projectTf.sin(projectTf.range(0, projectTf.util.sizeFromShape(imageShape))), imageShape));
const mask = projectTf.zeros(imageShape.slice(0, 3), 'bool');
const outputs = detector.forward({ images, mask });
const tensorJson = (t) => (t === undefined ? null : { shape: t.shape, values: Array.from(t.dataSync()) });
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
tf.dispose([images, mask]);
detector.dispose();
