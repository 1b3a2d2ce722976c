/**
 * Sparse matrices: CSR and CSC storage over a {@link SparsityPattern}, with conversions (dense,
 * COO, ml-matrix), transposition and matrix–vector products.
 *
 * @module
 */
export { CscMatrix } from './csc.js';
export { type CooTriplets, CsrMatrix, type FromDenseOptions } from './csr.js';
