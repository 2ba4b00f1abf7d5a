// transformers' names ↔ official names on condformer's tiny detectors, against the HF-named files
// Python wrote with the conversion scripts' rules (test/fixtures/make-pth-fixtures.py), plus
// state-dict files loading strictly into the model.
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { DecodeError } from '../../lib/io/decode.js';
import { buildDetector } from '../../lib/models/detector.js';
import { detectorKindOfHfNames, hfToOfficialNames, NameMappingError, officialToHfNames } from '../../lib/models/hf-detr-names.js';
import { loadStateDictFile, readStateDictFile } from '../../lib/models/state-dict-file.js';
import { readSafetensors } from '../../lib/nn/safetensors.js';
import { Rng } from '../../lib/runtime/rng.js';
import { TINY_DETECTORS } from '../fixtures/make-tiny-detectors.js';

const PTH = fileURLToPath(new URL('../fixtures/pth/', import.meta.url));

async function official(kind: 'conditional-detr' | 'detr'): Promise<Map<string, tf.Tensor>> {
  return (await readSafetensors(`${PTH}tiny-${kind}.safetensors`)).tensors;
}

function expectSameTensors(got: Map<string, tf.Tensor>, want: Map<string, tf.Tensor>): void {
  expect([...got.keys()].sort()).to.deep.equal([...want.keys()].sort());
  for (const [name, tensor] of want) {
    const g = got.get(name) as tf.Tensor;
    expect({ name, shape: g.shape, dtype: g.dtype }).to.deep.equal({ name, shape: tensor.shape, dtype: tensor.dtype });
    expect(Array.from(g.dataSync()), name).to.deep.equal(Array.from(tensor.dataSync()));
  }
}

const rows = (t: tf.Tensor, from: number, to: number) => tf.tidy(() => Array.from(tf.slice(t, [from], [to - from]).dataSync()));

describe('Hugging Face DETR / Conditional DETR names', () => {
  it('HF model.safetensors (Conditional DETR) → official: every tensor equals the official dict; q/k/v concatenated into in_proj', async () => {
    const before = tf.memory().numTensors;
    const want = await official('conditional-detr');
    const file = await readStateDictFile(`${PTH}hf-tiny-conditional-detr.safetensors`);
    expect(file).to.include({ format: 'safetensors', names: 'hf' });
    expectSameTensors(file.tensors, want);
    // by hand: the encoder's in_proj_weight [3·8, 8] from q_proj, k_proj, v_proj rows
    const hf = (await readSafetensors(`${PTH}hf-tiny-conditional-detr.safetensors`)).tensors;
    const inProj = file.tensors.get('transformer.encoder.layers.0.self_attn.in_proj_weight') as tf.Tensor;
    expect(inProj.shape).to.deep.equal([24, 8]);
    expect(rows(inProj, 8, 16)).to.deep.equal(Array.from((hf.get('model.encoder.layers.0.self_attn.k_proj.weight') as tf.Tensor).dataSync()));
    expect(Array.from(file.tensors.get('class_embed.bias')?.dataSync() ?? [])).to.deep.equal(
      Array.from(hf.get('class_labels_classifier.bias')?.dataSync() ?? [1]),
    );
    expect(detectorKindOfHfNames(hf.keys())).to.equal('conditional');
    tf.dispose([...want.values(), ...file.tensors.values(), ...hf.values()]);
    expect(tf.memory().numTensors).to.equal(before);
  });

  it('HF pytorch_model.bin (DETR, a plain dict) → official: decoder self- and cross-attention in_proj rebuilt exactly', async () => {
    const want = await official('detr');
    const file = await readStateDictFile(`${PTH}hf-tiny-detr.bin`);
    expect(file).to.include({ format: 'pth', names: 'hf' });
    expect(file.tensors.size).to.equal(85);
    expectSameTensors(file.tensors, want);
    tf.dispose([...want.values(), ...file.tensors.values()]);
  });

  for (const [kind, fixture] of [
    ['conditional', 'conditional-detr'],
    ['detr', 'detr'],
  ] as const) {
    it(`${kind}: official → HF gives Python's key set; HF → official round-trips every value`, async () => {
      const before = tf.memory().numTensors;
      const dict = await official(fixture);
      const copy = new Map([...dict].map(([k, v]) => [k, v.clone()]));
      const hf = officialToHfNames(copy, kind);
      const python = await readStateDictFile(`${PTH}hf-tiny-${fixture}.${kind === 'detr' ? 'bin' : 'safetensors'}`, { from: 'official' }); // names as written
      expect([...hf.keys()].sort()).to.deep.equal([...python.tensors.keys()].sort());
      // a few pairs listed by hand from the conversion scripts
      const pairs: [string, string][] =
        kind === 'conditional'
          ? [
              ['transformer.decoder.layers.1.cross_attn.out_proj.weight', 'model.decoder.layers.1.encoder_attn.out_proj.weight'],
              ['transformer.decoder.layers.0.ca_qpos_proj.bias', 'model.decoder.layers.0.ca_qpos_proj.bias'],
              ['transformer.encoder.layers.0.norm2.weight', 'model.encoder.layers.0.final_layer_norm.weight'],
              ['transformer.decoder.query_scale.layers.1.bias', 'model.decoder.query_scale.layers.1.bias'],
              ['backbone.0.body.stages.2.bn.running_var', 'model.backbone.conv_encoder.model.stages.2.bn.running_var'],
            ]
          : [
              ['transformer.decoder.layers.0.norm2.bias', 'model.decoder.layers.0.encoder_attn_layer_norm.bias'],
              ['transformer.decoder.norm.weight', 'model.decoder.layernorm.weight'],
              ['query_embed.weight', 'model.query_position_embeddings.weight'],
              ['bbox_embed.layers.2.weight', 'bbox_predictor.layers.2.weight'],
            ];
      for (const [o, h] of pairs) expect(Array.from(hf.get(h)?.dataSync() ?? []), h).to.deep.equal(Array.from((dict.get(o) as tf.Tensor).dataSync()));
      if (kind === 'detr') {
        const inProj = dict.get('transformer.decoder.layers.1.multihead_attn.in_proj_bias') as tf.Tensor;
        expect(Array.from(hf.get('model.decoder.layers.1.encoder_attn.v_proj.bias')?.dataSync() ?? [])).to.deep.equal(rows(inProj, 16, 24));
      }
      const back = hfToOfficialNames(hf, kind);
      expectSameTensors(back, dict);
      tf.dispose([...dict.values(), ...back.values(), ...python.tensors.values()]);
      expect(tf.memory().numTensors).to.equal(before);
    });
  }

  it('names the table does not cover are an error naming them; a forced --from hf on official names too', async () => {
    const a = tf.zeros([2]);
    expect(() => hfToOfficialNames(new Map([['model.backbone.position_embedding.row_embeddings.weight', a]]))).to.throw(
      NameMappingError,
      /no name for model\.backbone\.position_embedding\.row_embeddings\.weight/,
    );
    // Conditional DETR has no decoder self-attention q/k/v
    expect(() =>
      hfToOfficialNames(
        new Map([
          ['model.decoder.layers.0.self_attn.q_proj.weight', a],
          ['model.decoder.ref_point_head.layers.0.weight', a],
        ]),
      ),
    ).to.throw(NameMappingError, /model\.decoder\.layers\.0\.self_attn\.q_proj\.weight/);
    expect(() => hfToOfficialNames(new Map([['model.encoder.layers.0.self_attn.q_proj.weight', a]]), 'detr')).to.throw(
      NameMappingError,
      /in_proj_weight \(q\/k\/v incomplete\)/,
    );
    a.dispose();
    const before = tf.memory().numTensors;
    let error: unknown;
    await readStateDictFile(`${PTH}tiny-detr.safetensors`, { from: 'hf' }).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(DecodeError);
    expect((error as Error).message).to.match(
      /tiny-detr\.safetensors: Hugging Face → official names: no name for backbone\.0\.body\.stages\.0\.bn\.bias/,
    );
    expect(tf.memory().numTensors).to.equal(before);
  });

  it('loadStateDictFile: the official .pth, the HF files and the official safetensors load strictly into the tiny models', async () => {
    for (const [fixture, files] of [
      ['conditional-detr', ['official-tiny-conditional-detr.pth', 'hf-tiny-conditional-detr.safetensors', 'tiny-conditional-detr.safetensors']],
      ['detr', ['hf-tiny-detr.bin', 'tiny-detr.safetensors']],
    ] as const) {
      const want = await official(fixture);
      for (const file of files) {
        const model = buildDetector(TINY_DETECTORS[fixture], new Rng(99));
        const { report, warnings } = await loadStateDictFile(model, `${PTH}${file}`);
        expect(report, file).to.deep.equal({ missing: [], unexpected: [], mismatched: [] });
        expect(warnings.length, file).to.equal(file.startsWith('official') ? 3 : 0);
        const torch = model.torchStateDict();
        expectSameTensors(torch, want);
        tf.dispose([...torch.values()]);
        model.dispose();
      }
      tf.dispose([...want.values()]);
    }
    const model = buildDetector({ ...TINY_DETECTORS.detr, hiddenDim: 16 }, new Rng(0));
    let error: unknown;
    await loadStateDictFile(model, `${PTH}hf-tiny-detr.bin`).catch((e: unknown) => (error = e));
    expect((error as Error).message).to.match(/shape mismatch for query_embed\.weight: expected \[4,16\], got \[4,8\]/);
    model.dispose();
  });
});
