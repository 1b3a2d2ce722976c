/**
 * The error of the sparse factorizations when a pivot cannot be found: a DomainError (the matrix
 * is outside the domain of the factorization) that also says where elimination stopped.
 */
import { DomainError } from '@wengert/core';

/**
 * A matrix is singular to the factorization: at some elimination step no acceptable pivot exists
 * (structurally: no candidate entry at all; numerically: every candidate is zero or tiny). `line`
 * and `index` name the column (LU) or row (ILU(0)) in the caller's numbering, `step` the step.
 */
export class SingularMatrixError extends DomainError {
  constructor(
    /** The matrix argument, e.g. `"SparseLU.factor: A"`. */
    argument: string,
    /** Whether `index` is a column (LU) or a row (ILU(0)). */
    readonly line: 'column' | 'row',
    /** The column or row at fault, in the caller's numbering. */
    readonly index: number,
    /** The elimination step (0-based) at which the pivot was missing. */
    readonly step: number,
    /** What was found instead (e.g. "no entry left in the column", "largest candidate 3e-17"). */
    received: string,
  ) {
    super(
      `${argument} (${line} ${index}, elimination step ${step})`,
      'a nonsingular matrix with a usable pivot',
      received,
    );
  }
}
