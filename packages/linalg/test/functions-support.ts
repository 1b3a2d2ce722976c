/** Test references for the matrix-function tests (independent of the package's kernels). */
import type { ActiveVec, Real, Vec } from '@wengert/core';
import { checkRule } from './support.js';

/** exp of an N×N matrix by scaling, 30 Taylor terms and squaring (test reference only). */
export function expTaylor(M: Float64Array, N: number): Float64Array {
  let nrm = 0;
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let j = 0; j < N; j++) s += Math.abs(M[i * N + j]!);
    nrm = Math.max(nrm, s);
  }
  const sq = Math.max(0, Math.ceil(Math.log2(nrm / 0.25)));
  const X = M.map((v) => v / 2 ** sq);
  const mm = (a: Float64Array, b: Float64Array) => {
    const c = new Float64Array(N * N);
    for (let i = 0; i < N; i++)
      for (let k = 0; k < N; k++) {
        const t = a[i * N + k]!;
        if (t !== 0) for (let j = 0; j < N; j++) c[i * N + j] += t * b[k * N + j]!;
      }
    return c;
  };
  let E = Float64Array.from({ length: N * N }, (_, e) => (Math.floor(e / N) === e % N ? 1 : 0));
  let term = E.slice();
  for (let k = 1; k <= 30; k++) {
    term = mm(term, X).map((v) => v / k);
    E = E.map((v, e) => v + term[e]!);
  }
  for (let k = 0; k < sq; k++) E = mm(E, E);
  return E;
}

/**
 * The first Ridders step for spectral functions (h0 = 0.01 instead of core's 0.05): with eigenvalue gaps
 * ~0.5 their higher derivatives along random directions are large, and the extrapolation from h = 0.05 (or
 * 0.02) occasionally stalls at ~1e-6…1e-5 (the rules themselves agree to ~1e-13 with smaller steps).
 */
export const SPECTRAL_H0 = 0.01;

/** support.ts's checkRule with the spectral first step. */
export function checkRuleSmallStep(
  f: (x: ActiveVec) => Vec | Real,
  x: Float64Array,
  r: () => number,
  tol = 1e-6,
  h0 = SPECTRAL_H0,
): void {
  checkRule(f, x, r, tol, h0);
}
