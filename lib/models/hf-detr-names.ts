// Hugging Face `transformers` parameter names of ConditionalDetrForObjectDetection /
// DetrForObjectDetection (model.safetensors, pytorch_model.bin) ↔ the official DETR /
// Conditional DETR names condformer uses. The table is transformers' own conversion scripts,
// inverted: src/transformers/models/conditional_detr/convert_conditional_detr_original_pytorch_checkpoint_to_pytorch.py
// and src/transformers/models/detr/convert_detr_original_pytorch_checkpoint_to_pytorch.py
// (`rename_keys`, `rename_backbone_keys`, `read_in_q_k_v`, and the `model.` prefix on every key
// but the two heads). In short:
//   transformer.{encoder,decoder}.layers.{i}.linear1/linear2   ↔ model.{…}.layers.{i}.fc1/fc2
//   …norm1/norm2(/norm3)             ↔ self_attn_layer_norm / final_layer_norm (encoder),
//                                      self_attn_layer_norm / encoder_attn_layer_norm / final_layer_norm (decoder)
//   decoder cross_attn / multihead_attn.out_proj ↔ encoder_attn.out_proj
//   nn.MultiheadAttention in_proj_{weight,bias} [3d, …] ↔ q_proj / k_proj / v_proj [d, …] (thirds, q k v)
//     (DETR: encoder self_attn, decoder self_attn and multihead_attn; Conditional DETR: encoder self_attn)
//   Conditional DETR's sa_* / ca_* projections keep their names (under model.decoder.layers.{i})
//   input_proj ↔ model.input_projection, query_embed ↔ model.query_position_embeddings,
//   transformer.decoder.norm ↔ model.decoder.layernorm, transformer.decoder.{ref_point_head,query_scale}
//   ↔ model.decoder.{…}, class_embed ↔ class_labels_classifier, bbox_embed ↔ bbox_predictor,
//   backbone.0.body.* ↔ model.backbone.conv_encoder.model.* (timm's ResNet names equal torchvision's).
// Tensors are PyTorch layout on both sides.
import * as tf from '@tensorflow/tfjs';

export type DetectorKind = 'conditional' | 'detr';

type Stack = 'encoder' | 'decoder';

/** Per-layer modules: [stack, official module, HF module, kinds it applies to]. */
const LAYER_MODULES: readonly (readonly [Stack, string, string, readonly DetectorKind[]])[] = [
  ['encoder', 'self_attn.out_proj', 'self_attn.out_proj', ['conditional', 'detr']],
  ['encoder', 'linear1', 'fc1', ['conditional', 'detr']],
  ['encoder', 'linear2', 'fc2', ['conditional', 'detr']],
  ['encoder', 'norm1', 'self_attn_layer_norm', ['conditional', 'detr']],
  ['encoder', 'norm2', 'final_layer_norm', ['conditional', 'detr']],
  ['decoder', 'self_attn.out_proj', 'self_attn.out_proj', ['conditional', 'detr']],
  ['decoder', 'cross_attn.out_proj', 'encoder_attn.out_proj', ['conditional']],
  ['decoder', 'multihead_attn.out_proj', 'encoder_attn.out_proj', ['detr']],
  ['decoder', 'linear1', 'fc1', ['conditional', 'detr']],
  ['decoder', 'linear2', 'fc2', ['conditional', 'detr']],
  ['decoder', 'norm1', 'self_attn_layer_norm', ['conditional', 'detr']],
  ['decoder', 'norm2', 'encoder_attn_layer_norm', ['conditional', 'detr']],
  ['decoder', 'norm3', 'final_layer_norm', ['conditional', 'detr']],
  ...[
    'sa_qcontent_proj',
    'sa_kcontent_proj',
    'sa_qpos_proj',
    'sa_kpos_proj',
    'sa_v_proj',
    'ca_qcontent_proj',
    'ca_qpos_proj',
    'ca_kcontent_proj',
    'ca_kpos_proj',
    'ca_v_proj',
    'ca_qpos_sine_proj',
  ].map((m) => ['decoder', m, m, ['conditional']] as const),
];

/** Attention modules with a packed in_proj: [stack, official module, HF module, kinds]. */
const IN_PROJ_MODULES: readonly (readonly [Stack, string, string, readonly DetectorKind[]])[] = [
  ['encoder', 'self_attn', 'self_attn', ['conditional', 'detr']],
  ['decoder', 'self_attn', 'self_attn', ['detr']],
  ['decoder', 'multihead_attn', 'encoder_attn', ['detr']],
];

/** Whole-prefix renames: [official, HF]. */
const PREFIXES: readonly (readonly [string, string])[] = [
  ['backbone.0.body', 'model.backbone.conv_encoder.model'],
  ['input_proj', 'model.input_projection'],
  ['query_embed', 'model.query_position_embeddings'],
  ['transformer.decoder.norm', 'model.decoder.layernorm'],
  ['transformer.decoder.ref_point_head', 'model.decoder.ref_point_head'],
  ['transformer.decoder.query_scale', 'model.decoder.query_scale'],
  ['class_embed', 'class_labels_classifier'],
  ['bbox_embed', 'bbox_predictor'],
];

const HF_LAYER = /^model\.(encoder|decoder)\.layers\.(\d+)\.(.+)\.(weight|bias)$/;
const HF_QKV = /^model\.(encoder|decoder)\.layers\.(\d+)\.(self_attn|encoder_attn)\.([qkv])_proj\.(weight|bias)$/;
const OFFICIAL_LAYER = /^transformer\.(encoder|decoder)\.layers\.(\d+)\.(.+)\.(weight|bias)$/;
const OFFICIAL_IN_PROJ = /^transformer\.(encoder|decoder)\.layers\.(\d+)\.(\w+)\.in_proj_(weight|bias)$/;

/** True when the names are transformers' (model.* / class_labels_classifier.* / bbox_predictor.*). */
export function hasHfDetrNames(names: Iterable<string>): boolean {
  return [...names].some((n) => /^(model\.|class_labels_classifier\.|bbox_predictor\.)/.test(n));
}

/** Conditional DETR when the decoder has its reference-point head or conditional projections. */
export function detectorKindOfHfNames(names: Iterable<string>): DetectorKind {
  return [...names].some((n) => /^model\.decoder\.(ref_point_head\.|layers\.\d+\.(sa|ca)_\w+_proj\.)/.test(n)) ? 'conditional' : 'detr';
}

export class NameMappingError extends Error {
  constructor(
    readonly unmapped: string[],
    direction: string,
  ) {
    super(`${direction}: no name for ${unmapped.slice(0, 8).join(', ')}${unmapped.length > 8 ? ` ... (${unmapped.length - 8} more)` : ''}`);
    this.name = 'NameMappingError';
  }
}

/**
 * transformers' names → the official names. Consumes `dict`: its tensors move to the result,
 * except q / k / v parts, which are concatenated ([3d, d] / [3d]) and disposed. Throws
 * NameMappingError (disposing nothing) for keys the table does not cover.
 */
export function hfToOfficialNames(dict: Map<string, tf.Tensor>, kind: DetectorKind = detectorKindOfHfNames(dict.keys())): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  const packed = new Map<string, Partial<Record<'q' | 'k' | 'v', tf.Tensor>>>();
  const unmapped: string[] = [];
  for (const [name, tensor] of dict) {
    const qkv = HF_QKV.exec(name);
    const packedModule = qkv && IN_PROJ_MODULES.find(([s, , hf, kinds]) => s === qkv[1] && hf === qkv[3] && kinds.includes(kind));
    if (qkv && packedModule) {
      const target = `transformer.${qkv[1]}.layers.${qkv[2]}.${packedModule[1]}.in_proj_${qkv[5]}`;
      const parts = packed.get(target) ?? {};
      parts[qkv[4] as 'q' | 'k' | 'v'] = tensor;
      packed.set(target, parts);
      continue;
    }
    const official = hfLayerName(name, kind) ?? renamePrefix(name, 1, 0);
    if (official === undefined) unmapped.push(name);
    else out.set(official, tensor);
  }
  for (const [target, parts] of packed) if (!parts.q || !parts.k || !parts.v) unmapped.push(`${target} (q/k/v incomplete)`);
  if (unmapped.length) throw new NameMappingError(unmapped, 'Hugging Face → official names');
  for (const [target, { q, k, v }] of packed) {
    out.set(target, tf.concat([q as tf.Tensor, k as tf.Tensor, v as tf.Tensor], 0));
    tf.dispose([q as tf.Tensor, k as tf.Tensor, v as tf.Tensor]);
  }
  return out;
}

/** The official names → transformers' (the conversion scripts' direction); consumes `dict` likewise (in_proj split in thirds). */
export function officialToHfNames(dict: Map<string, tf.Tensor>, kind: DetectorKind): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  const unmapped: string[] = [];
  const split: [tf.Tensor, string][] = [];
  for (const [name, tensor] of dict) {
    const inProj = OFFICIAL_IN_PROJ.exec(name);
    const packedModule =
      inProj && IN_PROJ_MODULES.find(([s, official, , kinds]) => s === inProj[1] && official === inProj[3] && kinds.includes(kind));
    if (inProj && packedModule) {
      split.push([tensor, `model.${inProj[1]}.layers.${inProj[2]}.${packedModule[2]}.{p}_proj.${inProj[4]}`]);
      continue;
    }
    const layer = OFFICIAL_LAYER.exec(name);
    const module = layer && LAYER_MODULES.find(([s, official, , kinds]) => s === layer[1] && official === layer[3] && kinds.includes(kind));
    const hf = layer && module ? `model.${layer[1]}.layers.${layer[2]}.${module[2]}.${layer[4]}` : renamePrefix(name, 0, 1);
    if (hf === undefined) unmapped.push(name);
    else out.set(hf, tensor);
  }
  if (unmapped.length) throw new NameMappingError(unmapped, 'official → Hugging Face names');
  for (const [tensor, pattern] of split) {
    const thirds = tf.split(tensor, 3, 0);
    ['q', 'k', 'v'].forEach((p, i) => out.set(pattern.replace('{p}', p), thirds[i] as tf.Tensor));
    tensor.dispose();
  }
  return out;
}

function hfLayerName(name: string, kind: DetectorKind): string | undefined {
  const m = HF_LAYER.exec(name);
  const module = m && LAYER_MODULES.find(([s, , hf, kinds]) => s === m[1] && hf === m[3] && kinds.includes(kind));
  return m && module ? `transformer.${m[1]}.layers.${m[2]}.${module[1]}.${m[4]}` : undefined;
}

/** Rename by PREFIXES, from column `from` to column `to`. */
function renamePrefix(name: string, from: 0 | 1, to: 0 | 1): string | undefined {
  const hit = PREFIXES.find((p) => name.startsWith(`${p[from]}.`));
  return hit && `${hit[to]}${name.slice(hit[from].length)}`;
}
