// `condformer convert checkpoint <in.pth|in.safetensors> <out.safetensors> [--from official|hf]`:
// PyTorch weights users have (official DETR / Conditional DETR releases, Hugging Face
// transformers' model.safetensors / pytorch_model.bin) → one safetensors file with the official
// names in PyTorch layout (lib/models/state-dict-file.ts).
import { promises as fs } from 'node:fs';
import { extname, resolve } from 'node:path';
import { readStateDictFile, STATE_DICT_NAMES } from '../../lib/models/state-dict-file.js';
import { writeSafetensors } from '../../lib/nn/safetensors.js';
import { choiceValue, defineCommand, UsageError } from '../shared/command.js';

const INPUT_EXTENSIONS = ['.pth', '.pt', '.bin', '.safetensors'];

export const command = defineCommand(
  'convert official / Hugging Face DETR and Conditional DETR weights to a safetensors file with official names',
  {
    name: 'convert checkpoint',
    synopsis: '<in.pth|in.bin|in.safetensors> <out.safetensors> [options]',
    about: `Reads PyTorch weights — a torch.save file (.pth / .pt / .bin: a state dict, or {'model': state_dict,
...} as the official DETR / Conditional DETR main.py saves it) or a .safetensors — with the
official names or Hugging Face transformers' (ConditionalDetr* / Detr*ForObjectDetection), and
writes a .safetensors with the official names in PyTorch layout, which \`predict detect
--checkpoint\` and loadStateDictFile read. Prints one 'note:' line per skipped object
(optimizer state, argparse.Namespace, non-tensors), then what was written.
float64 is written as float32, int64 / int32 / uint8 as int64 (values range-checked to int32).`,
    options: {
      from: {
        type: 'string',
        value: 'NAMES',
        help: 'official | hf: the names in the input (default detected: hf when names start with model. / class_labels_classifier. / bbox_predictor.)',
      },
    },
    positionals: true,
    footer: 'exit codes: 0 done, 1 error, 2 bad usage',
    inputError: (err) => err instanceof Error,
  },
  async (values, positionals) => {
    const [input, output, ...extra] = positionals;
    if (input === undefined || output === undefined || extra.length > 0) throw new UsageError('expected <in> and <out.safetensors>');
    const from = values.from === undefined ? undefined : choiceValue(values.from, 'from', STATE_DICT_NAMES, 'official');
    if (!INPUT_EXTENSIONS.includes(extname(input).toLowerCase())) {
      throw new UsageError(`${input}: expected a PyTorch checkpoint or safetensors file (${INPUT_EXTENSIONS.join(', ')})`);
    }
    if (extname(output).toLowerCase() !== '.safetensors') throw new UsageError(`${output}: expected an output path ending in .safetensors`);
    if (resolve(input) === resolve(output)) throw new UsageError(`${output}: the output would overwrite the input`);
    const stat = await fs.stat(input).catch(() => null);
    if (stat === null || !stat.isFile()) throw new Error(`${input}: no such file`);
    const file = await readStateDictFile(input, { from });
    try {
      for (const warning of file.warnings) console.error(`note: ${warning}`);
      await writeSafetensors(output, file.tensors, { format: 'pt', names: 'official', source: `${file.format} (${file.names} names)` });
      console.log(`wrote ${file.tensors.size} tensors (${file.format}, ${file.names} names → official) to ${output}`);
    } finally {
      for (const t of file.tensors.values()) t.dispose();
    }
    return 0;
  },
);
