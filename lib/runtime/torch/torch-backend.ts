// The `torch` / `torch-cuda` TensorFlow.js backends: tensors live in libtorch (see ./addon); this
// class is their storage (dataId → addon slot, with TensorFlow.js' reference counts) and the kernels
// in ./kernels run on the slots. Values cross to JavaScript only in write/move (in) and
// read/readSync (out).
import * as tf from '@tensorflow/tfjs';
import type { Slot, TorchAddon, TorchDevice } from './addon.js';

export const TORCH_DTYPES = ['float32', 'int32', 'bool'] as const;
export type TorchDtype = (typeof TORCH_DTYPES)[number];

interface TorchData {
  slot: Slot;
  refCount: number;
}

/** The dtype code the addon uses (index in TORCH_DTYPES); string and complex64 are refused. */
export function dtypeCode(dtype: tf.DataType): number {
  const code = (TORCH_DTYPES as readonly string[]).indexOf(dtype);
  if (code < 0) throw new Error(`torch backend: dtype '${dtype}' is not supported (float32, int32 and bool are)`);
  return code;
}

export class TorchBackend extends tf.KernelBackend {
  readonly addon: TorchAddon;
  readonly device: TorchDevice;
  /** Filled by every addon call: [outputs, (dtype, rank, dims…) per output]. */
  readonly meta = new Int32Array(1024);
  private readonly data: tf.DataStorage<TorchData>;

  constructor(addon: TorchAddon, device: TorchDevice) {
    super();
    this.addon = addon;
    this.device = device;
    this.data = new tf.DataStorage(this, tf.engine());
    addon.init(this.meta);
  }

  /** The slot behind a TensorInfo. */
  slot(info: tf.TensorInfo): Slot {
    return this.data.get(info.dataId).slot;
  }

  /** The TensorInfo of the single output the addon call just returned. */
  output(slot: Slot): tf.TensorInfo {
    return this.outputAt(slot, 1);
  }

  /** TensorInfos of every output of the addon call just made (their slots in call order). */
  outputs(slots: readonly Slot[]): tf.TensorInfo[] {
    let at = 1;
    return slots.map((slot) => {
      const info = this.outputAt(slot, at);
      at += 2 + info.shape.length;
      return info;
    });
  }

  private outputAt(slot: Slot, at: number): tf.TensorInfo {
    const dtype = TORCH_DTYPES[this.meta[at] as number] as TorchDtype;
    const rank = this.meta[at + 1] as number;
    const shape = Array.from(this.meta.subarray(at + 2, at + 2 + rank));
    const dataId = {};
    this.data.set(dataId, { slot, refCount: 1 });
    return { dataId, shape, dtype };
  }

  override write(values: tf.BackendValues, shape: number[], dtype: tf.DataType): tf.DataId {
    const dataId = {};
    this.data.set(dataId, { slot: this.create(values, shape, dtype), refCount: 1 });
    return dataId;
  }

  override move(dataId: tf.DataId, values: tf.BackendValues, shape: number[], dtype: tf.DataType, refCount: number): void {
    this.data.set(dataId, { slot: this.create(values, shape, dtype), refCount });
  }

  private create(values: tf.BackendValues, shape: number[], dtype: tf.DataType): Slot {
    const code = dtypeCode(dtype);
    if (!(values instanceof Float32Array || values instanceof Int32Array || values instanceof Uint8Array)) {
      throw new Error(`torch backend: cannot store ${values.constructor.name} values (a ${dtype} tensor of shape [${shape}])`);
    }
    // tfjs may hand values of another typed-array kind than the dtype (e.g. Float32Array for int32).
    const typed = dtype === 'float32' ? toArray(values, Float32Array) : dtype === 'int32' ? toArray(values, Int32Array) : toArray(values, Uint8Array);
    return this.addon.create(typed, shape, code, this.device);
  }

  override refCount(dataId: tf.DataId): number {
    return this.data.has(dataId) ? this.data.get(dataId).refCount : 0;
  }

  override incRef(dataId: tf.DataId): void {
    this.data.get(dataId).refCount++;
  }

  override numDataIds(): number {
    return this.data.numDataIds();
  }

  override async read(dataId: tf.DataId): Promise<tf.BackendValues> {
    return this.readSync(dataId);
  }

  override readSync(dataId: tf.DataId): tf.BackendValues {
    return this.addon.read(this.data.get(dataId).slot);
  }

  override disposeData(dataId: tf.DataId, force = false): boolean {
    if (!this.data.has(dataId)) return true;
    const entry = this.data.get(dataId);
    entry.refCount--;
    if (!force && entry.refCount > 0) return false;
    this.addon.free(entry.slot);
    this.data.delete(dataId);
    return true;
  }

  /** Not async: a kernel that throws under tf.profile / tf.time must throw to its caller, not reject a promise nobody awaits. */
  override time(f: () => void): Promise<tf.BackendTimingInfo> {
    const start = performance.now();
    f();
    this.addon.synchronize(this.device);
    return Promise.resolve({ kernelMs: performance.now() - start });
  }

  override timerAvailable(): boolean {
    return true;
  }

  override memory(): { unreliable: boolean; reasons?: string[] } {
    return { unreliable: true, reasons: ['tensors live in libtorch: see `live tensors` in the addon'] };
  }

  override floatPrecision(): 16 | 32 {
    return 32;
  }

  override epsilon(): number {
    return super.epsilon();
  }

  /** The engine disposes every tensor before a backend is removed: nothing is left to free here. */
  override dispose(): void {}
}

function toArray<T extends Float32Array | Int32Array | Uint8Array>(
  values: Float32Array | Int32Array | Uint8Array,
  kind: { new (v: ArrayLike<number>): T; prototype: T },
): T {
  return values instanceof kind ? values : new kind(values);
}
