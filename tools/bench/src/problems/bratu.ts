/**
 * BENCHMARKS.md problem 3 (sparse-jac-bratu2d): the residual in vector and scalar form comes from the
 * sparse package's test support (one definition for its tests and these benchmarks); this module adds
 * what only the benchmarks need (hand-coded Jacobian, error metric, reference values, the energy).
 * N × N interior grid, h = 1/(N+1), unknown k = i*N + j, zero Dirichlet boundary:
 *   lap = 4 u[k] − [i>0] u[k−N] − [i<N−1] u[k+N] − [j>0] u[k−1] − [j<N−1] u[k+1]
 *   F[k] = lap / h² − λ exp(u[k])
 */
import { type ActiveVec, dot, exp, mul, type Real, sub, sum } from '@wengert/core';

export {
  bratuJacobianEntry,
  bratuPlain,
  bratuPoint,
  bratuScalar,
  bratuVector,
  fivePointRows,
  LAMBDA,
  laplacian,
  neighbourIndices,
} from '../../../../packages/sparse/test/support/bratu.js';

import {
  bratuJacobianEntry,
  fivePointRows,
  LAMBDA,
  laplacian,
} from '../../../../packages/sparse/test/support/bratu.js';

/** max|F(u0)| of BENCHMARKS.md, by N. */
export const MAX_ABS_F: Record<number, number> = {
  30: 5.8809801099153258,
  100: 5.9613647739357969,
  300: 5.986820898574952,
};

/**
 * Hand-coded Jacobian values in the 5-point CSR order (the JS limit for this problem): diagonal
 * 4/h² − λ exp(u_k), neighbours −1/h².
 */
export function handJacobian(N: number, u: Float64Array, values: Float64Array): Float64Array {
  const h = 1 / (N + 1);
  const invH2 = 1 / (h * h);
  let k = 0;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      const r = i * N + j;
      if (i > 0) values[k++] = -invH2;
      if (j > 0) values[k++] = -invH2;
      values[k++] = 4 * invH2 - LAMBDA * Math.exp(u[r]!);
      if (j < N - 1) values[k++] = -invH2;
      if (i < N - 1) values[k++] = -invH2;
    }
  }
  return values;
}

/**
 * The metric of BENCHMARKS.md: max abs error over the nonzeros / max |J_ij| against the analytic
 * values; a pattern that is not exactly the 5-point stencil counts as an infinite error.
 */
export function jacobianError(
  N: number,
  u: Float64Array,
  A: { rows: number; rowPtr: Int32Array; colIdx: Int32Array; values: Float64Array },
): number {
  const rows = fivePointRows(N);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < A.rows; i++) {
    const want = rows[i]!;
    if (A.rowPtr[i + 1]! - A.rowPtr[i]! !== want.length) return Number.POSITIVE_INFINITY;
    for (let k = A.rowPtr[i]!, q = 0; k < A.rowPtr[i + 1]!; k++, q++) {
      if (A.colIdx[k] !== want[q]) return Number.POSITIVE_INFINITY;
      const ref = bratuJacobianEntry(N, u, i, A.colIdx[k]!);
      worst = Math.max(worst, Math.abs(A.values[k]! - ref));
      scale = Math.max(scale, Math.abs(ref));
    }
  }
  return worst / scale;
}

/**
 * The Bratu energy E(u) = ½ uᵀ(lap u)/h² − λ Σ exp(u): its gradient is the residual F and its
 * Hessian the (symmetric) Bratu Jacobian, a 2D 5-point matrix (the sparse-Hessian benchmark).
 */
export function bratuEnergy(N: number): (u: ActiveVec) => Real {
  const h = 1 / (N + 1);
  const invH2 = 1 / (h * h);
  const lap = laplacian(N);
  return (u) => sub(mul(0.5 * invH2, dot(u, lap(u))), mul(LAMBDA, sum(exp(u))));
}
