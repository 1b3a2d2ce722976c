/**
 * Test helpers: seeded random matrices (well conditioned, SPD, symmetric with separated spectrum), exact
 * orthogonal matrices, plain reference kernels, and a combined derivative check (JVP and VJP against
 * Ridders-extrapolated finite differences, and the dot-product identity).
 */
import { type ActiveVec, checkAdjoint, checkJvp, checkVjp, type Real, type Vec, vjp } from '@wengert/core';
import { expect } from 'vitest';

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randn(r: () => number, n: number): Float64Array {
  return Float64Array.from({ length: n }, () => 2 * r() - 1);
}

export function matmulPlain(A: Float64Array, B: Float64Array, m: number, k: number, n: number): Float64Array {
  const C = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) C[i * n + j] += A[i * k + p]! * B[p * n + j]!;
  return C;
}

export function transposePlain(A: Float64Array, m: number, n: number): Float64Array {
  const T = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) T[j * m + i] = A[i * n + j]!;
  return T;
}

/** A random n×n matrix with entries in [−1, 1] plus 3·I: well conditioned. */
export function wellConditioned(r: () => number, n: number): Float64Array {
  const A = randn(r, n * n);
  for (let i = 0; i < n; i++) A[i * n + i] += 3;
  return A;
}

/** A random SPD matrix R Rᵀ + I. */
export function spd(r: () => number, n: number): Float64Array {
  const R = randn(r, n * n);
  const S = matmulPlain(R, transposePlain(R, n, n), n, n, n);
  for (let i = 0; i < n; i++) S[i * n + i] += 1;
  return S;
}

/** A random orthogonal n×n matrix (Gram–Schmidt of a random matrix, twice for accuracy). */
export function orthogonal(r: () => number, n: number): Float64Array {
  const Q = randn(r, n * n);
  for (let pass = 0; pass < 2; pass++)
    for (let j = 0; j < n; j++) {
      for (let p = 0; p < j; p++) {
        let d = 0;
        for (let i = 0; i < n; i++) d += Q[i * n + j]! * Q[i * n + p]!;
        for (let i = 0; i < n; i++) Q[i * n + j] -= d * Q[i * n + p]!;
      }
      let s = 0;
      for (let i = 0; i < n; i++) s += Q[i * n + j]! ** 2;
      s = Math.sqrt(s);
      for (let i = 0; i < n; i++) Q[i * n + j] /= s;
    }
  return Q;
}

/** Q diag(d) Qᵀ for an orthogonal Q. */
export function fromSpectrum(Q: Float64Array, d: readonly number[]): Float64Array {
  const n = d.length;
  const QD = Q.map((q, e) => q * d[e % n]!);
  return matmulPlain(QD, transposePlain(Q, n, n), n, n, n);
}

/** The 4×4 Householder reflector I − ½·11ᵀ (= I − 2vvᵀ with v = (½, ½, ½, ½)): entries ±½, exact. */
export const HOUSEHOLDER4 = Float64Array.from({ length: 16 }, (_, e) => (Math.floor(e / 4) === e % 4 ? 0.5 : -0.5));

export function frob(A: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < A.length; i++) s += A[i]! ** 2;
  return Math.sqrt(s);
}

export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    m = d > m || d !== d ? d : m;
  }
  return m;
}

/** Expects max|got − want| ≤ tol·max(1, max|want|). */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  let scale = 1;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]!));
  const d = maxDiff(got, want);
  if (!(d <= tol * scale)) {
    throw new Error(`${what}: max |Δ| = ${d} > ${tol}·${scale}\n got ${Array.from(got)}\nwant ${Array.from(want)}`);
  }
}

/**
 * The derivative checks every rule gets: J v against finite differences along a random v, uᵀJ component by
 * component against finite differences, and <u, J v> = <Jᵀu, v>.
 */
export function checkRule(
  f: (x: ActiveVec) => Vec | Real,
  x: Float64Array,
  r: () => number,
  tol = 1e-6,
  h0?: number,
): void {
  const F = f as never;
  const [y] = vjp(F, x);
  const m = typeof y === 'number' ? 1 : (y as Float64Array).length;
  const u = randn(r, m);
  const v = randn(r, x.length);
  const step = h0 === undefined ? {} : { h0 };
  const j = checkJvp(F, x, v, { tolerance: tol, ...step });
  if (!j.ok) throw new Error(`JVP vs finite differences: max rel error ${j.maxRelError}`);
  const t = checkVjp(F, x, typeof y === 'number' ? u[0]! : u, { tolerance: tol, ...step });
  if (!t.ok) throw new Error(`VJP vs finite differences: max rel error ${t.maxRelError}`);
  const a = checkAdjoint(F, x, typeof y === 'number' ? u[0]! : u, v);
  if (!(a <= 1e-12)) throw new Error(`dot-product identity: relative mismatch ${a}`);
}
