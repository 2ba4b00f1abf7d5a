// `train detect --anchors dab --dn-groups N --query-groups K`: the aids combine, are recorded in
// config.json, the checkpoint loads back (eval detect), the report names them, bad combinations exit 2.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { command as evalDetect } from '../../bin/commands/eval-detect.js';
import { command as trainDetect } from '../../bin/commands/train-detect.js';
import { parseJson } from '../../lib/io/decode.js';
import { decodeDetectionRunConfig } from '../../lib/tasks/detection/config.js';
import { readRunLog } from '../../lib/train/run-log.js';
import { runCommand } from '../helpers/run-command.js';

describe('condformer train detect with DAB anchors, DN groups and query groups', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'detect-aids-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const tiny = (runDir: string) => [
    ...['--data', 'synthetic', '--train-images', '4', '--val-images', '2', '--image-size', '32', '--epochs', '1', '--batch-size', '2'],
    ...[
      '--hidden-dim',
      '16',
      '--heads',
      '2',
      '--enc-layers',
      '1',
      '--dec-layers',
      '2',
      '--ffn',
      '32',
      '--queries',
      '6',
      '--small-channels',
      '4,8,8,16',
    ],
    ...['--run-dir', runDir, '--quiet', '--seed', '0', '--backend', tf.getBackend()],
  ];

  it('trains with all three, records them, loads the checkpoint back and reports them', async () => {
    const runDir = join(dir, 'all');
    const { code, err } = await runCommand(trainDetect, [...tiny(runDir), '--anchors', 'dab', '--dn-groups', '2', '--query-groups', '3']);
    expect(code, err).to.equal(0);
    const configPath = join(runDir, 'config.json');
    const config = decodeDetectionRunConfig(parseJson(readFileSync(configPath, 'utf8'), configPath), configPath);
    expect(config.detector).to.include({ model: 'conditional', anchors: 'dab', dnGroups: 2, queryGroups: 3, numQueries: 6 });
    const log = await readRunLog(join(runDir, 'log.jsonl'));
    const epochs = log.flatMap((r) => (r.type === 'epoch' ? [r] : []));
    expect(epochs).to.have.length(1);
    for (const term of ['loss_ce', 'tgt_loss_ce', 'tgt_loss_bbox', 'tgt_loss_giou'])
      expect(Number.isFinite(epochs[0]?.terms[term]), term).to.equal(true);
    const evaluated = await runCommand(evalDetect, [
      '--checkpoint',
      join(runDir, 'checkpoints', 'last.safetensors'),
      '--json',
      '--backend',
      tf.getBackend(),
    ]);
    expect(evaluated.code, evaluated.err).to.equal(0);
    const report = readFileSync(join(runDir, 'report.html'), 'utf8');
    expect(report).to.contain('Training aids (DAB-DETR anchors, DN-DETR denoising, Group DETR)');
    expect(report).to.match(/<td>dab<\/td>\s*<td>2<\/td>\s*<td>3<\/td>/);
  });

  it('leaves the config as before without the flags', async () => {
    const runDir = join(dir, 'plain');
    expect((await runCommand(trainDetect, tiny(runDir))).code).to.equal(0);
    const configPath = join(runDir, 'config.json');
    const config = decodeDetectionRunConfig(parseJson(readFileSync(configPath, 'utf8'), configPath), configPath);
    expect(config.detector).to.not.have.any.keys('anchors', 'dnGroups', 'queryGroups');
  });

  it('refuses aids that do not combine, and bad values, with exit 2', async () => {
    const runDir = join(dir, 'bad');
    const dn = await runCommand(trainDetect, [...tiny(runDir), '--dn-groups', '3']);
    expect([dn.code, dn.err.split('\n')[0]]).to.deep.equal([2, 'DN-DETR denoising (--dn-groups > 0) needs anchor-box queries (--anchors dab)']);
    const anchors = await runCommand(trainDetect, [...tiny(runDir), '--anchors', 'boxes']);
    expect([anchors.code, anchors.err.split('\n')[0]]).to.deep.equal([2, "--anchors: expected one of none, dab, got 'boxes'"]);
    const groups = await runCommand(trainDetect, [...tiny(runDir), '--query-groups', '0']);
    expect([groups.code, groups.err.split('\n')[0]]).to.deep.equal([2, "--query-groups: expected an integer >= 1, got '0'"]);
    const detr = await runCommand(trainDetect, [...tiny(runDir), '--model', 'detr', '--query-groups', '2']);
    expect(detr.code).to.equal(2);
  });
});
