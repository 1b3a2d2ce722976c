/**
 * Sparse matrices in compressed sparse column form: the layout column-oriented algorithms read
 * (left-looking LU takes A one column at a time). Same rules as {@link CsrMatrix}: the structure
 * is kept whatever the values, zeros included.
 */
import { ShapeError } from '@wengert/core';
import { describeValue } from '@wengert/core/internals';
import { Matrix } from 'ml-matrix';
import {
  checkCompressed,
  gather,
  outputVector,
  requireDim,
  requireIndex,
  requireVector,
  transposeStructure,
} from './convert.js';
import { CsrMatrix, csrFromParts, findSorted } from './csr.js';

// See csr.ts: set only while the package wraps arrays it owns and knows to be valid.
let trusted = false;

/** A CscMatrix owning the given arrays, without checks (package-internal). */
export function cscFromParts(
  rows: number,
  cols: number,
  colPtr: Int32Array,
  rowIdx: Int32Array,
  values: Float64Array,
): CscMatrix {
  trusted = true;
  try {
    return new CscMatrix(rows, cols, colPtr, rowIdx, values);
  } finally {
    trusted = false;
  }
}

/**
 * A rows × cols sparse matrix in CSC form: column j holds rows rowIdx[colPtr[j]] … rowIdx[colPtr[j+1] − 1]
 * (strictly increasing) with values values[colPtr[j]] ….
 */
export class CscMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly colPtr: Int32Array;
  readonly rowIdx: Int32Array;
  readonly values: Float64Array;

  /**
   * @param colPtr - column starts, length cols + 1 (copied).
   * @param rowIdx - row indices, strictly increasing within each column (copied).
   * @param values - one value per entry (copied); zeros when omitted.
   * @throws ShapeError when the structure is malformed or a length is wrong.
   */
  constructor(rows: number, cols: number, colPtr: Int32Array, rowIdx: Int32Array, values?: Float64Array) {
    if (trusted) {
      this.colPtr = colPtr;
      this.rowIdx = rowIdx;
      this.values = values!;
    } else {
      requireDim(rows, 'CscMatrix: rows');
      requireDim(cols, 'CscMatrix: cols');
      checkCompressed(cols, rows, colPtr, rowIdx, {
        ptr: 'CscMatrix: colPtr',
        idx: 'CscMatrix: rowIdx',
        line: 'column',
      });
      if (values !== undefined) requireVector(values, rowIdx.length, 'CscMatrix: values');
      this.colPtr = colPtr.slice();
      this.rowIdx = rowIdx.slice();
      this.values = values === undefined ? new Float64Array(rowIdx.length) : values.slice();
    }
    this.rows = rows;
    this.cols = cols;
  }

  /** Number of structural entries (explicit zeros included). */
  get nnz(): number {
    return this.colPtr[this.cols]!;
  }

  /** Entry (i, j), 0 when not in the structure. @throws ShapeError when out of range. */
  get(i: number, j: number): number {
    requireIndex(i, this.rows, 'CscMatrix.get: i');
    requireIndex(j, this.cols, 'CscMatrix.get: j');
    const k = findSorted(this.rowIdx, this.colPtr[j]!, this.colPtr[j + 1]!, i);
    return k < 0 ? 0 : this.values[k]!;
  }

  /** y = A x (a scatter over the columns). `out` must not share memory with x. */
  matvec(x: Float64Array, out?: Float64Array): Float64Array {
    requireVector(x, this.cols, 'CscMatrix.matvec: x');
    const y = outputVector(out, this.rows, 'CscMatrix.matvec: out', x);
    y.fill(0);
    const { colPtr, rowIdx, values } = this;
    for (let j = 0; j < this.cols; j++) {
      const xj = x[j]!;
      for (let k = colPtr[j]!; k < colPtr[j + 1]!; k++) y[rowIdx[k]!]! += values[k]! * xj;
    }
    return y;
  }

  /** x = Aᵀ y (a dot product per column). `out` must not share memory with y. */
  matvecTransposed(y: Float64Array, out?: Float64Array): Float64Array {
    requireVector(y, this.rows, 'CscMatrix.matvecTransposed: y');
    const x = outputVector(out, this.cols, 'CscMatrix.matvecTransposed: out', y);
    const { colPtr, rowIdx, values } = this;
    for (let j = 0; j < this.cols; j++) {
      let s = 0;
      for (let k = colPtr[j]!; k < colPtr[j + 1]!; k++) s += values[k]! * y[rowIdx[k]!]!;
      x[j] = s;
    }
    return x;
  }

  /** The same matrix in CSR form (new arrays, every entry kept). */
  toCsr(): CsrMatrix {
    const t = transposeStructure(this.cols, this.rows, this.colPtr, this.rowIdx);
    return csrFromParts({ rows: this.rows, cols: this.cols, rowPtr: t.ptr, colIdx: t.idx }, gather(this.values, t.map));
  }

  /** Row-major dense copy. */
  toDense(): Float64Array {
    const d = new Float64Array(this.rows * this.cols);
    for (let j = 0; j < this.cols; j++) {
      for (let k = this.colPtr[j]!; k < this.colPtr[j + 1]!; k++) d[this.rowIdx[k]! * this.cols + j] = this.values[k]!;
    }
    return d;
  }

  /** Dense ml-matrix copy. */
  toMatrix(): Matrix {
    return Matrix.from1DArray(this.rows, this.cols, this.toDense());
  }
}

/** Throws a ShapeError unless `a` is a CsrMatrix or CscMatrix (for functions that take either). */
export function requireSparse(a: unknown, arg: string): asserts a is CsrMatrix | CscMatrix {
  if (!(a instanceof CsrMatrix) && !(a instanceof CscMatrix)) {
    throw new ShapeError(arg, 'a CsrMatrix or CscMatrix', describeValue(a));
  }
}
