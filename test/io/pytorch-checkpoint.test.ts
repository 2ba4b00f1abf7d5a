// PyTorch checkpoints written by torch 1.13 itself (test/fixtures/make-pth-fixtures.py), read back
// exactly: every dtype, strided views, shared storages, ZIP64, the official {'model', 'args', ...}
// wrapping with its warnings, and the refusals; plus the pickle reader on hand-made bytes.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { DecodeError } from '../../lib/io/decode.js';
import { decodeTorchCheckpoint, readTorchCheckpoint } from '../../lib/io/pytorch-checkpoint.js';
import { unpickle } from '../../lib/io/pytorch-pickle.js';
import { readSafetensors } from '../../lib/nn/safetensors.js';

const PTH = fileURLToPath(new URL('../fixtures/pth/', import.meta.url));

interface Expected {
  readonly dtype: 'float32' | 'int32' | 'bool';
  readonly shape: number[];
  readonly values: number[];
}
/** What Python wrote for each tensor of tensors.pth (t.to(float32) / t.tolist()). */
const EXPECTED = JSON.parse(readFileSync(`${PTH}tensors.expected.json`, 'utf8')) as Record<string, Expected>;

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('PyTorch checkpoints (torch.save zip + pickle)', () => {
  for (const file of ['tensors.pth', 'zip64-tensors.pth']) {
    it(`${file}: every tensor equals what Python wrote (dtypes, strided views, shared storages); the non-tensor is a warning`, async () => {
      const before = tf.memory().numTensors;
      const checkpoint = await readTorchCheckpoint(`${PTH}${file}`);
      expect([...checkpoint.tensors.keys()]).to.deep.equal(Object.keys(EXPECTED));
      expect(Object.keys(EXPECTED)).to.have.length(17);
      for (const [name, tensor] of checkpoint.tensors) {
        const want = EXPECTED[name] as Expected;
        expect({ name, dtype: tensor.dtype, shape: tensor.shape }).to.deep.equal({ name, dtype: want.dtype, shape: want.shape });
        expect(Array.from(tensor.dataSync()), name).to.deep.equal(want.values);
      }
      // spot values: f64 → float32 rounding, f16 / bf16 exact halves, int64 at the int32 limits, the strided views
      expect(EXPECTED.f64?.values[3]).to.equal(123456792);
      expect(EXPECTED.f16?.values[0]).to.equal(0.0999755859375);
      expect(EXPECTED.i64?.values).to.deep.equal([0, -2147483648, 2147483647, 5]);
      expect(EXPECTED.sliced?.values).to.deep.equal([6, 8, 10, 12, 14, 16]);
      expect(EXPECTED.transposed?.values.slice(0, 5)).to.deep.equal([0, 6, 12, 18, 1]);
      expect(EXPECTED.shared_b?.values).to.deep.equal([6, 7, 8, 9]);
      expect(checkpoint.stateDictKey).to.equal('');
      expect(checkpoint.warnings).to.deep.equal(["skipped 'step': number (not a tensor)"]);
      expect(checkpoint.args).to.equal(undefined);
      tf.dispose([...checkpoint.tensors.values()]);
      expect(tf.memory().numTensors).to.equal(before);
    });
  }

  it("official-style {'model', 'optimizer', 'lr_scheduler', 'epoch', 'args'}: the model's tensors exactly, the rest skipped with notes, args read", async () => {
    const checkpoint = await readTorchCheckpoint(`${PTH}official-tiny-conditional-detr.pth`);
    const source = await readSafetensors(`${PTH}tiny-conditional-detr.safetensors`);
    expect(checkpoint.stateDictKey).to.equal('model');
    expect([...checkpoint.tensors.keys()].sort()).to.deep.equal([...source.tensors.keys()].sort());
    expect(checkpoint.tensors.size).to.equal(127);
    for (const [name, tensor] of source.tensors) {
      const read = checkpoint.tensors.get(name) as tf.Tensor;
      expect({ name, dtype: read.dtype, shape: read.shape }).to.deep.equal({ name, dtype: tensor.dtype, shape: tensor.shape });
      expect(Array.from(read.dataSync()), name).to.deep.equal(Array.from(tensor.dataSync()));
    }
    expect(checkpoint.tensors.get('backbone.0.body.stages.0.bn.num_batches_tracked')?.dtype).to.equal('int32');
    expect(checkpoint.warnings).to.deep.equal([
      "skipped 'optimizer': dict of 2 (not part of the model's state dict)",
      "skipped 'lr_scheduler': dict of 4 (not part of the model's state dict)",
      "skipped 'args': argparse.Namespace object (not rebuilt; its 37 plain fields are read as args)",
    ]);
    expect(checkpoint.info).to.deep.equal({ epoch: 3 });
    expect(checkpoint.args).to.include({
      hidden_dim: 8,
      nheads: 2,
      enc_layers: 1,
      dec_layers: 2,
      num_queries: 4,
      dilation: false,
      position_embedding: 'sine',
      frozen_weights: null,
      lr: 1e-4,
    });
    expect(checkpoint.args?.lr_list).to.deep.equal([1e-4, 1e-5]);
    tf.dispose([...checkpoint.tensors.values(), ...source.tensors.values()]);
  });

  it('a plain state dict (pytorch_model.bin) is read at the top level', async () => {
    const checkpoint = await readTorchCheckpoint(`${PTH}hf-tiny-detr.bin`);
    expect(checkpoint.stateDictKey).to.equal('');
    expect(checkpoint.warnings).to.deep.equal([]);
    expect(checkpoint.tensors.get('model.encoder.layers.0.self_attn.q_proj.weight')?.shape).to.deep.equal([8, 8]);
    tf.dispose([...checkpoint.tensors.values()]);
  });

  it('refuses an int64 outside int32, the legacy format, a non-zip and a truncated zip, naming the file', async () => {
    const before = tf.memory().numTensors;
    expect((await rejection(readTorchCheckpoint(`${PTH}int64-overflow.pth`))).message).to.equal(
      `${PTH}int64-overflow.pth tensor 'big': I64 value 1099511627776 does not fit int32`,
    );
    const legacy = await rejection(readTorchCheckpoint(`${PTH}legacy.pth`));
    expect(legacy).to.be.instanceOf(DecodeError);
    expect(legacy.message).to.match(/legacy\.pth: a PyTorch file in the legacy \(pre-1\.6, non-zip\) format.*torch >= 1\.6/);
    expect(() => decodeTorchCheckpoint(new TextEncoder().encode('{"not": "a checkpoint"}'), 'x.pth')).to.throw(
      DecodeError,
      /^x\.pth: expected a PyTorch zip checkpoint/,
    );
    const bytes = readFileSync(`${PTH}tensors.pth`);
    expect(() => decodeTorchCheckpoint(bytes.subarray(0, 3000), 'cut.pth')).to.throw(DecodeError, /^cut\.pth: unreadable zip archive/);
    expect((await rejection(readTorchCheckpoint(`${PTH}missing.pth`))).message).to.match(/^cannot read PyTorch checkpoint .*missing\.pth: ENOENT/);
    expect(tf.memory().numTensors).to.equal(before);
  });

  it('pickle: protocol 2 values on hand-made bytes; an unknown opcode and a truncated string name the offset', () => {
    // {'a': 1, 'b': [True, None, -2], 'c': (1.5, 'é')} as pickle.dumps(..., protocol=2) writes it
    const bytes = Uint8Array.from(
      Buffer.from(
        '80027d71002858010000006171014b0158010000006271025d710328884e4afeffffff655801000000637104473ff80000000000005802000000c3a97105867106752e',
        'hex',
      ),
    );
    const value = unpickle(bytes, 'hand-made');
    expect(value).to.deep.equal(
      new Map<string, unknown>([
        ['a', 1],
        ['b', [true, null, -2]],
        ['c', [1.5, 'é']],
      ]),
    );
    expect(() => unpickle(Uint8Array.from([0x80, 0x02, 0xff]), 'bad')).to.throw(DecodeError, 'bad: pickle offset 2: unsupported pickle opcode 0xff');
    expect(() => unpickle(Uint8Array.from([0x80, 0x02, 0x58, 9, 0, 0, 0, 0x61]), 'short')).to.throw(
      DecodeError,
      'short: pickle offset 2: truncated: needs 9 more byte(s), the data ends at 8',
    );
  });
});
