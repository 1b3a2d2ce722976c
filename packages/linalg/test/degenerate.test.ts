/**
 * The degeneracy policy on matrices built exactly in float64: A = Q·diag(3, 3, 1, −2)·Qᵀ with Q the 4×4
 * Householder reflector I − ½·11ᵀ (entries ±½), and permutation-built ones. Invariant losses give the
 * analytic derivative to ≤ 1e-10; losses that depend on the basis inside the cluster raise
 * DegenerateSubspaceError naming the cluster; eigenvalue-/singular-value-only functions never raise.
 */
import {
  type ActiveVec,
  checkGradient,
  DomainError,
  dot,
  gather,
  grad,
  mul,
  type Real,
  sum,
  type Vec,
} from '@wengert/core';
import { describe, expect, it } from 'vitest';
import { DegenerateSubspaceError, det, eigh, eigvalsh, mat, matmul, svd, svdvals, trace } from '../src/index.js';
import { expectClose, fromSpectrum, HOUSEHOLDER4, matmulPlain, transposePlain } from './support.js';

const Q = HOUSEHOLDER4;
const D = [3, 3, 1, -2];
const A = fromSpectrum(Q, D); // exact: every entry is a dyadic rational
const col = (M: Float64Array, n: number, j: number) => Float64Array.from({ length: n }, (_, i) => M[i * n + j]!);

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('eigh at a repeated eigenvalue (3, 3)', () => {
  it('the matrix is exact and the cluster is found', () => {
    // Q² = I exactly, so Q·A·Q is exactly diag(D)
    expectClose(
      matmulPlain(matmulPlain(Q, A, 4, 4, 4), Q, 4, 4, 4),
      fromSpectrum(Float64Array.of(1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1), D),
      0,
      'Q A Q',
    );
    const { values } = eigh(mat(A, 4, 4));
    expectClose(values as Float64Array, [-2, 1, 3, 3], 1e-14, 'eigenvalues');
  });

  it('sum of eigenvalues (through the eigenvectors too): gradient I', () => {
    const want = Float64Array.from({ length: 16 }, (_, e) => (Math.floor(e / 4) === e % 4 ? 1 : 0));
    expectClose(grad((x: ActiveVec) => sum(eigh(mat(x, 4, 4)).values))(A), want, 1e-12, 'Σλ via eigh');
    expectClose(grad((x: ActiveVec) => sum(eigvalsh(mat(x, 4, 4))))(A), want, 1e-12, 'Σλ via eigvalsh');
  });

  it('tr f(A) built from the eigenvectors, f(λ) = λ³: gradient 3A² (≤ 1e-10)', () => {
    const loss = (x: ActiveVec): Real => {
      const { values, vectors } = eigh(mat(x, 4, 4));
      const f = mul(mul(values, values), values) as Vec;
      // V diag(f) Vᵀ, then its trace
      const scaled = mul(vectors.data, f.length === 4 ? gatherCols(f) : f) as Vec;
      return trace(matmul(mat(scaled, 4, 4), vectors, { transB: true }));
    };
    const want = matmulPlain(A, A, 4, 4, 4).map((v) => 3 * v);
    expectClose(grad(loss)(A), want, 1e-10, 'd tr(A³)');
  });

  it('the projector onto the cluster: ⟨W, V_c V_cᵀ⟩ has the analytic gradient (≤ 1e-10)', () => {
    const W = Float64Array.from({ length: 16 }, (_, e) => Math.sin(e + 1));
    const loss = (x: ActiveVec): Real => {
      const V = eigh(mat(x, 4, 4)).vectors.data as ActiveVec;
      const Vc = mat(gather2(V, [2, 3]), 4, 2);
      return dot(matmul(Vc, Vc, { transB: true }).data, W);
    };
    // Ā = sym(Σ_{o ∉ c} 2/(λ_c − λ_o) · v_o v_oᵀ · W_s · P_c), eigenvectors exact (the columns of Q).
    const Ws = W.map((_, e) => 0.5 * (W[e]! + W[(e % 4) * 4 + Math.floor(e / 4)]!));
    const Pc = new Float64Array(16);
    for (const i of [0, 1]) {
      const v = col(Q, 4, i);
      for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) Pc[a * 4 + b] += v[a]! * v[b]!;
    }
    const G = new Float64Array(16);
    for (const o of [2, 3]) {
      const v = col(Q, 4, o);
      const vvT = Float64Array.from({ length: 16 }, (_, e) => v[Math.floor(e / 4)]! * v[e % 4]!);
      const term = matmulPlain(matmulPlain(vvT, Ws, 4, 4, 4), Pc, 4, 4, 4);
      for (let e = 0; e < 16; e++) G[e] += (2 / (3 - D[o]!)) * term[e]!;
    }
    const want = G.map((_, e) => 0.5 * (G[e]! + G[(e % 4) * 4 + Math.floor(e / 4)]!));
    expectClose(grad(loss)(A), want, 1e-10, 'projector gradient');
    // and the same against finite differences (the projector is smooth there)
    expect(checkGradient(loss as never, A, { tolerance: 1e-8 }).ok).toBe(true);
  });

  it('a loss of one eigenvector inside the cluster raises DegenerateSubspaceError naming it', () => {
    const loss = (x: ActiveVec): Real => sum(gather2(eigh(mat(x, 4, 4)).vectors.data as ActiveVec, [2]));
    const e = thrown(() => grad(loss)(A)) as DegenerateSubspaceError;
    expect(e).toBeInstanceOf(DegenerateSubspaceError);
    expect(e).toBeInstanceOf(DomainError);
    expect(e.op).toBe('eigh');
    expect(e.cluster).toEqual([2, 3]);
    expect(e.values[0]).toBeCloseTo(3, 12);
    expect(e.gap).toBeCloseTo(2, 12);
    expect(e.dependence).toBeGreaterThan(0.01);
    expect(e.message).toMatch(/cluster \[2, 3\]/);
  });

  it('a vector outside the cluster is fine (λ = 1 is simple)', () => {
    // (v·w)², not Σv: the entries of v_1 tie in magnitude (±½), so its sign convention may flip under a
    // perturbation; a sign-invariant loss of it is smooth.
    const w = Float64Array.of(1, 2, 3, 4);
    const loss = (x: ActiveVec): Real => {
      const d = dot(gather2(eigh(mat(x, 4, 4)).vectors.data as ActiveVec, [1]), w);
      return mul(d, d);
    };
    expect(checkGradient(loss as never, A, { tolerance: 1e-7 }).ok).toBe(true);
  });

  it('eigenvalue-only functions never raise (one λ of the cluster: an element of the generalized gradient)', () => {
    const g = grad((x: ActiveVec) => eigvalsh(mat(x, 4, 4)).at(3) as Real)(A);
    expect(g.every(Number.isFinite)).toBe(true);
    // whatever unit vector v of the eigenspace was picked, the gradient is v vᵀ with trace 1
    expect(g[0]! + g[5]! + g[10]! + g[15]!).toBeCloseTo(1, 12);
  });

  it('a permutation-built degenerate matrix diag(3, 1, 3): same policy', () => {
    const P = Float64Array.of(3, 0, 0, 0, 1, 0, 0, 0, 3);
    expectClose(grad((x: ActiveVec) => sum(eigh(mat(x, 3, 3)).values))(P), [1, 0, 0, 0, 1, 0, 0, 0, 1], 1e-14, 'Σλ');
    expect(() => grad((x: ActiveVec) => sum(gatherCols2(eigh(mat(x, 3, 3)).vectors.data, 3, 3, [1])))(P)).toThrow(
      DegenerateSubspaceError,
    );
  });
});

describe('svd at repeated and zero singular values', () => {
  // 4×3: U0 = first three columns of the Householder reflector, V0 a permutation; s = (3, 3, 1).
  const U0 = Float64Array.from({ length: 12 }, (_, e) => Q[Math.floor(e / 3) * 4 + (e % 3)]!);
  const V0 = Float64Array.of(0, 1, 0, 0, 0, 1, 1, 0, 0);
  const build = (s: readonly number[]) =>
    matmulPlain(
      U0.map((u, e) => u * s[e % 3]!),
      transposePlain(V0, 3, 3),
      4,
      3,
      3,
    );
  const A3 = build([3, 3, 1]);
  const A0 = build([3, 1, 0]); // rank 2

  it('sum of singular values: gradient U0·V0ᵀ (the polar factor), through svd and svdvals', () => {
    const want = matmulPlain(U0, transposePlain(V0, 3, 3), 4, 3, 3);
    expectClose(grad((x: ActiveVec) => sum(svd(mat(x, 4, 3)).s))(A3), want, 1e-12, 'Σs via svd');
    expectClose(grad((x: ActiveVec) => sum(svdvals(mat(x, 4, 3))))(A3), want, 1e-12, 'Σs via svdvals');
  });

  it('Σ s_i² through U diag(s²)-free route: ‖U S Vᵀ‖²: gradient 2A (the 1/(s_i + s_j) terms kept)', () => {
    const loss = (x: ActiveVec): Real => {
      const { s, U, V } = svd(mat(x, 4, 3));
      const US = mat(mul(U.data, gather3(s)) as Vec, 4, 3);
      const R = matmul(US, V, { transB: true }).data;
      return dot(R, R);
    };
    expectClose(
      grad(loss)(A3),
      A3.map((v) => 2 * v),
      1e-10,
      'd‖A‖² at s = (3, 3, 1)',
    );
    expectClose(
      grad(loss)(A0),
      A0.map((v) => 2 * v),
      1e-10,
      'd‖A‖² at rank 2',
    );
  });

  it('the polar part of the cluster U_c V_cᵀ and the projector U_c U_cᵀ against finite differences', () => {
    const W = Float64Array.from({ length: 12 }, (_, e) => Math.cos(e + 0.5));
    const polar = (x: ActiveVec): Real => {
      const { U, V } = svd(mat(x, 4, 3));
      const Uc = mat(gatherCols2(U.data as ActiveVec, 4, 3, [0, 1]), 4, 2);
      const Vc = mat(gatherCols2(V.data as ActiveVec, 3, 3, [0, 1]), 3, 2);
      return dot(matmul(Uc, Vc, { transB: true }).data, W);
    };
    expect(checkGradient(polar as never, A3, { tolerance: 1e-8 }).ok).toBe(true);
    const W4 = Float64Array.from({ length: 16 }, (_, e) => Math.cos(2 * e));
    const proj = (x: ActiveVec): Real => {
      const Uc = mat(gatherCols2(svd(mat(x, 4, 3)).U.data as ActiveVec, 4, 3, [0, 1]), 4, 2);
      return dot(matmul(Uc, Uc, { transB: true }).data, W4);
    };
    expect(checkGradient(proj as never, A3, { tolerance: 1e-8 }).ok).toBe(true);
  });

  it('one singular vector of the cluster raises DegenerateSubspaceError', () => {
    const e = thrown(() =>
      grad((x: ActiveVec) => sum(gatherCols2(svd(mat(x, 4, 3)).U.data as ActiveVec, 4, 3, [0])))(A3),
    );
    expect(e).toBeInstanceOf(DegenerateSubspaceError);
    expect((e as DegenerateSubspaceError).op).toBe('svd');
    expect((e as DegenerateSubspaceError).cluster).toEqual([0, 1]);
    expect((e as DegenerateSubspaceError).gap).toBeCloseTo(2, 12);
  });

  it('the left vector of a zero singular value (free to turn into the complement) raises', () => {
    const w = Float64Array.of(1, 2, 3, 4);
    const e = thrown(() => grad((x: ActiveVec) => dot(gatherCols2(svd(mat(x, 4, 3)).U.data, 4, 3, [2]), w))(A0));
    expect(e).toBeInstanceOf(DegenerateSubspaceError);
    expect((e as DegenerateSubspaceError).cluster).toEqual([2]);
  });

  it('singular-value-only functions never raise at rank deficiency', () => {
    const g = grad((x: ActiveVec) => sum(svdvals(mat(x, 4, 3))))(A0);
    expect(g.every(Number.isFinite)).toBe(true);
  });
});

describe('det at exactly singular matrices: the cofactor gradient', () => {
  it('rank n − 1: [[1,2,3],[4,5,6],[7,8,9]]', () => {
    const S = Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9);
    // cofactors C_ij = (−1)^{i+j} M_ij
    const want = [-3, 6, -3, 6, -12, 6, -3, 6, -3];
    expectClose(grad((x: ActiveVec) => det(mat(x, 3, 3)))(S), want, 1e-12, 'cof');
  });
  it('rank n − 2: all-ones 3×3 has cofactor matrix 0', () => {
    expectClose(
      grad((x: ActiveVec) => det(mat(x, 3, 3)))(new Float64Array(9).fill(1)),
      new Float64Array(9),
      1e-13,
      'cof',
    );
  });
  it('a singular matrix with a zero pivot in LU order: [[0,1],[0,2]]', () => {
    expectClose(grad((x: ActiveVec) => det(mat(x, 2, 2)))(Float64Array.of(0, 1, 0, 2)), [2, 0, -1, 0], 1e-14, 'cof');
  });
});

// --- small gathers on active data ----------------------------------------------------------------

/** Columns `cols` of the 4×4 row-major V as a 4×cols.length row-major matrix. */
function gather2(V: ActiveVec, cols: number[]): Vec {
  return gatherCols2(V, 4, 4, cols);
}
function gatherCols2(V: Vec, rows: number, n: number, cols: number[]): Vec {
  const idx: number[] = [];
  for (let i = 0; i < rows; i++) for (const c of cols) idx.push(i * n + c);
  return gather(V, idx);
}
/** f (length 4) broadcast over the columns of a 4×4 matrix. */
function gatherCols(f: Vec): Vec {
  return gather(
    f,
    Array.from({ length: 16 }, (_, e) => e % 4),
  );
}
/** s (length 3) broadcast over the columns of a 4×3 matrix. */
function gather3(s: Vec): Vec {
  return gather(
    s,
    Array.from({ length: 12 }, (_, e) => e % 3),
  );
}
