/**
 * Every rule against finite differences on random well-conditioned matrices (fast-check seeds, bounded
 * sizes), the dot-product identity <u, J v> = <Jᵀu, v>, and the forward and reverse rules against each
 * other (both are compared with the same differences, and with each other through the identity).
 */
import { type ActiveVec, concat, gather, mul, type Real, sign, type Vec } from '@wengert/core';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import {
  cholesky,
  det,
  eigh,
  eigvalsh,
  inv,
  logdet,
  type Mat,
  mat,
  matmul,
  matvec,
  outer,
  slogdet,
  solve,
  svd,
  svdvals,
  trace,
  transpose,
} from '../src/index.js';
import { SPECTRAL_H0 } from './functions-support.js';
import { checkRule, fromSpectrum, orthogonal, randn, rng, spd, wellConditioned } from './support.js';

const RUNS = { numRuns: 8 };
const size = fc.integer({ min: 1, max: 4 });
const seed = fc.integer({ min: 1, max: 2 ** 31 - 1 });

/** Runs checkRule on random instances: make(seed-rng, n) gives x and the function of x. */
function property(
  make: (r: () => number, n: number) => [Float64Array, (x: ActiveVec) => Vec | Real],
  tol = 1e-6,
  h0?: number,
) {
  fc.assert(
    fc.property(seed, size, (s, n) => {
      const r = rng(s);
      const [x, f] = make(r, n);
      checkRule(f, x, r, tol, h0);
    }),
    RUNS,
  );
}

describe('products and structure', () => {
  it('matmul (all transpose flags)', () => {
    property((r, n) => {
      const m = 1 + Math.floor(r() * 3);
      const p = 1 + Math.floor(r() * 3);
      const tA = r() < 0.5;
      const tB = r() < 0.5;
      const x = randn(r, m * n + n * p);
      return [
        x,
        (v) =>
          matmul(mat(v.slice(0, m * n), tA ? n : m, tA ? m : n), mat(v.slice(m * n), tB ? p : n, tB ? n : p), {
            transA: tA,
            transB: tB,
          }).data,
      ];
    });
  });
  it('matvec, outer, transpose, trace', () => {
    property((r, n) => {
      const x = randn(r, n * n + n);
      return [
        x,
        (v) => {
          const A = mat(v.slice(0, n * n), n, n);
          const b = v.slice(n * n);
          return concat([matvec(A, b), outer(b, matvec(A, b)).data, transpose(A).data, trace(A)]);
        },
      ];
    });
  });
});

describe('solves and factorizations', () => {
  for (const kind of ['general', 'lower', 'upper', 'spd'] as const) {
    for (const transpose of [false, true]) {
      it(`solve, kind ${kind}${transpose ? ', transposed' : ''}, matrix and vector right-hand sides`, () => {
        property((r, n) => {
          const A = kind === 'spd' ? spd(r, n) : wellConditioned(r, n);
          const x = Float64Array.of(...A, ...randn(r, 2 * n + n));
          return [
            x,
            (v) => {
              const Am = mat(v.slice(0, n * n), n, n);
              const X = solve(Am, mat(v.slice(n * n, n * n + 2 * n), n, 2), { kind, transpose });
              const y = solve(Am, v.slice(n * n + 2 * n), { kind, transpose });
              return concat([X.data, y]);
            },
          ];
        });
      });
    }
  }
  it('inv', () => property((r, n) => [wellConditioned(r, n), (v) => inv(mat(v, n, n)).data]));
  it('cholesky (of the symmetric part)', () => property((r, n) => [spd(r, n), (v) => cholesky(mat(v, n, n)).data]));
  it('det, slogdet, logdet', () =>
    property((r, n) => {
      const A = wellConditioned(r, n);
      return [
        A,
        (v) => {
          const Am = mat(v, n, n);
          const s = slogdet(Am);
          return concat([
            det(Am),
            s.logAbsDet,
            logdet(mat(spd(rng(7), n), n, n)),
            logdet(matmul(Am, Am, { transA: true })),
          ]);
        },
      ];
    }));
});

/**
 * Q with each column's sign matched to the same column of Q0 (a constant): the packages' sign convention
 * (largest entry positive) flips where two entries tie in magnitude, and Ridders' first steps (h = 0.05)
 * can cross such a tie; the aligned columns are smooth, and at x0 equal to Q (sign has derivative 0).
 */
function aligned(Q: Mat, Q0: Float64Array): Vec {
  const d = gather(
    matmul(mat(Q0, Q.rows, Q.cols), Q, { transA: true }).data,
    Array.from({ length: Q.cols }, (_, i) => i * Q.cols + i),
  );
  return mul(
    Q.data,
    gather(
      sign(d),
      Array.from({ length: Q.rows * Q.cols }, (_, e) => e % Q.cols),
    ),
  );
}

describe('spectral', () => {
  /** A symmetric matrix with eigenvalues ≥ 0.5 apart, perturbed by a small non-symmetric part. */
  const separated = (r: () => number, n: number) => {
    const d = Array.from({ length: n }, (_, i) => i - n / 2 + 0.3 * r());
    const A = fromSpectrum(orthogonal(r, n), d);
    return A.map((a) => a + 0.01 * (2 * r() - 1));
  };
  it('eigh: eigenvalues and eigenvectors (of the symmetric part)', () =>
    property(
      (r, n) => {
        const A = separated(r, n);
        const V0 = eigh(mat(A, n, n)).vectors.data as Float64Array;
        return [
          A,
          (v) => {
            const { values, vectors } = eigh(mat(v, n, n));
            return concat([values, aligned(vectors, V0)]);
          },
        ];
      },
      1e-6,
      SPECTRAL_H0,
    ));
  it('eigvalsh', () => property((r, n) => [separated(r, n), (v) => eigvalsh(mat(v, n, n))], 1e-6, SPECTRAL_H0));
  it('svd (thin; tall, wide and square) and svdvals', () =>
    property(
      (r, n) => {
        const m = 1 + Math.floor(r() * 4);
        const k = Math.min(m, n);
        // distinct singular values: U diag(2, 3, …) Vᵀ plus noise
        const Q1 = orthogonal(r, m);
        const Q2 = orthogonal(r, n);
        const A = new Float64Array(m * n);
        for (let i = 0; i < m; i++)
          for (let j = 0; j < n; j++) {
            let s = 0;
            for (let c = 0; c < k; c++) s += Q1[i * m + c]! * (1 + c + 0.3 * r()) * Q2[j * n + c]!;
            A[i * n + j] = s + 0.01 * (2 * r() - 1);
          }
        const d0 = svd(mat(A, m, n));
        return [
          A,
          (v) => {
            const { s, U, V } = svd(mat(v, m, n));
            // U and V aligned with the same signs (those of U), so their pairing is kept
            const signs = sign(
              gather(
                matmul(mat(d0.U.data as Float64Array, m, k), U, { transA: true }).data,
                Array.from({ length: k }, (_, i) => i * k + i),
              ),
            );
            const sU = mul(
              U.data,
              gather(
                signs,
                Array.from({ length: m * k }, (_, e) => e % k),
              ),
            );
            const sV = mul(
              V.data,
              gather(
                signs,
                Array.from({ length: n * k }, (_, e) => e % k),
              ),
            );
            return concat([s, sU, sV, svdvals(mat(v, m, n))]);
          },
        ];
      },
      1e-6,
      SPECTRAL_H0,
    ));
});
