import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Linear } from '../../lib/nn/linear.js';
import { MLP } from '../../lib/nn/mlp.js';
import { Module, StateDictError } from '../../lib/nn/module.js';

class Toy extends Module {
  readonly proj = this.addModule('proj', new Linear(3, 2));
  readonly head = this.addModule('head', new MLP(2, 4, 1, 2));
}

describe('Module', () => {
  it('names parameters with PyTorch dotted names in registration order', () => {
    const m = new Toy();
    expect(m.namedParameters().map(([n]) => n)).to.deep.equal([
      'proj.weight',
      'proj.bias',
      'head.layers.0.weight',
      'head.layers.0.bias',
      'head.layers.1.weight',
      'head.layers.1.bias',
    ]);
    expect(m.numParameters()).to.equal(3 * 2 + 2 + 2 * 4 + 4 + 4 + 1);
    m.dispose();
  });

  it('loads a PyTorch-layout dict and reports missing, unexpected and mismatched keys', () => {
    const m = new Toy();
    const torch = m.torchStateDict();
    expect(torch.get('proj.weight')?.shape).to.deep.equal([2, 3]);
    const w = tf.tensor2d([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    torch.set('proj.weight', w);
    m.loadStateDict(torch, { layout: 'torch' });
    expect(m.proj.weight.arraySync()).to.deep.equal([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    const y = m.proj.forward(tf.tensor2d([[1, 0, 0]]));
    const b = m.proj.bias?.dataSync() as Float32Array;
    expect(Array.from(y.dataSync())).to.deep.equal([Math.fround(1 + (b[0] as number)), Math.fround(4 + (b[1] as number))]);

    torch.delete('head.layers.1.bias');
    torch.set('extra.weight', tf.zeros([1]));
    torch.set('proj.bias', tf.zeros([5]));
    expect(() => m.loadStateDict(torch, { layout: 'torch' })).to.throw(
      StateDictError,
      /missing keys: head\.layers\.1\.bias.*unexpected keys: extra\.weight.*proj\.bias: expected \[2\], got \[5\]/,
    );
    const report = m.loadStateDict(torch, { layout: 'torch', strict: false });
    expect(report.missing).to.deep.equal(['head.layers.1.bias']);
    expect(report.unexpected).to.deep.equal(['extra.weight']);
    expect(report.mismatched.map((x) => x.name)).to.deep.equal(['proj.bias']);
    m.dispose();
  });
});
