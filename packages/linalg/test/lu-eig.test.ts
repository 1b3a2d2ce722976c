/**
 * LU as an op and the general real eigendecomposition: values against ml-matrix, rules against finite
 * differences and the dot-product identity (first and second order), Magnus's left-eigenvector formula, the
 * normalization convention, repeated eigenvalues and bad input.
 */
import {
  type ActiveVec,
  add,
  concat,
  DomainError,
  dot,
  gather,
  grad,
  jacobian,
  mul,
  ShapeError,
  sum,
} from '@wengert/core';
import fc from 'fast-check';
import { EigenvalueDecomposition, LuDecomposition, Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import {
  ComplexEigenvaluesError,
  DegenerateSubspaceError,
  eig,
  eigvals,
  lu,
  mat,
  SingularMatrixError,
} from '../src/index.js';
import { checkRule, expectClose, matmulPlain, randn, rng, transposePlain, wellConditioned } from './support.js';

const RUNS = { numRuns: 8 };
const seed = fc.integer({ min: 1, max: 2 ** 31 - 1 });
const size = fc.integer({ min: 1, max: 4 });

function toMl(A: Float64Array, n: number): Matrix {
  const M = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) M.set(i, j, A[i * n + j]!);
  return M;
}

/** S B S⁻¹ for a random well-conditioned S. */
function similar(r: () => number, B: Float64Array, n: number): Float64Array {
  const S = wellConditioned(r, n);
  const inv = Float64Array.from(new LuDecomposition(toMl(S, n)).solve(Matrix.eye(n)).to1DArray());
  return matmulPlain(matmulPlain(S, B, n, n, n), inv, n, n, n);
}

/** S diag(d) S⁻¹: a nonsymmetric matrix with the real spectrum d. */
function withSpectrum(r: () => number, d: readonly number[]): Float64Array {
  const n = d.length;
  return similar(
    r,
    Float64Array.from({ length: n * n }, (_, e) => (e % (n + 1) === 0 ? d[e / (n + 1)]! : 0)),
    n,
  );
}

/**
 * A matrix similar to blocks [[a, b], [−b, a]] (eigenvalues a ± ib, b ∈ [0.5, 1.5]) and one real eigenvalue when
 * n is odd, all well separated: finite differences stay away from the real/complex boundary.
 */
function complexSpectrum(r: () => number, n: number): Float64Array {
  const B = new Float64Array(n * n);
  for (let j = 0; j + 1 < n; j += 2) {
    const a = 2 * j + r();
    const b = 0.5 + r();
    B[j * n + j] = a;
    B[(j + 1) * n + j + 1] = a;
    B[j * n + j + 1] = b;
    B[(j + 1) * n + j] = -b;
  }
  if (n % 2 === 1) B[n * n - 1] = -3;
  return similar(r, B, n);
}

/**
 * Π L U with a random permutation Π, |l_ij| ≤ ½ and |u_ii| ∈ [1, 2]: partial pivoting picks Π with a margin, so
 * finite differences do not change the pivots.
 */
function pivoted(r: () => number, n: number): Float64Array {
  const L = new Float64Array(n * n);
  const U = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    L[i * n + i] = 1;
    for (let j = 0; j < i; j++) L[i * n + j] = r() - 0.5;
    U[i * n + i] = (r() < 0.5 ? -1 : 1) * (1 + r());
    for (let j = i + 1; j < n; j++) U[i * n + j] = 2 * r() - 1;
  }
  const perm = Array.from({ length: n }, (_, i) => i).sort(() => r() - 0.5);
  const LU = matmulPlain(L, U, n, n, n);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) A.set(LU.subarray(i * n, i * n + n), perm[i]! * n);
  return A;
}

describe('lu', () => {
  it('A = P L U with the pivots of ml-matrix', () => {
    const r = rng(3);
    const n = 6;
    const A = randn(r, n * n);
    const { P, L, U } = lu(mat(A, n, n));
    const [p, l, u] = [P.data, L.data, U.data] as Float64Array[];
    expectClose(matmulPlain(p!, matmulPlain(l!, u!, n, n, n), n, n, n), A, 1e-14, 'P L U');
    const ml = new LuDecomposition(toMl(A, n));
    expectClose(l!, Float64Array.from(ml.lowerTriangularMatrix.to1DArray()), 1e-13, 'L');
    expectClose(u!, Float64Array.from(ml.upperTriangularMatrix.to1DArray()), 1e-13, 'U');
    for (let i = 0; i < n; i++) {
      expect(l![i * n + i]).toBe(1);
      for (let j = i + 1; j < n; j++) expect(l![i * n + j]).toBe(0);
      for (let j = 0; j < i; j++) expect(u![i * n + j]).toBe(0);
    }
  });

  it('forward and reverse rules against finite differences (random pivoting matrices)', () => {
    fc.assert(
      fc.property(seed, size, (s, n) => {
        const r = rng(s);
        const A = pivoted(r, n);
        checkRule(
          (x) => {
            const { L, U } = lu(mat(x, n, n));
            return concat([L.data, U.data]);
          },
          A,
          r,
        );
      }),
      RUNS,
    );
  });

  it('second order: the derivative of a gradient through lu', () => {
    const r = rng(5);
    const n = 3;
    const W = randn(r, 2 * n * n);
    const loss = (x: ActiveVec) => {
      const { L, U } = lu(mat(x, n, n));
      const y = concat([L.data, U.data]);
      return dot(W, mul(y, y));
    };
    checkRule((x) => grad(loss)(x) as ActiveVec, pivoted(r, n), r, 1e-5);
  });

  it('a singular U makes the rules raise SingularMatrixError; non-square is a ShapeError', () => {
    const A = Float64Array.of(1, 2, 2, 4);
    expect(lu(mat(A, 2, 2)).U.data).toEqual(Float64Array.of(2, 4, 0, 0));
    expect(() => grad((x: ActiveVec) => sum(lu(mat(x, 2, 2)).U.data))(A)).toThrow(SingularMatrixError);
    expect(() => lu(mat(new Float64Array(6), 2, 3))).toThrow(ShapeError);
  });
});

describe('eig (real spectrum)', () => {
  const r = rng(17);
  const n = 4;
  const A = withSpectrum(r, [-1.5, 0.5, 2, 3.5]);

  it('values ascending, A v = λ v, unit vectors with the largest-magnitude entry positive', () => {
    const { values, vectors } = eig(mat(A, n, n));
    const lam = values as Float64Array;
    const V = vectors.data as Float64Array;
    expectClose(lam, [-1.5, 0.5, 2, 3.5], 1e-12, 'λ');
    const AV = matmulPlain(A, V, n, n, n);
    expectClose(
      AV,
      V.map((v, e) => v * lam[e % n]!),
      1e-12,
      'A V = V Λ',
    );
    for (let c = 0; c < n; c++) {
      const col = Array.from({ length: n }, (_, i) => V[i * n + c]!);
      expect(Math.hypot(...col)).toBeCloseTo(1, 14);
      const big = col.reduce((m, v) => (Math.abs(v) > Math.abs(m) ? v : m), 0);
      expect(big).toBeGreaterThan(0);
    }
    // The same values as ml-matrix.
    const ml = new EigenvalueDecomposition(toMl(A, n)).realEigenvalues.sort((a, b) => a - b);
    expectClose(lam, ml, 1e-13, 'ml-matrix');
  });

  it('Magnus: ∂λ_i/∂A = u_i v_iᵀ / (u_iᵀ v_i) with u_i a left eigenvector (from eig(Aᵀ))', () => {
    const { vectors } = eig(mat(A, n, n));
    const left = eig(mat(transposePlain(A, n, n), n, n)).vectors.data as Float64Array;
    const V = vectors.data as Float64Array;
    for (let i = 0; i < n; i++) {
      const g = grad((x: ActiveVec) => sum(gather(eig(mat(x, n, n)).values, [i])))(A);
      const u = Array.from({ length: n }, (_, k) => left[k * n + i]!);
      const v = Array.from({ length: n }, (_, k) => V[k * n + i]!);
      const uv = u.reduce((s, x, k) => s + x * v[k]!, 0);
      const want = Float64Array.from({ length: n * n }, (_, e) => (u[Math.floor(e / n)]! * v[e % n]!) / uv);
      expectClose(g, want, 1e-11, `∂λ_${i}/∂A`);
    }
  });

  it('rules against finite differences, random real spectra (values and vectors)', () => {
    fc.assert(
      fc.property(seed, size, (s, k) => {
        const rr = rng(s);
        const d = Array.from({ length: k }, (_, i) => i * 1.3 + rr()); // separated
        const M = withSpectrum(rr, d);
        checkRule(
          (x) => {
            const e = eig(mat(x, k, k));
            return concat([e.values, e.vectors.data]);
          },
          M,
          rr,
        );
      }),
      RUNS,
    );
  });

  it('second order: Hessian-vector products through eig', () => {
    const W = randn(r, n * n);
    const loss = (x: ActiveVec) => {
      const e = eig(mat(x, n, n));
      return add(dot(e.values, e.values), dot(W, mul(e.vectors.data, e.vectors.data)));
    };
    checkRule((x) => grad(loss)(x) as ActiveVec, A, r, 1e-5);
  });

  it('a complex spectrum raises ComplexEigenvaluesError', () => {
    const R = Float64Array.of(0, -1, 1, 0);
    expect(() => eig(mat(R, 2, 2))).toThrow(ComplexEigenvaluesError);
    expect(() => eig(mat(R, 2, 2))).toThrow(DomainError);
    expect(() => eig(mat(new Float64Array(6), 2, 3))).toThrow(ShapeError);
  });
});

describe('eigvals (complex spectra)', () => {
  it('real and imaginary parts; rules against finite differences', () => {
    const R = Float64Array.of(0, -2, 1, 0.5); // eigenvalues 0.25 ± i·√(2 − 0.0625)
    const { re, im } = eigvals(mat(R, 2, 2));
    expectClose(re as Float64Array, [0.25, 0.25], 1e-14, 're');
    expectClose(im as Float64Array, [-Math.sqrt(2 - 0.0625), Math.sqrt(2 - 0.0625)], 1e-14, 'im');
    fc.assert(
      fc.property(seed, fc.integer({ min: 2, max: 5 }), (s, k) => {
        const r = rng(s);
        const M = complexSpectrum(r, k);
        checkRule(
          (x) => {
            const v = eigvals(mat(x, k, k));
            return concat([v.re, v.im]);
          },
          M,
          r,
          1e-5,
        );
      }),
      RUNS,
    );
  });

  it('second derivatives of complex eigenvalues raise a DomainError; real spectra work', () => {
    const R = Float64Array.of(0, -2, 1, 0.5);
    const h = (x: Float64Array) =>
      jacobian((z: ActiveVec) => grad((y: ActiveVec) => sum(eigvals(mat(y, 2, 2)).re))(z) as ActiveVec)(x);
    expect(() => h(R)).toThrow(DomainError);
    const r = rng(23);
    const M = withSpectrum(r, [1, 2, 4]);
    checkRule(
      (x) => grad((y: ActiveVec) => dot(eigvals(mat(y, 3, 3)).re, Float64Array.of(1, -2, 0.5)))(x) as ActiveVec,
      M,
      r,
      1e-5,
    );
  });
});

describe('repeated eigenvalues (exact matrices)', () => {
  // A = S diag(2, 2, 5) S⁻¹ with S = [[1, 1, 0], [0, 1, 1], [0, 0, 1]] (integer inverse): exact in float64.
  const S = Float64Array.of(1, 1, 0, 0, 1, 1, 0, 0, 1);
  const Sinv = Float64Array.of(1, -1, 1, 0, 1, -1, 0, 0, 1);
  const A = matmulPlain(matmulPlain(S, Float64Array.of(2, 0, 0, 0, 2, 0, 0, 0, 5), 3, 3, 3), Sinv, 3, 3, 3);
  it('symmetric functions of the cluster get exact gradients (Σλ: the identity; Σλ² = tr A²: 2Aᵀ)', () => {
    expectClose(grad((x: ActiveVec) => sum(eigvals(mat(x, 3, 3)).re))(A), [1, 0, 0, 0, 1, 0, 0, 0, 1], 1e-12, 'Σλ');
    const g2 = grad((x: ActiveVec) => {
      const l = eig(mat(x, 3, 3)).values;
      return dot(l, l);
    })(A);
    expectClose(
      g2,
      transposePlain(A, 3, 3).map((v) => 2 * v),
      1e-11,
      'Σλ²',
    );
  });
  it('a single eigenvalue of the cluster, or its eigenvectors, raise DegenerateSubspaceError', () => {
    expect(() => grad((x: ActiveVec) => sum(gather(eigvals(mat(x, 3, 3)).re, [0])))(A)).toThrow(
      DegenerateSubspaceError,
    );
    let err: unknown;
    try {
      grad((x: ActiveVec) => sum(eig(mat(x, 3, 3)).vectors.data.slice(0, 3)))(A);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DegenerateSubspaceError);
    expect((err as DegenerateSubspaceError).cluster).toEqual([0, 1]);
    expect((err as DegenerateSubspaceError).gap).toBeCloseTo(3, 10);
    // Vectors of the simple eigenvalue 5 are fine.
    grad((x: ActiveVec) => sum(gather(eig(mat(x, 3, 3)).vectors.data, [2, 5, 8])))(A);
  });
});
