/**
 * @wengert/sparse: sparsity detection on the shared tape, graph colorings, compressed sparse
 * Jacobians, sparse matrices and sparse direct / incomplete factorizations.
 *
 * @packageDocumentation
 */
export {
  acyclicColoring,
  type Bicoloring,
  type CheckResult,
  type Coloring,
  type ColoringKind,
  type ColoringOptions,
  checkAcyclicColoring,
  checkColumnColoring,
  checkDistance1Coloring,
  checkRowColoring,
  checkStarBicoloring,
  checkStarColoring,
  coloringLowerBound,
  columnColoring,
  distance1Coloring,
  ORDERINGS,
  type Ordering,
  orderVertices,
  proposeStencilColorings,
  rowColoring,
  type StencilColoringKind,
  starBicoloring,
  starColoring,
  symmetrizePattern,
} from './coloring/index.js';
export { AtomicSparsityError } from './detect/propagate.js';
export { hessianSparsity, jacobianSparsity, type SparsityOptions } from './detect/sparsity.js';
export { BranchDependentPatternError, PlanMismatchError, SparsityProbeError } from './errors.js';
export {
  type JacobianMode,
  type PlanOptions,
  planSparseJacobian,
  SparseJacobianPlan,
  type SparseJacobianPlanData,
} from './jacobian/plan.js';
export {
  prepareSparseJacobian,
  SparseJacobian,
  type SparseJacobianOptions,
  sparseJacobian,
} from './jacobian/sparse-jacobian.js';
export { type CooTriplets, CscMatrix, CsrMatrix, type FromDenseOptions } from './matrix/index.js';
export {
  checkPattern,
  nnzOf,
  patternFingerprint,
  patternFromEntries,
  patternFromRows,
  patternsEqual,
  type SparsityPattern,
  transposePattern,
} from './pattern/pattern.js';
export {
  type PreparedRecovery,
  prepareAcyclicRecovery,
  prepareBicoloredRecovery,
  prepareColumnRecovery,
  prepareRowRecovery,
  prepareStarRecovery,
  recoverAcyclic,
  recoverBicolored,
  recoverColumnCompressed,
  recoverRowCompressed,
  recoverStar,
} from './recovery/index.js';
export {
  type Adjacency,
  columnOrdering,
  type Ilu0Preconditioner,
  ilu0,
  minimumDegreeOrdering,
  type OrderingMethod,
  SingularMatrixError,
  SparseLU,
  type SparseLUOptions,
  symmetrizedGraph,
} from './solve/index.js';
