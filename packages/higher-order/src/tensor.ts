/**
 * All mixed partial derivatives of order d from univariate Taylor coefficients (ADOL-C's tensor_eval
 * idea; Griewank, Utke & Walther, "Evaluating higher derivative tensors by forward propagation of
 * univariate Taylor series", Math. Comp. 69 (2000) 1117–1130). Along an integer direction i the d-th
 * Taylor coefficient of f(x + t i) is, by the multinomial theorem,
 *
 *   f_d(i) = Σ_{|j| = d} c_j i^j,   c_j = ∂^j f / j!,   i^j = Π_l i_l^{j_l},
 *
 * so the coefficients of all C(n + d − 1, d) directions with |i| = d determine every c_j through the
 * (invertible) matrix M_ij = i^j. The paper gives M⁻¹ in closed form; here the small system is solved
 * by Gaussian elimination with partial pivoting, which is exact enough for the small n and d this is
 * meant for (tested against nested derivatives).
 */
import { type ActiveVec, type Real, ShapeError } from '@wengert/core';
import { describeValue } from '@wengert/core/internals';
import { taylor } from './taylor.js';

/** All multi-indices of length n with entries ≥ 0 summing to d, in lexicographic order. */
export function multiIndices(n: number, d: number): number[][] {
  const out: number[][] = [];
  const cur = new Array<number>(n).fill(0);
  const rec = (pos: number, left: number) => {
    if (pos === n - 1) {
      cur[pos] = left;
      out.push(cur.slice());
      return;
    }
    for (let v = left; v >= 0; v--) {
      cur[pos] = v;
      rec(pos + 1, left - v);
    }
  };
  if (n > 0) rec(0, d);
  return out;
}

function factorial(m: number): number {
  let r = 1;
  for (let q = 2; q <= m; q++) r *= q;
  return r;
}

/** Solves M c = f (M square, row-major; partial pivoting). M and f are overwritten. */
function solve(M: Float64Array, f: Float64Array, N: number): Float64Array {
  for (let col = 0; col < N; col++) {
    let piv = col;
    for (let r = col + 1; r < N; r++) if (Math.abs(M[r * N + col]!) > Math.abs(M[piv * N + col]!)) piv = r;
    if (piv !== col) {
      for (let c = 0; c < N; c++) {
        const t = M[col * N + c]!;
        M[col * N + c] = M[piv * N + c]!;
        M[piv * N + c] = t;
      }
      const t = f[col]!;
      f[col] = f[piv]!;
      f[piv] = t;
    }
    const p = M[col * N + col]!;
    for (let r = col + 1; r < N; r++) {
      const m = M[r * N + col]! / p;
      if (m === 0) continue;
      for (let c = col; c < N; c++) M[r * N + c]! -= m * M[col * N + c]!;
      f[r]! -= m * f[col]!;
    }
  }
  const c = new Float64Array(N);
  for (let r = N - 1; r >= 0; r--) {
    let s = f[r]!;
    for (let k = r + 1; k < N; k++) s -= M[r * N + k]! * c[k]!;
    c[r] = s / M[r * N + r]!;
  }
  return c;
}

/** The mixed partials of one order: the multi-indices and ∂^j f at x for each. */
export interface MixedPartials {
  /** Multi-indices j (|j| = order), lexicographic. */
  readonly indices: readonly (readonly number[])[];
  /** ∂^j f(x), in the same order. */
  readonly values: Float64Array;
}

/**
 * Every mixed partial derivative of order d of a scalar f at x, from C(n + d − 1, d) univariate
 * Taylor sweeps (exact up to rounding; for small n).
 */
export function mixedPartials(f: (x: ActiveVec) => Real, x: Float64Array, d: number): MixedPartials {
  if (!(Number.isInteger(d) && d >= 1)) throw new ShapeError('mixedPartials: d', 'an integer ≥ 1', describeValue(d));
  if (!(x instanceof Float64Array) || x.length === 0) {
    throw new ShapeError('mixedPartials: x', 'a non-empty Float64Array', describeValue(x));
  }
  const n = x.length;
  const dirs = multiIndices(n, d);
  const coefs = dirs.map((i) => {
    const c = taylor(f as never, x, Float64Array.from(i), d);
    if (!(c instanceof Float64Array)) throw new ShapeError('mixedPartials: f result', 'a scalar', 'a vector');
    return c[d]!;
  });
  const N = dirs.length;
  const M = new Float64Array(N * N);
  dirs.forEach((i, r) => {
    dirs.forEach((j, c) => {
      let p = 1;
      for (let l = 0; l < n; l++) p *= i[l]! ** j[l]!;
      M[r * N + c] = p;
    });
  });
  const cj = solve(M, Float64Array.from(coefs), N);
  const values = Float64Array.from(dirs, (j, c) => cj[c]! * j.reduce((p, v) => p * factorial(v), 1));
  return { indices: dirs, values };
}
