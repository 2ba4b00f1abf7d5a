import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import sharp from 'sharp';
import { blankRgb } from '../../datasets/image.js';
import { queryRegionPurity } from '../../lib/diagnostics/query-region-purity.js';
import { attentionOverlay, cellBox, PANEL_GAP, PANEL_LABEL_HEIGHT, panelPng, upsampleBilinear } from '../../lib/report/attention-overlay.js';
import { colourLut } from '../../lib/report/colormap.js';
import { writeDiagnosticsReport } from '../../lib/report/diagnostics-report.js';
import { embedQueriesKeys } from '../../lib/report/embedding.js';
import { renderFigure } from '../../lib/report/figure.js';
import {
  type EmbeddingPoint,
  embeddingScatterFigure,
  entropyBarsFigure,
  purityHistogramFigure,
  qkDistanceHeatmapFigure,
} from '../../lib/report/figures.js';
import { externalReferences } from '../../lib/report/html.js';
import { Rng } from '../../lib/runtime/rng.js';
import { drawnItems } from './scenegraph.js';

describe('diagnostics figures', function () {
  this.timeout(30_000);

  it('entropy bars: one bar per arm, branch and layer, heights from the values, arms side by side', async () => {
    const rows = [
      { arm: 'baseline', branch: 'position', layer: 0, entropy: 4.5 },
      { arm: 'baseline', branch: 'position', layer: 1, entropy: 4.25 },
      { arm: '+QKA', branch: 'position', layer: 0, entropy: 3.5 },
      { arm: '+QKA', branch: 'position', layer: 1, entropy: 2.75 },
      { arm: 'baseline', branch: 'orientation', layer: 0, entropy: 4 },
      { arm: '+QKA', branch: 'orientation', layer: 0, entropy: 3 },
    ];
    const { view } = await renderFigure(entropyBarsFigure(rows));
    const bars = drawnItems(view, 'rect');
    expect(bars.map((b) => `${b.datum.arm}|${b.datum.branch}|${b.datum.layer}|${b.datum.entropy}`).sort()).to.deep.equal(
      rows.map((r) => `${r.arm}|${r.branch}|${r.layer}|${r.entropy}`).sort(),
    );
    // bar height ∝ entropy (y scale from 0), within the same panel
    const bar = (arm: string, layer: number) => bars.find((b) => b.datum.arm === arm && b.datum.branch === 'position' && b.datum.layer === layer)!;
    expect(bar('baseline', 0).height / bar('+QKA', 1).height).to.be.closeTo(4.5 / 2.75, 1e-9);
    const p0 = bars.filter((b) => b.datum.branch === 'position' && b.datum.layer === 0);
    expect(new Set(p0.map((b) => b.x)).size).to.equal(2); // side by side, not stacked
    const base0 = p0.find((b) => b.datum.arm === 'baseline')!;
    const qka0 = p0.find((b) => b.datum.arm === '+QKA')!;
    expect(base0.y).to.be.lessThan(qka0.y); // higher entropy → taller bar → smaller top y
  });

  it('purity histogram: fractions per bin from the counts', async () => {
    const rows = [
      { arm: 'baseline', layer: 0, counts: [6, 2, 0, 0, 0] },
      { arm: '+QKA', layer: 0, counts: [0, 0, 0, 1, 3] },
      { arm: 'baseline', layer: 1, head: 2, counts: [1, 1, 1, 1, 0] },
    ];
    const { view } = await renderFigure(purityHistogramFigure(rows));
    const bars = drawnItems(view, 'rect').map((b) => `${b.datum.arm}|${b.datum.panel}|${b.datum.binStart}|${b.datum.fraction}`);
    expect(bars).to.include.members([
      'baseline|layer 0|0|0.75',
      'baseline|layer 0|0.2|0.25',
      '+QKA|layer 0|0.8|0.75',
      'baseline|layer 1 · head 2|0.6|0.25',
    ]);
    expect(bars).to.have.length(15);
  });

  it('qk distance heatmap: one cell per arm, layer and head with its value printed', async () => {
    const rows = [0, 1].flatMap((layer) =>
      [0, 1, 2].flatMap((head) =>
        ['baseline', '+QKA'].map((arm) => ({ arm, layer, head, distance: (arm === '+QKA' ? 0.1 : 1) * (1 + layer + head / 4) })),
      ),
    );
    const rendered = await renderFigure(qkDistanceHeatmapFigure(rows));
    const cells = drawnItems(rendered.view, 'rect');
    expect(cells).to.have.length(12);
    expect(cells.map((c) => c.datum.distance).sort()).to.deep.equal(rows.map((r) => r.distance).sort());
    expect(drawnItems(rendered.view, 'text')).to.have.length(12);
    expect(rendered.svg).to.include('>2.50<').and.include('>0.25<'); // layer 1 head 2 baseline; +QKA layer 1 head 0 = 0.2 → '0.20'
  });

  it('UMAP embedding: seeded, and separated vs intertwined query/key clouds stay so in 2D', async () => {
    const rng = new Rng(7);
    const cloud = (n: number, centre: number): number[][] => Array.from({ length: n }, () => Array.from({ length: 16 }, () => centre + rng.normal()));
    const [q, k, mixedQ, mixedK] = [cloud(40, 0), cloud(60, 8), cloud(40, 0), cloud(60, 0)];
    const options = { nEpochs: 150 };
    const separated = embedQueriesKeys(q, k, { rng: new Rng(1), ...options });
    const again = embedQueriesKeys(q, k, { rng: new Rng(1), ...options });
    expect(again).to.deep.equal(separated);
    const intertwined = embedQueriesKeys(mixedQ, mixedK, { rng: new Rng(1), ...options });
    // 2D purity (lib/diagnostics, k = 10): separated → ≈1, intertwined → near 39/99 ≈ 0.39
    const purity2d = (points: EmbeddingPoint[]): number => {
      const xy = (kind: string) => [[points.filter((p) => p.kind === kind).map((p) => [p.x, p.y])]];
      return tf.tidy(() => tf.mean(queryRegionPurity(tf.tensor4d(xy('query')), tf.tensor4d(xy('key')), 10)).dataSync()[0] as number);
    };
    const pSeparated = purity2d(separated);
    const pIntertwined = purity2d(intertwined);
    console.log(`      2D purity: separated ${pSeparated.toFixed(3)}, intertwined ${pIntertwined.toFixed(3)}`);
    expect(pSeparated).to.be.greaterThan(0.95);
    expect(pIntertwined).to.be.lessThan(0.7);
    expect(separated.filter((p) => p.kind === 'query').map((p) => p.token)).to.deep.equal([...Array(40).keys()]);
    const { view } = await renderFigure(embeddingScatterFigure(separated));
    const dots = drawnItems(view, 'symbol');
    expect(dots).to.have.length(100);
    expect(dots.filter((d) => d.datum.kind === 'key')).to.have.length(60);
  });
});

describe('attention overlays', () => {
  it('upsamples like F.interpolate(bilinear, align_corners=False)', () => {
    const up = upsampleBilinear({ data: [0, 0, 0, 1], height: 2, width: 2 }, 8, 8);
    // source coordinate of output pixel i: (i + 0.5)·2/8 − 0.5, clamped at 0
    expect(up[0]).to.equal(0);
    expect(up[4 * 8 + 4]).to.be.closeTo(0.625 * 0.625, 1e-7);
    expect(up[3 * 8 + 4]).to.be.closeTo(0.375 * 0.625, 1e-7);
    expect(up[7 * 8 + 7]).to.equal(1);
    expect(() => upsampleBilinear({ data: [1, 2, 3], height: 2, width: 2 }, 4, 4)).to.throw('3 values for a 2×2 grid');
  });

  it('blends the colour map over the image and draws the box', () => {
    const image = blankRgb(8, 8, [100, 100, 100]);
    const lut = colourLut('viridis');
    expect(lut[0]).to.deep.equal([68, 1, 84]);
    expect(lut[255]).to.deep.equal([253, 231, 37]);
    const out = attentionOverlay(image, { data: [0, 0, 0, 2], height: 2, width: 2 }, { alpha: 0.5, boxes: [[0, 0, 3, 3]], boxThickness: 1 });
    const px = (y: number, x: number): number[] => Array.from(out.data.subarray((y * 8 + x) * 3, (y * 8 + x) * 3 + 3));
    expect(px(7, 7)).to.deep.equal([177, 166, 69]); // max → viridis(1): round(50 + 126.5), round(50 + 115.5), round(50 + 18.5)
    expect(px(1, 1)).to.deep.equal([84, 51, 92]); // min, inside the box: round(50 + 34), round(50 + 0.5), round(50 + 42)
    expect(px(0, 1)).to.deep.equal([255, 0, 0]); // box edge
    expect(px(2, 1)).to.deep.equal([255, 0, 0]); // bottom edge: row y1 − 1 = 2
    expect(px(4, 4)).not.to.deep.equal(px(7, 7));
    expect(cellBox({ y: 1, x: 2 }, { height: 4, width: 4 }, { height: 64, width: 32 })).to.deep.equal([16, 16, 24, 32]);
  });

  it('puts labelled tiles side by side in one PNG', async () => {
    const a = blankRgb(20, 30, [255, 0, 0]);
    const b = blankRgb(20, 40, [0, 0, 255]);
    const png = await panelPng([
      { image: a, label: 'spatial' },
      { image: b, label: 'content' },
    ]);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).to.deep.equal([30 + PANEL_GAP + 40, PANEL_LABEL_HEIGHT + 20]);
    const px = (y: number, x: number): number[] =>
      Array.from(data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3));
    expect(px(PANEL_LABEL_HEIGHT + 5, 5)).to.deep.equal([255, 0, 0]);
    expect(px(PANEL_LABEL_HEIGHT + 5, 30 + PANEL_GAP + 5)).to.deep.equal([0, 0, 255]);
    expect(px(PANEL_LABEL_HEIGHT + 5, 30 + 2)).to.deep.equal([255, 255, 255]); // the gap
    // the label strip has dark text pixels above each tile
    const dark = (x0: number, x1: number): number => {
      let n = 0;
      for (let y = 0; y < PANEL_LABEL_HEIGHT; y++) for (let x = x0; x < x1; x++) if ((px(y, x)[0] as number) < 128) n++;
      return n;
    };
    expect(dark(0, 30)).to.be.greaterThan(5);
    expect(dark(36, 76)).to.be.greaterThan(5);
  });
});

describe('diagnostics report', function () {
  this.timeout(30_000);

  it('writes analysis.html with every figure and the attention panels embedded, nothing external', async () => {
    const out = await fs.mkdtemp(join(tmpdir(), 'condformer-analysis-'));
    try {
      const image = blankRgb(32, 48, [90, 120, 150]);
      const map = { data: Array.from({ length: 12 }, (_, i) => i), height: 3, width: 4 };
      const png = await panelPng([{ image: attentionOverlay(image, map, { boxes: [[4, 4, 20, 20]] }), label: 'combined' }]);
      const written = await writeDiagnosticsReport(out, {
        title: 'analysis',
        entropy: [{ arm: 'a', layer: 0, entropy: 1.5 }],
        purity: [{ arm: 'a', layer: 0, counts: [1, 2, 3] }],
        qkDistance: [{ arm: 'a', layer: 0, head: 0, distance: 0.75 }],
        embeddings: [
          {
            name: 'a',
            title: 'layer 0 head 0',
            points: [
              { x: 0, y: 1, kind: 'query', token: 0 },
              { x: 2, y: 3, kind: 'key', token: 0 },
            ],
          },
        ],
        attention: [{ name: 'query-3', caption: 'query 3', png }],
      });
      expect(written.html).to.equal(join(out, 'analysis.html'));
      const html = await fs.readFile(written.html, 'utf8');
      for (const name of ['attention-entropy', 'query-region-purity', 'qk-centroid-distance', 'qk-embedding-a']) {
        expect(html).to.include(`<figure id="fig-${name}"`);
        expect((await sharp(join(out, 'figures', `${name}.png`)).metadata()).format).to.equal('png');
      }
      expect(html).to.include(`<img src="data:image/png;base64,${png.toString('base64')}"`);
      expect(await fs.readFile(join(out, 'attention', 'query-3.png'))).to.deep.equal(png);
      expect(externalReferences(html)).to.deep.equal([]);
    } finally {
      await fs.rm(out, { recursive: true, force: true });
    }
  });
});
