// Attention maps over images: a [h, w] map on the feature grid is upsampled to the image
// (bilinear, align_corners=False as F.interpolate), normalised to [0, 1], coloured and blended
// over the image, with an optional box (e.g. the query's predicted box). Several overlays go into
// one labelled PNG panel (e.g. spatial | content | combined cross-attention of one decoder query).
import sharp from 'sharp';
import { drawBoxes, type RgbColour, type RgbImage, type XyxyBox } from '../../datasets/image.js';
import { colourAt, colourLut } from './colormap.js';

/** A map on the feature grid: `data[y * width + x]`, e.g. one query's attention weights. */
export interface AttentionGrid {
  readonly data: ArrayLike<number>;
  readonly height: number;
  readonly width: number;
}

export interface OverlayOptions {
  /** Drawn over the overlay, in image pixels. */
  readonly boxes?: readonly XyxyBox[];
  readonly boxColour?: RgbColour;
  /** Box line width in pixels (default 2). */
  readonly boxThickness?: number;
  /** Weight of the colour map in the blend (default 0.5). */
  readonly alpha?: number;
  /** Vega continuous scheme (default 'viridis'). */
  readonly scheme?: string;
}

/** Bilinear resize with align_corners=False (torch F.interpolate(mode='bilinear')): [h, w] → [height, width]. */
export function upsampleBilinear(map: AttentionGrid, height: number, width: number): Float32Array {
  checkGrid(map);
  const out = new Float32Array(height * width);
  const sy = map.height / height;
  const sx = map.width / width;
  const at = (y: number, x: number): number => map.data[y * map.width + x] as number;
  for (let y = 0; y < height; y++) {
    const fy = Math.max(0, (y + 0.5) * sy - 0.5);
    const y0 = Math.min(Math.floor(fy), map.height - 1);
    const y1 = Math.min(y0 + 1, map.height - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.max(0, (x + 0.5) * sx - 0.5);
      const x0 = Math.min(Math.floor(fx), map.width - 1);
      const x1 = Math.min(x0 + 1, map.width - 1);
      const wx = fx - x0;
      const top = at(y0, x0) * (1 - wx) + at(y0, x1) * wx;
      const bottom = at(y1, x0) * (1 - wx) + at(y1, x1) * wx;
      out[y * width + x] = top * (1 - wy) + bottom * wy;
    }
  }
  return out;
}

function checkGrid(map: AttentionGrid): void {
  if (map.data.length !== map.height * map.width || map.height < 1 || map.width < 1) {
    throw new RangeError(`attention map: ${map.data.length} values for a ${map.height}×${map.width} grid`);
  }
}

/** Min–max scaled to [0, 1] (all zeros for a constant map). */
export function normaliseMinMax(values: Float32Array): Float32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const span = hi - lo;
  return values.map((v) => (span > 0 ? (v - lo) / span : 0));
}

/** The image with `map` (min–max normalised over the image) blended over it as a heat map, and boxes drawn. */
export function attentionOverlay(image: RgbImage, map: AttentionGrid, options: OverlayOptions = {}): RgbImage {
  const alpha = options.alpha ?? 0.5;
  const lut = colourLut(options.scheme);
  const heat = normaliseMinMax(upsampleBilinear(map, image.height, image.width));
  const data = new Uint8Array(image.data.length);
  for (let p = 0; p < heat.length; p++) {
    const colour = colourAt(lut, heat[p] as number);
    for (let c = 0; c < 3; c++) data[3 * p + c] = Math.round((1 - alpha) * (image.data[3 * p + c] as number) + alpha * (colour[c] as number));
  }
  const blended = { data, height: image.height, width: image.width };
  return options.boxes?.length ? drawBoxes(blended, options.boxes, options.boxColour ?? [255, 0, 0], options.boxThickness ?? 2) : blended;
}

/** The pixel box of feature-grid cell (y, x) on an image the grid covers (e.g. to mark a query token). */
export function cellBox(
  cell: { readonly y: number; readonly x: number },
  grid: { readonly height: number; readonly width: number },
  image: { readonly height: number; readonly width: number },
): XyxyBox {
  const sy = image.height / grid.height;
  const sx = image.width / grid.width;
  return [cell.x * sx, cell.y * sy, (cell.x + 1) * sx, (cell.y + 1) * sy];
}

export interface PanelTile {
  readonly image: RgbImage;
  readonly label: string;
}

/** Height of the label strip above the tiles, and the gap between tiles, in pixels. */
export const PANEL_LABEL_HEIGHT = 22;
export const PANEL_GAP = 6;

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Tiles side by side on white, each with its label above, as a PNG. */
export async function panelPng(tiles: readonly PanelTile[]): Promise<Buffer> {
  if (tiles.length === 0) throw new RangeError('panelPng: no tiles');
  const height = PANEL_LABEL_HEIGHT + Math.max(...tiles.map((t) => t.image.height));
  const width = tiles.reduce((w, t) => w + t.image.width, 0) + PANEL_GAP * (tiles.length - 1);
  const lefts = tiles.map((_, i) => tiles.slice(0, i).reduce((w, t) => w + t.image.width + PANEL_GAP, 0));
  const labels = tiles
    .map(
      (t, i) =>
        `<text x="${(lefts[i] as number) + t.image.width / 2}" y="${PANEL_LABEL_HEIGHT - 7}" text-anchor="middle" font-family="sans-serif" font-size="13">${escapeXml(t.label)}</text>`,
    )
    .join('');
  const layers = tiles.map((t, i) => ({
    input: Buffer.from(t.image.data.buffer, t.image.data.byteOffset, t.image.data.length),
    raw: { width: t.image.width, height: t.image.height, channels: 3 as const },
    left: lefts[i] as number,
    top: PANEL_LABEL_HEIGHT,
  }));
  const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${PANEL_LABEL_HEIGHT}">${labels}</svg>`);
  return sharp({ create: { width, height, channels: 3, background: { r: 255, g: 255, b: 255 } } })
    .composite([...layers, { input: svg, left: 0, top: 0 }])
    .png()
    .toBuffer();
}
