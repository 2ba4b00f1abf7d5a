// safetensors reading / writing on the reference fixtures and hand-made buffers, and PyTorch
// layout conversion of Linear and Conv2d. Expected fixture values were read with python3 +
// struct/json/numpy straight from the files (np.frombuffer on the data_offsets slice).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Conv2d } from '../../lib/nn/conv2d.js';
import { Linear } from '../../lib/nn/linear.js';
import { decodeSafetensors, encodeSafetensors, readSafetensors, writeSafetensors } from '../../lib/nn/safetensors.js';
import { maxAbsDiff, nest, referenceConv2d, wave, type Map4 } from './reference.js';

const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));

/** Per file: tensor count, dtype counts, zero-size count, `module` prefix (python3 over the headers). */
const EXPECTED_FILES: Record<string, { count: number; dtypes: Record<string, number>; zeroSize: number; module: string }> = {
  'box_ops.safetensors': { count: 8, dtypes: { float32: 8 }, zeroSize: 0, module: 'DETR util/box_ops.py' },
  'cond_detr_transformer.safetensors': { count: 145, dtypes: { float32: 144, bool: 1 }, zeroSize: 0, module: 'ConditionalDETR models/transformer.py' },
  'detr_transformer.safetensors': { count: 86, dtypes: { float32: 85, bool: 1 }, zeroSize: 0, module: 'DETR models/transformer.py' },
  'matcher_and_losses.safetensors': { count: 81, dtypes: { float32: 55, int32: 26 }, zeroSize: 20, module: 'ConditionalDETR models/matcher.py' },
  'mst_encoder_qka.safetensors': { count: 43, dtypes: { float32: 43 }, zeroSize: 0, module: 'ActMST models/transposenet/transformer_encoder.py' },
  'position_encodings.safetensors': { count: 12, dtypes: { float32: 10, bool: 2 }, zeroSize: 0, module: 'DETR models/position_encoding.py' },
};

/** Hand-made safetensors bytes: header entries plus one data buffer. */
function handMade(header: Record<string, unknown>, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function u16(values: number[]): Uint8Array {
  return new Uint8Array(Uint16Array.from(values).buffer);
}

describe('safetensors on the reference fixtures', () => {
  for (const [file, expected] of Object.entries(EXPECTED_FILES)) {
    it(`reads ${file}: names, dtypes, zero-size tensors and metadata`, async () => {
      const { tensors, metadata } = await readSafetensors(join(FIXTURES, file));
      expect(tensors.size).to.equal(expected.count);
      const dtypes: Record<string, number> = {};
      for (const t of tensors.values()) dtypes[t.dtype] = (dtypes[t.dtype] ?? 0) + 1;
      expect(dtypes).to.deep.equal(expected.dtypes);
      expect([...tensors.values()].filter((t) => t.size === 0)).to.have.length(expected.zeroSize);
      expect(metadata.module?.startsWith(expected.module)).to.equal(true);
      expect(Object.keys(metadata)).to.include.members(['module', 'layout', 'notes']);
      tf.dispose([...tensors.values()]);
    });
  }

  it('reads every name with its shape (position_encodings.safetensors)', async () => {
    const { tensors } = await readSafetensors(join(FIXTURES, 'position_encodings.safetensors'));
    const shapes = Object.fromEntries([...tensors].map(([name, t]) => [name, t.shape]));
    expect(shapes).to.deep.equal({
      'col_embed.weight': [50, 32], 'input.mask': [2, 5, 6], 'input.mask_nopad': [2, 5, 6], 'input.ref_points': [7, 2, 2],
      'output.actmst_learned': [2, 64, 5, 6], 'output.actmst_sine': [2, 64, 5, 6], 'output.actmst_sine_nopad': [2, 64, 5, 6],
      'output.cond_query_sine': [7, 2, 256], 'output.cond_query_sine_generalized': [7, 2, 64], 'output.detr_sine': [2, 64, 5, 6],
      'output.detr_sine_normalized': [2, 64, 5, 6], 'row_embed.weight': [50, 32],
    });
    expect(tensors.get('col_embed.weight')?.dataSync()[0]).to.equal(Math.fround(0.4207901954650879));
    expect(tensors.get('row_embed.weight')?.dataSync()[50 * 32 - 1]).to.equal(Math.fround(0.3898228406906128));
    expect(tensors.get('input.mask_nopad')?.sum().dataSync()[0]).to.equal(0);
    tf.dispose([...tensors.values()]);
  });

  it('reads values: F32 weights, BOOL masks, I64 indices, zero-size targets', async () => {
    const detr = (await readSafetensors(join(FIXTURES, 'detr_transformer.safetensors'))).tensors;
    const inProj = detr.get('encoder.layers.0.self_attn.in_proj_weight') as tf.Tensor;
    expect(inProj.shape).to.deep.equal([192, 64]); // PyTorch [3C, C]
    const w = inProj.dataSync();
    expect(w[0]).to.equal(Math.fround(-0.12882348895072937));
    expect(w[1]).to.equal(Math.fround(-0.14178258180618286));
    expect(w[191 * 64 + 63]).to.equal(Math.fround(0.0915447250008583));
    expect(inProj.sum().dataSync()[0]).to.be.closeTo(-12.130703981155534, 1e-3);
    const mask = detr.get('input.mask') as tf.Tensor;
    expect(mask.dtype).to.equal('bool');
    // image 1: right 2 columns and bottom row padded
    const image1 = [0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1];
    expect(Array.from(mask.dataSync())).to.deep.equal([...Array<number>(30).fill(0), ...image1]);
    expect(detr.get('output.memory')?.shape).to.deep.equal([2, 64, 5, 6]);
    expect(detr.get('output.memory')?.dataSync()[0]).to.equal(Math.fround(1.3168467283248901));
    tf.dispose([...detr.values()]);

    const matcher = (await readSafetensors(join(FIXTURES, 'matcher_and_losses.safetensors'))).tensors;
    const labels = matcher.get('input.targets.0.labels') as tf.Tensor;
    expect(labels.dtype).to.equal('int32');
    expect(Array.from(labels.dataSync())).to.deep.equal([2, 4, 1]);
    expect(Array.from(matcher.get('output.detr.match.2.0.tgt')?.dataSync() ?? [])).to.deep.equal([2, 0, 1]);
    expect(Array.from(matcher.get('output.cond_detr.match.2.0.src')?.dataSync() ?? [])).to.deep.equal([0, 2, 6]);
    expect(matcher.get('input.targets.1.boxes')?.shape).to.deep.equal([0, 4]);
    expect(matcher.get('input.targets.1.labels')?.shape).to.deep.equal([0]);
    expect(matcher.get('empty_weight')?.dataSync()[5]).to.equal(Math.fround(0.1));
    expect(matcher.get('output.detr.loss_weighted_total')?.shape).to.deep.equal([]);
    expect(matcher.get('output.detr.loss_weighted_total')?.dataSync()[0]).to.equal(Math.fround(20.025066375732422));
    tf.dispose([...matcher.values()]);
  });
});

describe('safetensors write / read', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'condformer-st-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips F32, I64 (int32), BOOL and zero-size tensors with metadata', async () => {
    const tensors = new Map<string, tf.Tensor>([
      ['b.weight', tf.tensor2d([[1.5, -2.25, 3e-8], [1e30, 0, -0]])],
      ['a.count', tf.tensor1d([-5, 0, 2147483647, -2147483648], 'int32')],
      ['mask', tf.tensor2d([[true, false], [false, true]], [2, 2], 'bool')],
      ['empty.boxes', tf.zeros([0, 4])],
      ['empty.labels', tf.tensor1d([], 'int32')],
      ['scalar', tf.scalar(7, 'int32')],
    ]);
    const path = join(dir, 'round.safetensors');
    await writeSafetensors(path, tensors, { note: 'hello' });
    const back = await readSafetensors(path);
    expect(back.metadata).to.deep.equal({ note: 'hello' });
    expect([...back.tensors.keys()]).to.deep.equal(['a.count', 'b.weight', 'empty.boxes', 'empty.labels', 'mask', 'scalar']);
    for (const [name, t] of tensors) {
      const u = back.tensors.get(name) as tf.Tensor;
      expect(u.dtype, name).to.equal(t.dtype);
      expect(u.shape, name).to.deep.equal(t.shape);
      expect(Array.from(u.dataSync()), name).to.deep.equal(Array.from(t.dataSync()));
    }
    // the header says I64 / BOOL / F32, 8-byte aligned header
    const bytes = await encodeSafetensors(tensors);
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).to.equal(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header['a.count']).to.deep.equal({ dtype: 'I64', shape: [4], data_offsets: [0, 32] });
    expect(header.mask.dtype).to.equal('BOOL');
    expect(header['empty.boxes']).to.deep.equal({ dtype: 'F32', shape: [0, 4], data_offsets: [56, 56] });
    tf.dispose([...tensors.values(), ...back.tensors.values()]);
  });

  it('decodes hand-made F16 and BF16 buffers', () => {
    // F16: 1, -2, 0.5, 65504 (max), 2^-24 (smallest subnormal), +inf
    // BF16: 1, -2.5, 3.140625
    const f16 = u16([0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x7c00]);
    const bf16 = u16([0x3f80, 0xc020, 0x4049]);
    const data = new Uint8Array(f16.length + bf16.length);
    data.set(f16, 0);
    data.set(bf16, f16.length);
    const bytes = handMade({
      half: { dtype: 'F16', shape: [2, 3], data_offsets: [0, 12] },
      brain: { dtype: 'BF16', shape: [3], data_offsets: [12, 18] },
    }, data);
    const { tensors } = decodeSafetensors(bytes, 'hand.safetensors');
    expect(tensors.get('half')?.dtype).to.equal('float32');
    expect(tensors.get('half')?.shape).to.deep.equal([2, 3]);
    expect(Array.from(tensors.get('half')?.dataSync() ?? [])).to.deep.equal([1, -2, 0.5, 65504, Math.fround(2 ** -24), Infinity]);
    expect(Array.from(tensors.get('brain')?.dataSync() ?? [])).to.deep.equal([1, -2.5, 3.140625]);
    tf.dispose([...tensors.values()]);
  });

  it('writes float32 tensors as F16 / BF16 with round-to-nearest-even bit patterns', async () => {
    // F16: 1/3 → 0x3555 (mantissa rounded down); 65520 is the midpoint above the max 65504 and
    // rounds (to even) to +inf; 1e-8 is below half the smallest subnormal → +0; 2^-24 → 0x0001.
    const half = tf.tensor1d([1, -2, 0.5, 65504, 2 ** -24, Infinity, 1 / 3, 65520, 1e-8]);
    // BF16: π = 0x40490fdb rounds to 0x4049 (3.140625); 1 + 2^-8 is a tie and rounds to even 0x3f80.
    const brain = tf.tensor1d([1, -2.5, Math.PI, 1 + 2 ** -8]);
    const bits = async (tensor: tf.Tensor, float: 'F16' | 'BF16'): Promise<number[]> => {
      const bytes = await encodeSafetensors(new Map([['x', tensor]]), {}, { float });
      const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
      const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string }>;
      expect(header.x?.dtype).to.equal(float);
      const back = decodeSafetensors(bytes);
      expect(back.tensors.get('x')?.dtype).to.equal('float32');
      tf.dispose([...back.tensors.values()]);
      return Array.from(new Uint16Array(bytes.slice(8 + n).buffer));
    };
    expect(await bits(half, 'F16')).to.deep.equal([0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x7c00, 0x3555, 0x7c00, 0x0000]);
    expect(await bits(brain, 'BF16')).to.deep.equal([0x3f80, 0xc020, 0x4049, 0x3f80]);
    tf.dispose([half, brain]);
  });

  it('names the file on malformed input', async () => {
    const tooLong = new Uint8Array(16);
    new DataView(tooLong.buffer).setBigUint64(0, 1000n, true);
    const cases: [string, Uint8Array, RegExp][] = [
      ['short.safetensors', new Uint8Array(3), /short\.safetensors: file shorter than the 8-byte header length/],
      ['long.safetensors', tooLong, /long\.safetensors: header length 1000 exceeds the file size 16/],
      ['json.safetensors', handMade({}, new Uint8Array()).map((b, i) => (i === 8 ? 0x7b + 1 : b)), /json\.safetensors: malformed JSON/],
      ['dtype.safetensors', handMade({ x: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)), /dtype\.safetensors tensor 'x': at \$\.dtype/],
      ['offsets.safetensors', handMade({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)), /offsets\.safetensors: tensor 'x': data_offsets \[0, 8\] do not fit shape \[3\] of F32/],
    ];
    for (const [name, bytes, message] of cases) {
      const path = join(dir, name);
      await writeFile(path, bytes);
      let error: unknown = null;
      await readSafetensors(path).catch((e: unknown) => {
        error = e;
      });
      expect(String(error), name).to.match(message);
      expect(String(error), name).to.include(path);
    }
    const big = new Uint8Array(new BigInt64Array([2n ** 40n]).buffer);
    expect(() => decodeSafetensors(handMade({ i: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, big), 'big.safetensors')).to.throw(/big\.safetensors tensor 'i': I64 value 1099511627776 does not fit int32/);
    let missing: unknown = null;
    await readSafetensors(join(dir, 'nope.safetensors')).catch((e: unknown) => {
      missing = e;
    });
    expect(String(missing)).to.match(/cannot read safetensors file .*nope\.safetensors/);
  });
});

describe('PyTorch layout conversion', () => {
  it('loads a torch-layout Linear [out, in] and computes y = x Wᵀ + b', () => {
    const lin = new Linear(3, 2);
    // W = [[1, 2, 3], [4, 5, 6]], b = [0.5, -1]; x = [1, -1, 2] → [1-2+6+0.5, 4-5+12-1] = [5.5, 10]
    lin.loadStateDict(new Map<string, tf.Tensor>([['weight', tf.tensor2d([[1, 2, 3], [4, 5, 6]])], ['bias', tf.tensor1d([0.5, -1])]]), { layout: 'torch' });
    expect(Array.from(lin.forward(tf.tensor2d([[1, -1, 2]])).dataSync())).to.deep.equal([5.5, 10]);
    const torch = lin.torchStateDict();
    expect(torch.get('weight')?.arraySync()).to.deep.equal([[1, 2, 3], [4, 5, 6]]);
    lin.dispose();
  });

  it('loads a torch-layout Conv2d [O, I, kh, kw] and matches PyTorch conv2d', () => {
    // 1×1 input channel pair, 2×2 kernel, hand-computed: x channel 0 = [[1, 2], [3, 4]], channel 1 = 1;
    // W[0] = [[[1, 0], [0, 0]], [[0, 0], [0, 1]]] (x0[0,0] + x1[1,1]), W[1] = all 0.5, b = [10, 0]
    const conv = new Conv2d(2, 2, 2, { padding: 0 });
    const w = tf.tensor4d([[[[1, 0], [0, 0]], [[0, 0], [0, 1]]], [[[0.5, 0.5], [0.5, 0.5]], [[0.5, 0.5], [0.5, 0.5]]]]);
    conv.loadStateDict(new Map<string, tf.Tensor>([['weight', w], ['bias', tf.tensor1d([10, 0])]]), { layout: 'torch' });
    const x = tf.tensor4d([[[[1, 1], [2, 1]], [[3, 1], [4, 1]]]]); // NHWC [1, 2, 2, 2]
    // y0 = 1 + 1 + 10 = 12; y1 = 0.5 · (1 + 2 + 3 + 4) + 0.5 · 4 = 7
    expect(Array.from(conv.forward(x).dataSync())).to.deep.equal([12, 7]);
    expect(conv.weight.shape).to.deep.equal([2, 2, 2, 2]);

    // a random torch-layout dict against the float64 reference, and the torchStateDict round trip
    const big = new Conv2d(3, 4, 3, { stride: 2, padding: 1 });
    const wt = nest(wave(4 * 3 * 9), [4, 3, 3, 3]) as number[][][][];
    const bias = wave(4, 1);
    big.loadStateDict(new Map<string, tf.Tensor>([['weight', tf.tensor4d(wt)], ['bias', tf.tensor1d(bias)]]), { layout: 'torch' });
    const xs = nest(wave(2 * 5 * 6 * 3, 2), [2, 5, 6, 3]) as Map4;
    const expected = referenceConv2d(xs, wt, bias, { stride: 2, pad: [1, 1, 1, 1] });
    const y = big.forward(tf.tensor4d(xs));
    expect(y.shape).to.deep.equal([2, 3, 3, 4]);
    expect(maxAbsDiff(y.dataSync(), expected.flat(3))).to.be.below(1e-5);
    const round = big.torchStateDict();
    expect(round.get('weight')?.shape).to.deep.equal([4, 3, 3, 3]);
    expect(maxAbsDiff(round.get('weight')?.dataSync() ?? [], wt.flat(3).map(Math.fround))).to.equal(0);
    tf.dispose([w, x, y, ...round.values()]);
    conv.dispose();
    big.dispose();
  });

  it('maps a depthwise torch weight [C, 1, kh, kw] to [kh, kw, 1, C] and back', () => {
    const dw = new Conv2d(3, 3, 3, { groups: 3, padding: 1, bias: false });
    const wt = nest(wave(3 * 9, 0.3), [3, 1, 3, 3]) as number[][][][];
    dw.loadStateDict(new Map<string, tf.Tensor>([['weight', tf.tensor4d(wt)]]), { layout: 'torch' });
    expect(dw.weight.shape).to.deep.equal([3, 3, 1, 3]);
    const xs = nest(wave(1 * 4 * 5 * 3, 0.7), [1, 4, 5, 3]) as Map4;
    const expected = referenceConv2d(xs, wt, null, { pad: [1, 1, 1, 1], groups: 3 });
    expect(maxAbsDiff(dw.forward(tf.tensor4d(xs)).dataSync(), expected.flat(3))).to.be.below(1e-5);
    const back = dw.torchStateDict().get('weight') as tf.Tensor;
    expect(back.shape).to.deep.equal([3, 1, 3, 3]);
    expect(maxAbsDiff(back.dataSync(), wt.flat(3).map(Math.fround))).to.equal(0);
    dw.dispose();
  });
});
