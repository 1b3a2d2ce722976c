/**
 * Kernels and argument checks shared by the matrix and solver modules: compressed transposition,
 * COO assembly, vector checks. Internal to the package (not re-exported from the index).
 *
 * Everything here is O(nnz + rows + cols) with typed arrays only, and never drops an entry whose
 * value is zero: the structure is the pattern, whatever the values are.
 */
import { DomainError, ShapeError } from '@wengert/core';
import { describeValue } from '@wengert/core/internals';

/**
 * A transposed compressed structure (CSR ↔ CSC): `ptr`/`idx` of the other orientation, and `map`
 * with map[t] = the source position of entry t, so values transpose as out[t] = values[map[t]].
 * The map lets a solver re-gather new values of the same pattern without redoing the sort.
 */
export interface TransposedStructure {
  readonly ptr: Int32Array;
  readonly idx: Int32Array;
  readonly map: Int32Array;
}

/**
 * Transposes a compressed structure of `major` lines over `minor` positions (CSR: rows over
 * columns). Counting sort: the output lines come out sorted because the input lines are visited in
 * increasing order.
 */
export function transposeStructure(
  major: number,
  minor: number,
  ptr: Int32Array,
  idx: Int32Array,
): TransposedStructure {
  const nnz = ptr[major]!;
  const tPtr = new Int32Array(minor + 1);
  for (let k = 0; k < nnz; k++) tPtr[idx[k]! + 1]!++;
  for (let j = 0; j < minor; j++) tPtr[j + 1]! += tPtr[j]!;
  const next = tPtr.slice(0, minor);
  const tIdx = new Int32Array(nnz);
  const map = new Int32Array(nnz);
  for (let i = 0; i < major; i++) {
    for (let k = ptr[i]!; k < ptr[i + 1]!; k++) {
      const t = next[idx[k]!]!++;
      tIdx[t] = i;
      map[t] = k;
    }
  }
  return { ptr: tPtr, idx: tIdx, map };
}

/** out[t] = values[map[t]]. */
export function gather(values: Float64Array, map: Int32Array, out: Float64Array = new Float64Array(map.length)) {
  for (let t = 0; t < map.length; t++) out[t] = values[map[t]!]!;
  return out;
}

/** A compressed structure with values (CSR when major = rows). */
export interface Compressed {
  readonly ptr: Int32Array;
  readonly idx: Int32Array;
  readonly values: Float64Array;
}

/**
 * Assembles COO triplets into CSR: duplicates summed, entries sorted, zeros (given or summed to
 * zero) kept as entries. Two counting sorts (by column, then stably by row) give row-major order
 * in O(nnz + rows + cols), then adjacent duplicates merge.
 */
export function cooToCsr(
  rows: number,
  cols: number,
  rowIndex: ArrayLike<number>,
  colIndex: ArrayLike<number>,
  values: ArrayLike<number>,
  fn: string,
): Compressed {
  requireDim(rows, `${fn}: rows`);
  requireDim(cols, `${fn}: cols`);
  const m = rowIndex.length;
  if (colIndex.length !== m) {
    throw new ShapeError(`${fn}: colIndex`, `length ${m} (as rowIndex)`, `length ${colIndex.length}`);
  }
  if (values.length !== m)
    throw new ShapeError(`${fn}: values`, `length ${m} (as rowIndex)`, `length ${values.length}`);
  for (let k = 0; k < m; k++) {
    requireIndex(rowIndex[k]!, rows, `${fn}: rowIndex[${k}]`);
    requireIndex(colIndex[k]!, cols, `${fn}: colIndex[${k}]`);
  }
  // Pass 1: bucket by column.
  const cPtr = new Int32Array(cols + 1);
  for (let k = 0; k < m; k++) cPtr[colIndex[k]! + 1]!++;
  for (let j = 0; j < cols; j++) cPtr[j + 1]! += cPtr[j]!;
  const byCol = new Int32Array(m);
  const cNext = cPtr.slice(0, cols);
  for (let k = 0; k < m; k++) byCol[cNext[colIndex[k]!]!++] = k;
  // Pass 2: stable bucket by row, visiting triplets in column order.
  const rPtr = new Int32Array(rows + 1);
  for (let k = 0; k < m; k++) rPtr[rowIndex[k]! + 1]!++;
  for (let i = 0; i < rows; i++) rPtr[i + 1]! += rPtr[i]!;
  const order = new Int32Array(m);
  const rNext = rPtr.slice(0, rows);
  for (let t = 0; t < m; t++) {
    const k = byCol[t]!;
    order[rNext[rowIndex[k]!]!++] = k;
  }
  // Merge duplicates (adjacent now).
  const ptr = new Int32Array(rows + 1);
  const idx = new Int32Array(m);
  const val = new Float64Array(m);
  let w = 0;
  for (let i = 0; i < rows; i++) {
    const start = w;
    for (let t = rPtr[i]!; t < rPtr[i + 1]!; t++) {
      const k = order[t]!;
      const j = colIndex[k]!;
      if (w > start && idx[w - 1] === j) val[w - 1]! += values[k]!;
      else {
        idx[w] = j;
        val[w] = values[k]!;
        w++;
      }
    }
    ptr[i + 1] = w;
  }
  return { ptr, idx: idx.slice(0, w), values: val.slice(0, w) };
}

/**
 * Checks a compressed structure given as raw arrays (the CSC constructor's input): ptr of length
 * major + 1 from 0 to idx.length, non-decreasing, indices strictly increasing in [0, minor) per line.
 */
export function checkCompressed(
  major: number,
  minor: number,
  ptr: unknown,
  idx: unknown,
  names: { readonly ptr: string; readonly idx: string; readonly line: string },
): asserts ptr is Int32Array {
  if (!(ptr instanceof Int32Array) || ptr.length !== major + 1) {
    throw new ShapeError(names.ptr, `an Int32Array of length ${major + 1}`, describeValue(ptr));
  }
  if (!(idx instanceof Int32Array)) throw new ShapeError(names.idx, 'an Int32Array', describeValue(idx));
  if (ptr[0] !== 0 || ptr[major] !== idx.length) {
    throw new ShapeError(
      names.ptr,
      `to start at 0 and end at ${names.idx}.length (${idx.length})`,
      `${ptr[0]} … ${ptr[major]}`,
    );
  }
  for (let a = 0; a < major; a++) {
    const s = ptr[a]!;
    const e = ptr[a + 1]!;
    if (e < s) throw new ShapeError(`${names.ptr}[${a + 1}]`, `≥ ${names.ptr}[${a}] = ${s}`, String(e));
    for (let k = s; k < e; k++) {
      const b = idx[k]!;
      if (b < 0 || b >= minor || (k > s && b <= idx[k - 1]!)) {
        throw new ShapeError(
          `${names.idx}[${k}] (${names.line} ${a})`,
          `strictly increasing indices in [0, ${minor})`,
          String(b),
        );
      }
    }
  }
}

/** Throws a ShapeError unless n is a non-negative integer. */
export function requireDim(n: unknown, arg: string): asserts n is number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    throw new ShapeError(arg, 'a non-negative integer', describeValue(n));
  }
}

/** Throws a ShapeError unless i is an integer in [0, bound). */
export function requireIndex(i: unknown, bound: number, arg: string): asserts i is number {
  if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= bound) {
    throw new ShapeError(arg, `an integer index in [0, ${bound})`, describeValue(i));
  }
}

/** Throws a ShapeError unless x is a Float64Array of the given length. */
export function requireVector(x: unknown, length: number, arg: string): asserts x is Float64Array {
  if (!(x instanceof Float64Array) || x.length !== length) {
    throw new ShapeError(arg, `a Float64Array of length ${length}`, describeValue(x));
  }
}

/** Throws a DomainError naming the first non-finite entry of x. */
export function requireFiniteVector(x: Float64Array, arg: string): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (!Number.isFinite(v)) throw new DomainError(`${arg}[${i}]`, 'a finite number', describeValue(v));
  }
}

/**
 * The output vector of a kernel that reads `input` while writing: a new array when `out` is
 * omitted, else `out` checked for length and for not sharing memory with `input` (an overlap would
 * make the kernel read what it already overwrote).
 */
export function outputVector(out: unknown, length: number, arg: string, input?: Float64Array): Float64Array {
  if (out === undefined) return new Float64Array(length);
  requireVector(out, length, arg);
  if (input !== undefined && overlaps(out, input)) {
    throw new DomainError(arg, 'an array not sharing memory with the input vector', describeValue(out));
  }
  return out;
}

function overlaps(a: Float64Array, b: Float64Array): boolean {
  if (a.buffer !== b.buffer) return false;
  return a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}
