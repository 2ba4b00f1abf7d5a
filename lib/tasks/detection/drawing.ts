// An image with its detections drawn: a box outline per detection (one colour per class) and a
// "name score" caption above it (SVG text composited by sharp), written as PNG.
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import sharp from 'sharp';
import { drawBoxes, type RgbColour, type RgbImage, type XyxyBox } from '../../../datasets/image.js';

export interface LabelledBox {
  readonly box: XyxyBox; // pixels
  readonly label: number;
  readonly name: string;
  readonly score: number;
}

const PALETTE: readonly RgbColour[] = [
  [230, 25, 75],
  [60, 180, 75],
  [255, 225, 25],
  [0, 130, 200],
  [245, 130, 48],
  [145, 30, 180],
  [70, 240, 240],
  [240, 50, 230],
  [210, 245, 60],
  [250, 190, 212],
];

export function classColour(label: number): RgbColour {
  return PALETTE[label % PALETTE.length] as RgbColour;
}

const escapeXml = (s: string): string => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Box outlines in the image, captions in an SVG overlay; resolves with the PNG bytes. */
export async function renderDetectionsPng(image: RgbImage, detections: readonly LabelledBox[]): Promise<Buffer> {
  let drawn = image;
  const thickness = Math.max(1, Math.round(Math.min(image.height, image.width) / 150));
  for (const d of detections) drawn = drawBoxes(drawn, [d.box], classColour(d.label), thickness);
  const fontSize = Math.max(8, Math.round(Math.min(image.height, image.width) / 30));
  const captions = detections.map((d) => {
    const [r, g, b] = classColour(d.label);
    const x = Math.max(0, Math.round(d.box[0]));
    const y = Math.max(fontSize, Math.round(d.box[1]) - 2);
    return `<text x="${x}" y="${y}" fill="rgb(${r},${g},${b})" stroke="black" stroke-width="0.3" font-family="DejaVu Sans, sans-serif" font-size="${fontSize}">${escapeXml(`${d.name} ${d.score.toFixed(2)}`)}</text>`;
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${image.width}" height="${image.height}">${captions.join('')}</svg>`;
  return sharp(drawn.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .png()
    .toBuffer();
}

export async function writeDetectionsPng(path: string, image: RgbImage, detections: readonly LabelledBox[]): Promise<void> {
  await fs.mkdir(dirname(path), { recursive: true });
  await fs.writeFile(path, await renderDetectionsPng(image, detections));
}
