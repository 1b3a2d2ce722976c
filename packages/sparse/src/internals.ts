/**
 * @wengert/sparse/internals: recording-level entry points for Wengert's sibling packages
 * (higher-order's sparse Hessians). Not a stable public API.
 *
 * @packageDocumentation
 */
export {
  hessianPatternOf,
  jacobianPatternOf,
  patternMode,
  requireBranchFree,
  requireVectorPoint,
} from './detect/sparsity.js';
export { int32Array, readStoredPattern } from './jacobian/plan.js';
export { csrFromParts } from './matrix/csr.js';
