// The per-channel normalisation a backbone is built with: trainable BatchNorm2d or DETR's
// FrozenBatchNorm2d (same state-dict names apart from num_batches_tracked).
import { BatchNorm2d, type BatchNormOptions } from '../../nn/batch-norm.js';
import { FrozenBatchNorm2d } from '../../nn/frozen-batch-norm.js';

export type NormKind = 'batch' | 'frozen';

export type Norm2d = BatchNorm2d | FrozenBatchNorm2d;

export function createNorm2d(kind: NormKind, channels: number, options: BatchNormOptions = {}): Norm2d {
  return kind === 'batch' ? new BatchNorm2d(channels, options) : new FrozenBatchNorm2d(channels, options.eps);
}
