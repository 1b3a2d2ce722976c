/**
 * Sparse matrices in compressed sparse row form: a {@link SparsityPattern} plus one value per
 * structural entry, in the pattern's order.
 *
 * The structure is the pattern, never the values: an entry whose value is 0 stays an entry through
 * every operation (transpose, conversions, factorizations), so a Jacobian's pattern survives a
 * point where one of its derivatives happens to vanish.
 */
import { DomainError, ShapeError } from '@wengert/core';
import { describeValue } from '@wengert/core/internals';
import { type AbstractMatrix, Matrix } from 'ml-matrix';
import { checkPattern, type SparsityPattern } from '../pattern/pattern.js';
import {
  cooToCsr,
  gather,
  outputVector,
  requireDim,
  requireIndex,
  requireVector,
  transposeStructure,
} from './convert.js';
import { type CscMatrix, cscFromParts } from './csc.js';

/** Options of the dense constructors. */
export interface FromDenseOptions {
  /**
   * The structure to store: every entry of the pattern is kept (zeros included), and every entry
   * outside it must be exactly 0. Without it, the nonzeros of the data are stored.
   */
  readonly pattern?: SparsityPattern;
}

/** COO triplets, row-major order. */
export interface CooTriplets {
  readonly rowIndex: Int32Array;
  readonly colIndex: Int32Array;
  readonly values: Float64Array;
}

// Set while the package builds a matrix from arrays it owns and knows to be valid: skips the
// O(nnz) validation and the value copy. Never true while user code runs.
let trusted = false;

/**
 * A CsrMatrix over `pattern` that takes ownership of `values` without checks (package-internal:
 * the caller guarantees a valid pattern and values.length = nnz).
 */
export function csrFromParts(pattern: SparsityPattern, values: Float64Array): CsrMatrix {
  trusted = true;
  try {
    return new CsrMatrix(pattern, values);
  } finally {
    trusted = false;
  }
}

/**
 * A rows × cols sparse matrix in CSR form. Row i holds columns colIdx[rowPtr[i]] … colIdx[rowPtr[i+1] − 1]
 * (strictly increasing) with values values[rowPtr[i]] ….
 *
 * The structure arrays are the pattern's (shared, read-only by contract, like every pattern); the
 * values belong to the matrix and may be updated in place (e.g. new Jacobian values of the same
 * pattern before a `refactor`).
 */
export class CsrMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly rowPtr: Int32Array;
  readonly colIdx: Int32Array;
  readonly values: Float64Array;
  readonly #pattern: SparsityPattern;

  /**
   * @param pattern - the structure (validated with `checkPattern`; kept by reference, as patterns are immutable).
   * @param values - one value per entry in the pattern's order (copied); zeros when omitted.
   * @throws ShapeError when the pattern is malformed or `values` is not a Float64Array of length nnz.
   */
  constructor(pattern: SparsityPattern, values?: Float64Array) {
    if (trusted) {
      this.values = values!;
    } else {
      checkPattern(pattern, 'CsrMatrix: pattern');
      const nnz = pattern.rowPtr[pattern.rows]!;
      if (values !== undefined) requireVector(values, nnz, 'CsrMatrix: values');
      this.values = values === undefined ? new Float64Array(nnz) : values.slice();
    }
    this.#pattern = pattern;
    this.rows = pattern.rows;
    this.cols = pattern.cols;
    this.rowPtr = pattern.rowPtr;
    this.colIdx = pattern.colIdx;
  }

  /**
   * A CSR matrix from row-major dense data.
   *
   * @param data - rows·cols numbers, row-major (not modified).
   * @param options - `pattern`: keep exactly these entries (zeros included); without it, the nonzeros.
   * @throws ShapeError on a wrong length or a pattern of another shape; DomainError when an entry
   *   outside the given pattern is not 0 (it would be lost silently).
   */
  static fromDense(
    rows: number,
    cols: number,
    data: Float64Array | ArrayLike<number>,
    options: FromDenseOptions = {},
  ): CsrMatrix {
    requireDim(rows, 'CsrMatrix.fromDense: rows');
    requireDim(cols, 'CsrMatrix.fromDense: cols');
    if (data === null || typeof data !== 'object' || data.length !== rows * cols) {
      throw new ShapeError(
        'CsrMatrix.fromDense: data',
        `${rows * cols} numbers (row-major ${rows} × ${cols})`,
        describeValue(data),
      );
    }
    const p = options.pattern;
    if (p !== undefined) {
      checkPattern(p, 'CsrMatrix.fromDense: options.pattern');
      if (p.rows !== rows || p.cols !== cols) {
        throw new ShapeError(
          'CsrMatrix.fromDense: options.pattern',
          `a ${rows} × ${cols} pattern`,
          `${p.rows} × ${p.cols}`,
        );
      }
      const values = new Float64Array(p.rowPtr[rows]!);
      for (let i = 0; i < rows; i++) {
        let k = p.rowPtr[i]!;
        const end = p.rowPtr[i + 1]!;
        for (let j = 0; j < cols; j++) {
          const v = data[i * cols + j]!;
          if (k < end && p.colIdx[k] === j) values[k++] = v;
          else if (v !== 0) {
            throw new DomainError(
              `CsrMatrix.fromDense: data[${i * cols + j}] (row ${i}, column ${j})`,
              '0 outside options.pattern',
              describeValue(v),
            );
          }
        }
      }
      return csrFromParts(p, values);
    }
    const rowPtr = new Int32Array(rows + 1);
    let nnz = 0;
    for (let t = 0; t < rows * cols; t++) if (data[t] !== 0) nnz++;
    const colIdx = new Int32Array(nnz);
    const values = new Float64Array(nnz);
    let w = 0;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const v = data[i * cols + j]!;
        if (v !== 0) {
          colIdx[w] = j;
          values[w++] = v;
        }
      }
      rowPtr[i + 1] = w;
    }
    return csrFromParts({ rows, cols, rowPtr, colIdx }, values);
  }

  /**
   * A CSR matrix from an ml-matrix `Matrix` (same rules as {@link CsrMatrix.fromDense}).
   * @throws ShapeError when `m` is not an ml-matrix matrix.
   */
  static fromMatrix(m: AbstractMatrix, options: FromDenseOptions = {}): CsrMatrix {
    if (!Matrix.isMatrix(m)) throw new ShapeError('CsrMatrix.fromMatrix: m', 'an ml-matrix Matrix', describeValue(m));
    return CsrMatrix.fromDense(m.rows, m.columns, m.to1DArray(), options);
  }

  /**
   * A CSR matrix from COO triplets (any order). Duplicates are summed; every given position is an
   * entry, even when its value (or sum) is 0. Inputs are not modified.
   * @throws ShapeError on unequal lengths or an index out of range.
   */
  static fromCoo(
    rows: number,
    cols: number,
    rowIndex: ArrayLike<number>,
    colIndex: ArrayLike<number>,
    values: ArrayLike<number>,
  ): CsrMatrix {
    const c = cooToCsr(rows, cols, rowIndex, colIndex, values, 'CsrMatrix.fromCoo');
    return csrFromParts({ rows, cols, rowPtr: c.ptr, colIdx: c.idx }, c.values);
  }

  /** Number of structural entries (explicit zeros included). */
  get nnz(): number {
    return this.rowPtr[this.rows]!;
  }

  /** The structure (shares the arrays; read-only by contract). */
  get pattern(): SparsityPattern {
    return this.#pattern;
  }

  /**
   * Entry (i, j): its value when (i, j) is in the pattern, else 0. O(log(row length)).
   * @throws ShapeError when i or j is out of range.
   */
  get(i: number, j: number): number {
    requireIndex(i, this.rows, 'CsrMatrix.get: i');
    requireIndex(j, this.cols, 'CsrMatrix.get: j');
    const k = findSorted(this.colIdx, this.rowPtr[i]!, this.rowPtr[i + 1]!, j);
    return k < 0 ? 0 : this.values[k]!;
  }

  /**
   * y = A x.
   * @param out - receives y (length rows); must not share memory with x. A new array when omitted.
   * @throws ShapeError when x (length cols) or out has the wrong length.
   */
  matvec(x: Float64Array, out?: Float64Array): Float64Array {
    requireVector(x, this.cols, 'CsrMatrix.matvec: x');
    const y = outputVector(out, this.rows, 'CsrMatrix.matvec: out', x);
    const { rowPtr, colIdx, values } = this;
    for (let i = 0; i < this.rows; i++) {
      let s = 0;
      for (let k = rowPtr[i]!; k < rowPtr[i + 1]!; k++) s += values[k]! * x[colIdx[k]!]!;
      y[i] = s;
    }
    return y;
  }

  /**
   * x = Aᵀ y, without forming Aᵀ (a scatter over the rows).
   * @param out - receives x (length cols); must not share memory with y.
   */
  matvecTransposed(y: Float64Array, out?: Float64Array): Float64Array {
    requireVector(y, this.rows, 'CsrMatrix.matvecTransposed: y');
    const x = outputVector(out, this.cols, 'CsrMatrix.matvecTransposed: out', y);
    x.fill(0);
    const { rowPtr, colIdx, values } = this;
    for (let i = 0; i < this.rows; i++) {
      const yi = y[i]!;
      for (let k = rowPtr[i]!; k < rowPtr[i + 1]!; k++) x[colIdx[k]!]! += values[k]! * yi;
    }
    return x;
  }

  /** Aᵀ as a new CSR matrix (every entry kept, zeros included). */
  transpose(): CsrMatrix {
    const t = transposeStructure(this.rows, this.cols, this.rowPtr, this.colIdx);
    return csrFromParts({ rows: this.cols, cols: this.rows, rowPtr: t.ptr, colIdx: t.idx }, gather(this.values, t.map));
  }

  /** The same matrix in CSC form (new arrays). */
  toCsc(): CscMatrix {
    const t = transposeStructure(this.rows, this.cols, this.rowPtr, this.colIdx);
    return cscFromParts(this.rows, this.cols, t.ptr, t.idx, gather(this.values, t.map));
  }

  /** Row-major dense copy (rows·cols numbers). */
  toDense(): Float64Array {
    const d = new Float64Array(this.rows * this.cols);
    for (let i = 0; i < this.rows; i++) {
      for (let k = this.rowPtr[i]!; k < this.rowPtr[i + 1]!; k++) d[i * this.cols + this.colIdx[k]!] = this.values[k]!;
    }
    return d;
  }

  /** Dense ml-matrix copy. */
  toMatrix(): Matrix {
    return Matrix.from1DArray(this.rows, this.cols, this.toDense());
  }

  /** COO triplets in row-major order (new arrays). */
  toCoo(): CooTriplets {
    const nnz = this.nnz;
    const rowIndex = new Int32Array(nnz);
    for (let i = 0; i < this.rows; i++) rowIndex.fill(i, this.rowPtr[i]!, this.rowPtr[i + 1]!);
    return { rowIndex, colIndex: this.colIdx.slice(), values: this.values.slice() };
  }

  /** A copy with its own values (the pattern is shared: it is immutable). */
  clone(): CsrMatrix {
    return csrFromParts(this.#pattern, this.values.slice());
  }
}

/** Position of `key` in the sorted idx[start, end), or −1. */
export function findSorted(idx: Int32Array, start: number, end: number, key: number): number {
  let lo = start;
  let hi = end - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = idx[mid]!;
    if (v === key) return mid;
    if (v < key) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
