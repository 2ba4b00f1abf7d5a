// The weight files users have, as one state dict with the official names in PyTorch layout:
// PyTorch `.pth` / `.bin` (torch.save zip; a state dict, or `{'model': …}` / `{'state_dict': …}`)
// and `.safetensors` (PyTorch layout by convention), with the official DETR / Conditional DETR
// names or transformers' (auto-detected, or forced with `from`). `loadStateDictFile` loads one
// into a module (strict names and shapes by default). condformer's own training checkpoints
// (tfjs layout + run config) are read by lib/train/checkpoint.ts instead and refused here.
import { promises as fs } from 'node:fs';
import type * as tf from '@tensorflow/tfjs';
import { DecodeError } from '../io/decode.js';
import { type ArgValue, decodeTorchCheckpoint, isLegacyTorchFile, isZipFile } from '../io/pytorch-checkpoint.js';
import type { LoadReport, Module } from '../nn/module.js';
import { decodeSafetensors } from '../nn/safetensors.js';
import { hasHfDetrNames, hfToOfficialNames } from './hf-detr-names.js';

export type StateDictNames = 'official' | 'hf';
export const STATE_DICT_NAMES: readonly StateDictNames[] = ['official', 'hf'];

export interface StateDictFile {
  /** Official names, PyTorch layout (float32 / int32 / bool); the caller disposes. */
  readonly tensors: Map<string, tf.Tensor>;
  readonly format: 'pth' | 'safetensors';
  /** The names the file had. */
  readonly names: StateDictNames;
  /** A `.pth`'s pickled argparse Namespace fields (official checkpoints), when there was one. */
  readonly args?: Readonly<Record<string, ArgValue>>;
  /** Objects that were skipped (optimizer state, argparse.Namespace, non-tensors), one line each. */
  readonly warnings: string[];
}

export interface ReadStateDictOptions {
  /** The names in the file (default: detected: transformers' start with model. / class_labels_classifier. / bbox_predictor.). */
  readonly from?: StateDictNames;
}

/** safetensors: an 8-byte header length, then the JSON header's "{". */
const isSafetensors = (b: Uint8Array) => b.byteLength > 8 && b[8] === 0x7b;

export function decodeStateDictFile(bytes: Uint8Array, source: string, options: ReadStateDictOptions = {}): StateDictFile {
  let tensors: Map<string, tf.Tensor>;
  let format: StateDictFile['format'];
  let args: StateDictFile['args'];
  const warnings: string[] = [];
  if (isZipFile(bytes) || isLegacyTorchFile(bytes)) {
    const checkpoint = decodeTorchCheckpoint(bytes, source);
    ({ tensors, args } = checkpoint);
    warnings.push(...checkpoint.warnings);
    format = 'pth';
  } else if (isSafetensors(bytes)) {
    const file = decodeSafetensors(bytes, source);
    if (file.metadata.format?.startsWith('condformer-checkpoint')) {
      for (const t of file.tensors.values()) t.dispose();
      throw new DecodeError(source, [
        `a condformer training checkpoint (${file.metadata.format}), not a PyTorch-layout state dict: read it with loadCheckpoint`,
      ]);
    }
    tensors = file.tensors;
    format = 'safetensors';
  } else {
    throw new DecodeError(source, ['expected a PyTorch checkpoint (torch.save zip: .pth / .bin) or a .safetensors file']);
  }
  const names = options.from ?? (hasHfDetrNames(tensors.keys()) ? 'hf' : 'official');
  try {
    if (names === 'hf') tensors = hfToOfficialNames(tensors);
  } catch (err) {
    for (const t of tensors.values()) t.dispose();
    throw new DecodeError(source, [(err as Error).message]);
  }
  return { tensors, format, names, ...(args === undefined ? {} : { args }), warnings };
}

/** Read a `.pth` / `.bin` / `.safetensors` file as an official-name, PyTorch-layout state dict. */
export async function readStateDictFile(path: string, options: ReadStateDictOptions = {}): Promise<StateDictFile> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(path);
  } catch (err) {
    throw new Error(`cannot read checkpoint ${path}: ${(err as Error).message}`);
  }
  return decodeStateDictFile(bytes, path, options);
}

export interface LoadStateDictFileOptions extends ReadStateDictOptions {
  /** Throw on missing / unexpected / mismatched keys (default true). */
  readonly strict?: boolean;
}

/** `module.loadStateDict` from a file (PyTorch layout converted per parameter); returns the load report and the reader's warnings. */
export async function loadStateDictFile(
  module: Module,
  path: string,
  options: LoadStateDictFileOptions = {},
): Promise<{ report: LoadReport; warnings: string[] }> {
  const file = await readStateDictFile(path, options);
  try {
    const report = module.loadStateDict(file.tensors, { layout: 'torch', strict: options.strict ?? true });
    return { report, warnings: file.warnings };
  } finally {
    for (const t of file.tensors.values()) t.dispose();
  }
}
