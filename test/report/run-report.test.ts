import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import sharp from 'sharp';
import type * as vega from 'vega';
import { command as reportCommand } from '../../bin/commands/report.js';
import { BASELINE_PREFIX, parsePoseMetricKey, poseEvalMetrics } from '../../lib/metrics/pose-eval-metrics.js';
import { evaluatePoses } from '../../lib/metrics/pose-metrics.js';
import { externalReferences, namespaceSvgIds } from '../../lib/report/html.js';
import { thinned } from '../../lib/report/run-figures.js';
import { type WrittenReport, writeReport, writeRunReport } from '../../lib/report/write-report.js';
import { drawnItems } from './scenegraph.js';
import { cocoMetrics, DETECTION_AP, DETECTION_EPOCHS, DETECTION_TRAIN, POSE_EVALS, writeDetectionRun, writePoseRun } from './synthetic-runs.js';

function figure(report: WrittenReport, name: string): { view: vega.View; svg: string } {
  const found = report.figures.find((f) => f.figure.name === name);
  if (!found) throw new Error(`no figure ${name}; have ${report.figures.map((f) => f.figure.name)}`);
  return found;
}

/** The drawn points of a line figure as sorted `run|x|panel|value` strings. */
function points(report: WrittenReport, name: string, x: string): string[] {
  return drawnItems(figure(report, name).view, 'symbol')
    .map(({ datum }) => `${datum.run}|${datum[x]}|${datum.panel ?? ''}|${datum.value}`)
    .sort();
}

/** The same strings from the logged values. */
const expected = (rows: [string, number, string, number][]): string[] => rows.map((r) => r.join('|')).sort();

describe('run report', function () {
  this.timeout(60_000);
  let root: string;
  let detr: string;
  let cond: string;
  let pose: string;
  let comparison: WrittenReport;

  before(async () => {
    root = await fs.mkdtemp(join(tmpdir(), 'condformer-report-'));
    detr = await writeDetectionRun(root, 'detr-tiny');
    cond = await writeDetectionRun(root, 'cond-detr-tiny', 'cpu');
    pose = await writePoseRun(root);
    comparison = await writeReport([detr, cond], { outDir: join(root, 'compare') });
  });
  after(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('writes report.html and a PNG for every figure of a detection comparison', async () => {
    const names = ['ap', 'coco-stats', 'loss-steps', 'loss-epochs', 'learning-rate', 'images-per-sec'];
    expect(comparison.figures.map((f) => f.figure.name).sort()).to.deep.equal([...names].sort());
    expect(comparison.html).to.equal(join(root, 'compare', 'report.html'));
    const html = await fs.readFile(comparison.html, 'utf8');
    for (const name of names) {
      expect(html).to.include(`<figure id="fig-${name}"`);
      const meta = await sharp(join(root, 'compare', 'figures', `${name}.png`)).metadata();
      const svgWidth = Number(/<svg[^>]*\swidth="(\d+(?:\.\d+)?)"/.exec(figure(comparison, name).svg)?.[1]);
      expect(meta.format).to.equal('png');
      expect(meta.width).to.equal(Math.round(2 * svgWidth)); // default scale 2
    }
    expect(html.match(/<svg\b/g)?.length).to.equal(names.length);
  });

  it('plots exactly the logged AP values, overlaid per run, at their scaled positions', () => {
    const want = Object.entries(DETECTION_AP).flatMap(([run, aps]) => aps.map((ap, epoch): [string, number, string, number] => [run, epoch, '', ap]));
    expect(points(comparison, 'ap', 'epoch')).to.deep.equal(expected(want));
    const { view } = figure(comparison, 'ap');
    const y = view.scale('y') as (v: number) => number;
    const x = view.scale('x') as (v: number) => number;
    for (const item of drawnItems(view, 'symbol')) {
      expect(item.y).to.be.closeTo(y(item.datum.value as number), 1e-9);
      expect(item.x).to.be.closeTo(x(item.datum.epoch as number), 1e-9);
    }
    // the higher AP is drawn higher: cond-detr epoch 2 (0.1375) above detr epoch 2 (0.0625)
    expect(y(0.1375)).to.be.lessThan(y(0.0625));
  });

  it('plots the 12 COCO stats per epoch, leaving out the -1 (no ground truth) stat', () => {
    const want = Object.entries(DETECTION_AP).flatMap(([run, aps]) =>
      aps.flatMap((ap, epoch) =>
        Object.entries(cocoMetrics(ap)).flatMap(([stat, v]): [string, number, string, number][] => (v === -1 ? [] : [[run, epoch, stat, v]])),
      ),
    );
    expect(want).to.have.length(2 * 3 * 11);
    expect(points(comparison, 'coco-stats', 'epoch')).to.deep.equal(expected(want));
  });

  it('plots the total loss and every term per logged step and per epoch', () => {
    type Logged = { loss: number; terms: Record<string, number> };
    const rows = <R extends Logged>(records: readonly R[], x: (r: R) => number): [string, number, string, number][] =>
      Object.keys(DETECTION_AP).flatMap((run) => {
        const scale = run === 'detr-tiny' ? 1 : 0.5;
        return records.flatMap((r): [string, number, string, number][] => [
          [run, x(r), 'loss (total)', r.loss * scale],
          ...Object.entries(r.terms).map(([term, v]): [string, number, string, number] => [run, x(r), term, v * scale]),
        ]);
      });
    expect(points(comparison, 'loss-steps', 'x')).to.deep.equal(expected(rows(DETECTION_TRAIN, (r) => r.step)));
    expect(points(comparison, 'loss-epochs', 'x')).to.deep.equal(expected(rows(DETECTION_EPOCHS, (r) => r.epoch)));
    expect(points(comparison, 'images-per-sec', 'epoch')).to.deep.equal(
      expected(
        Object.keys(DETECTION_AP).flatMap((run) => DETECTION_EPOCHS.map((e): [string, number, string, number] => [run, e.epoch, '', e.imagesPerSec])),
      ),
    );
  });

  it('has the final tables and no external reference', async () => {
    const html = await fs.readFile(comparison.html, 'utf8');
    expect(externalReferences(html)).to.deep.equal([]);
    expect(html).not.to.match(/\s(?:src|href)\s*=\s*["']?https?:/i);
    expect(html).not.to.match(/<script\b[^>]*\bsrc/i);
    expect(html).not.to.match(/<link\b/i);
    expect(html).not.to.match(/<img\b/i);
    // final COCO table: AP of the last epoch per run and the best AP with its epoch
    expect(html).to.include('<th>detr-tiny (epoch 2)</th><th>cond-detr-tiny (epoch 2)</th>');
    expect(html).to.include('<tr><td>AP</td><td>0.0625</td><td>0.1375</td></tr>');
    expect(html).to.include('<tr><td>APs</td><td>-</td><td>-</td></tr>');
    expect(html).to.include('<tr><td>best AP</td><td>0.0625 (epoch 2)</td><td>0.1375 (epoch 2)</td></tr>');
    // summary: backend, epochs, steps, final epoch loss (5.25 and 5.25·0.5), mean images/s (12.33), training time (5.0 s)
    expect(html).to.include(
      '<tr><td>detr-tiny</td><td>wasm</td><td>1</td><td>3</td><td>6</td><td>5.25</td><td>12.33</td><td>5.0s</td><td>last.safetensors</td></tr>',
    );
    expect(html).to.include('<tr><td>cond-detr-tiny</td><td>cpu</td><td>1</td><td>3</td><td>6</td><td>2.625</td><td>12.33</td><td>5.0s</td>');
  });

  it('writes a single run report into its directory with pose errors and recall per scene', async () => {
    const report = await writeRunReport(pose);
    expect(report.html).to.equal(join(pose, 'report.html'));
    const want = (quantity: 'recall' | 'median'): [string, number, string, number][] =>
      POSE_EVALS.flatMap((metrics, epoch) =>
        Object.entries(metrics).flatMap(([key, value]): [string, number, string, number][] => {
          const k = parsePoseMetricKey(key)!;
          if ((k.quantity === 'recall') !== (quantity === 'recall')) return [];
          const what = k.quantity === 'recall' ? k.threshold : k.quantity === 'position' ? 'position (m)' : 'orientation (°)';
          return [['mst-qka', epoch, `${k.scene ?? 'all scenes'} · ${what}`, value]];
        }),
      );
    expect(points(report, 'pose-median-errors', 'epoch')).to.deep.equal(expected(want('median')));
    expect(points(report, 'pose-recall', 'epoch')).to.deep.equal(expected(want('recall')));
    expect(points(report, 'pose-median-errors', 'epoch')).to.have.length(12); // 2 epochs × (2 scenes + average) × 2 quantities
    const html = await fs.readFile(report.html, 'utf8');
    expect(externalReferences(html)).to.deep.equal([]);
    expect(html).to.include(
      '<th>scene</th><th>median position (m)</th><th>median orientation (°)</th><th>recall 0.25m/2deg</th><th>recall 0.5m/5deg</th>',
    );
    expect(html).to.include('<tr><td>chess</td><td>0.25</td><td>5</td><td>50.0%</td><td>75.0%</td></tr>');
    expect(html).to.include('<tr><td>average / pooled</td><td>0.375</td><td>6.25</td><td>25.0%</td><td>50.0%</td></tr>');
    await fs.access(join(pose, 'figures', 'pose-recall.png'));
  });

  it('reports every backend and session of a resumed run', async () => {
    const dir = await writePoseRun(root, 'resumed');
    const log = await fs.readFile(join(dir, 'log.jsonl'), 'utf8');
    const resume = {
      type: 'run',
      name: 'resumed',
      config: {},
      backend: 'wasm',
      startedAt: '2026-11-21T13:00:00.000Z',
      resumedFrom: { epoch: 1, step: 1, checkpoint: 'x' },
    };
    await fs.writeFile(join(dir, 'log.jsonl'), `${log}${JSON.stringify(resume)}\n`);
    const report = await writeRunReport(dir);
    expect(await fs.readFile(report.html, 'utf8')).to.include('<tr><td>resumed</td><td>cpu, wasm</td><td>2</td><td>2</td><td>2</td>');
  });

  it('condformer report: overlays runs into --out and fails cleanly on a malformed log', async () => {
    const out = join(root, 'cli');
    const logged: string[] = [];
    const log = console.log;
    console.log = (line: string) => logged.push(line);
    try {
      expect(await reportCommand.run([detr, cond, '--out', out])).to.equal(0);
    } finally {
      console.log = log;
    }
    expect(logged[0]).to.equal(join(out, 'report.html'));
    expect(logged).to.include(join(out, 'figures', 'ap.png'));
    const bad = join(root, 'bad');
    await fs.mkdir(bad);
    await fs.writeFile(join(bad, 'log.jsonl'), '{"type":"eval","epoch":"one","metrics":{}}\n{"type":"run"}\n');
    const errors: string[] = [];
    const error = console.error;
    console.error = (line: string) => errors.push(line);
    try {
      expect(await reportCommand.run([bad])).to.equal(1);
      expect(await reportCommand.run([])).to.equal(2);
    } finally {
      console.error = error;
    }
    expect(errors[0])
      .to.include(`${join(bad, 'log.jsonl')}:1`)
      .and.include('$.epoch');
  });
});

describe('long runs', () => {
  it('thin per-step records to every k-th logged one, keeping the last', () => {
    const steps = Array.from({ length: 2501 }, (_, i) => i);
    const kept = thinned(steps, 1000); // k = 3
    expect(kept).to.have.length(835);
    expect(kept.slice(0, 3)).to.deep.equal([0, 3, 6]);
    expect(kept.at(-1)).to.equal(2500);
    expect(thinned(steps.slice(0, 1000), 1000)).to.have.length(1000);
  });
});

describe('pose metrics in the run log', () => {
  it('flattens an evaluation into parseable keys with the same numbers', () => {
    // chess: errors 1 m and 0.1 m (pos), 0° and 0°; fire: 2 m, rotation 90° about z
    const s = Math.SQRT1_2;
    const predicted = [1, 0, 0, 1, 0, 0, 0, 0.1, 0, 0, 1, 0, 0, 0, 2, 0, 0, s, 0, 0, s];
    const target = [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0];
    const metrics = poseEvalMetrics(evaluatePoses(predicted, target, ['chess', 'chess', 'fire']));
    expect(metrics['scene/chess/medianPositionError']).to.be.closeTo(0.1, 1e-12); // lower median of [0.1, 1]
    expect(metrics['scene/fire/medianPositionError']).to.equal(2);
    expect(metrics['scene/fire/medianOrientationError']).to.be.closeTo(90, 1e-6);
    expect(metrics.medianPositionError).to.be.closeTo(1.05, 1e-12);
    expect(metrics['recall/0.25m/2deg']).to.be.closeTo(1 / 3, 1e-12);
    expect(metrics['scene/chess/recall/5m/10deg']).to.equal(1);
    expect(Object.keys(metrics)).to.have.length(2 + 3 + 2 * (2 + 3));
    for (const key of Object.keys(metrics)) expect(parsePoseMetricKey(key), key).not.to.equal(null);
    expect(parsePoseMetricKey('scene/a/b/recall/0.5m/5deg')).to.deep.equal({
      scene: 'a/b',
      quantity: 'recall',
      threshold: '0.5m/5deg',
      baseline: false,
    });
    expect(parsePoseMetricKey('AP')).to.equal(null);
    const baseline = poseEvalMetrics(evaluatePoses(predicted, target, ['chess', 'chess', 'fire']), BASELINE_PREFIX);
    expect(baseline['baseline/scene/fire/medianPositionError']).to.equal(2);
    expect(parsePoseMetricKey('baseline/scene/fire/medianOrientationError')).to.deep.equal({
      scene: 'fire',
      quantity: 'orientation',
      baseline: true,
    });
    expect(parsePoseMetricKey('baseline/AP')).to.equal(null);
  });
});

describe('self-contained HTML', () => {
  it('finds every kind of external reference and accepts in-page ones', () => {
    const bad = [
      '<img src="https://example.com/a.png">',
      "<a href='http://example.com'>x</a>",
      '<script src="app.js"></script>',
      '<link rel="stylesheet" href="style.css">',
      '<div style="background: url(http://example.com/x.png)"></div>',
      '<style>@import "fonts.css";</style>',
      '<image xlink:href="pic.png"/>',
    ];
    for (const html of bad) expect(externalReferences(html), html).to.have.length.greaterThan(0);
    const ok =
      '<svg xmlns="http://www.w3.org/2000/svg"><g clip-path="url(#c1)"><use href="#c1"/><image href="data:image/png;base64,AAAA"/></g></svg>';
    expect(externalReferences(ok)).to.deep.equal([]);
  });

  it('namespaces the ids of inline SVGs', () => {
    const svg = '<svg><clipPath id="clip1"><rect/></clipPath><g clip-path="url(#clip1)"><use href="#clip1"/></g><g id="x"/></svg>';
    expect(namespaceSvgIds(svg, 'fig-ap')).to.equal(
      '<svg><clipPath id="fig-ap-clip1"><rect/></clipPath><g clip-path="url(#fig-ap-clip1)"><use href="#fig-ap-clip1"/></g><g id="fig-ap-x"/></svg>',
    );
  });
});
