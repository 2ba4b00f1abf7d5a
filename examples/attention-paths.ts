// The attention library's pieces, one forward pass each: the two ways content and spatial parts
// combine (DETR's `add`, Conditional DETR's per-head `concat`), the position encodings, a whole
// Conditional DETR transformer, and the Query-Key Alignment loss of an MS-Transformer encoder.
//
//   npx tsx examples/attention-paths.ts
import {
  ConditionalTransformer,
  initBackend,
  MSTTransformer,
  MultiHeadAttention,
  PositionEmbeddingSine,
  qkAlignmentLoss,
  Rng,
  sineEmbedReferencePoints,
  tf,
} from '../index.js';

await initBackend();
const rng = new Rng(0);
const [B, H, W, C, NQ] = [2, 6, 8, 64, 10];
const mask = tf.zeros([B, H, W], 'bool'); // [B, H, W], true = padding
const pos = new PositionEmbeddingSine({ numPosFeats: C / 2, normalize: true }).forward(mask); // [B, H, W, C]
const keyPos = pos.reshape([B, H * W, C]); // the keys' spatial part: the map's position embedding
const keys = tf.randomNormal([B, H * W, C]); // the keys' content part (and the values)
const queries = tf.randomNormal([B, NQ, C]); // the queries' content part
const references = tf.randomUniform([B, NQ, 2]); // reference points (x, y) in [0, 1]
const querySine = sineEmbedReferencePoints(references, C / 2); // [B, NQ, C]: the queries' spatial part

// DETR: q = q_c + q_s, k = k_c + k_s, then nn.MultiheadAttention's input projection.
const add = new MultiHeadAttention({ embedDim: C, numHeads: 4, combine: 'add', rng });
const inputs = { queryContent: queries, querySpatial: querySine, keyContent: keys, keySpatial: keyPos, value: keys };
const detr = add.forward(inputs, { returnAttention: true });
console.log('add: output', detr.output.shape, 'per-head queries', detr.attention?.queries.shape); // [2, 10, 64], [2, 4, 10, 16]

// Conditional DETR: per head [q_c ; q_s]·[k_c ; k_s] = content term + spatial term (inputs already projected).
const concat = new MultiHeadAttention({ embedDim: C, numHeads: 4, combine: 'concat', inputProjection: false, rng });
const cond = concat.forward(inputs, { returnAttention: true });
console.log('concat: output', cond.output.shape, 'per-head queries', cond.attention?.queries.shape); // [2, 10, 64], [2, 4, 10, 32]

// A whole Conditional DETR transformer (encoder, conditional decoder, reference points).
const transformer = new ConditionalTransformer({ dModel: C, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 3, dimFeedforward: 128, rng });
const src = tf.randomNormal([B, H, W, C]); // the backbone's projected feature map
const queryEmbed = tf.randomNormal([NQ, C]); // learned object queries
const out = transformer.forward({ src, mask, queryEmbed, pos });
console.log('conditional transformer: hs', out.hs.shape, 'references', out.references.shape, 'memory', out.memory.shape); // [3, 2, 10, 64], [2, 10, 2], [2, 48, 64]

// Query-Key Alignment: the mean distance between the query and key centroids of every encoder layer and head.
const mst = new MSTTransformer({ dModel: C, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 1, dimFeedforward: 128, rng });
const mstOut = mst.forward({ src, queryEmbed, pos }, { returnAttention: true });
const qka = qkAlignmentLoss(mstOut.encoderAttention ?? []);
console.log('QKA loss', qka.shape, Number.isFinite(qka.dataSync()[0])); // [] true

tf.dispose([mask, pos, keyPos, keys, queries, references, querySine, src, queryEmbed, qka, out.hs, out.references, out.memory]);
tf.dispose([detr.output, cond.output, mstOut.hs, mstOut.memory, ...(mstOut.encoderAttention ?? []), ...(mstOut.decoderAttention ?? [])]);
tf.dispose([detr.attention ?? [], cond.attention ?? []].flat());
for (const m of [add, concat, transformer, mst]) m.dispose();
