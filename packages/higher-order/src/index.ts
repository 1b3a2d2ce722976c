/**
 * @wengert/higher-order — second derivatives on Wengert's shared tape: Hessian-vector products by
 * one combined forward-over-reverse sweep, dense Hessians, and recorded functions for repeated
 * second-order evaluation.
 *
 * @packageDocumentation
 */
export { hessian, hvp, nestedHvp, RecordedHessian, recordHessian, type ScalarFunction } from './hvp.js';
export {
  type HessianColoring,
  prepareSparseHessian,
  SparseHessian,
  type SparseHessianOptions,
  SparseHessianPlan,
  type SparseHessianPlanData,
  sparseHessian,
} from './sparse-hessian.js';
export { secondOrderReverse } from './sweep.js';
export { Series, TaylorOps, taylor } from './taylor.js';
export { type MixedPartials, mixedPartials, multiIndices } from './tensor.js';
