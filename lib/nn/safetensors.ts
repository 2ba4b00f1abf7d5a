// safetensors read / write: an 8-byte little-endian header length N, N bytes of JSON
// ({name: {dtype, shape, data_offsets}}, optional "__metadata__" of strings), then the data.
// F32 / F16 / BF16 load as float32, I64 as int32 (range-checked), BOOL as bool (io/tensor-bytes.ts). float32 tensors
// are written as F32, or as F16 / BF16 (round to nearest even) on request.
import { promises as fs } from 'node:fs';
import type * as tf from '@tensorflow/tfjs';
import * as t from 'io-ts';
import { writeFileAtomic } from '../io/atomic.js';
import { DecodeError, decodeOrThrow, parseJson } from '../io/decode.js';
import { DTYPE_BYTES, tensorFromBytes } from '../io/tensor-bytes.js';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'I64' | 'BOOL';

const Entry = t.type({
  dtype: t.keyof({ F32: null, F16: null, BF16: null, I64: null, BOOL: null }),
  shape: t.array(t.number),
  data_offsets: t.tuple([t.number, t.number]),
});

export interface Safetensors {
  readonly tensors: Map<string, tf.Tensor>;
  readonly metadata: Record<string, string>;
}

export function decodeSafetensors(bytes: Uint8Array, source = '<buffer>'): Safetensors {
  if (bytes.byteLength < 8) throw new DecodeError(source, ['file shorter than the 8-byte header length']);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (8 + headerLength > bytes.byteLength) {
    throw new DecodeError(source, [`header length ${headerLength} exceeds the file size ${bytes.byteLength}`]);
  }
  const header = parseJson(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)), source);
  const raw = decodeOrThrow(t.record(t.string, t.unknown), header, source);
  const metadata = raw.__metadata__ === undefined ? {} : decodeOrThrow(t.record(t.string, t.string), raw.__metadata__, `${source} __metadata__`);
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, tf.Tensor>();
  for (const [name, value] of Object.entries(raw)) {
    if (name === '__metadata__') continue;
    const entry = decodeOrThrow(Entry, value, `${source} tensor '${name}'`);
    const [start, end] = entry.data_offsets;
    const size = entry.shape.reduce((a, b) => a * b, 1);
    if (end - start !== size * DTYPE_BYTES[entry.dtype] || dataStart + end > bytes.byteLength) {
      throw new DecodeError(source, [`tensor '${name}': data_offsets [${start}, ${end}] do not fit shape [${entry.shape}] of ${entry.dtype}`]);
    }
    const chunk = new Uint8Array(bytes.subarray(dataStart + start, dataStart + end)); // a copy, so aligned at 0
    tensors.set(name, tensorFromBytes(chunk, entry.dtype, entry.shape, `${source} tensor '${name}'`));
  }
  return { tensors, metadata };
}

export async function readSafetensors(path: string): Promise<Safetensors> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(path);
  } catch (err) {
    throw new Error(`cannot read safetensors file ${path}: ${(err as Error).message}`);
  }
  return decodeSafetensors(bytes, path);
}

/**
 * A file's `__metadata__` from its header alone (no tensor data read), or null when the file is
 * not safetensors (too short, or no JSON header object after the length).
 */
export async function readSafetensorsMetadata(path: string): Promise<Record<string, string> | null> {
  const handle = await fs.open(path, 'r');
  try {
    const head = Buffer.alloc(9);
    if ((await handle.read(head, 0, 9, 0)).bytesRead < 9 || head[8] !== 0x7b) return null;
    const length = Number(head.readBigUInt64LE(0));
    const { size } = await handle.stat();
    if (8 + length > size) return null;
    const header = Buffer.alloc(length);
    await handle.read(header, 0, length, 8);
    const raw = decodeOrThrow(t.record(t.string, t.unknown), parseJson(header.toString('utf8'), path), path);
    return raw.__metadata__ === undefined ? {} : decodeOrThrow(t.record(t.string, t.string), raw.__metadata__, `${path} __metadata__`);
  } finally {
    await handle.close();
  }
}

export interface EncodeOptions {
  /** How float32 tensors are stored (default F32). */
  readonly float?: 'F32' | 'F16' | 'BF16';
}

/**
 * Encode tensors: float32 → F32 (or `options.float`), int32 → I64, bool → BOOL. Keys are written in
 * sorted order (as the Python writer does), data naturally aligned; the header is padded to 8 bytes.
 */
export async function encodeSafetensors(
  tensors: Map<string, tf.Tensor>,
  metadata: Record<string, string> = {},
  options: EncodeOptions = {},
): Promise<Uint8Array> {
  const float = options.float ?? 'F32';
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    const tensor = tensors.get(name) as tf.Tensor;
    const dtype = dtypeOf(tensor, name, float);
    const chunk = toBytes(await tensor.data(), dtype);
    header[name] = { dtype, shape: tensor.shape, data_offsets: [offset, offset + chunk.byteLength] };
    chunks.push(chunk);
    offset += chunk.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.byteLength;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

function dtypeOf(tensor: tf.Tensor, name: string, float: 'F32' | 'F16' | 'BF16'): SafetensorsDtype {
  if (tensor.dtype === 'float32') return float;
  if (tensor.dtype === 'int32') return 'I64';
  if (tensor.dtype === 'bool') return 'BOOL';
  throw new Error(`safetensors: cannot write '${name}' of dtype ${tensor.dtype}`);
}

function toBytes(data: tf.TypedArray, dtype: SafetensorsDtype): Uint8Array {
  switch (dtype) {
    case 'F32':
      return new Uint8Array(Float32Array.from(data).buffer);
    case 'F16':
      return new Uint8Array(Uint16Array.from(data, floatToHalf).buffer);
    case 'BF16':
      return new Uint8Array(Uint16Array.from(data, floatToBfloat16).buffer);
    case 'I64':
      return new Uint8Array(BigInt64Array.from(data as Int32Array, (v) => BigInt(v)).buffer);
    case 'BOOL':
      return Uint8Array.from(data);
  }
}

const scratch = new DataView(new ArrayBuffer(4));

/** The upper 16 bits of a float32, rounded to nearest even (NaN stays NaN). */
function floatToBfloat16(x: number): number {
  scratch.setFloat32(0, x);
  const bits = scratch.getUint32(0);
  if (Number.isNaN(x)) return (bits >>> 16) | 0x40;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

/** IEEE half precision, rounded to nearest even; overflow → ±inf, underflow → subnormals / ±0. */
function floatToHalf(x: number): number {
  scratch.setFloat32(0, x);
  const bits = scratch.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow
  if (e <= 0) {
    if (e < -10) return sign; // too small: ±0
    mant |= 0x800000; // implicit bit
    const shift = 14 - e;
    const half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    return sign | (half + (rest > midpoint || (rest === midpoint && half & 1) ? 1 : 0));
  }
  const half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // a carry out of the mantissa correctly bumps the exponent (up to inf)
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && half & 1) ? 1 : 0));
}

/** Write atomically (temporary file, then rename). */
export async function writeSafetensors(
  path: string,
  tensors: Map<string, tf.Tensor>,
  metadata: Record<string, string> = {},
  options: EncodeOptions = {},
): Promise<void> {
  await writeFileAtomic(path, await encodeSafetensors(tensors, metadata, options));
}
