/**
 * Thin QR by Householder reflections (tall and square A, m ≥ n: A = Q R, Q m×n with QᵀQ = I, R n×n upper
 * triangular with a non-negative diagonal), and least squares / the pseudo-inverse through it.
 *
 * Rules (Walter & Lehmann 2018, "Algorithmic differentiation of linear algebra functions with application in
 * optimum experimental design"; Seeger et al. 2017; Roberts & Roberts 2020 for the reverse form). With
 * B = Ȧ R⁻¹ and X = QᵀB (n×n), Ω = tril(X, −1) − tril(X, −1)ᵀ:
 *   Ṙ = (X − Ω) R,   Q̇ = Q Ω + B − Q X                                             (forward)
 *   M = R R̄ᵀ − Q̄ᵀ Q,   Ā = (Q̄ + Q copyltu(M)) R⁻ᵀ,  copyltu(M) = tril(M) + tril(M, −1)ᵀ   (reverse)
 * Both need R nonsingular (A of full column rank): a triangular solve raises `SingularMatrixError` otherwise.
 * The rules are written with the package's atomics (matmul, triangular solve) and gathers, so the same code
 * is the plain rule on plain data and the differentiable (second-order) rule on active data.
 */
import {
  ActiveVec,
  type AtomicDefinition,
  add,
  callAtomic,
  mul,
  type Plain,
  ShapeError,
  sub,
  type Value,
  type Vec,
} from '@wengert/core';
import { requireFinite } from '@wengert/core/internals';
import { mm, tp, vecArg } from '../basic.js';
import { asMat, type Mat, type MatLike, plain } from '../mat.js';
import { solveData } from '../solve.js';
import { plainSvd } from '../svd-plain.js';
import { RankDeficientError } from './errors.js';

/** Householder thin QR of the m×n A (m ≥ n), diag R ≥ 0. */
export function qrPlain(A0: Float64Array, m: number, n: number): { Q: Float64Array; R: Float64Array } {
  const a = A0.slice();
  const vs: (Float64Array | null)[] = [];
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm += a[i * n + k]! ** 2;
    norm = Math.sqrt(norm);
    const x0 = a[k * n + k]!;
    const alpha = x0 >= 0 ? -norm : norm;
    const v = new Float64Array(m - k);
    for (let i = k; i < m; i++) v[i - k] = a[i * n + k]!;
    v[0] = x0 - alpha;
    let vn = 0;
    for (let i = 0; i < v.length; i++) vn += v[i]! ** 2;
    vn = Math.sqrt(vn);
    if (vn === 0 || norm === 0) {
      vs.push(null);
      continue;
    }
    for (let i = 0; i < v.length; i++) v[i]! /= vn;
    vs.push(v);
    for (let j = k; j < n; j++) {
      let d = 0;
      for (let i = k; i < m; i++) d += v[i - k]! * a[i * n + j]!;
      d *= 2;
      for (let i = k; i < m; i++) a[i * n + j] -= d * v[i - k]!;
    }
  }
  const R = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) R[i * n + j] = a[i * n + j]!;
  // Q = H_0 ⋯ H_{n−1} applied to the first n columns of I
  const Q = new Float64Array(m * n);
  for (let i = 0; i < n; i++) Q[i * n + i] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k];
    if (!v) continue;
    for (let j = 0; j < n; j++) {
      let d = 0;
      for (let i = k; i < m; i++) d += v[i - k]! * Q[i * n + j]!;
      d *= 2;
      for (let i = k; i < m; i++) Q[i * n + j] -= d * v[i - k]!;
    }
  }
  for (let k = 0; k < n; k++) {
    if (R[k * n + k]! < 0) {
      for (let j = k; j < n; j++) R[k * n + j] = -R[k * n + j]!;
      for (let i = 0; i < m; i++) Q[i * n + k] = -Q[i * n + k]!;
    }
  }
  return { Q, R };
}

const maskCache = new Map<string, Float64Array>();

/** 0/1 mask of tril(·, −1) (strict) or tril(·) of an n×n matrix. */
function lowerMask(n: number, strict: boolean): Float64Array {
  const key = `${n},${strict}`;
  let m = maskCache.get(key);
  if (m === undefined) {
    m = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < (strict ? i : i + 1); j++) m[i * n + j] = 1;
    maskCache.set(key, m);
  }
  return m;
}

const qrDefs = new Map<string, AtomicDefinition<undefined>>();

function qrDef(m: number, n: number): AtomicDefinition<undefined> {
  const key = `${m},${n}`;
  let def = qrDefs.get(key);
  if (def !== undefined) return def;
  const strict = lowerMask(n, true);
  const lower = lowerMask(n, false);
  /** B R⁻¹ for B m×n. */
  const rinv = (B: Vec, R: Vec) => tp(solveData(R, tp(B, m, n), 'upper', n, m, true), n, m);
  /** B R⁻ᵀ for B m×n. */
  const rinvT = (B: Vec, R: Vec) => tp(solveData(R, tp(B, m, n), 'upper', n, m, false), n, m);
  const jvpRule = (Q: Vec, R: Vec, dA: Vec): Value[] => {
    const B = rinv(dA, R);
    const X = mm(Q, B, n, m, n, true, false);
    const Lx = mul(X, strict);
    const Om = sub(Lx, tp(Lx, n, n));
    const dR = mm(sub(X, Om), R, n, n, n);
    const dQ = sub(add(mm(Q, Om, m, n, n), B), mm(Q, X, m, n, n));
    return [dQ, dR];
  };
  const vjpRule = (Q: Vec, R: Vec, Qb: Vec, Rb: Vec): Value[] => {
    const M = sub(mm(R, Rb, n, n, n, false, true), mm(Qb, Q, n, m, n, true, false));
    const C = add(mul(M, lower), tp(mul(M, strict), n, n));
    return [rinvT(add(Qb, mm(Q, C, m, n, n)), R)];
  };
  def = {
    name: `qr(${m}×${n})`,
    value(inputs: readonly Plain[]) {
      const A = inputs[0] as Float64Array;
      requireFinite(A, 'qr: A');
      const { Q, R } = qrPlain(A, m, n);
      return { outputs: [Q, R] };
    },
    jvp: (_i, o, t) => jvpRule(o[0] as Float64Array, o[1] as Float64Array, t[0] as Float64Array) as Plain[],
    vjp: (_i, o, c) =>
      vjpRule(o[0] as Float64Array, o[1] as Float64Array, c[0] as Float64Array, c[1] as Float64Array) as Plain[],
    jvpGeneric: (_G, _i, o, t) => jvpRule(o[0] as Vec, o[1] as Vec, t[0] as Vec),
    vjpGeneric: (_G, _i, o, c) => vjpRule(o[0] as Vec, o[1] as Vec, c[0] as Vec, c[1] as Vec),
  };
  qrDefs.set(key, def);
  return def;
}

/**
 * Thin QR of a tall or square A (m ≥ n): A = Q R with Q m×n orthonormal columns and R n×n upper triangular
 * with diag R ≥ 0 (unique when A has full column rank). Householder reflections; derivatives need full
 * column rank (`SingularMatrixError` from the rules otherwise). Wide A: `ShapeError` (use the QR of Aᵀ).
 */
export function qr(A: MatLike): { readonly Q: Mat; readonly R: Mat } {
  const a = asMat(A, 'qr: A');
  const { rows: m, cols: n } = a;
  if (m < n) throw new ShapeError('qr: A', 'a tall or square matrix (rows ≥ cols)', `a ${m}×${n} matrix`);
  const [Q, R] = callAtomic(qrDef(m, n) as AtomicDefinition<unknown>, [a.data]) as [Vec, Vec];
  return { Q: { data: Q, rows: m, cols: n }, R: { data: R, rows: n, cols: n } };
}

/** Options of {@link lstsq} and {@link pinv}. */
export interface RankOptions {
  /**
   * Singular values ≤ rankTol·s_max count as zero (default max(m, n)·ε, numpy's `matrix_rank`); a matrix of
   * lower rank than min(m, n) raises `RankDeficientError` naming its rank.
   */
  readonly rankTol?: number;
}

function requireFullRank(A: Vec, m: number, n: number, options: RankOptions, arg: string): void {
  const tol = options.rankTol ?? Math.max(m, n) * 2 ** -52;
  if (!(tol >= 0 && tol < 1)) throw new ShapeError(`${arg}: options.rankTol`, 'a number in [0, 1)', String(tol));
  const d = plain(A);
  requireFinite(d, arg);
  const { s } = plainSvd(d, m, n);
  const k = Math.min(m, n);
  let rank = 0;
  for (let i = 0; i < k; i++) if (s[i]! > tol * s[0]!) rank++;
  if (rank < k) throw new RankDeficientError(arg, k, rank, s[0]! === 0 ? 0 : s[k - 1]! / s[0]!);
}

/**
 * The pseudo-inverse A⁺ (n×m) of a full-rank A: R⁻¹Qᵀ from A = QR (m ≥ n), or Q R⁻ᵀ from Aᵀ = QR (m < n).
 * A rank-deficient A raises `RankDeficientError` naming the rank (A⁺ is discontinuous where the rank drops,
 * so no derivative would be meaningful there).
 */
export function pinv(A: MatLike, options: RankOptions = {}): Mat {
  const a = asMat(A, 'pinv: A');
  const { rows: m, cols: n } = a;
  requireFullRank(a.data, m, n, options, 'pinv: A');
  if (m >= n) {
    const { Q, R } = qr(a);
    return { data: solveData(R.data, tp(Q.data, m, n), 'upper', n, m), rows: n, cols: m };
  }
  const { Q, R } = qr({ data: tp(a.data, m, n), rows: n, cols: m });
  // Q R⁻ᵀ = (R⁻¹ Qᵀ)ᵀ
  return { data: tp(solveData(R.data, tp(Q.data, n, m), 'upper', m, n), m, n), rows: n, cols: m };
}

/**
 * Least squares: the x minimizing ‖A x − b‖₂ for a full-column-rank A (m ≥ n), x = R⁻¹Qᵀb; for a wide
 * full-row-rank A (m < n) the minimum-norm solution of A x = b, x = Q R⁻ᵀ b from Aᵀ = QR. b is a vector
 * (length m) or a matrix (m×p, one problem per column). Rank-deficient A: `RankDeficientError` naming the
 * rank.
 */
export function lstsq(A: MatLike, b: Vec, options?: RankOptions): Vec;
export function lstsq(A: MatLike, B: MatLike, options?: RankOptions): Mat;
export function lstsq(A: MatLike, B: MatLike | Vec, options: RankOptions = {}): Vec | Mat {
  const a = asMat(A, 'lstsq: A');
  const { rows: m, cols: n } = a;
  let rhs: Vec;
  let p: number;
  const isVec = B instanceof Float64Array || B instanceof ActiveVec;
  if (isVec) {
    vecArg(B, m, 'lstsq: b');
    rhs = B as Vec;
    p = 1;
  } else {
    const b = asMat(B, 'lstsq: B');
    if (b.rows !== m) throw new ShapeError('lstsq: B', `${m} rows (the rows of A)`, `a ${b.rows}×${b.cols} matrix`);
    rhs = b.data;
    p = b.cols;
  }
  requireFullRank(a.data, m, n, options, 'lstsq: A');
  let x: Vec;
  if (m >= n) {
    const { Q, R } = qr(a);
    x = solveData(R.data, mm(Q.data, rhs, n, m, p, true, false), 'upper', n, p);
  } else {
    const { Q, R } = qr({ data: tp(a.data, m, n), rows: n, cols: m });
    x = mm(Q.data, solveData(R.data, rhs, 'upper', m, p, true), n, m, p);
  }
  return isVec ? x : { data: x, rows: n, cols: p };
}
