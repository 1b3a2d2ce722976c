/** Typed errors of the Krylov solvers. */
import { DomainError } from '@wengert/core';

/**
 * A Krylov solver (`cg`, `gmres`, `bicgstab`, or the solve inside `linearSolve` and its derivative rules)
 * did not reach its tolerance within `maxIter` iterations, or broke down (a zero denominator). The
 * operator is outside the domain where the method works: not SPD for CG, too ill-conditioned for the
 * iteration budget, or singular.
 */
export class KrylovConvergenceError extends DomainError {
  constructor(
    /** `"cg"`, `"gmres"` or `"bicgstab"`, with the context (e.g. `"linearSolve adjoint"`) when inside a rule. */
    readonly method: string,
    /** Iterations (matrix–vector products for GMRES: inner steps) made. */
    readonly iterations: number,
    /** ‖b − A x‖₂ of the last iterate (the recursively updated residual). */
    readonly residual: number,
    /** The residual norm that was required: max(tol·‖b‖, atol). */
    readonly target: number,
    /** Why it stopped: `"maxIter"` or a breakdown description. */
    readonly reason: string,
  ) {
    super(
      `${method}: operator`,
      `an operator for which ${method} reaches ‖b − Ax‖ ≤ ${target.toExponential(2)}`,
      `no convergence after ${iterations} iterations (${reason}); residual ‖b − Ax‖ = ${residual.toExponential(3)}`,
    );
  }
}
