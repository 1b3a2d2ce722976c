/**
 * Errors of the sparse package. All extend core's WengertError, so `isWengertError` recognizes them.
 */
import { WengertError } from '@wengert/core';

/**
 * A global sparsity pattern was requested for a function whose tape recorded comparisons (data
 * dependent control flow): the tape only represents f on one side of each branch, so a pattern
 * valid at every input cannot be read from it. Use `select`/`min`/`max` (which the global sweep
 * widens over both branches), or ask for a local pattern.
 */
export class BranchDependentPatternError extends WengertError {
  constructor(
    /** Number of comparisons on the tape. */
    readonly comparisons: number,
    /** Instruction count at the first one. */
    readonly position: number,
    who: string,
  ) {
    super(
      `${who}: the tape recorded ${comparisons} comparison(s) (the first after instruction ${position}), so a pattern valid ` +
        "at every input cannot be read from it; write the branch with select/min/max, or pass { pattern: 'local' }",
    );
  }
}

/** A sparse-Jacobian plan was used with a function (or tape) whose sparsity pattern differs. */
export class PlanMismatchError extends WengertError {
  constructor(
    readonly argument: string,
    /** Fingerprint the plan was made for. */
    readonly expected: string,
    /** Fingerprint of the pattern found now. */
    readonly received: string,
    detail: string,
  ) {
    super(`${argument}: the plan was made for pattern ${expected}, this function has pattern ${received} (${detail})`);
  }
}

/**
 * The soundness probe failed: the decompressed Jacobian times a random vector differs from a
 * directional derivative of f, so the pattern or the plan does not describe f at this point (a
 * local pattern used where another branch is taken, or a plan made for another function).
 */
export class SparsityProbeError extends WengertError {
  constructor(
    /** `'row'` (forward probe: J·r) or `'column'` (reverse probe: wᵀJ). */
    readonly kind: 'row' | 'column',
    /** Row (or column) with the largest discrepancy. */
    readonly index: number,
    /** |J·r − JVP(r)| (or |wᵀJ − VJP(w)|) there. */
    readonly discrepancy: number,
    /** The tolerance it exceeded. */
    readonly tolerance: number,
  ) {
    super(
      `sparse Jacobian probe: ${kind} ${index} of the decompressed Jacobian times a random vector differs from the ` +
        `directional derivative by ${discrepancy.toExponential(3)} (tolerance ${tolerance.toExponential(3)}): the sparsity ` +
        'pattern misses entries at this point. Use the global pattern, or prepare the plan again at this point',
    );
  }
}
