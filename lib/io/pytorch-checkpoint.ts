// PyTorch `.pth` / `.pt` / `.bin` files as `torch.save` writes them since 1.6: a zip archive of
// stored entries `<name>/data.pkl` (the pickled object), `<name>/data/<key>` (one raw
// little-endian storage per key), `<name>/version` and, since 2.x, `<name>/byteorder`, ZIP64
// when large. The zip is read with fflate (maintained, dependency-free, in-memory, ZIP64); the
// pickle with ./pytorch-pickle. Tensors are rebuilt from `torch._utils._rebuild_tensor_v2(storage,
// storage_offset, size, stride, ...)` — strided views (transposed, sliced) gathered to contiguous
// data, storages shared between tensors read once — and converted like safetensors
// (io/tensor-bytes.ts). The state dict is unwrapped from `{'model': ...}` (the official DETR /
// Conditional DETR checkpoints: `{'model', 'optimizer', 'lr_scheduler', 'epoch', 'args'}`) or
// `{'state_dict': ...}`; what cannot be rebuilt (argparse.Namespace, optimizer state, unknown
// classes) is skipped with a warning, and a top-level `args` Namespace's plain fields are returned.
// The legacy pre-1.6 (non-zip) format is refused.
import { promises as fs } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
import { DecodeError } from './decode.js';
import { isPickleGlobal, isPickleObject, type PickleGlobal, type PickleValue, qualifiedName, unpickle } from './pytorch-pickle.js';
import { DTYPE_BYTES, type TensorDtype, tensorFromBytes } from './tensor-bytes.js';

/** `torch.<Name>Storage` → the element type it holds. */
const STORAGE_DTYPES: Readonly<Record<string, TensorDtype>> = {
  FloatStorage: 'F32',
  DoubleStorage: 'F64',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
};

interface StorageRef {
  readonly kind: 'storage';
  readonly key: string;
  readonly storageType: string;
  /** undefined: a storage type condformer cannot hold (int8, int16, complex, quantized). */
  readonly dtype: TensorDtype | undefined;
}

/** A tensor view on a storage, materialised only when it is part of the state dict. */
interface TensorRef {
  readonly kind: 'tensor';
  readonly storage: StorageRef;
  readonly offset: number;
  readonly size: readonly number[];
  readonly stride: readonly number[];
}

type TorchValue = PickleValue<StorageRef | TensorRef>;

/** A plain value of a pickled argparse Namespace or a top-level scalar (`epoch`). */
export type PickleScalar = string | number | boolean | null;
export type ArgValue = PickleScalar | ArgValue[];

export interface TorchCheckpoint {
  /** The state dict's tensors by name, in PyTorch layout (float32, int32 or bool). */
  readonly tensors: Map<string, tf.Tensor>;
  /** Where the state dict was: '' (the top level), 'model' or 'state_dict'. */
  readonly stateDictKey: '' | 'model' | 'state_dict';
  /** The str / number / bool / None fields (and lists of them) of a top-level `args` Namespace. */
  readonly args?: Readonly<Record<string, ArgValue>>;
  /** Top-level str / number / bool / None entries beside the state dict (`epoch`). */
  readonly info: Readonly<Record<string, PickleScalar>>;
  /** One line per object that was skipped, naming it and why. */
  readonly warnings: string[];
}

function isTorchRef(v: unknown): v is StorageRef | TensorRef {
  return (
    typeof v === 'object' &&
    v !== null &&
    !(v instanceof Map) &&
    !Array.isArray(v) &&
    ['storage', 'tensor'].includes((v as { kind?: unknown }).kind as string)
  );
}

function isTensorRef(v: unknown): v is TensorRef {
  return isTorchRef(v) && v.kind === 'tensor';
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isCounts = (v: unknown): v is number[] => Array.isArray(v) && v.every(isCount);

/** Python-ish description of a value for warnings. */
function describe(v: TorchValue): string {
  if (v === null) return 'None';
  if (v instanceof Map) return `dict of ${v.size}`;
  if (Array.isArray(v)) return `list/tuple of ${v.length}`;
  if (v instanceof Uint8Array) return 'bytes';
  if (isPickleObject(v)) return `${qualifiedName(v.type)} object`;
  if (isPickleGlobal(v)) return `reference to ${qualifiedName(v)}`;
  if (isTorchRef(v)) return v.kind === 'tensor' ? 'tensor' : 'bare storage';
  return typeof v;
}

function storageRef(pid: TorchValue, source: string): StorageRef {
  // ('storage', torch.<T>Storage, key, location, numel)
  if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) {
    throw new DecodeError(source, [`persistent id: expected ('storage', type, key, location, numel), got ${describe(pid)}`]);
  }
  const [, type, key] = pid;
  if (!isPickleGlobal(type) || type.module !== 'torch' || typeof key !== 'string') {
    throw new DecodeError(source, [`persistent id: expected a torch storage type and a string key`]);
  }
  return { kind: 'storage', key, storageType: type.name, dtype: STORAGE_DTYPES[type.name] };
}

function rebuild(callable: PickleGlobal, args: TorchValue[], source: string): TorchValue | undefined {
  const name = qualifiedName(callable);
  if (name === 'collections.OrderedDict') {
    const dict = new Map<string, TorchValue>();
    const pairs = args[0];
    if (Array.isArray(pairs)) for (const p of pairs) if (Array.isArray(p) && typeof p[0] === 'string') dict.set(p[0], p[1] as TorchValue);
    return dict as TorchValue;
  }
  if (name === 'torch._utils._rebuild_tensor_v2' || name === 'torch._utils._rebuild_tensor') {
    const [storage, offset, size, stride] = args;
    if (
      !isTorchRef(storage) ||
      storage.kind !== 'storage' ||
      !isCount(offset) ||
      !isCounts(size) ||
      !isCounts(stride) ||
      size.length !== stride.length
    ) {
      throw new DecodeError(source, [`${name}: expected (storage, offset, size, stride, ...), got (${args.slice(0, 4).map(describe).join(', ')})`]);
    }
    return { kind: 'tensor', storage, offset, size, stride };
  }
  if (name === 'torch._utils._rebuild_parameter' || name === 'torch._utils._rebuild_parameter_with_state') {
    const [data] = args;
    return isTensorRef(data) ? data : undefined;
  }
  return undefined; // an opaque object, skipped with a warning where it is met
}

/** elements [offset + Σ i_k·stride_k] of `storage` (elements of `elem` bytes) in row-major order of `size`. */
function gather(storage: Uint8Array, elem: number, offset: number, size: readonly number[], stride: readonly number[], where: string): Uint8Array {
  const n = size.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(n * elem);
  if (n === 0) return out;
  const last = offset + size.reduce((s, d, k) => s + (d - 1) * (stride[k] as number), 0);
  if ((last + 1) * elem > storage.byteLength) {
    throw new DecodeError(where, [
      `view (offset ${offset}, size [${size}], stride [${stride}]) reaches element ${last}, the storage holds ${storage.byteLength / elem}`,
    ]);
  }
  let contiguous = true;
  for (let k = size.length - 1, expected = 1; k >= 0; k--) {
    if ((size[k] as number) !== 1 && stride[k] !== expected) contiguous = false;
    expected *= size[k] as number;
  }
  if (contiguous) {
    out.set(storage.subarray(offset * elem, (offset + n) * elem));
    return out;
  }
  const index = new Array<number>(size.length).fill(0);
  let src = offset;
  for (let i = 0; i < n; i++) {
    out.set(storage.subarray(src * elem, (src + 1) * elem), i * elem);
    for (let k = size.length - 1; k >= 0; k--) {
      index[k] = (index[k] as number) + 1;
      src += stride[k] as number;
      if ((index[k] as number) < (size[k] as number)) break;
      src -= (size[k] as number) * (stride[k] as number);
      index[k] = 0;
    }
  }
  return out;
}

function argValue(v: TorchValue): ArgValue | undefined {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) {
    const items = v.map(argValue);
    return items.every((x) => x !== undefined) ? (items as ArgValue[]) : undefined;
  }
  return undefined;
}

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
/** The legacy format's start: PROTO 2, then LONG1 of torch's magic number 0x1950a86a20f9469cfc6c. */
const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

/** True for a file in torch.save's legacy (pre-1.6) pickle or tar format. */
export function isLegacyTorchFile(bytes: Uint8Array): boolean {
  return (
    LEGACY_MAGIC.every((b, i) => bytes[i] === b) || (bytes.byteLength > 262 && new TextDecoder('latin1').decode(bytes.subarray(257, 262)) === 'ustar')
  );
}

/** True for a zip archive (what torch.save writes since 1.6). */
export function isZipFile(bytes: Uint8Array): boolean {
  return ZIP_MAGIC.every((b, i) => bytes[i] === b);
}

/** Decode the bytes of a `torch.save` file; `source` (the path) names every error and warning. */
export function decodeTorchCheckpoint(bytes: Uint8Array, source = '<buffer>'): TorchCheckpoint {
  if (!isZipFile(bytes)) {
    throw new DecodeError(source, [
      isLegacyTorchFile(bytes)
        ? 'a PyTorch file in the legacy (pre-1.6, non-zip) format, which condformer does not read; re-save it with torch >= 1.6: torch.save(torch.load(f), "new.pth")'
        : 'expected a PyTorch zip checkpoint (torch.save since 1.6, starting with "PK")',
    ]);
  }
  let pickleName = '';
  const meta = unzipSafely(bytes, source, (name) => {
    const isPickle = /^[^/]+\/data\.pkl$/.test(name);
    if (isPickle) pickleName = name;
    return isPickle || /^[^/]+\/byteorder$/.test(name);
  });
  const pickle = meta[pickleName];
  if (pickle === undefined) throw new DecodeError(source, ['zip archive without <name>/data.pkl: not a torch.save file']);
  const prefix = pickleName.slice(0, -'data.pkl'.length);
  const byteorder = meta[`${prefix}byteorder`];
  if (byteorder !== undefined && new TextDecoder().decode(byteorder).trim() !== 'little') {
    throw new DecodeError(source, [`byteorder '${new TextDecoder().decode(byteorder).trim()}': only little-endian checkpoints are read`]);
  }
  const root = unpickle<StorageRef | TensorRef>(pickle, `${source} ${pickleName}`, { reduce: rebuild, persistentLoad: storageRef });
  if (!(root instanceof Map)) throw new DecodeError(source, [`expected a dict (a state dict or {'model': state_dict, ...}), got ${describe(root)}`]);

  const warnings: string[] = [];
  const info: Record<string, PickleScalar> = {};
  let args: Record<string, ArgValue> | undefined;
  const wrapped = (['model', 'state_dict'] as const).find((k) => root.get(k) instanceof Map);
  const stateDict = (wrapped === undefined ? root : root.get(wrapped)) as Map<unknown, TorchValue>;
  if (wrapped !== undefined) {
    for (const [key, value] of root) {
      if (key === wrapped) continue;
      const name = String(key);
      if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) {
        info[name] = value as PickleScalar;
      } else if (name === 'args' && isPickleObject(value) && value.state instanceof Map) {
        args = {};
        for (const [field, v] of value.state as Map<unknown, TorchValue>) {
          const plain = argValue(v);
          if (plain !== undefined && typeof field === 'string') args[field] = plain;
        }
        warnings.push(`skipped '${name}': ${describe(value)} (not rebuilt; its ${Object.keys(args).length} plain fields are read as args)`);
      } else {
        warnings.push(`skipped '${name}': ${describe(value)} (not part of the model's state dict)`);
      }
    }
  }

  const refs = new Map<string, TensorRef>();
  for (const [key, value] of stateDict) {
    const name = wrapped === undefined ? String(key) : `${wrapped}.${String(key)}`;
    if (typeof key !== 'string') warnings.push(`skipped key ${String(key)}: not a string`);
    else if (!isTensorRef(value)) warnings.push(`skipped '${name}': ${describe(value)} (not a tensor)`);
    else if (value.storage.dtype === undefined) warnings.push(`skipped '${name}': ${value.storage.storageType} tensors are not supported`);
    else refs.set(key, value);
  }
  const keys = new Set([...refs.values()].map((r) => `${prefix}data/${r.storage.key}`));
  const storages = unzipSafely(bytes, source, (name) => keys.has(name));
  const tensors = new Map<string, tf.Tensor>();
  try {
    for (const [name, ref] of refs) {
      const where = `${source} tensor '${name}'`;
      const entry = `${prefix}data/${ref.storage.key}`;
      const storage = storages[entry];
      if (storage === undefined) throw new DecodeError(where, [`zip entry ${entry} is missing`]);
      const dtype = ref.storage.dtype as TensorDtype;
      const data = gather(storage, DTYPE_BYTES[dtype], ref.offset, ref.size, ref.stride, where);
      tensors.set(name, tensorFromBytes(data, dtype, ref.size, where));
    }
  } catch (err) {
    tf.dispose([...tensors.values()]);
    throw err;
  }
  return { tensors, stateDictKey: wrapped ?? '', ...(args === undefined ? {} : { args }), info, warnings };
}

function unzipSafely(bytes: Uint8Array, source: string, keep: (name: string) => boolean): Record<string, Uint8Array> {
  try {
    return unzipSync(bytes, { filter: (file) => keep(file.name) });
  } catch (err) {
    throw new DecodeError(source, [`unreadable zip archive: ${(err as Error).message}`]);
  }
}

/** Read a `torch.save` file; the caller disposes `tensors`. */
export async function readTorchCheckpoint(path: string): Promise<TorchCheckpoint> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(path);
  } catch (err) {
    throw new Error(`cannot read PyTorch checkpoint ${path}: ${(err as Error).message}`);
  }
  return decodeTorchCheckpoint(bytes, path);
}
