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
  ) {
    super(
      `${op} cotangent`,
      `a loss invariant to rotations of the basis inside the cluster ${describeCluster(cluster, values)} ` +
        `(relative dependence ≤ ${tolerance.toExponential(1)})`,
      `a loss that depends on that basis (relative dependence ${dependence.toExponential(2)}, ` +
        `gap to the rest of the spectrum ${gap.toExponential(2)}); use subspace quantities (projectors, ` +
        'sums over the cluster) instead of individual vectors',
    );
  }
}

function describeCluster(cluster: readonly number[], values: readonly number[]): string {
  const v = values.map((x) => x.toPrecision(6)).join(', ');
  return `[${cluster.join(', ')}] (values ${v})`;
}
