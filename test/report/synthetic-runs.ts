// Tiny run directories written by hand (config.json + log.jsonl) with known values, for the report tests.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';

export const DETECTION_TRAIN = [
  { epoch: 0, step: 2, lr: 1e-4, loss: 9.5, terms: { loss_ce: 2.5, loss_bbox: 4.25, loss_giou: 2.75 }, imagesPerSec: 11.5, time: 1.5 },
  { epoch: 1, step: 4, lr: 1e-4, loss: 7.25, terms: { loss_ce: 2.0, loss_bbox: 3.0, loss_giou: 2.25 }, imagesPerSec: 12.5, time: 3.25 },
  { epoch: 2, step: 6, lr: 1e-5, loss: 5.125, terms: { loss_ce: 1.5, loss_bbox: 2.125, loss_giou: 1.5 }, imagesPerSec: 13.75, time: 5.0 },
];
export const DETECTION_EPOCHS = [
  { epoch: 0, loss: 9.75, terms: { loss_ce: 2.625, loss_bbox: 4.375, loss_giou: 2.75 }, imagesPerSec: 11.25, seconds: 1.5, step: 2 },
  { epoch: 1, loss: 7.5, terms: { loss_ce: 2.125, loss_bbox: 3.125, loss_giou: 2.25 }, imagesPerSec: 12.25, seconds: 1.75, step: 4 },
  { epoch: 2, loss: 5.25, terms: { loss_ce: 1.625, loss_bbox: 2.125, loss_giou: 1.5 }, imagesPerSec: 13.5, seconds: 1.75, step: 6 },
];
/** AP per epoch of the two detection runs; the other stats are AP + k/100 (APs is -1: no small objects). */
export const DETECTION_AP = { 'detr-tiny': [0.0125, 0.0375, 0.0625], 'cond-detr-tiny': [0.025, 0.075, 0.1375] };
const STATS = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'];

export function cocoMetrics(ap: number): Record<string, number> {
  return Object.fromEntries(STATS.map((name, k) => [name, name === 'APs' ? -1 : ap + k / 100]));
}

const line = (record: object): string => `${JSON.stringify(record)}\n`;

async function writeRun(dir: string, config: object, records: object[]): Promise<string> {
  await fs.mkdir(join(dir, 'checkpoints'), { recursive: true });
  await fs.writeFile(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  await fs.writeFile(join(dir, 'checkpoints', 'last.safetensors'), '');
  await fs.writeFile(join(dir, 'log.jsonl'), records.map(line).join(''));
  return dir;
}

export async function writeDetectionRun(root: string, name: keyof typeof DETECTION_AP, backend = 'wasm'): Promise<string> {
  const config = { model: name, lr: 1e-4, epochs: 3 };
  const scale = name === 'detr-tiny' ? 1 : 0.5;
  const records: object[] = [{ type: 'run', name, config, backend, startedAt: '2026-11-21T12:00:00.000Z' }];
  for (let epoch = 0; epoch < 3; epoch++) {
    const t = DETECTION_TRAIN[epoch]!;
    const e = DETECTION_EPOCHS[epoch]!;
    records.push({ type: 'train', ...t, loss: t.loss * scale, terms: scaleTerms(t.terms, scale) });
    records.push({ type: 'epoch', ...e, loss: e.loss * scale, terms: scaleTerms(e.terms, scale) });
    records.push({ type: 'eval', epoch, metrics: cocoMetrics(DETECTION_AP[name][epoch]!), step: e.step });
  }
  return writeRun(join(root, name), config, records);
}

function scaleTerms(terms: Record<string, number>, scale: number): Record<string, number> {
  return Object.fromEntries(Object.entries(terms).map(([k, v]) => [k, v * scale]));
}

/** Pose run: two scenes, two evaluations (epochs 0 and 1). */
export const POSE_EVALS = [
  {
    medianPositionError: 1.5,
    medianOrientationError: 12.5,
    'recall/0.25m/2deg': 0,
    'recall/0.5m/5deg': 0.125,
    'scene/chess/medianPositionError': 1.25,
    'scene/chess/medianOrientationError': 10,
    'scene/chess/recall/0.25m/2deg': 0,
    'scene/chess/recall/0.5m/5deg': 0.25,
    'scene/fire/medianPositionError': 1.75,
    'scene/fire/medianOrientationError': 15,
    'scene/fire/recall/0.25m/2deg': 0,
    'scene/fire/recall/0.5m/5deg': 0,
  },
  {
    medianPositionError: 0.375,
    medianOrientationError: 6.25,
    'recall/0.25m/2deg': 0.25,
    'recall/0.5m/5deg': 0.5,
    'scene/chess/medianPositionError': 0.25,
    'scene/chess/medianOrientationError': 5,
    'scene/chess/recall/0.25m/2deg': 0.5,
    'scene/chess/recall/0.5m/5deg': 0.75,
    'scene/fire/medianPositionError': 0.5,
    'scene/fire/medianOrientationError': 7.5,
    'scene/fire/recall/0.25m/2deg': 0,
    'scene/fire/recall/0.5m/5deg': 0.25,
  },
];

export async function writePoseRun(root: string, name = 'mst-qka'): Promise<string> {
  const config = { model: 'ms-transformer', qkAlignment: true };
  const records: object[] = [{ type: 'run', name, config, backend: 'cpu', startedAt: '2026-11-21T12:00:00.000Z' }];
  for (let epoch = 0; epoch < 2; epoch++) {
    records.push({
      type: 'train',
      epoch,
      step: epoch + 1,
      lr: 1e-4,
      loss: 3 - epoch,
      terms: { position: 2 - epoch, orientation: 1, qka: 0.5 },
      imagesPerSec: 40,
      time: epoch + 1,
    });
    records.push({
      type: 'epoch',
      epoch,
      loss: 3 - epoch,
      terms: { position: 2 - epoch, orientation: 1, qka: 0.5 },
      imagesPerSec: 40 + epoch,
      seconds: 1,
      step: epoch + 1,
    });
    records.push({ type: 'eval', epoch, metrics: POSE_EVALS[epoch], step: epoch + 1 });
  }
  return writeRun(join(root, name), config, records);
}
