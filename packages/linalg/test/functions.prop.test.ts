/**
 * The matrix-function, subspace, polar, norm, expm and QR rules against finite differences on random
 * well-conditioned matrices (fast-check seeds, bounded sizes), the dot-product identity, and JVP and VJP
 * against each other (support.ts's checkRule).
 */
import { type ActiveVec, concat, type Real, type Vec } from '@wengert/core';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import {
  eigenProjector,
  expm,
  expmSym,
  logmSym,
  lstsq,
  mat,
  normFro,
  normNuclear,
  normSpectral,
  pinv,
  polar,
  powmSym,
  qr,
  sqrtmSym,
  sumTopK,
  symFunction,
} from '../src/index.js';
import { checkRuleSmallStep } from './functions-support.js';
import { fromSpectrum, orthogonal, randn, rng, wellConditioned } from './support.js';

const RUNS = { numRuns: 6 };
const size = fc.integer({ min: 1, max: 4 });
const seed = fc.integer({ min: 1, max: 2 ** 31 - 1 });

function property(make: (r: () => number, n: number) => [Float64Array, (x: ActiveVec) => Vec | Real], tol = 1e-6) {
  fc.assert(
    fc.property(seed, size, (s, n) => {
      const r = rng(s);
      const [x, f] = make(r, n);
      checkRuleSmallStep(f, x, r, tol);
    }),
    RUNS,
  );
}

/** Symmetric with eigenvalues in [lo, hi], ≥ gap apart, plus a small non-symmetric part. */
function spectrum(r: () => number, n: number, lo: number, gap: number): Float64Array {
  const d = Array.from({ length: n }, (_, i) => lo + gap * i + 0.2 * gap * r());
  const A = fromSpectrum(orthogonal(r, n), d);
  return A.map((a) => a + 0.01 * (2 * r() - 1));
}

/** A tall/square/wide m×n matrix with singular values in [1, 1 + n] (distinct), plus noise. */
function fullRank(r: () => number, m: number, n: number): Float64Array {
  const k = Math.min(m, n);
  const Q1 = orthogonal(r, m);
  const Q2 = orthogonal(r, n);
  const A = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let c = 0; c < k; c++) s += Q1[i * m + c]! * (1 + c + 0.3 * r()) * Q2[j * n + c]!;
      A[i * n + j] = s + 0.01 * (2 * r() - 1);
    }
  return A;
}

describe('matrix functions of symmetric matrices (Daleckii–Krein)', () => {
  it('expmSym, logmSym, sqrtmSym, powmSym (p = 3, −0.5, 1.5)', () =>
    property((r, n) => {
      const A = spectrum(r, n, 0.5, 0.4);
      return [
        A,
        (v) => {
          const M = mat(v, n, n);
          return concat([
            expmSym(M).data,
            logmSym(M).data,
            sqrtmSym(M).data,
            powmSym(M, 3).data,
            powmSym(M, -0.5).data,
            powmSym(M, 1.5).data,
          ]);
        },
      ];
    }));
  it('symFunction with a user f (sin), and without a divided-difference formula', () =>
    property((r, n) => [
      spectrum(r, n, -1, 0.5),
      (v) => symFunction(mat(v, n, n), Math.sin, Math.cos, { d2f: (x) => -Math.sin(x) }).data,
    ]));
  it('eigenProjector (top half, by indices and by predicate) and sumTopK', () =>
    property((r, n) => {
      const A = spectrum(r, n, -1, 0.6);
      const top = Array.from({ length: Math.ceil(n / 2) }, (_, i) => n - 1 - i);
      const k = 1 + Math.floor(r() * n);
      return [
        A,
        (v) => {
          const M = mat(v, n, n);
          return concat([eigenProjector(M, top).data, eigenProjector(M, (_l, i) => i % 2 === 0).data, sumTopK(M, k)]);
        },
      ];
    }));
});

describe('polar factor and norms', () => {
  it('polar (tall, square, wide)', () =>
    property((r, n) => {
      const m = 1 + Math.floor(r() * 4);
      return [fullRank(r, m, n), (v) => polar(mat(v, m, n)).data];
    }));
  it('normFro, normNuclear, normSpectral', () =>
    property((r, n) => {
      const m = 1 + Math.floor(r() * 4);
      return [
        fullRank(r, m, n),
        (v) => {
          const M = mat(v, m, n);
          return concat([normFro(M), normNuclear(M), normSpectral(M)]);
        },
      ];
    }));
});

describe('expm (general), QR, least squares, pinv', () => {
  it('expm of a general matrix (norms up to ~6: every Padé degree and squaring)', () =>
    property((r, n) => {
      const scale = [0.005, 0.2, 0.8, 2, 6][Math.floor(r() * 5)]!;
      return [randn(r, n * n).map((a) => (scale * a) / Math.max(1, n / 2)), (v) => expm(mat(v, n, n)).data];
    }));
  it('qr (tall and square): Q and R', () =>
    property((r, n) => {
      const m = n + Math.floor(r() * 3);
      return [
        fullRank(r, m, n),
        (v) => {
          const { Q, R } = qr(mat(v, m, n));
          return concat([Q.data, R.data]);
        },
      ];
    }));
  it('lstsq (tall, square, wide; vector and matrix right-hand sides) and pinv', () =>
    property((r, n) => {
      const m = 1 + Math.floor(r() * 4);
      const A = fullRank(r, m, n);
      const x = Float64Array.of(...A, ...randn(r, 3 * m));
      return [
        x,
        (v) => {
          const M = mat(v.slice(0, m * n), m, n);
          const b = v.slice(m * n, m * n + m);
          const B = mat(v.slice(m * n + m), m, 2);
          return concat([lstsq(M, b), lstsq(M, B).data, pinv(M).data]);
        },
      ];
    }));
});

describe('well-conditioned general input to the symmetric functions', () => {
  it('expmSym reads the symmetric part (non-symmetric perturbations agree with finite differences)', () =>
    property((r, n) => [wellConditioned(r, n).map((a) => 0.3 * a), (v) => expmSym(mat(v, n, n)).data]));
});
