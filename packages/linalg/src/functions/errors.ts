/**
 * Typed errors of the matrix-function, subspace and least-squares primitives. Both extend core's
 * `DomainError`, like the package's other errors.
 */
import { DomainError } from '@wengert/core';

/**
 * A selection of eigenvalues (a spectral projector's index set, or the top k of `sumTopK` with
 * `atTie: 'error'`) splits a cluster of numerically equal eigenvalues: the selected subspace is not
 * determined by the matrix there (any split of the cluster's eigenspace is as good), so neither its value
 * nor a derivative is defined.
 */
export class ClusterSplitError extends DomainError {
  constructor(
    /** The operation: `"eigenProjector"` or `"sumTopK"`. */
    readonly op: string,
    /** 0-based indices (ascending eigenvalue order) of the cluster that is split. */
    readonly cluster: readonly number[],
    /** The cluster's (numerically equal) eigenvalues. */
    readonly values: readonly number[],
    /** The indices of the cluster that the selection takes. */
    readonly selected: readonly number[],
  ) {
    super(
      `${op}: selection`,
      'a selection that takes all or none of each cluster of equal eigenvalues',
      `a selection taking [${selected.join(', ')}] of the cluster [${cluster.join(', ')}] ` +
        `(eigenvalues ${values.map((v) => v.toPrecision(6)).join(', ')})`,
    );
  }
}

/**
 * The operation needs full (column or row) rank and the matrix has a smaller numerical rank: singular
 * values ≤ tol·s_max count as zero.
 */
export class RankDeficientError extends DomainError {
  constructor(
    argument: string,
    /** The rank needed (min(m, n)). */
    readonly required: number,
    /** The numerical rank found. */
    readonly rank: number,
    /** s_min / s_max. */
    readonly ratio: number,
  ) {
    super(
      argument,
      `a matrix of full rank ${required}`,
      `a matrix of numerical rank ${rank} (s_min/s_max = ${ratio.toExponential(2)})`,
    );
  }
}
