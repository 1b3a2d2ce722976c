/**
 * @wengert/sparse: sparsity detection on the shared tape, graph colorings, compressed sparse
 * Jacobians, sparse matrices and sparse direct / incomplete factorizations.
 *
 * @packageDocumentation
 */
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
