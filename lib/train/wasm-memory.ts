// The wasm backend's heap is at most 4 GiB (32-bit wasm memory): a training step that needs more
// aborts inside tfjs-backend-wasm with `Aborted(). Build with -sASSERTIONS`. Before the first step
// on wasm, the training loop measures one forward + backward of a one-image batch (model in eval
// mode, so no random draws are taken from the run's generator) and refuses, with the numbers, a
// run whose batch cannot fit.
import * as tf from '@tensorflow/tfjs';

/** 32-bit wasm memory: 65536 pages of 64 KiB. */
export const WASM_HEAP_BYTES = 4 * 1024 ** 3;
/** Headroom for XNNPACK workspaces and heap fragmentation, measured on the default detector. */
export const WASM_HEAP_USABLE = 0.85;

export interface StepMemoryEstimate {
  /** Bytes alive before the step: parameters, optimizer state, data. */
  readonly resident: number;
  /** Gradients and optimizer moments the step adds whatever the batch (2 moments + 1 gradient per parameter). */
  readonly perStepFixed: number;
  /** Activations kept for the backward pass, per image. */
  readonly perImage: number;
  readonly batchSize: number;
  readonly total: number;
}

const MIB = 1024 ** 2;
const fmt = (bytes: number): string => (bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GiB` : `${Math.round(bytes / MIB)} MiB`);

/** Peak memory of one step at `batchSize`, from one forward + backward of a one-image batch. */
export async function estimateStepMemory(
  lossOfOneImage: () => tf.Scalar,
  variables: tf.Variable[],
  batchSize: number,
  momentsAllocated: boolean,
): Promise<StepMemoryEstimate> {
  const paramBytes = variables.reduce((sum, v) => sum + v.size * 4, 0);
  const resident = tf.memory().numBytes;
  const info = await tf.profile(() => {
    const { value, grads } = tf.variableGrads(lossOfOneImage, variables);
    tf.dispose([value, grads]);
  });
  const perStepFixed = paramBytes * (momentsAllocated ? 1 : 3);
  const perImage = Math.max(0, info.peakBytes - resident - paramBytes);
  return { resident, perStepFixed, perImage, batchSize, total: resident + perStepFixed + perImage * batchSize };
}

export class WasmMemoryError extends Error {
  constructor(readonly estimate: StepMemoryEstimate) {
    const { resident, perStepFixed, perImage, batchSize, total } = estimate;
    const fits = Math.floor((WASM_HEAP_BYTES * WASM_HEAP_USABLE - resident - perStepFixed) / Math.max(perImage, 1));
    super(
      `this run needs about ${fmt(total)} per training step (batch ${batchSize} × ${fmt(perImage)} per image + ${fmt(resident + perStepFixed)} ` +
        `of parameters, optimizer state and data), more than the wasm backend can hold (its heap is at most ${fmt(WASM_HEAP_BYTES)}); ` +
        `train on the torch backend (apt-get install libtorch-dev, then npm rebuild and --backend torch), ` +
        (fits >= 1 ? `or lower --batch-size to ${fits} or less, ` : '') +
        'or make the model or images smaller (--queries, --hidden-dim, --enc-layers/--dec-layers, --image-size)',
    );
    this.name = 'WasmMemoryError';
  }
}

/** Throws WasmMemoryError when the estimate does not fit the usable part of the wasm heap. */
export function checkWasmMemory(estimate: StepMemoryEstimate): void {
  if (estimate.total > WASM_HEAP_BYTES * WASM_HEAP_USABLE) throw new WasmMemoryError(estimate);
}
