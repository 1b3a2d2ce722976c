/**
 * Values of the new ops against independent references: expm against a Taylor-series exponential (every
 * Padé degree, with squaring) and against expmSym, QR's defining properties, least squares against the
 * normal equations, the Moore–Penrose conditions of pinv, the polar decomposition, and the norms against
 * the SVD.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
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
  svdvals,
} from '../src/index.js';
import { expTaylor } from './functions-support.js';
import { expectClose, fromSpectrum, matmulPlain, orthogonal, randn, rng, transposePlain } from './support.js';

const seed = fc.integer({ min: 1, max: 2 ** 31 - 1 });
const size = fc.integer({ min: 1, max: 6 });
const RUNS = { numRuns: 20 };
/** A random m×n matrix with 2 added on its leading diagonal (singular values bounded away from 0). */
const wellPosed = (r: () => number, m: number, n: number) =>
  randn(r, m * n).map((a, e) => a + (Math.floor(e / n) === e % n ? 2 : 0));
const eye = (n: number) => Float64Array.from({ length: n * n }, (_, e) => (Math.floor(e / n) === e % n ? 1 : 0));

describe('expm', () => {
  it('matches a Taylor-series reference for 1-norms from 1e-3 to ~40 (every Padé degree, squaring)', () =>
    fc.assert(
      fc.property(seed, size, fc.constantFrom(1e-3, 0.1, 0.5, 1.5, 4, 10), (s, n, scale) => {
        const A = randn(rng(s), n * n).map((a) => (scale * a) / n);
        expectClose(expm(mat(A, n, n)).data as Float64Array, expTaylor(A, n), 1e-12, 'expm');
      }),
      RUNS,
    ));
  it('equals expmSym on symmetric matrices; exp(0) = I', () => {
    const S = fromSpectrum(orthogonal(rng(3), 4), [-2, 0.5, 1, 3]);
    expectClose(expm(mat(S, 4, 4)).data as Float64Array, expmSym(mat(S, 4, 4)).data as Float64Array, 1e-13, 'sym');
    expectClose(expm(mat(new Float64Array(9), 3, 3)).data as Float64Array, eye(3), 0, 'exp 0');
  });
});

describe('symmetric functions', () => {
  it('sqrtm² = S, exp(logm S) = S, powm(S, 3) = S³', () => {
    const S = fromSpectrum(orthogonal(rng(4), 4), [0.3, 1, 1, 5]);
    const M = mat(S, 4, 4);
    const R = sqrtmSym(M).data as Float64Array;
    expectClose(matmulPlain(R, R, 4, 4, 4), S, 1e-13, 'sqrt²');
    expectClose(expmSym(logmSym(M)).data as Float64Array, S, 1e-13, 'exp log');
    expectClose(powmSym(M, 3).data as Float64Array, matmulPlain(matmulPlain(S, S, 4, 4, 4), S, 4, 4, 4), 1e-12, 'S³');
  });
});

describe('QR, least squares, pinv, polar, norms', () => {
  it('QR: A = QR, QᵀQ = I, R upper triangular with diag R ≥ 0', () =>
    fc.assert(
      fc.property(seed, size, fc.integer({ min: 0, max: 3 }), (s, n, extra) => {
        const m = n + extra;
        const A = randn(rng(s), m * n);
        const { Q, R } = qr(mat(A, m, n));
        const q = Q.data as Float64Array;
        const r = R.data as Float64Array;
        expectClose(matmulPlain(q, r, m, n, n), A, 1e-14, 'QR');
        expectClose(matmulPlain(transposePlain(q, m, n), q, n, m, n), eye(n), 1e-14, 'QᵀQ');
        for (let i = 0; i < n; i++) {
          expect(r[i * n + i]!).toBeGreaterThanOrEqual(0);
          for (let j = 0; j < i; j++) expect(r[i * n + j]).toBe(0);
        }
      }),
      RUNS,
    ));
  it('lstsq solves the normal equations (tall) / is the minimum-norm solution (wide); pinv satisfies Moore–Penrose', () =>
    fc.assert(
      fc.property(seed, size, fc.integer({ min: 1, max: 6 }), (s, n, m) => {
        const r = rng(s);
        const A = wellPosed(r, m, n);
        const b = randn(r, m);
        const x = lstsq(mat(A, m, n), b) as Float64Array;
        const At = transposePlain(A, m, n);
        if (m >= n) {
          // Aᵀ(Ax − b) = 0
          const res = matmulPlain(A, x, m, n, 1).map((v, i) => v - b[i]!);
          expectClose(matmulPlain(At, res, n, m, 1), new Float64Array(n), 1e-12, 'normal equations');
        } else {
          expectClose(matmulPlain(A, x, m, n, 1), b, 1e-12, 'A x = b');
          // x ∈ range(Aᵀ): x = Aᵀ (A Aᵀ)⁻¹ b, checked as x = Aᵀ y with y = lstsq(A Aᵀ, b)
          const y = lstsq(mat(matmulPlain(A, At, m, n, m), m, m), b) as Float64Array;
          expectClose(x, matmulPlain(At, y, n, m, 1), 1e-10, 'minimum norm');
        }
        const P = pinv(mat(A, m, n)).data as Float64Array;
        expectClose(matmulPlain(matmulPlain(A, P, m, n, m), A, m, m, n), A, 1e-12, 'A A⁺ A = A');
        expectClose(matmulPlain(matmulPlain(P, A, n, m, n), P, n, n, m), P, 1e-10, 'A⁺ A A⁺ = A⁺');
      }),
      RUNS,
    ));
  it('polar: A = Q H with H symmetric positive definite, QᵀQ = I; norms against the SVD', () =>
    fc.assert(
      fc.property(seed, size, fc.integer({ min: 1, max: 6 }), (s, n, m) => {
        const A = wellPosed(rng(s), m, n);
        const Q = polar(mat(A, m, n)).data as Float64Array;
        const k = Math.min(m, n);
        if (m >= n) {
          expectClose(matmulPlain(transposePlain(Q, m, n), Q, n, m, n), eye(n), 1e-12, 'QᵀQ');
          const H = matmulPlain(transposePlain(Q, m, n), A, n, m, n);
          expectClose(H, transposePlain(H, n, n), 1e-12, 'H symmetric');
          expectClose(matmulPlain(Q, H, m, n, n), A, 1e-12, 'A = QH');
        } else expectClose(matmulPlain(Q, transposePlain(Q, m, n), m, n, m), eye(m), 1e-12, 'QQᵀ');
        const sv = svdvals(mat(A, m, n)) as Float64Array;
        let nuc = 0;
        for (let i = 0; i < k; i++) nuc += sv[i]!;
        expect(normNuclear(mat(A, m, n)) as number).toBeCloseTo(nuc, 12);
        expect(normSpectral(mat(A, m, n)) as number).toBeCloseTo(sv[0]!, 12);
        expect(normFro(mat(A, m, n)) as number).toBeCloseTo(Math.hypot(...A), 12);
      }),
      RUNS,
    ));
});
