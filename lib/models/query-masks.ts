// The decoder self-attention mask of the training-time queries (PyTorch bool `attn_mask`, true =
// may not attend). The queries are laid out as [denoising part | matching part]:
// - DN-DETR: `denoisingGroups` groups of `denoisingGroupSize` rows each (noised ground truth, padded
//   per batch). A denoising group sees itself and the whole matching part, no other group; the
//   matching queries see no denoising row (they must not learn from the ground truth);
// - Group DETR: the matching part is `matchingGroups` groups of `matchingGroupSize` queries; each
//   group sees only itself (a block-diagonal mask), so the groups are independent detectors.
// With one matching group and no denoising nothing is masked (null).

export interface QueryLayout {
  readonly denoisingGroups: number;
  readonly denoisingGroupSize: number;
  readonly matchingGroups: number;
  readonly matchingGroupSize: number;
}

/** Rows of the whole layout: denoising part plus matching part. */
export function queryCount(layout: QueryLayout): number {
  return layout.denoisingGroups * layout.denoisingGroupSize + layout.matchingGroups * layout.matchingGroupSize;
}

/** [T, T] row-major, 1 = query i may not see query j; null when nothing is masked. */
export function queryAttentionMask(layout: QueryLayout): { readonly size: number; readonly blocked: Uint8Array } | null {
  const { denoisingGroups, denoisingGroupSize, matchingGroups, matchingGroupSize } = layout;
  const padSize = denoisingGroups * denoisingGroupSize;
  if (padSize === 0 && matchingGroups <= 1) return null;
  const size = queryCount(layout);
  // Group id per row: denoising groups 0 … D−1, matching groups D … D+M−1.
  const group = (row: number): { readonly denoising: boolean; readonly id: number } =>
    row < padSize
      ? { denoising: true, id: Math.floor(row / denoisingGroupSize) }
      : { denoising: false, id: Math.floor((row - padSize) / matchingGroupSize) };
  const blocked = new Uint8Array(size * size);
  for (let i = 0; i < size; i++) {
    const gi = group(i);
    for (let j = 0; j < size; j++) {
      const gj = group(j);
      const sees = gi.denoising ? !gj.denoising || gj.id === gi.id : !gj.denoising && (matchingGroups <= 1 || gj.id === gi.id);
      blocked[i * size + j] = sees ? 0 : 1;
    }
  }
  return { size, blocked };
}
