/**
 * Plain factorizations and triangular solves on row-major Float64Arrays: LU with partial pivoting and
 * Cholesky. Written here rather than taken from ml-matrix because the adjoint rules need the factors
 * themselves (transposed solves reuse them), and ml-matrix keeps rows as separate arrays (every use would
 * copy).
 */
import { NotPositiveDefiniteError, SingularMatrixError } from './errors.js';

const EPS = 2 ** -52;

/** P·A = L·U with L unit lower, U upper, both in `lu`; row i of P·A is row piv[i] of A. */
export interface LU {
  readonly n: number;
  readonly lu: Float64Array;
  readonly piv: Int32Array;
  /** det P (±1). */
  readonly sign: number;
  /** min |u_ii| / max |u_ii| (0 when a pivot is exactly 0). */
  readonly rcond: number;
}

export function luFactor(A: Float64Array, n: number): LU {
  const a = A.slice();
  const piv = Int32Array.from({ length: n }, (_, i) => i);
  let sign = 1;
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(a[k * n + k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[i * n + k]!);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = a[k * n + j]!;
        a[k * n + j] = a[p * n + j]!;
        a[p * n + j] = t;
      }
      const t = piv[k]!;
      piv[k] = piv[p]!;
      piv[p] = t;
      sign = -sign;
    }
    const d = a[k * n + k]!;
    if (d === 0) continue;
    for (let i = k + 1; i < n; i++) {
      const l = a[i * n + k]! / d;
      a[i * n + k] = l;
      if (l === 0) continue;
      for (let j = k + 1; j < n; j++) a[i * n + j] -= l * a[k * n + j]!;
    }
  }
  let lo = Infinity;
  let hi = 0;
  for (let i = 0; i < n; i++) {
    const v = Math.abs(a[i * n + i]!);
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return { n, lu: a, piv, sign, rcond: hi === 0 ? 0 : lo / hi };
}

/** True when the factorization is numerically singular (pivot ratio below n·ε). */
export function luSingular(f: LU): boolean {
  return !(f.rcond > f.n * EPS);
}

export function requireNonsingular(f: LU, arg: string): void {
  if (luSingular(f)) throw new SingularMatrixError(arg, f.rcond);
}

/** Solves A X = B (or Aᵀ X = B when trans) for B n×p, with the LU factors of A. */
export function luSolve(f: LU, B: Float64Array, p: number, trans: boolean): Float64Array {
  const { n, lu, piv } = f;
  const X = new Float64Array(n * p);
  if (!trans) {
    // L U X = P B
    for (let i = 0; i < n; i++) for (let c = 0; c < p; c++) X[i * p + c] = B[piv[i]! * p + c]!;
    triSolve(lu, n, X, p, 'lower', false, true);
    triSolve(lu, n, X, p, 'upper', false, false);
    return X;
  }
  // Aᵀ = Uᵀ Lᵀ P: solve Uᵀ Y = B, Lᵀ Z = Y, X = Pᵀ Z
  const Z = B.slice();
  triSolve(lu, n, Z, p, 'upper', true, false);
  triSolve(lu, n, Z, p, 'lower', true, true);
  for (let i = 0; i < n; i++) for (let c = 0; c < p; c++) X[piv[i]! * p + c] = Z[i * p + c]!;
  return X;
}

/**
 * In place: X ← op(T)⁻¹ X for the `uplo` triangle of the n×n row-major T (op = transpose when trans),
 * X n×p. `unit` takes the diagonal as 1.
 */
export function triSolve(
  T: Float64Array,
  n: number,
  X: Float64Array,
  p: number,
  uplo: 'lower' | 'upper',
  trans: boolean,
  unit: boolean,
): void {
  // op(T) is lower triangular iff (lower and not trans) or (upper and trans): forward substitution.
  const forward = (uplo === 'lower') !== trans;
  const at = (i: number, j: number) => (trans ? T[j * n + i]! : T[i * n + j]!);
  if (forward) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        const t = at(i, j);
        if (t !== 0) for (let c = 0; c < p; c++) X[i * p + c] -= t * X[j * p + c]!;
      }
      if (!unit) {
        const d = at(i, i);
        for (let c = 0; c < p; c++) X[i * p + c] /= d;
      }
    }
  } else {
    for (let i = n - 1; i >= 0; i--) {
      for (let j = i + 1; j < n; j++) {
        const t = at(i, j);
        if (t !== 0) for (let c = 0; c < p; c++) X[i * p + c] -= t * X[j * p + c]!;
      }
      if (!unit) {
        const d = at(i, i);
        for (let c = 0; c < p; c++) X[i * p + c] /= d;
      }
    }
  }
}

/** Pivot ratio of a triangular matrix's diagonal; throws SingularMatrixError below n·ε. */
export function requireTriangularNonsingular(T: Float64Array, n: number, arg: string): void {
  let lo = Infinity;
  let hi = 0;
  for (let i = 0; i < n; i++) {
    const v = Math.abs(T[i * n + i]!);
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const rcond = hi === 0 ? 0 : lo / hi;
  if (!(rcond > n * EPS)) throw new SingularMatrixError(arg, rcond);
}

/** The lower Cholesky factor L of the symmetric S (S = L Lᵀ), reading S's lower triangle. */
export function choleskyFactor(S: Float64Array, n: number, arg: string): Float64Array {
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = S[j * n + j]!;
    for (let k = 0; k < j; k++) d -= L[j * n + k]! * L[j * n + k]!;
    if (!(d > 0)) throw new NotPositiveDefiniteError(arg, j, d);
    const ljj = Math.sqrt(d);
    L[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = S[i * n + j]!;
      for (let k = 0; k < j; k++) s -= L[i * n + k]! * L[j * n + k]!;
      L[i * n + j] = s / ljj;
    }
  }
  return L;
}
