/**
 * Typed errors of @wengert/linalg. All are subclasses of core's `DomainError` (the input is outside
 * the domain where the operation or its derivative is defined), so `isWengertError` and
 * `instanceof DomainError` catch them; shape problems are core's `ShapeError`.
 */
import { DomainError } from '@wengert/core';

/** A solve, inverse or log-determinant met a (numerically) singular matrix. */
export class SingularMatrixError extends DomainError {
  constructor(
    argument: string,
    /** Cheap reciprocal condition estimate: min |pivot| / max |pivot| of the LU factorization (0 if a pivot is 0). */
    readonly rcondEstimate: number,
  ) {
    super(
      argument,
      'a nonsingular matrix',
      `a singular matrix (pivot ratio min|u_ii|/max|u_ii| = ${rcondEstimate.toExponential(2)})`,
    );
  }
}

/** Cholesky (or an SPD solve) met a matrix that is not symmetric positive definite. */
export class NotPositiveDefiniteError extends DomainError {
  constructor(
    argument: string,
    /** 0-based index of the first leading minor found not positive. */
    readonly minor: number,
    /** The pivot a_kk − Σ l_kj² that came out ≤ 0 (or NaN). */
    readonly pivot: number,
  ) {
    super(
      argument,
      'a symmetric positive definite matrix',
      `a matrix whose leading ${minor + 1}×${minor + 1} minor is not positive definite (pivot ${pivot})`,
    );
  }
}

/**
 * A reverse rule of `eigh` or `svd` met a cotangent that depends on the arbitrary basis chosen inside a
 * cluster of (numerically) equal eigenvalues or singular values: the loss is not a differentiable function
 * of the matrix there, and any finite number returned would be wrong. The error names the cluster,
 * its gap to the rest of the spectrum and the size of the dependence.
 */
export class DegenerateSubspaceError extends DomainError {
  constructor(
    /** `"eigh"` or `"svd"`. */
    readonly op: string,
    /** 0-based indices of the cluster in the op's output order. */
    readonly cluster: readonly number[],
    /** The cluster's (numerically equal) values. */
    readonly values: readonly number[],
    /** Distance from the cluster to the nearest value outside it (Infinity if none). */
    readonly gap: number,
    /**
     * Size of the dependence on the in-cluster basis: the Frobenius norm of the antisymmetric part of the
     * projected cotangent inside the cluster (eigh: P_c(VᵀV̄ − V̄ᵀV)P_c / 2; svd: the same for UᵀŪ + VᵀV̄, and for
     * the zero cluster UᵀŪ, VᵀV̄ and the components outside span(U), span(V) separately), relative to the
     * norm of the vector cotangents.
     */
    readonly dependence: number,
    /** The tolerance the dependence was compared with. */
    readonly tolerance: number,
    /** Subclasses' wording: [expected, received] of the DomainError message. */
    wording?: readonly [string, string],
  ) {
    super(
      `${op} cotangent`,
      wording?.[0] ??
        `a loss invariant to rotations of the basis inside the cluster ${describeCluster(cluster, values)} ` +
          `(relative dependence ≤ ${tolerance.toExponential(1)})`,
      wording?.[1] ??
        `a loss that depends on that basis (relative dependence ${dependence.toExponential(2)}, ` +
          `gap to the rest of the spectrum ${gap.toExponential(2)}); use subspace quantities (projectors, ` +
          'sums over the cluster) instead of individual vectors',
    );
  }
}

/**
 * A reverse rule of `eigh` or `svd` met cotangents, at a cluster of (numerically) equal eigenvalues or singular
 * values, that do not determine the derivative: the value cotangent on the cluster (λ̄_c, s̄_c) is nonzero AND the
 * symmetric in-cluster block of the projected vector cotangent (eigh: sym(VᵀV̄)_cc; svd: sym(UᵀŪ)_cc and
 * sym(VᵀV̄)_cc) is not a multiple of the identity. Then an eigenvalue-weighted loss such as
 * tr(V diag(f(λ)) Vᵀ W) (svd: ⟨W, U diag(f(s)) Vᵀ⟩, including ⟨W, A⟩ recomputed from the factors), whose exact
 * derivative has the in-cluster term f′(λ_c)(VᵀWV)_ij, and a projector loss plus an eigenvalue function on the
 * same cluster, whose in-cluster term is 0, reach the rule with the same cotangents; the rule cannot tell which
 * answer is right, so it raises instead of returning one of them. `dependence` is the size of the non-scalar
 * symmetric block, relative to the norm of the vector cotangents; `valueCotangent` the size of the value
 * cotangent on the cluster, relative to the norm of the whole value cotangent. Exact derivatives of such losses
 * come from the matrix-function primitives (`symFunction`, `powmSym`, `expmSym`, …; for the SVD a function of
 * AᵀA, e.g. A·g(AᵀA) through `symFunction`).
 */
export class AmbiguousClusterDerivativeError extends DegenerateSubspaceError {
  constructor(
    op: string,
    cluster: readonly number[],
    values: readonly number[],
    gap: number,
    dependence: number,
    /** ‖λ̄_c‖/‖λ̄‖ (svd: ‖s̄_c‖/‖s̄‖). */
    readonly valueCotangent: number,
    tolerance: number,
  ) {
    const block = op === 'svd' ? 'sym(UᵀŪ)_cc, sym(VᵀV̄)_cc' : 'sym(VᵀV̄)_cc';
    const bar = op === 'svd' ? 's̄' : 'λ̄';
    const kinds =
      op === 'svd'
        ? 'singular-value-weighted loss (exact in-cluster term f′(s_c)·sym(UᵀWV)_ij) and a partial isometry or ' +
          'projector loss (in-cluster term 0)'
        : 'eigenvalue-weighted loss (exact in-cluster term f′(λ_c)·(VᵀWV)_ij) and a projector loss (in-cluster term 0)';
    const use =
      op === 'svd'
        ? 'for exact derivatives of ⟨W, U diag(f(s)) Vᵀ⟩ use symFunction of AᵀA (U diag(f(s)) Vᵀ = A·g(AᵀA) with ' +
          'g(x) = f(√x)/√x; A itself for f(s) = s; polar / normNuclear for f = 1, s); for a projector plus a ' +
          'value function on the same cluster, take the values from svdvals'
        : 'for exact derivatives of tr(V diag(f(λ)) Vᵀ W) use symFunction / powmSym / expmSym (f(A) directly); ' +
          'for a projector plus an eigenvalue function on the same cluster, use eigenProjector and eigvalsh';
    super(op, cluster, values, gap, dependence, tolerance, [
      `cotangents that determine the derivative at the cluster ${describeCluster(cluster, values)}: a zero ` +
        `${bar} on it or a scalar symmetric in-cluster block ${block} (relative sizes ≤ ${tolerance.toExponential(1)})`,
      `both (relative ${bar}_c ${valueCotangent.toExponential(2)}, non-scalar symmetric block ` +
        `${dependence.toExponential(2)}, gap to the rest of the spectrum ${gap.toExponential(2)}): an ` +
        `${kinds} are indistinguishable there, so ${op}'s reverse rule cannot give an exact derivative; ${use}`,
    ]);
  }
}

/**
 * A reverse rule of `eigh`, `eigvalsh`, `svd` or `svdvals` met a value cotangent that is not the same on every
 * member of a cluster of (numerically) equal values — or, for singular values, one that is not zero on the zero
 * singular values. The rule's in-cluster term V_c diag(λ̄_c) V_cᵀ (U_c diag(s̄_c) V_cᵀ) then depends on the basis
 * chosen inside the cluster (for the zero singular values U and V rotate independently, so any s̄ there does), so
 * no finite answer would be right. Two kinds of loss get here: one that treats equal values differently (the
 * largest eigenvalue, a sorted pick, |s| at s = 0), which is not differentiable there; and an eigenvector loss
 * whose weights vanish on the cluster, such as ⟨W, V diag(λ − λ_c) Vᵀ⟩ (f(λ_c) = 0), which is differentiable but
 * leaves no trace in the vector cotangent. `dependence` is the spread of the value cotangent on the cluster
 * (its distance from its mean; for the zero singular values its size), relative to the whole value cotangent.
 */
export class UnevenClusterCotangentError extends DegenerateSubspaceError {
  constructor(
    op: string,
    cluster: readonly number[],
    values: readonly number[],
    gap: number,
    spread: number,
    tolerance: number,
    zero: boolean,
  ) {
    const bar = op.startsWith('svd') ? 's̄' : 'λ̄';
    const ways = op.startsWith('svd')
      ? 'sums over whole clusters, normNuclear (its subgradient convention at zero singular values), or symFunction of AᵀA'
      : 'sumTopK or another symmetric function of the eigenvalues, eigenProjector, or symFunction / powmSym / expmSym for functions of A';
    super(op, cluster, values, gap, spread, tolerance, [
      zero
        ? `a zero ${bar} on the zero singular values ${describeCluster(cluster, values)} (relative size ≤ ${tolerance.toExponential(1)})`
        : `a value cotangent ${bar} equal on every member of the cluster ${describeCluster(cluster, values)} (relative spread ≤ ${tolerance.toExponential(1)})`,
      `${zero ? 'a nonzero one' : 'one that differs there'} (relative ${zero ? 'size' : 'spread'} ${spread.toExponential(2)}, gap to ` +
        `the rest of the spectrum ${gap.toExponential(2)}): the derivative would depend on the basis chosen inside ` +
        `the cluster — the loss treats equal values differently (not differentiable there) or is an eigenvector loss ` +
        `whose weights vanish on the cluster; use ${ways}`,
    ]);
  }
}

/**
 * Throws UnevenClusterCotangentError when the value cotangent bar differs inside one of the clusters, or (zero)
 * is not zero on the zero singular values.
 */
export function checkValueSpread(
  op: string,
  bar: Float64Array,
  values: Float64Array,
  clusters: readonly (readonly number[])[],
  zero: readonly number[],
  tol: number,
  gapOf: (values: Float64Array, c: readonly number[]) => number,
): void {
  let norm = 0;
  for (let i = 0; i < bar.length; i++) norm = Math.hypot(norm, bar[i]!);
  if (norm === 0) return;
  const fail = (c: readonly number[], d: number, z: boolean) => {
    throw new UnevenClusterCotangentError(
      op,
      c,
      c.map((i) => values[i]!),
      gapOf(values, c),
      d,
      tol,
      z,
    );
  };
  for (const c of clusters) {
    let mean = 0;
    for (const i of c) mean += bar[i]!;
    mean /= c.length;
    let t = 0;
    for (const i of c) t += (bar[i]! - mean) ** 2;
    const spread = Math.sqrt(t) / norm;
    if (spread > tol) fail(c, spread, false);
  }
  if (zero.length > 0) {
    let t = 0;
    for (const i of zero) t += bar[i]! ** 2;
    const size = Math.sqrt(t) / norm;
    if (size > tol) fail(zero, size, true);
  }
}

function describeCluster(cluster: readonly number[], values: readonly number[]): string {
  const v = values.map((x) => x.toPrecision(6)).join(', ');
  return `[${cluster.join(', ')}] (values ${v})`;
}
