/**
 * @wengert/linalg — differentiable dense linear algebra on Wengert's shared tape: products, solves,
 * Cholesky, determinants, inverse, symmetric eigendecomposition and SVD, each an atomic with forward,
 * reverse and differentiable (second-order) rules, and a degeneracy policy for repeated eigenvalues and
 * singular values.
 *
 * @packageDocumentation
 */
export {
  type MatmulOptions,
  matmul,
  matvec,
  outer,
  trace,
  transpose,
} from './basic.js';
export { ComplexEigenvaluesError, eig, eigvals } from './eig.js';
export { eigh, eigvalsh } from './eigh.js';
export {
  AmbiguousClusterDerivativeError,
  DegenerateSubspaceError,
  NotPositiveDefiniteError,
  SingularMatrixError,
  UnevenClusterCotangentError,
} from './errors.js';
export { ClusterSplitError, RankDeficientError } from './functions/errors.js';
export { expm } from './functions/expm.js';
export { normFro, normNuclear, normSpectral, polar } from './functions/polar.js';
export { lstsq, pinv, qr, type RankOptions } from './functions/qr.js';
export {
  type EigenSelection,
  eigenProjector,
  expmSym,
  logmSym,
  type MatrixFunctionOptions,
  powmSym,
  type SumTopKOptions,
  type SymFunctionOptions,
  sqrtmSym,
  sumTopK,
  symFunction,
} from './functions/spectral.js';
export { KrylovConvergenceError } from './krylov/errors.js';
export { type LinearOperator, type LinearSolveOptions, linearSolve, type SolvePhase } from './krylov/linear-solve.js';
export {
  bicgstab,
  cg,
  type GmresOptions,
  gmres,
  jacobi,
  type KrylovOptions,
  type KrylovReport,
  type MatVec,
} from './krylov/solvers.js';
export { lu } from './lu.js';
export { fromMatrix, type Mat, type MatLike, mat, toMatrix } from './mat.js';
export { cholesky, det, inv, logdet, type SolveKind, type SolveOptions, slogdet, solve } from './solve.js';
export { DEFAULT_CLUSTER_TOL, DEFAULT_DEPENDENCE_TOL, type SpectralOptions } from './spectral-options.js';
export { svd, svdvals } from './svd.js';
