// A DetectorConfig for an official DETR / Conditional DETR state dict (official names, PyTorch
// layout), which carries no condformer config: sizes from the shapes, the rest from the pickled
// main.py `args` when the checkpoint has them, overrides on top. What neither tells (the number of
// heads without args) is an error that says which flag gives it.
//   query_embed.weight        [numQueries, hiddenDim]
//   class_embed.weight        [numClasses, d] (Conditional DETR, focal) / [numClasses + 1, d] (DETR)
//   transformer.{encoder,decoder}.layers.{i}.*   → encLayers, decLayers
//   transformer.*.layers.0.linear1.weight        [dimFeedforward, d]
//   backbone.0.body.layer{1..4}.* (ResNet-18 basic / ResNet-50 bottleneck blocks) or .stages.{i}.conv.weight (small CNN)
//   backbone.1.row_embed.weight → learned position embedding (none: sine)
import type * as tf from '@tensorflow/tfjs';
import { DecodeError } from '../io/decode.js';
import type { ArgValue } from '../io/pytorch-checkpoint.js';
import { type DetectorConfig, decodeDetectorConfig } from './detector.js';

export interface InferredDetectorConfig {
  readonly config: DetectorConfig;
  /** Assumptions made for what neither the weights nor the args say. */
  readonly notes: string[];
}

export function detectorConfigFromStateDict(
  tensors: ReadonlyMap<string, tf.Tensor>,
  args: Readonly<Record<string, ArgValue>> | undefined,
  overrides: Partial<DetectorConfig>,
  source: string,
): InferredDetectorConfig {
  const notes: string[] = [];
  const fail = (problem: string): never => {
    throw new DecodeError(source, [problem]);
  };
  const shape = (name: string, what: string): number[] =>
    tensors.get(name)?.shape ?? fail(`cannot determine ${what}: the state dict has no '${name}'`);
  const has = (name: string) => tensors.has(name);
  const layerCount = (stack: string) =>
    new Set([...tensors.keys()].flatMap((k) => new RegExp(`^transformer\\.${stack}\\.layers\\.(\\d+)\\.`).exec(k)?.[1] ?? [])).size;
  const arg = (name: string): ArgValue | undefined => args?.[name];
  const agree = (name: string, value: number | boolean | string) => {
    const given = arg(name);
    if (given !== undefined && given !== null && given !== value)
      fail(`args.${name} = ${JSON.stringify(given)} disagrees with the weights (${JSON.stringify(value)})`);
  };

  const model =
    overrides.model ??
    (has('transformer.decoder.ref_point_head.layers.0.weight')
      ? 'conditional'
      : has('transformer.decoder.layers.0.multihead_attn.in_proj_weight')
        ? 'detr'
        : fail(
            "cannot tell Conditional DETR from DETR: neither 'transformer.decoder.ref_point_head.layers.0.weight' nor 'transformer.decoder.layers.0.multihead_attn.in_proj_weight' is present",
          ));
  const [numQueries, hiddenDim] = shape('query_embed.weight', 'the number of queries and the hidden size') as [number, number];
  const classRows = shape('class_embed.weight', 'the number of classes')[0] as number;
  const encLayers = layerCount('encoder');
  const decLayers = layerCount('decoder');
  if (decLayers === 0) fail("cannot determine the decoder depth: no 'transformer.decoder.layers.*'");
  const ffnSource = encLayers > 0 ? 'transformer.encoder.layers.0.linear1.weight' : 'transformer.decoder.layers.0.linear1.weight';
  const dimFeedforward = shape(ffnSource, 'the feed-forward size')[0] as number;
  agree('hidden_dim', hiddenDim);
  agree('num_queries', numQueries);
  agree('enc_layers', encLayers);
  agree('dec_layers', decLayers);
  agree('dim_feedforward', dimFeedforward);

  const argHeads = arg('nheads');
  const nheads =
    overrides.nheads ??
    (typeof argHeads === 'number'
      ? argHeads
      : fail(
          'cannot determine the number of attention heads: no shape holds it and the checkpoint has no args.nheads; pass --heads N (8 in the official models)',
        ));
  if (hiddenDim % nheads !== 0) fail(`hidden size ${hiddenDim} is not divisible by ${nheads} heads`);

  const backbone = overrides.backbone ?? backboneOf(tensors, fail);
  const argBackbone = arg('backbone');
  if (typeof argBackbone === 'string' && backbone !== 'small' && argBackbone !== backbone)
    fail(`args.backbone = '${argBackbone}' disagrees with the weights (${backbone})`);
  const config: Record<string, unknown> = {
    model,
    numClasses: model === 'conditional' ? classRows : classRows - 1,
    backbone,
    numQueries,
    hiddenDim,
    nheads,
    encLayers,
    decLayers,
    dimFeedforward,
    positionEmbedding: has('backbone.1.row_embed.weight') ? 'learned' : 'sine',
    trainBackbone: false,
  };
  const dropout = arg('dropout');
  if (typeof dropout === 'number') config.dropout = dropout;
  const auxLoss = arg('aux_loss');
  if (typeof auxLoss === 'boolean') config.auxLoss = auxLoss;
  if (backbone === 'small') {
    config.smallChannels = [0, 1, 2, 3].map((i) => shape(`backbone.0.body.stages.${i}.conv.weight`, `the small CNN's stage ${i} width`)[0]);
  } else {
    const dilation = arg('dilation');
    if (overrides.dilation === undefined && typeof dilation !== 'boolean') {
      notes.push(
        'dilation (DC5) is not visible in the weights and the checkpoint has no args.dilation: assuming a plain ResNet (pass --dilation for a DC5 model)',
      );
    }
    config.dilation = typeof dilation === 'boolean' ? dilation : false;
  }
  return { config: decodeDetectorConfig({ ...config, ...overrides }, `${source} (derived detector config)`), notes };
}

function backboneOf(tensors: ReadonlyMap<string, tf.Tensor>, fail: (problem: string) => never): 'small' | 'resnet18' | 'resnet50' {
  const body = 'backbone.0.body.';
  if (tensors.has(`${body}stages.0.conv.weight`)) return 'small';
  const blocks = (layer: number) =>
    new Set([...tensors.keys()].flatMap((k) => new RegExp(`^backbone\\.0\\.body\\.layer${layer}\\.(\\d+)\\.`).exec(k)?.[1] ?? [])).size;
  const counts = [1, 2, 3, 4].map(blocks);
  const bottleneck = tensors.has(`${body}layer1.0.conv3.weight`);
  const key = counts.join(',');
  if (bottleneck && key === '3,4,6,3') return 'resnet50';
  if (!bottleneck && key === '2,2,2,2') return 'resnet18';
  if (counts.every((c) => c === 0)) return fail("cannot determine the backbone: no 'backbone.0.body.*' weights");
  return fail(
    `unsupported backbone: ${bottleneck ? 'bottleneck' : 'basic'} blocks [${key}] (condformer builds ResNet-18 [2,2,2,2], ResNet-50 [3,4,6,3] and its small CNN)`,
  );
}
