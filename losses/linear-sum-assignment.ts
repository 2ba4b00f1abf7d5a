// Minimum-cost assignment on a rectangular cost matrix with scipy's `linear_sum_assignment` output
// convention: min(rows, cols) pairs, ordered by ascending row index. Solved by the `munkres` package.
import { munkres } from 'munkres';

export interface Assignment {
  /** Row indices, ascending. */
  readonly rows: Int32Array;
  /** Column index paired with each row. */
  readonly cols: Int32Array;
  /** Sum of the assigned costs. */
  readonly cost: number;
}

/** `cost`: rows × cols, as an array of rows (typed-array rows are fine). */
export function linearSumAssignment(cost: ArrayLike<ArrayLike<number>>): Assignment {
  const numRows = cost.length;
  const numCols = numRows === 0 ? 0 : (cost[0] as ArrayLike<number>).length;
  if (numRows === 0 || numCols === 0) return { rows: new Int32Array(0), cols: new Int32Array(0), cost: 0 };
  for (let r = 0; r < numRows; r++) {
    const row = cost[r] as ArrayLike<number>;
    if (row.length !== numCols) throw new Error(`linearSumAssignment: row ${r} has ${row.length} columns, expected ${numCols}`);
    for (let c = 0; c < numCols; c++) {
      // scipy rejects these too; a diverged model (NaN logits or boxes) must not yield an arbitrary matching
      if (!Number.isFinite(row[c] as number)) throw new Error(`linearSumAssignment: cost[${r}][${c}] is ${row[c]}, expected a finite number`);
    }
  }
  const pairs = munkres(cost).sort((a, b) => a[0] - b[0]);
  if (pairs.length !== Math.min(numRows, numCols)) {
    throw new Error(`munkres returned ${pairs.length} pairs for a ${numRows}×${numCols} matrix`);
  }
  let total = 0;
  for (const [r, c] of pairs) total += (cost[r] as ArrayLike<number>)[c] as number;
  return {
    rows: Int32Array.from(pairs, (p) => p[0]),
    cols: Int32Array.from(pairs, (p) => p[1]),
    cost: total,
  };
}
