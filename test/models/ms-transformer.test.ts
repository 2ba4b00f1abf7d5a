// MS-Transformer (ActMST EMSTransPoseNet / MSTransPoseNet): shapes, scene-token selection, EMS vs
// per-scene heads, official state_dict names, and the QKA term of the training loss.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { disposeMSTransformerOutput, type MSTransformer } from '../../lib/models/ms-transformer.js';
import { buildPoseRegressor, type PoseRegressorConfigInput } from '../../lib/models/pose-regressor.js';
import { Rng } from '../../lib/runtime/rng.js';
import { CameraPoseLoss } from '../../losses/camera-pose-loss.js';
import { msTransformerLoss } from '../../losses/ms-transformer-loss.js';
import { qkAlignmentLoss } from '../../losses/qk-alignment.js';

const S = 3;
const TINY: PoseRegressorConfigInput = {
  numScenes: S,
  backbone: 'small',
  smallChannels: [4, 8, 8, 12],
  hiddenDim: 16,
  nheads: 4,
  dimFeedforward: 16,
  dropout: 0,
  numTEncoderLayers: 2,
  numTDecoderLayers: 1,
  numRotEncoderLayers: 2,
  numRotDecoderLayers: 1,
  regressorHidden: 8,
};

function images(batch: number, seed: number): tf.Tensor4D {
  const rng = new Rng(seed);
  return tf.tensor4d(
    Array.from({ length: batch * 32 * 32 * 3 }, () => rng.normal()),
    [batch, 32, 32, 3],
  );
}

function param(model: MSTransformer, name: string): tf.Variable {
  const found = model.namedParameters().find(([n]) => n === name);
  if (found === undefined) throw new Error(`no parameter ${name}`);
  return found[1];
}

describe('MSTransformer', () => {
  let model: MSTransformer;
  let x: tf.Tensor4D;

  before(() => {
    model = buildPoseRegressor(TINY, new Rng(1));
    x = images(4, 2);
  });
  after(() => {
    model.dispose();
    x.dispose();
  });

  it('returns pose [B, 7], scene log-distribution [B, S] and the chosen scenes; 32² input → 2×2 / 4×4 token maps', () => {
    const out = model.forward(x, { returnQueriesKeys: true, returnAttention: true });
    expect(out.pose.shape).to.deep.equal([4, 7]);
    expect(out.sceneLogDistr.shape).to.deep.equal([4, S]);
    expect(out.sceneIndices.shape).to.deep.equal([4]);
    const probs = tf.tidy(() => tf.sum(tf.exp(out.sceneLogDistr), 1).arraySync() as number[]);
    probs.forEach((p) => expect(p).to.be.closeTo(1, 1e-5));
    // reduction_4 of a 32² image is 2×2 (position), reduction_3 4×4 (orientation); 4 heads of 4 dims.
    expect(out.queriesKeys!.t.map((r) => r.queries.shape)).to.deep.equal([
      [4, 4, 4, 4],
      [4, 4, 4, 4],
    ]);
    expect(out.queriesKeys!.rot[0]!.keys.shape).to.deep.equal([4, 4, 16, 4]);
    expect(out.encoderAttention!.rot.map((w) => w.shape)).to.deep.equal([
      [4, 4, 16, 16],
      [4, 4, 16, 16],
    ]);
    disposeMSTransformerOutput(out);
  });

  it('regresses the ground-truth scene token when scene ids are given and the argmax scene otherwise', () => {
    model.eval();
    const ids = (v: number[]) => tf.tensor1d(v, 'int32');
    const free = model.forward(x);
    const argmax = (free.sceneLogDistr.arraySync() as number[][]).map((row) => row.indexOf(Math.max(...row)));
    expect(Array.from(free.sceneIndices.dataSync())).to.deep.equal(argmax);
    const sameAsArgmax = model.forward(x, { sceneIds: ids(argmax) });
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(free.pose, sameAsArgmax.pose))).dataSync()[0])).to.equal(0);
    // Per-sample selection: row b with scene s equals row b of a batch forced to scene s everywhere.
    const mixed = model.forward(x, { sceneIds: ids([0, 1, 2, 1]) });
    const forced = [0, 1, 2].map((s) => model.forward(x, { sceneIds: ids([s, s, s, s]) }));
    const rows = mixed.pose.arraySync() as number[][];
    [0, 1, 2, 1].forEach((s, b) => {
      const ref = (forced[s]!.pose.arraySync() as number[][])[b]!;
      rows[b]!.forEach((v, k) => expect(v).to.be.closeTo(ref[k]!, 1e-6));
    });
    // The scene tokens differ, so the chosen scene matters.
    const gap = tf.tidy(() => tf.max(tf.abs(tf.sub(forced[0]!.pose, forced[1]!.pose))).dataSync()[0]!);
    expect(gap).to.be.greaterThan(1e-4);
    // The scene distribution does not depend on the ids given.
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(mixed.sceneLogDistr, free.sceneLogDistr))).dataSync()[0])).to.equal(0);
    for (const o of [free, sameAsArgmax, mixed, ...forced]) disposeMSTransformerOutput(o);
    model.train();
  });

  it('shared (EMS) heads vs one head per scene (MS): names and per-sample head choice', () => {
    const perScene = buildPoseRegressor({ ...TINY, regressorHead: 'per-scene' }, new Rng(3));
    const names = perScene
      .namedParameters()
      .map(([n]) => n)
      .filter((n) => n.startsWith('regressor_head'));
    expect(names).to.deep.equal(
      ['t', 'rot'].flatMap((b) =>
        [0, 1, 2].flatMap((i) => ['fc_h.weight', 'fc_h.bias', 'fc_o.weight', 'fc_o.bias'].map((p) => `regressor_head_${b}.${i}.${p}`)),
      ),
    );
    const shared = model
      .namedParameters()
      .map(([n]) => n)
      .filter((n) => n.startsWith('regressor_head'));
    expect(shared).to.deep.equal(
      ['t', 'rot'].flatMap((b) => ['fc_h.weight', 'fc_h.bias', 'fc_o.weight', 'fc_o.bias'].map((p) => `regressor_head_${b}.${p}`)),
    );
    // Changing scene 1's position head moves only the samples regressed with scene 1.
    perScene.eval();
    const ids = tf.tensor1d([0, 1, 2, 1], 'int32');
    const before = perScene.forward(x, { sceneIds: ids });
    const bias = param(perScene, 'regressor_head_t.1.fc_o.bias');
    bias.assign(tf.add(bias, tf.tensor1d([1, 2, 3])));
    const after = perScene.forward(x, { sceneIds: ids });
    const diff = tf.tidy(() => tf.sub(after.pose, before.pose).arraySync() as number[][]);
    diff.forEach((row, b) => row.forEach((v, k) => expect(v).to.be.closeTo(b % 2 === 1 && k < 3 ? k + 1 : 0, 1e-5)));
    for (const o of [before, after]) disposeMSTransformerOutput(o);
    ids.dispose();
    perScene.dispose();
  });

  it('uses the official state_dict names and PyTorch shapes (EfficientNet-B0, d 256, learned PE)', () => {
    const official = buildPoseRegressor(
      { numScenes: 7, numTEncoderLayers: 2, numTDecoderLayers: 1, numRotEncoderLayers: 1, numRotDecoderLayers: 1, positionEmbedding: 'learned' },
      new Rng(4),
    );
    const dict = official.torchStateDict();
    const shape = (k: string) => dict.get(k)?.shape;
    expect(shape('backbone.0.body._conv_stem.weight')).to.deep.equal([32, 3, 3, 3]);
    expect(shape('backbone.0.body._blocks.15._project_conv.weight')).to.deep.equal([320, 1152, 1, 1]);
    expect(shape('backbone.1.row_embed.weight')).to.deep.equal([50, 128]);
    expect(shape('backbone.1.col_embed.weight')).to.deep.equal([50, 128]);
    expect(shape('input_proj_t.weight')).to.deep.equal([256, 112, 1, 1]); // reduction_4
    expect(shape('input_proj_rot.weight')).to.deep.equal([256, 40, 1, 1]); // reduction_3
    expect(shape('query_embed_t.weight')).to.deep.equal([7, 256]);
    expect(shape('query_embed_rot.weight')).to.deep.equal([7, 256]);
    expect(shape('scene_embed.weight')).to.deep.equal([1, 512]);
    expect(shape('scene_embed.bias')).to.deep.equal([1]);
    expect(shape('regressor_head_t.fc_h.weight')).to.deep.equal([1024, 256]);
    expect(shape('regressor_head_t.fc_o.weight')).to.deep.equal([3, 1024]);
    expect(shape('regressor_head_rot.fc_o.weight')).to.deep.equal([4, 1024]);
    expect(shape('transformer_t.encoder.layers.1.self_attn.in_proj_weight')).to.deep.equal([768, 256]);
    expect(shape('transformer_t.encoder.layers.1.linear1.weight')).to.deep.equal([256, 256]);
    expect(shape('transformer_t.encoder.norm.weight')).to.deep.equal([256]);
    expect(shape('transformer_rot.decoder.layers.0.multihead_attn.out_proj.weight')).to.deep.equal([256, 256]);
    expect(shape('transformer_rot.decoder.layers.0.norm3.bias')).to.deep.equal([256]);
    expect(shape('transformer_rot.decoder.norm.weight')).to.deep.equal([256]);
    // Every key outside the backbone body follows the official module pattern.
    const pattern =
      /^(backbone\.1\.(row|col)_embed\.weight|input_proj_(t|rot)\.(weight|bias)|query_embed_(t|rot)\.weight|scene_embed\.(weight|bias)|regressor_head_(t|rot)\.fc_[ho]\.(weight|bias)|transformer_(t|rot)\.(encoder\.norm|decoder\.norm)\.(weight|bias)|transformer_(t|rot)\.encoder\.layers\.\d+\.(self_attn\.(in_proj_weight|in_proj_bias|out_proj\.weight|out_proj\.bias)|linear[12]\.(weight|bias)|norm[12]\.(weight|bias))|transformer_(t|rot)\.decoder\.layers\.\d+\.((self_attn|multihead_attn)\.(in_proj_weight|in_proj_bias|out_proj\.weight|out_proj\.bias)|linear[12]\.(weight|bias)|norm[123]\.(weight|bias)))$/;
    const outside = [...dict.keys()].filter((k) => !k.startsWith('backbone.0.body.'));
    expect(outside.filter((k) => !pattern.test(k))).to.deep.equal([]);
    expect(outside.length).to.equal(2 + 4 + 2 + 2 + 8 + 2 * 4 + 3 * 12 + 2 * 18); // encoder/decoder norms: 2 branches × 2 × (w, b)
    tf.dispose([...dict.values()]);
    official.dispose();
  });

  it('the QKA terms equal qkAlignmentLoss of the returned records; their gradient reaches in_proj only through q and k', () => {
    const criterion = new CameraPoseLoss({ learnable: true, sX: 0, sQ: -3 });
    const poses = tf.tensor2d([
      [1, 2, 3, 1, 0, 0, 0],
      [0, 0, 1, 0.5, 0.5, 0.5, 0.5],
      [2, 1, 0, 1, 0, 0, 0],
      [0, 1, 0, 0, 1, 0, 0],
    ]);
    const sceneIds = tf.tensor1d([0, 1, 2, 0], 'int32');
    const out = model.forward(x, { sceneIds, returnQueriesKeys: true });
    const loss = msTransformerLoss(out, { poses, sceneIds }, criterion, 0.1);
    const refT = qkAlignmentLoss(out.queriesKeys!.t);
    const refRot = qkAlignmentLoss(out.queriesKeys!.rot);
    const num = (s: tf.Scalar) => s.dataSync()[0]!;
    expect(num(loss.terms.qka_t!)).to.equal(num(refT));
    expect(num(loss.terms.qka_rot!)).to.equal(num(refRot));
    const expectedTotal = num(criterion.forward(out.pose, poses).loss) + num(loss.terms.scene!) + 0.1 * (num(refT) + num(refRot));
    expect(num(loss.total)).to.be.closeTo(expectedTotal, 1e-5);
    tf.dispose([refT, refRot, loss.total, ...Object.values(loss.terms)]);
    disposeMSTransformerOutput(out);

    // Gradient of λ·(L_t + L_rot) alone: in the last encoder layer only the q and k columns of
    // in_proj_weight ([C, 3C], columns q | k | v) get gradient; the decoder gets none.
    const last = param(model, 'transformer_t.encoder.layers.1.self_attn.in_proj_weight');
    const first = param(model, 'transformer_t.encoder.layers.0.self_attn.in_proj_weight');
    const decoder = param(model, 'transformer_t.decoder.layers.0.multihead_attn.in_proj_weight');
    const { value, grads } = tf.variableGrads(() => {
      const o = model.forward(x, { sceneIds, returnQueriesKeys: true });
      return tf.mul(tf.add(qkAlignmentLoss(o.queriesKeys!.t), qkAlignmentLoss(o.queriesKeys!.rot)), 0.1) as tf.Scalar;
    }, [last, first, decoder]);
    const absSum = (g: tf.Tensor, from: number, size: number) => tf.tidy(() => tf.sum(tf.abs(tf.slice(g, [0, from], [-1, size]))).dataSync()[0]!);
    const C = 16;
    expect(absSum(grads[last.name]!, 0, C)).to.be.greaterThan(1e-6); // q
    expect(absSum(grads[last.name]!, C, C)).to.be.greaterThan(1e-6); // k
    expect(absSum(grads[last.name]!, 2 * C, C)).to.equal(0); // v
    // Layer 0's value path feeds layer 1's queries and keys, so it does get gradient.
    expect(absSum(grads[first.name]!, 2 * C, C)).to.be.greaterThan(0);
    const decoderGrad = grads[decoder.name];
    expect(decoderGrad === undefined || decoderGrad === null || tf.tidy(() => tf.sum(tf.abs(decoderGrad)).dataSync()[0]) === 0).to.equal(true);
    tf.dispose([value, ...Object.values(grads), poses, sceneIds]);
    criterion.dispose();
  });

  it('without QKA or diagnostics keeps no query / key records: only the three outputs survive the forward pass', () => {
    const before = tf.memory().numTensors;
    const out = model.forward(x, { sceneIds: tf.tidy(() => tf.tensor1d([0, 1, 2, 0], 'int32')) });
    expect(out.queriesKeys).to.equal(undefined);
    expect(out.encoderAttention).to.equal(undefined);
    expect(tf.memory().numTensors - before).to.equal(4); // pose, sceneLogDistr, sceneIndices (+ the ids tensor)
    disposeMSTransformerOutput(out);
  });
});
