// A plain float64 multi-head attention written from the formulas (not from the library code),
// with PyTorch-layout weights: the independent reference for the attention tests.
export type Matrix = number[][]; // [L, C]

export interface ReferenceInputs {
  readonly queryContent: Matrix; // one batch element
  readonly keyContent: Matrix;
  readonly value: Matrix;
  readonly querySpatial?: Matrix;
  readonly keySpatial?: Matrix;
  readonly padded?: boolean[]; // [Lk]
}

export interface ReferenceWeights {
  /** PyTorch packed [3C, C], rows q, k, v, and [3C]; absent when the inputs are projected. */
  readonly inProj?: { readonly weight: Matrix; readonly bias: number[] };
  readonly outWeight: Matrix; // PyTorch [Cv, Cv]
  readonly outBias: number[];
}

export interface ReferenceResult {
  readonly output: Matrix; // [Lq, Cv]
  readonly weights: Matrix[]; // [H][Lq][Lk]
  readonly queries: Matrix[]; // [H][Lq][d] projected, unscaled (concat: [q_c,h ; q_s,h])
  readonly keys: Matrix[]; // [H][Lk][d]
}

/** x W_rows^T + b for the weight rows [from, from + n). */
function project(x: Matrix, weight: Matrix, bias: number[], from: number, n: number): Matrix {
  return x.map((row) => Array.from({ length: n }, (_, o) => bias[from + o]! + row.reduce((s, v, i) => s + v * weight[from + o]![i]!, 0)));
}

const add = (a: Matrix, b?: Matrix): Matrix => (b === undefined ? a : a.map((r, i) => r.map((v, j) => v + b[i]![j]!)));
const head = (x: Matrix, h: number, d: number): Matrix => x.map((r) => r.slice(h * d, (h + 1) * d));
const dot = (a: number[], b: number[]): number => a.reduce((s, v, i) => s + v * b[i]!, 0);

/**
 * add: logits_h = (q_h·k_h) / √d with q = q_c + q_s (then projected when inProj is given).
 * concat: logits_h = (q_c,h·k_c,h + q_s,h·k_s,h) / √(2d), written as the sum of a content and a
 * spatial term, with d = C / H.
 */
export function referenceAttention(x: ReferenceInputs, w: ReferenceWeights, numHeads: number, combine: 'add' | 'concat'): ReferenceResult {
  const c = x.queryContent[0]!.length;
  const cv = x.value[0]!.length;
  const d = c / numHeads;
  const dv = cv / numHeads;
  let q = combine === 'add' ? add(x.queryContent, x.querySpatial) : x.queryContent;
  let k = combine === 'add' ? add(x.keyContent, x.keySpatial) : x.keyContent;
  let v = x.value;
  if (w.inProj !== undefined) {
    q = project(q, w.inProj.weight, w.inProj.bias, 0, c);
    k = project(k, w.inProj.weight, w.inProj.bias, c, c);
    v = project(v, w.inProj.weight, w.inProj.bias, 2 * c, c);
  }
  const merged: Matrix = q.map(() => []);
  const weights: Matrix[] = [];
  const queries: Matrix[] = [];
  const keys: Matrix[] = [];
  for (let h = 0; h < numHeads; h++) {
    const [qh, kh, vh] = [head(q, h, d), head(k, h, d), head(v, h, dv)];
    const logits = qh.map((qi, i) =>
      kh.map((kj, j) => {
        if (combine === 'add') return dot(qi, kj) / Math.sqrt(d);
        const spatial = dot(head(x.querySpatial!, h, d)[i]!, head(x.keySpatial!, h, d)[j]!);
        return (dot(qi, kj) + spatial) / Math.sqrt(2 * d);
      }),
    );
    const probs = logits.map((row) => {
      const exps = row.map((l, j) => (x.padded?.[j] ? 0 : Math.exp(l - Math.max(...row))));
      const total = exps.reduce((a, b) => a + b, 0);
      return exps.map((e) => e / total);
    });
    weights.push(probs);
    const withSpatial = (content: Matrix, spatial: Matrix | undefined): Matrix =>
      combine === 'add' ? content : content.map((r, i) => [...r, ...head(spatial!, h, d)[i]!]);
    queries.push(withSpatial(qh, x.querySpatial));
    keys.push(withSpatial(kh, x.keySpatial));
    probs.forEach((p, i) => merged[i]!.push(...Array.from({ length: dv }, (_, t) => p.reduce((s, pj, j) => s + pj * vh[j]![t]!, 0))));
  }
  return { output: project(merged, w.outWeight, w.outBias, 0, cv), weights, queries, keys };
}
