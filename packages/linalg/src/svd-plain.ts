/**
 * Plain symmetric eigendecomposition and thin SVD through ml-matrix (Householder tridiagonalization + QL,
 * and Golub–Kahan, from JAMA), converted to row-major Float64Arrays, sorted, with deterministic signs; and
 * the cluster detection both derivative rules use.
 */
import { EigenvalueDecomposition, Matrix, SingularValueDecomposition } from 'ml-matrix';

function toMl(A: Float64Array, m: number, n: number, transposed: boolean): Matrix {
  const M = transposed ? new Matrix(n, m) : new Matrix(m, n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      if (transposed) M.set(j, i, A[i * n + j]!);
      else M.set(i, j, A[i * n + j]!);
    }
  return M;
}

/** Columns `order` of an ml-matrix matrix (rows × all) as a row-major rows × order.length array. */
function columns(M: Matrix, order: readonly number[]): Float64Array {
  const r = M.rows;
  const k = order.length;
  const out = new Float64Array(r * k);
  for (let i = 0; i < r; i++) for (let c = 0; c < k; c++) out[i * k + c] = M.get(i, order[c]!);
  return out;
}

/** Index of the entry of largest magnitude in column c of a rows × k row-major matrix (first on ties). */
function largestEntry(Q: Float64Array, rows: number, k: number, c: number): number {
  let best = -1;
  let at = 0;
  for (let i = 0; i < rows; i++) {
    const v = Math.abs(Q[i * k + c]!);
    if (v > best) {
      best = v;
      at = i;
    }
  }
  return at;
}

function flipColumn(Q: Float64Array, rows: number, k: number, c: number): void {
  for (let i = 0; i < rows; i++) Q[i * k + c] = -Q[i * k + c]!;
}

/**
 * Values equal to within this many units of rounding (times the size and the largest value) count as exactly
 * repeated: the eigensolver's own backward error is of that order, so any basis of their space is as good as
 * the one it returned.
 */
const REPEATED_ULPS = 64;

/**
 * A fixed, generic k×k orthogonal matrix (row-major): modified Gram–Schmidt, twice, on deterministic
 * pseudo-random columns (`salt` gives independent ones).
 */
function genericRotation(k: number, salt: number): Float64Array {
  const R = new Float64Array(k * k);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) R[i * k + j] = Math.sin(1.3 + 12.9898 * (i + 1) + 78.233 * (j + 1) + 37.719 * salt);
  for (let pass = 0; pass < 2; pass++)
    for (let j = 0; j < k; j++) {
      for (let q = 0; q < j; q++) {
        let d = 0;
        for (let i = 0; i < k; i++) d += R[i * k + q]! * R[i * k + j]!;
        for (let i = 0; i < k; i++) R[i * k + j] = R[i * k + j]! - d * R[i * k + q]!;
      }
      let nrm = 0;
      for (let i = 0; i < k; i++) nrm = Math.hypot(nrm, R[i * k + j]!);
      for (let i = 0; i < k; i++) R[i * k + j] = R[i * k + j]! / nrm;
    }
  return R;
}

/** Columns c of the rows×k row-major Q replaced by Q_c·R (R |c|×|c|). */
function rotateColumns(Q: Float64Array, rows: number, k: number, c: readonly number[], R: Float64Array): void {
  const w = c.length;
  const row = new Float64Array(w);
  for (let i = 0; i < rows; i++) {
    for (let a = 0; a < w; a++) {
      let t = 0;
      for (let b = 0; b < w; b++) t += Q[i * k + c[b]!]! * R[b * w + a]!;
      row[a] = t;
    }
    for (let a = 0; a < w; a++) Q[i * k + c[a]!] = row[a]!;
  }
}

/**
 * Inside each run of exactly repeated values (to rounding) the computed basis is an accident of the solver;
 * for structured inputs (diagonal, axis-aligned) it is the coordinate axes, where a loss's in-cluster block
 * can have a zero or constant diagonal by coincidence and hide from the derivative rules' degeneracy checks.
 * A fixed generic rotation of that basis makes such coincidences measure-zero.
 */
function repeatedRuns(values: Float64Array, tol: number): number[][] {
  const runs: number[][] = [];
  let start = 0;
  for (let i = 1; i <= values.length; i++) {
    if (i < values.length && Math.abs(values[i]! - values[i - 1]!) <= tol) continue;
    if (i - start >= 2) runs.push(Array.from({ length: i - start }, (_, j) => start + j));
    start = i;
  }
  return runs;
}

/**
 * Eigen-decomposition of the symmetric S (n×n): values ascending, V row-major with eigenvectors as columns,
 * each column's entry of largest magnitude positive (the first such entry on ties). Inside a run of exactly
 * repeated eigenvalues (to rounding) the basis is a fixed generic rotation of the solver's.
 */
export function plainEigh(S: Float64Array, n: number): { values: Float64Array; V: Float64Array } {
  const e = new EigenvalueDecomposition(toMl(S, n, n, false), { assumeSymmetric: true });
  const lam = e.realEigenvalues;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => lam[a]! - lam[b]! || a - b);
  const values = Float64Array.from(order, (i) => lam[i]!);
  const V = columns(e.eigenvectorMatrix, order);
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(values[i]!));
  for (const c of repeatedRuns(values, REPEATED_ULPS * n * Number.EPSILON * scale))
    rotateColumns(V, n, n, c, genericRotation(c.length, 0));
  for (let c = 0; c < n; c++) if (V[largestEntry(V, n, n, c) * n + c]! < 0) flipColumn(V, n, n, c);
  return { values, V };
}

/**
 * Thin SVD of the m×n A: s descending (k = min(m, n)), U m×k, V n×k with A = U diag(s) Vᵀ. Signs: each
 * u_i's entry of largest magnitude is positive (v_i follows); for s_i ≤ zeroBelow, v_i is normalized the
 * same way on its own, where zeroBelow = zeroRel·s_max (u_i and v_i of a zero singular value are independent).
 */
export function plainSvd(
  A: Float64Array,
  m: number,
  n: number,
  zeroRel = 0,
): { s: Float64Array; U: Float64Array; V: Float64Array } {
  const k = Math.min(m, n);
  const tr = m < n;
  const svd = new SingularValueDecomposition(toMl(A, m, n, tr), {
    computeLeftSingularVectors: true,
    computeRightSingularVectors: true,
    autoTranspose: false,
  });
  const d = svd.diagonal;
  const order = Array.from({ length: k }, (_, i) => i).sort((a, b) => d[b]! - d[a]! || a - b);
  const s = Float64Array.from(order, (i) => Math.max(d[i]!, 0));
  const L = columns(svd.leftSingularVectors, order);
  const R = columns(svd.rightSingularVectors, order);
  const zeroBelow = zeroRel * (k > 0 ? s[0]! : 0);
  const U = tr ? R : L;
  const V = tr ? L : R;
  // Exactly repeated singular values (to rounding): U_c and V_c turned by the same generic rotation; exact
  // zeros: each side by its own (they are independent there).
  const exact = REPEATED_ULPS * Math.max(m, n) * Number.EPSILON * (k > 0 ? s[0]! : 0);
  for (const c of repeatedRuns(s, exact)) {
    if (s[c[0]!]! <= exact) {
      rotateColumns(U, m, k, c, genericRotation(c.length, 1));
      rotateColumns(V, n, k, c, genericRotation(c.length, 2));
    } else {
      const Rc = genericRotation(c.length, 0);
      rotateColumns(U, m, k, c, Rc);
      rotateColumns(V, n, k, c, Rc);
    }
  }
  for (let c = 0; c < k; c++) {
    if (U[largestEntry(U, m, k, c) * k + c]! < 0) {
      flipColumn(U, m, k, c);
      flipColumn(V, n, k, c);
    }
    if (s[c]! <= zeroBelow && V[largestEntry(V, n, k, c) * k + c]! < 0) flipColumn(V, n, k, c);
  }
  return { s, U, V };
}

/**
 * Clusters of numerically equal values in a sorted list (ascending or descending): maximal runs whose
 * consecutive differences are ≤ tol·scale. Returns each value's cluster id (−1 when alone) and the clusters
 * with ≥ 2 members.
 */
export function findClusters(
  values: ArrayLike<number>,
  tol: number,
  scale: number,
): { id: Int32Array; clusters: number[][] } {
  const n = values.length;
  const id = new Int32Array(n).fill(-1);
  const clusters: number[][] = [];
  let start = 0;
  for (let i = 1; i <= n; i++) {
    if (i < n && Math.abs(values[i]! - values[i - 1]!) <= tol * scale) continue;
    if (i - start >= 2) {
      const c = Array.from({ length: i - start }, (_, j) => start + j);
      for (const j of c) id[j] = clusters.length;
      clusters.push(c);
    }
    start = i;
  }
  return { id, clusters };
}

/** Distance from the cluster (indices into values) to the nearest value outside it (Infinity if none). */
export function clusterGap(values: ArrayLike<number>, cluster: readonly number[]): number {
  const inside = new Set(cluster);
  let gap = Infinity;
  for (let i = 0; i < values.length; i++) {
    if (inside.has(i)) continue;
    for (const j of cluster) gap = Math.min(gap, Math.abs(values[i]! - values[j]!));
  }
  return gap;
}
