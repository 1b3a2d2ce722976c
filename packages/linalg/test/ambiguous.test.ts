/**
 * The ambiguity check of the eigh/svd reverse rules. At an exactly repeated eigenvalue (singular value) the
 * cotangents of an eigenvalue-weighted loss tr(V diag(f(λ)) Vᵀ W) (svd: ⟨W, U diag(f(s)) Vᵀ⟩) are the same as
 * those of a projector loss plus an eigenvalue function, whose exact in-cluster terms differ; the rules raise
 * AmbiguousClusterDerivativeError (a DegenerateSubspaceError) when both the value cotangent on the cluster and
 * the non-scalar symmetric in-cluster block of the projected vector cotangent are nonzero. Matrices are built
 * exactly: A = Q·diag(3, 3, 1, −2)·Qᵀ with Q the Householder reflector I − ½·11ᵀ (entries ±½), a permutation-
 * built 3×3 diag(3, 1, 3), and the 4×3 B = U0·diag(3, 3, 1)·V0ᵀ (U0: Householder columns, V0 a permutation).
 * References: the Daleckii–Krein formula from the exact Q and spectrum (≤ 1e-10); away from degeneracy the
 * same losses pass finite-difference checks. The raise tests fail on the rules without the check (they
 * returned the projector answer, ≥ 1e-3 away from the reference).
 */
import {
  type ActiveVec,
  add,
  checkGradient,
  DomainError,
  dot,
  gather,
  grad,
  mul,
  type Real,
  sub,
  sum,
  type Vec,
} from '@wengert/core';
import { describe, expect, it } from 'vitest';
import { AmbiguousClusterDerivativeError, UnevenClusterCotangentError } from '../src/errors.js';
import {
  DegenerateSubspaceError,
  eigenProjector,
  eigh,
  eigvalsh,
  mat,
  matmul,
  powmSym,
  svd,
  svdvals,
  symFunction,
} from '../src/index.js';
import {
  expectClose,
  fromSpectrum,
  HOUSEHOLDER4,
  matmulPlain,
  orthogonal,
  randn,
  rng,
  transposePlain,
} from './support.js';

const Q = HOUSEHOLDER4;
const LAM = [3, 3, 1, -2]; // the columns of Q in this order; eigh returns ascending (−2, 1, 3, 3)
const A = fromSpectrum(Q, LAM);
const W = Float64Array.from({ length: 16 }, (_, e) => Math.sin(1.7 * e + 0.3));
const I4 = Float64Array.from({ length: 16 }, (_, e) => (Math.floor(e / 4) === e % 4 ? 1 : 0));

const symm = (X: Float64Array, k: number) => X.map((_, e) => 0.5 * (X[e]! + X[(e % k) * k + Math.floor(e / k)]!));

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

/**
 * Daleckii–Krein: the gradient of ⟨Wm, F(sym A)⟩ for the spectral function with values fv_i on the eigenvector
 * z_i (columns of Z, eigenvalues mu): Z (F¹ ∘ Zᵀ sym(Wm) Z) Zᵀ, F¹_ij = (fv_i − fv_j)/(μ_i − μ_j), = d_i when
 * μ_i = μ_j (the limit: f′ for a smooth f, 0 for an indicator of whole clusters).
 */
function dk(Z: Float64Array, mu: readonly number[], fv: readonly number[], d: readonly number[], Wm: Float64Array) {
  const k = mu.length;
  const Wt = matmulPlain(matmulPlain(transposePlain(Z, k, k), symm(Wm, k), k, k, k), Z, k, k, k);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) {
      Wt[i * k + j] *= mu[i] === mu[j] ? d[i]! : (fv[i]! - fv[j]!) / (mu[i]! - mu[j]!);
    }
  return matmulPlain(matmulPlain(Z, Wt, k, k, k), transposePlain(Z, k, k), k, k, k);
}

/** f (length n) broadcast over the columns of an m×n row-major matrix. */
const bcast = (f: Vec, m: number, n: number): Vec =>
  gather(
    f,
    Array.from({ length: m * n }, (_, e) => e % n),
  );

/** ⟨Wm, V diag(f(λ)) Vᵀ⟩ through eigh's values and vectors. */
function weighted(f: (l: Vec) => Vec, Wm: Float64Array, n: number) {
  return (x: ActiveVec): Real => {
    const { values, vectors } = eigh(mat(x, n, n));
    const VF = mat(mul(vectors.data, bcast(f(values), n, n)) as Vec, n, n);
    return dot(matmul(VF, vectors, { transB: true }).data, Wm);
  };
}

/** Columns `cols` of the rows×n row-major V. */
function columns(V: Vec, rows: number, n: number, cols: readonly number[]): Vec {
  const idx: number[] = [];
  for (let i = 0; i < rows; i++) for (const c of cols) idx.push(i * n + c);
  return gather(V, idx);
}

/** ⟨M, V_c V_cᵀ⟩ for the cluster columns c of eigh's vectors. */
function projectorLoss(Mw: Float64Array, n: number, c: readonly number[]) {
  return (x: ActiveVec): Real => {
    const Vc = mat(columns(eigh(mat(x, n, n)).vectors.data, n, n, c), n, c.length);
    return dot(matmul(Vc, Vc, { transB: true }).data, Mw);
  };
}

const square = (l: Vec) => mul(l, l) as Vec;

describe('eigh at the repeated eigenvalue 3 of Q·diag(3, 3, 1, −2)·Qᵀ', () => {
  // the exact derivative of ⟨W, A²⟩ (symmetric A): Daleckii–Krein with f = x², f′ = 2x
  const wantSquare = dk(
    Q,
    LAM,
    LAM.map((l) => l * l),
    LAM.map((l) => 2 * l),
    W,
  );

  it('tr(V diag(λ²) Vᵀ W) raises AmbiguousClusterDerivativeError naming the op, cluster and the way out', () => {
    const e = thrown(() => grad(weighted(square, W, 4))(A)) as AmbiguousClusterDerivativeError;
    expect(e).toBeInstanceOf(AmbiguousClusterDerivativeError);
    expect(e).toBeInstanceOf(DegenerateSubspaceError);
    expect(e).toBeInstanceOf(DomainError);
    expect(e.name).toBe('AmbiguousClusterDerivativeError');
    expect(e.op).toBe('eigh');
    expect(e.cluster).toEqual([2, 3]);
    expect(e.values[0]).toBeCloseTo(3, 12);
    expect(e.values[1]).toBeCloseTo(3, 12);
    expect(e.gap).toBeCloseTo(2, 12);
    expect(e.valueCotangent).toBeGreaterThan(0.01);
    expect(e.dependence).toBeGreaterThan(0.01);
    expect(e.tolerance).toBe(1e-8);
    expect(e.message).toMatch(/^eigh cotangent: /);
    expect(e.message).toMatch(/cluster \[2, 3\] \(values 3\.00000, 3\.00000\)/);
    expect(e.message).toMatch(/symFunction \/ powmSym \/ expmSym/);
  });

  it('the same loss through powmSym(A, 2) has the exact (Daleckii–Krein) gradient (≤ 1e-10)', () => {
    const loss = (x: ActiveVec): Real => dot(powmSym(mat(x, 4, 4), 2).data, W);
    expectClose(grad(loss)(A), wantSquare, 1e-10, 'd⟨W, A²⟩ via powmSym');
    // …which differs from the projector answer the eigh rule used to return silently
    const oldAnswer = (() => {
      // diag(λ̄) inside the cluster, i.e. the in-cluster off-diagonal f′·(QᵀWQ)_ij dropped
      const Z = Q;
      const Wt = matmulPlain(matmulPlain(transposePlain(Z, 4, 4), symm(W, 4), 4, 4, 4), Z, 4, 4, 4);
      for (let i = 0; i < 4; i++)
        for (let j = 0; j < 4; j++) {
          const [a, b] = [LAM[i]!, LAM[j]!];
          Wt[i * 4 + j] *= i === j ? 2 * a : a === b ? 0 : a + b;
        }
      return matmulPlain(matmulPlain(Z, Wt, 4, 4, 4), transposePlain(Z, 4, 4), 4, 4, 4);
    })();
    expect(Math.max(...wantSquare.map((v, e) => Math.abs(v - oldAnswer[e]!)))).toBeGreaterThan(1e-3);
  });

  it('the cluster projector ⟨M, V_c V_cᵀ⟩ through eigh still works (≤ 1e-10), and matches eigenProjector', () => {
    const want = dk(Q, LAM, [1, 1, 0, 0], [0, 0, 0, 0], W);
    expectClose(grad(projectorLoss(W, 4, [2, 3]))(A), want, 1e-10, 'projector via eigh');
    expectClose(
      grad((x: ActiveVec) => dot(eigenProjector(mat(x, 4, 4), [2, 3]).data, W))(A),
      want,
      1e-10,
      'eigenProjector',
    );
  });

  it('Σλ and Σλ² through eigh’s values still work: I and 2A', () => {
    expectClose(grad((x: ActiveVec) => sum(eigh(mat(x, 4, 4)).values))(A), I4, 1e-12, 'Σλ');
    expectClose(
      grad((x: ActiveVec) => sum(square(eigh(mat(x, 4, 4)).values)))(A),
      A.map((v) => 2 * v),
      1e-10,
      'Σλ²',
    );
  });

  it('tr(V diag(λ³) Vᵀ) (W = I: a scalar in-cluster block) still works: 3A²', () => {
    const want = matmulPlain(A, A, 4, 4, 4).map((v) => 3 * v);
    expectClose(grad(weighted((l) => mul(square(l), l) as Vec, I4, 4))(A), want, 1e-10, 'd tr A³');
  });

  it('Σλ² plus a projector onto ANOTHER (simple) eigenvalue still works (≤ 1e-10)', () => {
    // eigh order (−2, 1, 3, 3): index 1 is λ = 1, the column 2 of Q
    const loss = (x: ActiveVec): Real => {
      const { values, vectors } = eigh(mat(x, 4, 4));
      const v = mat(columns(vectors.data, 4, 4, [1]), 4, 1);
      return add(sum(square(values)), dot(matmul(v, v, { transB: true }).data, W)) as Real;
    };
    const want = dk(Q, LAM, [0, 0, 1, 0], [0, 0, 0, 0], W).map((g, e) => g + 2 * A[e]!);
    expectClose(grad(loss)(A), want, 1e-10, 'Σλ² + ⟨W, v₁v₁ᵀ⟩');
  });

  it('conservative: Σλ + ⟨M, P_c⟩ on the SAME cluster raises; eigvalsh + eigenProjector give it exactly', () => {
    const viaEigh = (x: ActiveVec): Real => {
      const { values, vectors } = eigh(mat(x, 4, 4));
      const Vc = mat(columns(vectors.data, 4, 4, [2, 3]), 4, 2);
      return add(sum(values), dot(matmul(Vc, Vc, { transB: true }).data, W)) as Real;
    };
    expect(() => grad(viaEigh)(A)).toThrow(AmbiguousClusterDerivativeError);
    const workaround = (x: ActiveVec): Real =>
      add(sum(eigvalsh(mat(x, 4, 4))), dot(eigenProjector(mat(x, 4, 4), [2, 3]).data, W)) as Real;
    const want = dk(Q, LAM, [1, 1, 0, 0], [0, 0, 0, 0], W).map((g, e) => g + I4[e]!);
    expectClose(grad(workaround)(A), want, 1e-10, 'Σλ + ⟨W, P_c⟩ via eigvalsh + eigenProjector');
  });

  it('dependenceTol governs the check like the invariance check', () => {
    // with a tolerance above the (O(1)) relative sizes, the old (projector) answer comes back
    expect(() => grad(weighted(square, W, 4))(A)).toThrow(AmbiguousClusterDerivativeError);
    const loose = (x: ActiveVec): Real => {
      const { values, vectors } = eigh(mat(x, 4, 4), { dependenceTol: 0.999 });
      const VF = mat(mul(vectors.data, bcast(square(values), 4, 4)) as Vec, 4, 4);
      return dot(matmul(VF, vectors, { transB: true }).data, W);
    };
    expect(grad(loose)(A).every(Number.isFinite)).toBe(true);
  });

  it('a permutation-built diag(3, 1, 3): the weighted loss raises, powmSym is exact', () => {
    const P = Float64Array.of(3, 0, 0, 0, 1, 0, 0, 0, 3);
    const W3 = Float64Array.from({ length: 9 }, (_, e) => Math.cos(e + 0.2));
    const e = thrown(() => grad(weighted(square, W3, 3))(P)) as AmbiguousClusterDerivativeError;
    expect(e).toBeInstanceOf(AmbiguousClusterDerivativeError);
    expect(e.cluster).toEqual([1, 2]);
    // d⟨W, S²⟩ = sym(W)·S + S·sym(W) for the symmetric S = P
    const Ws = symm(W3, 3);
    const want = matmulPlain(Ws, P, 3, 3, 3).map((v, i) => v + matmulPlain(P, Ws, 3, 3, 3)[i]!);
    expectClose(grad((x: ActiveVec) => dot(powmSym(mat(x, 3, 3), 2).data, W3))(P), want, 1e-10, 'powmSym');
  });

  it('near-degenerate but separated (gap 2⁻²⁰ ≫ clusterTol): the weighted loss is exact through eigh', () => {
    const mu = [3 + 2 ** -20, 3, 1, -2];
    const An = fromSpectrum(Q, mu);
    const want = dk(
      Q,
      mu,
      mu.map((l) => l * l),
      mu.map((l) => 2 * l),
      W,
    );
    expectClose(grad(weighted(square, W, 4))(An), want, 1e-7, 'near-degenerate');
  });
});

describe('eigh and svd away from degeneracy: the same losses pass finite-difference checks', () => {
  it('tr(V diag(λ²) Vᵀ W), Σλ² and the projector through eigh', () => {
    const S = fromSpectrum(orthogonal(rng(31), 4), [2.5, 1.75, 0.5, -1]);
    for (const f of [
      weighted(square, W, 4),
      weighted((l) => mul(square(l), l) as Vec, W, 4),
      (x: ActiveVec) => sum(square(eigh(mat(x, 4, 4)).values)),
      projectorLoss(W, 4, [2, 3]),
    ]) {
      expect(checkGradient(f as never, S, { tolerance: 1e-7 }).ok).toBe(true);
    }
  });

  it('⟨W, U diag(s) Vᵀ⟩ and ⟨W, U diag(s²) Vᵀ⟩ through svd (4×3)', () => {
    const B = randn(rng(32), 12);
    const Wb = Float64Array.from({ length: 12 }, (_, e) => Math.cos(0.9 * e + 0.1));
    for (const f of [(s: Vec) => s, square]) {
      const loss = (x: ActiveVec): Real => {
        const { s, U, V } = svd(mat(x, 4, 3));
        const US = mat(mul(U.data, bcast(f(s), 4, 3)) as Vec, 4, 3);
        return dot(matmul(US, V, { transB: true }).data, Wb);
      };
      expect(checkGradient(loss as never, B, { tolerance: 1e-7 }).ok).toBe(true);
    }
  });
});

/** The 4×3 U0·diag(s)·V0ᵀ, built exactly (U0: three Householder columns; V0 a permutation). */
const U0 = Float64Array.from({ length: 12 }, (_, e) => Q[Math.floor(e / 3) * 4 + (e % 3)]!);
const V0 = Float64Array.of(0, 1, 0, 0, 0, 1, 1, 0, 0);
const fromSingular = (s: readonly number[]) =>
  matmulPlain(
    U0.map((u, e) => u * s[e % 3]!),
    transposePlain(V0, 3, 3),
    4,
    3,
    3,
  );
const Wb = Float64Array.from({ length: 12 }, (_, e) => Math.sin(0.8 * e + 0.5));
/** ⟨Wb, U diag(f(s)) Vᵀ⟩ through svd of a 4×3. */
const viaSvd = (f: (s: Vec) => Vec) => (x: ActiveVec) => {
  const { s, U, V } = svd(mat(x, 4, 3));
  const US = mat(mul(U.data, bcast(f(s), 4, 3)) as Vec, 4, 3);
  return dot(matmul(US, V, { transB: true }).data, Wb);
};

describe('svd at s = (3, 3, 1)', () => {
  const B = fromSingular([3, 3, 1]);

  it('⟨W, U diag(s) Vᵀ⟩ (⟨W, A⟩ recomputed) raises AmbiguousClusterDerivativeError naming the cluster', () => {
    const e = thrown(() => grad(viaSvd((s) => s))(B)) as AmbiguousClusterDerivativeError;
    expect(e).toBeInstanceOf(AmbiguousClusterDerivativeError);
    expect(e).toBeInstanceOf(DegenerateSubspaceError);
    expect(e.op).toBe('svd');
    expect(e.cluster).toEqual([0, 1]);
    expect(e.gap).toBeCloseTo(2, 12);
    expect(e.valueCotangent).toBeGreaterThan(0.01);
    expect(e.dependence).toBeGreaterThan(0.01);
    expect(e.message).toMatch(/^svd cotangent: /);
    expect(e.message).toMatch(/symFunction of AᵀA/);
    // the right answer is W itself
    expectClose(grad((x: ActiveVec) => dot(x, Wb))(B), Wb, 0, '⟨W, A⟩');
  });

  it('⟨W, U diag(s²) Vᵀ⟩ raises too; ⟨W, A·(AᵀA)^½⟩ via symFunction has the finite-difference gradient', () => {
    expect(() => grad(viaSvd(square))(B)).toThrow(AmbiguousClusterDerivativeError);
    const exact = (x: ActiveVec): Real => {
      const Am = mat(x, 4, 3);
      const root = symFunction(matmul(Am, Am, { transA: true }), Math.sqrt, (t) => 0.5 / Math.sqrt(t));
      return dot(matmul(Am, root).data, Wb);
    };
    expect(checkGradient(exact as never, B, { tolerance: 1e-7 }).ok).toBe(true);
  });

  it('Σs, Σs² (values only) and ‖U S Vᵀ‖² (a scalar in-cluster block) still work', () => {
    const polarF = matmulPlain(U0, transposePlain(V0, 3, 3), 4, 3, 3);
    expectClose(grad((x: ActiveVec) => sum(svd(mat(x, 4, 3)).s))(B), polarF, 1e-12, 'Σs');
    expectClose(
      grad((x: ActiveVec) => sum(square(svd(mat(x, 4, 3)).s)))(B),
      B.map((v) => 2 * v),
      1e-10,
      'Σs²',
    );
    expectClose(
      grad((x: ActiveVec) => sum(square(svdvals(mat(x, 4, 3)))))(B),
      B.map((v) => 2 * v),
      1e-10,
      'Σs² via svdvals',
    );
    const normSq = (x: ActiveVec): Real => {
      const { s, U, V } = svd(mat(x, 4, 3));
      const R = matmul(mat(mul(U.data, bcast(s, 4, 3)) as Vec, 4, 3), V, { transB: true }).data;
      return dot(R, R);
    };
    expectClose(
      grad(normSq)(B),
      B.map((v) => 2 * v),
      1e-10,
      '‖U S Vᵀ‖²',
    );
  });
});

// Weights that vanish on the cluster (f(λ_c) = 0, or f(0) = 0 at zero singular values): the vector cotangent
// carries nothing of the cluster, but the value cotangent differs across it (or is nonzero on the zero singular
// values), so the rule's in-cluster term would depend on the basis — the rules raise UnevenClusterCotangentError.
// Values-only losses keep the generalized-gradient convention (degenerate.test.ts).
describe('value cotangents that differ inside a cluster, with the vectors in use', () => {
  it('f(λ_c) = 0: ⟨W, V diag(λ − 3) Vᵀ⟩ = ⟨W, A − 3I⟩ raises (it has gradient sym(W): symFunction gives it)', () => {
    const shifted = (x: ActiveVec): Real => {
      const { values, vectors } = eigh(mat(x, 4, 4));
      const VF = mat(mul(vectors.data, bcast(sub(values, 3) as Vec, 4, 4)) as Vec, 4, 4);
      return dot(matmul(VF, vectors, { transB: true }).data, W);
    };
    const e = thrown(() => grad(shifted)(A)) as UnevenClusterCotangentError;
    expect(e).toBeInstanceOf(UnevenClusterCotangentError);
    expect(e).toBeInstanceOf(DegenerateSubspaceError);
    expect(e.op).toBe('eigh');
    expect(e.cluster).toEqual([2, 3]);
    expect(e.gap).toBeCloseTo(2, 12);
    expect(e.dependence).toBeGreaterThan(1e-3);
    expect(e.message).toMatch(/^eigh cotangent: /);
    expect(e.message).toMatch(/symFunction/);
    const exact = (x: ActiveVec): Real =>
      dot(
        symFunction(
          mat(x, 4, 4),
          (t) => t - 3,
          () => 1,
        ).data,
        W,
      );
    expectClose(grad(exact)(A), symm(W, 4), 1e-10, 'd⟨W, A − 3I⟩ via symFunction');
  });

  it('svd, f(s_c) = 0: ⟨W, U diag(s − 3) Vᵀ⟩ at s = (3, 3, 1) raises', () => {
    const e = thrown(() =>
      grad(viaSvd((s) => sub(s, 3) as Vec))(fromSingular([3, 3, 1])),
    ) as UnevenClusterCotangentError;
    expect(e).toBeInstanceOf(UnevenClusterCotangentError);
    expect(e.op).toBe('svd');
    expect(e.cluster).toEqual([0, 1]);
  });

  it('svd at a zero singular value: ⟨W, U diag(s) Vᵀ⟩ = ⟨W, A⟩ of a rank-2 4×3 raises (s̄ ≠ 0 there)', () => {
    const B = fromSingular([3, 1, 0]);
    const e = thrown(() => grad(viaSvd((s) => s))(B)) as UnevenClusterCotangentError;
    expect(e).toBeInstanceOf(UnevenClusterCotangentError);
    expect(e.cluster).toEqual([2]);
    expect(e.message).toMatch(/zero singular values/);
    // Σs (values only) keeps the generalized-gradient convention: no raise.
    expect(() => grad((x: ActiveVec) => sum(svdvals(mat(x, 4, 3))))(B)).not.toThrow();
  });
});

// Formerly silent: a zero in-cluster diagonal of W in the solver's basis. The computed basis of an exactly
// repeated eigenvalue is now a fixed generic rotation of the solver's (svd-plain.ts), so the diagonal of an
// axis-aligned W is not zero in it, and the ambiguity check sees the loss.
describe('axis-aligned inputs at an exactly repeated eigenvalue', () => {
  it('a zero in-cluster diagonal in the axis basis: ⟨W, V diag(λ²) Vᵀ⟩ at diag(3, 3, 1) raises', () => {
    const D3 = Float64Array.of(3, 0, 0, 0, 3, 0, 0, 0, 1);
    const W3 = Float64Array.of(0, 1, 0, 1, 0, 0, 0, 0, 0); // zero diagonal on the axes e₁, e₂ of the cluster
    expect(() => grad(weighted(square, W3, 3))(D3)).toThrow(AmbiguousClusterDerivativeError);
    // d⟨W, S²⟩ = W S + S W = 6W here: powmSym gives it
    expectClose(
      grad((x: ActiveVec) => dot(powmSym(mat(x, 3, 3), 2).data, W3))(D3),
      W3.map((v) => 6 * v),
      1e-10,
      'd⟨W, A²⟩ via powmSym',
    );
  });

  it('f(λ_c) = 0 with a constant diagonal on the axes: ⟨W, V diag(λ − 3) Vᵀ⟩ at diag(3, 3, 1) raises', () => {
    const D3 = Float64Array.of(3, 0, 0, 0, 3, 0, 0, 0, 1);
    const W3 = Float64Array.of(2, 1, 0, 1, 2, 0.5, 0, 0.5, 1); // W_cc = [[2, 1], [1, 2]] on e₁, e₂
    expect(() => grad(weighted((l) => sub(l, 3) as Vec, W3, 3))(D3)).toThrow(DegenerateSubspaceError);
  });

  it('the eigenvectors of an exactly repeated eigenvalue are still an orthonormal basis of its space', () => {
    const D3 = Float64Array.of(3, 0, 0, 0, 3, 0, 0, 0, 1);
    const { values: lam, vectors } = eigh(mat(D3, 3, 3));
    const V = vectors.data as Float64Array;
    const values = lam as Float64Array;
    expect(Array.from(values)).toEqual([1, 3, 3]);
    const VtV = matmulPlain(transposePlain(V, 3, 3), V, 3, 3, 3);
    VtV.forEach((v, e) => {
      expect(v).toBeCloseTo(e % 4 === 0 ? 1 : 0, 14);
    });
    const AV = matmulPlain(D3, V, 3, 3, 3);
    AV.forEach((v, e) => {
      expect(v).toBeCloseTo(V[e]! * values[e % 3]!, 14);
    });
    // not the axes: a generic basis of span(e₁, e₂)
    expect(Math.abs(V[0 * 3 + 1]!)).toBeGreaterThan(0.05);
    expect(Math.abs(V[1 * 3 + 1]!)).toBeGreaterThan(0.05);
  });
});
