/**
 * Test helpers of the matrix and solver tests: the Bratu Jacobian built analytically, dense
 * references and error measures.
 */
import { CsrMatrix } from '../../src/matrix/csr.js';

/**
 * The Jacobian of the 2D Bratu residual F(u)_k = (4u_k − Σ neighbours)/h² − λ exp(u_k) on an N × N
 * grid (zero boundary), at u_k = x_i(1 − x_i) y_j(1 − y_j), k = i·N + j, h = 1/(N + 1), λ = 6.
 */
export function bratuJacobian(N: number, lambda = 6): CsrMatrix {
  const h = 1 / (N + 1);
  const ih2 = 1 / (h * h);
  const n = N * N;
  const rowPtr = new Int32Array(n + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      const k = i * N + j;
      const x = (i + 1) * h;
      const y = (j + 1) * h;
      const u = x * (1 - x) * y * (1 - y);
      const push = (c: number, v: number): void => {
        cols.push(c);
        vals.push(v);
      };
      if (i > 0) push(k - N, -ih2);
      if (j > 0) push(k - 1, -ih2);
      push(k, 4 * ih2 - lambda * Math.exp(u));
      if (j < N - 1) push(k + 1, -ih2);
      if (i < N - 1) push(k + N, -ih2);
      rowPtr[k + 1] = cols.length;
    }
  }
  return new CsrMatrix({ rows: n, cols: n, rowPtr, colIdx: Int32Array.from(cols) }, Float64Array.from(vals));
}

/** ‖A x − b‖∞ / (‖A‖∞ ‖x‖∞ + ‖b‖∞): the normwise backward error of x. */
export function backwardError(A: CsrMatrix, x: Float64Array, b: Float64Array): number {
  const r = A.matvec(x);
  let rn = 0;
  for (let i = 0; i < r.length; i++) rn = Math.max(rn, Math.abs(r[i]! - b[i]!));
  let an = 0;
  for (let i = 0; i < A.rows; i++) {
    let s = 0;
    for (let k = A.rowPtr[i]!; k < A.rowPtr[i + 1]!; k++) s += Math.abs(A.values[k]!);
    an = Math.max(an, s);
  }
  return rn / (an * normInf(x) + normInf(b));
}

export function normInf(v: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]!));
  return m;
}

/** max |a − b| / max(1, ‖b‖∞). */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m / Math.max(1, normInf(b));
}

/** A deterministic pseudo-random generator (mulberry32) for test data outside fast-check. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A vector of n values in [−1, 1) from the generator. */
export function randomVector(n: number, next: () => number): Float64Array {
  return Float64Array.from({ length: n }, () => 2 * next() - 1);
}
