import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Linear } from '../../lib/nn/linear.js';
import { Module } from '../../lib/nn/module.js';
import { Rng } from '../../lib/runtime/rng.js';
import { AdamW, type NamedVariable, paramGroups } from '../../lib/train/adamw.js';
import { clipGradNorm } from '../../lib/train/clip-grad-norm.js';
import { StepLR } from '../../lib/train/step-lr.js';

function named(name: string, values: number[]): NamedVariable {
  return [name, tf.variable(tf.tensor1d(values))];
}

function close(actual: tf.Tensor, expected: number[], tol = 1e-6): void {
  const got = Array.from(actual.dataSync());
  expect(got).to.have.length(expected.length);
  got.forEach((g, i) => expect(g).to.be.closeTo(expected[i] as number, tol, `element ${i}: ${got} vs ${expected}`));
}

describe('train/AdamW (torch.optim.AdamW)', () => {
  it('holds exactly two moment tensors per parameter and nothing else', () => {
    const params = [named('a', [1, 2]), named('b', [3])];
    const opt = new AdamW(params, { lr: 0.1 });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      tf.tidy(() => opt.step({ [params[0]![1].name]: tf.tensor1d([0.1, 0.2]), [params[1]![1].name]: tf.tensor1d([0.3]) }));
    }
    expect(tf.memory().numTensors - before).to.equal(2 * params.length);
    opt.dispose();
    params.forEach(([, v]) => v.dispose());
  });

  it('matches three hand-computed steps with weight decay and bias correction', () => {
    const p = named('w', [1.0, -0.5]);
    const opt = new AdamW([p], { lr: 0.1, weightDecay: 0.01 });
    const step = (g: number[]): void => tf.tidy(() => opt.step({ [p[1].name]: tf.tensor1d(g) }));
    // Step 1, g = [0.5, -1]: decay p·(1 − 0.1·0.01) = [0.999, -0.4995];
    // m = 0.1·g = [0.05, -0.1], v = 0.001·g² = [2.5e-4, 1e-3]; bc1 = 0.1, bc2 = 0.001
    // m̂ = [0.5, -1], √v̂ = [0.5, 1] → p −= 0.1·m̂/(√v̂ + 1e-8) = [0.0999999980, -0.0999999990]
    step([0.5, -1]);
    close(p[1], [0.899000002, -0.399500001]);
    // Step 2, g = [0.2, 0.4]: decay → [0.898101002, -0.399100501];
    // m = 0.9·m + 0.1·g = [0.065, -0.05]; v = 0.999·v + 0.001·g² = [2.8975e-4, 1.159e-3];
    // bc1 = 1 − 0.81 = 0.19, bc2 = 1 − 0.998001 = 0.001999; m̂ = [0.342105263, -0.263157895],
    // √v̂ = [0.380719..., 0.761437...] → p −= 0.1·m̂/√v̂ = [0.0898575, -0.0345606]
    step([0.2, 0.4]);
    close(p[1], [0.8082434839, -0.3645399167]);
    // Step 3, g = [-0.3, 0.1]: m = [0.0285, -0.035], v = [3.7946025e-4, 1.167841e-3],
    // bc1 = 0.271, bc2 = 0.002997001
    step([-0.3, 0.1]);
    close(p[1], [0.7778799074, -0.3434858607]);
    opt.dispose();
    p[1].dispose();
  });

  it('applies each group its own lr and weight decay, and StepLR scales every group', () => {
    const main = named('head.weight', [1]);
    const backbone = named('backbone.weight', [2]);
    const opt = new AdamW(
      [
        { name: 'main', params: [main], lr: 0.1, weightDecay: 0.01 },
        { name: 'backbone', params: [backbone], lr: 0.01, weightDecay: 0.1 },
      ],
      { weightDecay: 1e-4 },
    );
    tf.tidy(() => opt.step({ [main[1].name]: tf.tensor1d([0.5]), [backbone[1].name]: tf.tensor1d([-4]) }));
    // main: 1·(1 − 0.001) − 0.1·0.5/(0.5 + 1e-8) = 0.899000002
    // backbone: 2·(1 − 0.01·0.1) − 0.01·(−4)/(4 + 1e-8) = 1.998 + 0.01 = 2.008
    close(main[1], [0.899000002]);
    close(backbone[1], [2.008]);
    opt.dispose();

    // Zero gradients isolate the decoupled decay: p ← p·(1 − lr·wd), with lr from StepLR(2, 0.1).
    const a = named('a', [2]);
    const b = named('b', [2]);
    const opt2 = new AdamW([
      { params: [a], lr: 0.1, weightDecay: 0.5 },
      { params: [b], lr: 0.01, weightDecay: 0.5 },
    ]);
    const sched = new StepLR(opt2, { stepSize: 2, gamma: 0.1 });
    const lrs: number[][] = [];
    for (let epoch = 0; epoch < 3; epoch++) {
      lrs.push(opt2.groups.map((g) => g.lr));
      tf.tidy(() => opt2.step({ [a[1].name]: tf.zeros([1]), [b[1].name]: tf.zeros([1]) }));
      sched.step();
    }
    // lrs per epoch: [0.1, 0.01], [0.1, 0.01], then ×0.1 after 2 epochs: [0.01, 0.001], as the
    // float64 products torch's recursive StepLR gives (0.1·0.1 = 0.010000000000000002)
    expect(lrs).to.deep.equal([
      [0.1, 0.01],
      [0.1, 0.01],
      [0.010000000000000002, 0.001],
    ]);
    expect(sched.epoch).to.equal(3);
    // a: 2·0.95·0.95·0.995 = 1.795975; b: 2·0.995·0.995·0.9995 = 1.97901...
    close(a[1], [2 * 0.95 * 0.95 * 0.995]);
    close(b[1], [2 * 0.995 * 0.995 * 0.9995]);
    opt2.dispose();
    tf.dispose([main[1], backbone[1], a[1], b[1]]);
  });

  it('skips a parameter without gradient (its step count does not advance) and rejects unknown gradients', () => {
    const a = named('a', [1]);
    const b = named('b', [1]);
    const opt = new AdamW([a, b], { lr: 0.1, weightDecay: 0 });
    tf.tidy(() => opt.step({ [a[1].name]: tf.tensor1d([3]) }));
    tf.tidy(() => opt.step({ [a[1].name]: tf.tensor1d([3]), [b[1].name]: tf.tensor1d([3]) }));
    // b's first update is a first Adam step (t = 1): 1 − 0.1·3/(3 + 1e-8)
    close(b[1], [0.9]);
    expect(opt.state().meta.steps).to.deep.equal({ a: 2, b: 1 });
    const stray = tf.variable(tf.zeros([1]));
    expect(() => opt.step({ [stray.name]: stray })).to.throw(/gradient for variable .* in no parameter group/);
    opt.dispose();
    tf.dispose([a[1], b[1], stray]);
  });

  it('round-trips its state: a restored optimizer continues exactly', () => {
    const run = (restore: boolean): number[] => {
      const p = named('w', [0.3, -0.7, 1.1]);
      const opt = new AdamW([{ name: 'g', params: [p], lr: 0.05, weightDecay: 1e-4 }]);
      const grads = [
        [0.1, -0.2, 0.3],
        [0.4, 0.1, -0.5],
        [-0.2, 0.6, 0.05],
      ];
      tf.tidy(() => opt.step({ [p[1].name]: tf.tensor1d(grads[0] as number[]) }));
      tf.tidy(() => opt.step({ [p[1].name]: tf.tensor1d(grads[1] as number[]) }));
      let active = opt;
      let param = p;
      if (restore) {
        const state = opt.state();
        param = named('w', Array.from(p[1].dataSync()));
        active = new AdamW([{ name: 'g', params: [param], lr: 1, weightDecay: 0 }]);
        active.loadState(state);
        tf.dispose([...state.moments.values()]);
        opt.dispose();
        p[1].dispose();
        expect(active.groups[0]?.lr).to.equal(0.05);
      }
      tf.tidy(() => active.step({ [param[1].name]: tf.tensor1d(grads[2] as number[]) }));
      const out = Array.from(param[1].dataSync());
      active.dispose();
      param[1].dispose();
      return out;
    };
    expect(run(true)).to.deep.equal(run(false));
  });

  it('paramGroups splits a model DETR-style (backbone vs the rest) and skips frozen parameters', () => {
    class Net extends Module {
      readonly backbone = this.addModule('backbone', new Linear(2, 2, { rng: new Rng(1) }));
      readonly head = this.addModule('head', new Linear(2, 1, { rng: new Rng(2) }));
    }
    const net = new Net();
    const groups = paramGroups(net, [{ name: 'main' }, { name: 'backbone', match: (n) => n.includes('backbone'), lr: 1e-5 }]);
    expect(groups.map((g) => [g.name, g.lr, g.params.map(([n]) => n)])).to.deep.equal([
      ['main', undefined, ['head.weight', 'head.bias']],
      ['backbone', 1e-5, ['backbone.weight', 'backbone.bias']],
    ]);
    net.backbone.freeze();
    expect(paramGroups(net, [{ name: 'main' }, { name: 'backbone', match: (n) => n.includes('backbone') }])[1]?.params).to.have.length(0);
    expect(() => paramGroups(net, [{ name: 'x', match: (n) => n.startsWith('zzz') }])).to.throw(/no rule selects parameter 'head.weight'/);
    net.dispose();
  });
});

describe('train/clipGradNorm (torch clip_grad_norm_)', () => {
  it('scales by max/(total + 1e-6) when the total norm exceeds max, and leaves gradients alone otherwise', () => {
    // ‖[3, 4]‖² + ‖[12]‖² = 25 + 144 → total 13
    const grads = { a: tf.tensor1d([3, 4]), b: tf.tensor1d([12]) };
    const clipped = clipGradNorm(grads, 0.1);
    expect(clipped.totalNorm.dataSync()[0]).to.equal(13);
    const coef = 0.1 / (13 + 1e-6);
    close(clipped.grads.a as tf.Tensor, [3 * coef, 4 * coef], 1e-8);
    close(clipped.grads.b as tf.Tensor, [12 * coef], 1e-8);
    const loose = clipGradNorm(grads, 20);
    expect(Array.from((loose.grads.a as tf.Tensor).dataSync())).to.deep.equal([3, 4]);
    expect(Array.from((loose.grads.b as tf.Tensor).dataSync())).to.deep.equal([12]);
    tf.dispose([grads.a, grads.b, clipped.totalNorm, loose.totalNorm, ...Object.values(clipped.grads), ...Object.values(loose.grads)]);
  });
});
