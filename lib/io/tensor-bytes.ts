// Raw little-endian tensor bytes → tf.Tensor, shared by the safetensors and PyTorch readers.
// TensorFlow.js holds float32, int32 and bool only: F64 / F16 / BF16 load as float32, I64 as int32
// (range-checked: a value outside int32 is an error naming the tensor), I32 / U8 as int32.
import * as tf from '@tensorflow/tfjs';
import { DecodeError } from './decode.js';

/** safetensors' dtype names (PyTorch storages map onto them in pytorch-checkpoint.ts). */
export type TensorDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'U8' | 'BOOL';

export const DTYPE_BYTES: Readonly<Record<TensorDtype, number>> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, U8: 1, BOOL: 1 };

/**
 * `chunk` holds exactly prod(shape) elements of `dtype` and starts at byte 0 of its buffer (a
 * copy, so typed views are aligned). `where` names the tensor in errors.
 */
export function tensorFromBytes(chunk: Uint8Array, dtype: TensorDtype, shape: readonly number[], where: string): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  if (chunk.byteOffset !== 0 || chunk.byteLength !== n * DTYPE_BYTES[dtype]) {
    throw new DecodeError(where, [`${chunk.byteLength} bytes at offset ${chunk.byteOffset} do not hold [${shape}] of ${dtype}`]);
  }
  const dims = [...shape];
  switch (dtype) {
    case 'F64':
      return tf.tensor(Float32Array.from(new Float64Array(chunk.buffer, 0, n)), dims, 'float32');
    case 'F32':
      return tf.tensor(new Float32Array(chunk.buffer, 0, n), dims, 'float32');
    case 'F16':
      return tf.tensor(Float32Array.from(new Uint16Array(chunk.buffer, 0, n), halfToFloat), dims, 'float32');
    case 'BF16': {
      const half = new Uint16Array(chunk.buffer, 0, n);
      const out = new Uint32Array(n);
      for (let i = 0; i < n; i++) out[i] = (half[i] as number) << 16;
      return tf.tensor(new Float32Array(out.buffer), dims, 'float32');
    }
    case 'I64': {
      const wide = new BigInt64Array(chunk.buffer, 0, n);
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = wide[i] as bigint;
        if (v > 2147483647n || v < -2147483648n) throw new DecodeError(where, [`I64 value ${v} does not fit int32`]);
        out[i] = Number(v);
      }
      return tf.tensor(out, dims, 'int32');
    }
    case 'I32':
      return tf.tensor(new Int32Array(chunk.buffer, 0, n), dims, 'int32');
    case 'U8':
      return tf.tensor(Int32Array.from(chunk), dims, 'int32');
    case 'BOOL':
      return tf.tensor(Uint8Array.from(chunk), dims, 'bool');
  }
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}
