/**
 * Sparse direct and incomplete factorizations: sparse LU with threshold partial pivoting and a
 * fill-reducing ordering, ILU(0) preconditioning, and the orderings themselves.
 *
 * @module
 */
export { SingularMatrixError } from './errors.js';
export { type Ilu0Preconditioner, ilu0 } from './ilu0.js';
export { SparseLU, type SparseLUOptions } from './lu.js';
export {
  type Adjacency,
  columnOrdering,
  minimumDegreeOrdering,
  type OrderingMethod,
  symmetrizedGraph,
} from './ordering.js';
