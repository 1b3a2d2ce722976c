/**
 * @wengert/sparse: sparsity detection on the shared tape, graph colorings, compressed sparse
 * Jacobians, sparse matrices and sparse direct / incomplete factorizations.
 *
 * @packageDocumentation
 */

export { AtomicSparsityError } from './detect/propagate.js';
export { hessianSparsity, jacobianSparsity, type SparsityOptions } from './detect/sparsity.js';
export { BranchDependentPatternError, PlanMismatchError, SparsityProbeError } from './errors.js';
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
