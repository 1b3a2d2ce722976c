/**
 * Sparsity patterns: which entries of a rows × cols matrix may be nonzero, in compressed sparse
 * row form (CSR without values). Every module of this package speaks this one type.
 *
 * Invariants (checked by `checkPattern`): `rowPtr` has rows + 1 non-decreasing entries starting at
 * 0; within a row the column indices are strictly increasing and lie in [0, cols). A pattern is
 * plain data: it never aliases the caller's arrays after construction, and functions here never
 * mutate a pattern they receive.
 */
import { ShapeError } from '@wengert/core';
import { describeValue } from '@wengert/core/internals';

/** A sparsity pattern in CSR form: row i holds columns colIdx[rowPtr[i]] … colIdx[rowPtr[i+1] − 1], sorted. */
export interface SparsityPattern {
  readonly rows: number;
  readonly cols: number;
  /** Row starts, length rows + 1. */
  readonly rowPtr: Int32Array;
  /** Column indices, length nnz, strictly increasing within each row. */
  readonly colIdx: Int32Array;
}

/** Number of structural nonzeros. */
export function nnzOf(p: SparsityPattern): number {
  return p.rowPtr[p.rows]!;
}

/**
 * Builds a pattern from one list of column indices per row (any order, duplicates allowed: they
 * are sorted and merged). The lists are copied.
 */
export function patternFromRows(
  rows: number,
  cols: number,
  lists: readonly (ArrayLike<number> | undefined)[],
): SparsityPattern {
  requireDim(rows, 'patternFromRows: rows');
  requireDim(cols, 'patternFromRows: cols');
  if (lists.length !== rows) {
    throw new ShapeError('patternFromRows: lists', `one list per row (${rows})`, `${lists.length} lists`);
  }
  const rowPtr = new Int32Array(rows + 1);
  const scratch: number[][] = [];
  let nnz = 0;
  for (let i = 0; i < rows; i++) {
    const l = lists[i];
    const sorted: number[] = [];
    if (l !== undefined) {
      for (let k = 0; k < l.length; k++) {
        const j = l[k]!;
        if (!Number.isInteger(j) || j < 0 || j >= cols) {
          throw new ShapeError(
            `patternFromRows: lists[${i}][${k}]`,
            `a column index in [0, ${cols})`,
            describeValue(j),
          );
        }
        sorted.push(j);
      }
      sorted.sort((x, y) => x - y);
    }
    let w = 0;
    for (let k = 0; k < sorted.length; k++) if (k === 0 || sorted[k] !== sorted[w - 1]) sorted[w++] = sorted[k]!;
    sorted.length = w;
    scratch.push(sorted);
    nnz += w;
    rowPtr[i + 1] = nnz;
  }
  const colIdx = new Int32Array(nnz);
  for (let i = 0; i < rows; i++) colIdx.set(scratch[i]!, rowPtr[i]!);
  return { rows, cols, rowPtr, colIdx };
}

/** Builds a pattern from (row, col) pairs in any order; duplicates are merged. */
export function patternFromEntries(
  rows: number,
  cols: number,
  rowIndex: ArrayLike<number>,
  colIndex: ArrayLike<number>,
): SparsityPattern {
  if (rowIndex.length !== colIndex.length) {
    throw new ShapeError(
      'patternFromEntries: colIndex',
      `length ${rowIndex.length} (as rowIndex)`,
      `length ${colIndex.length}`,
    );
  }
  requireDim(rows, 'patternFromEntries: rows');
  const lists: number[][] = Array.from({ length: rows }, () => []);
  for (let k = 0; k < rowIndex.length; k++) {
    const i = rowIndex[k]!;
    if (!Number.isInteger(i) || i < 0 || i >= rows) {
      throw new ShapeError(`patternFromEntries: rowIndex[${k}]`, `a row index in [0, ${rows})`, describeValue(i));
    }
    lists[i]!.push(colIndex[k]!);
  }
  return patternFromRows(rows, cols, lists);
}

/** The transposed pattern (CSR of Aᵀ, i.e. the CSC structure of A), in O(nnz). */
export function transposePattern(p: SparsityPattern): SparsityPattern {
  const { rows, cols, rowPtr, colIdx } = p;
  const nnz = rowPtr[rows]!;
  const tPtr = new Int32Array(cols + 1);
  for (let k = 0; k < nnz; k++) tPtr[colIdx[k]! + 1]!++;
  for (let j = 0; j < cols; j++) tPtr[j + 1]! += tPtr[j]!;
  const next = tPtr.slice(0, cols);
  const tIdx = new Int32Array(nnz);
  // Rows are visited in increasing order, so each transposed row comes out sorted.
  for (let i = 0; i < rows; i++) {
    for (let k = rowPtr[i]!; k < rowPtr[i + 1]!; k++) tIdx[next[colIdx[k]!]!++] = i;
  }
  return { rows: cols, cols: rows, rowPtr: tPtr, colIdx: tIdx };
}

/** True when both patterns have the same shape and the same entries. */
export function patternsEqual(a: SparsityPattern, b: SparsityPattern): boolean {
  if (a.rows !== b.rows || a.cols !== b.cols) return false;
  const n = a.rowPtr.length;
  for (let i = 0; i < n; i++) if (a.rowPtr[i] !== b.rowPtr[i]) return false;
  const nnz = a.rowPtr[a.rows]!;
  for (let k = 0; k < nnz; k++) if (a.colIdx[k] !== b.colIdx[k]) return false;
  return true;
}

/**
 * A 64-bit fingerprint of the pattern (shape, then rowPtr and colIdx), as 16 hex digits: two
 * independent 32-bit FNV-1a-style lanes over 32-bit words (different offsets and primes), so it
 * costs two integer multiplications per word. Plans carry it so that a plan used with another
 * pattern is caught; it is a checksum, not a cryptographic hash.
 */
export function patternFingerprint(p: SparsityPattern): string {
  let a = 0x811c9dc5 | 0;
  let b = 0x050c5d1f | 0;
  const mix = (w: number): void => {
    a = Math.imul(a ^ w, 0x01000193);
    b = Math.imul(b ^ w, 0x5bd1e995);
    b ^= b >>> 15;
  };
  mix(p.rows);
  mix(p.cols);
  const { rowPtr, colIdx } = p;
  for (let i = 0; i <= p.rows; i++) {
    a = Math.imul(a ^ rowPtr[i]!, 0x01000193);
    b = Math.imul(b ^ rowPtr[i]!, 0x5bd1e995);
    b ^= b >>> 15;
  }
  const nnz = rowPtr[p.rows]!;
  for (let k = 0; k < nnz; k++) {
    a = Math.imul(a ^ colIdx[k]!, 0x01000193);
    b = Math.imul(b ^ colIdx[k]!, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/** Throws a ShapeError naming `arg` unless p is a well-formed SparsityPattern. */
export function checkPattern(p: unknown, arg: string): asserts p is SparsityPattern {
  const q = p as Partial<SparsityPattern> | null;
  if (q === null || typeof q !== 'object') throw new ShapeError(arg, 'a SparsityPattern', describeValue(p));
  const { rows, cols, rowPtr, colIdx } = q;
  if (!Number.isInteger(rows) || (rows as number) < 0 || !Number.isInteger(cols) || (cols as number) < 0) {
    throw new ShapeError(
      `${arg}.rows/cols`,
      'non-negative integers',
      `${describeValue(rows)} × ${describeValue(cols)}`,
    );
  }
  if (!(rowPtr instanceof Int32Array) || rowPtr.length !== (rows as number) + 1) {
    throw new ShapeError(`${arg}.rowPtr`, `an Int32Array of length ${(rows as number) + 1}`, describeValue(rowPtr));
  }
  if (!(colIdx instanceof Int32Array)) throw new ShapeError(`${arg}.colIdx`, 'an Int32Array', describeValue(colIdx));
  if (rowPtr[0] !== 0 || rowPtr[rows as number] !== colIdx.length) {
    throw new ShapeError(
      `${arg}.rowPtr`,
      `to start at 0 and end at colIdx.length (${colIdx.length})`,
      `${rowPtr[0]} … ${rowPtr[rows as number]}`,
    );
  }
  for (let i = 0; i < (rows as number); i++) {
    const s = rowPtr[i]!;
    const e = rowPtr[i + 1]!;
    if (e < s) throw new ShapeError(`${arg}.rowPtr[${i + 1}]`, `≥ rowPtr[${i}] = ${s}`, String(e));
    for (let k = s; k < e; k++) {
      const j = colIdx[k]!;
      if (j < 0 || j >= (cols as number) || (k > s && j <= colIdx[k - 1]!)) {
        throw new ShapeError(
          `${arg}.colIdx[${k}] (row ${i})`,
          `strictly increasing column indices in [0, ${cols})`,
          String(j),
        );
      }
    }
  }
}

function requireDim(n: number, arg: string): void {
  if (!Number.isInteger(n) || n < 0) throw new ShapeError(arg, 'a non-negative integer', describeValue(n));
}
