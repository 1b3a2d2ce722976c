/**
 * Jacobian and Hessian sparsity patterns read from a tape, and the public functions that record f
 * and return them.
 */
import { ShapeError } from '@wengert/core';
import { describeValue, inputCount, outputCount, type Recording, recordCall } from '@wengert/core/internals';
import { BranchDependentPatternError } from '../errors.js';
import type { SparsityPattern } from '../pattern/pattern.js';
import { type Propagation, propagate } from './propagate.js';

/** Options of the pattern sweeps. */
export interface SparsityOptions {
  /**
   * `'global'` (default): a pattern valid at every input. Branches through `select`, `min`, `max`
   * count both ways; a tape with recorded comparisons (data-dependent `if`) is refused with
   * BranchDependentPatternError. `'local'`: the pattern at this point only (taken branches only,
   * comparisons allowed).
   */
  readonly pattern?: 'global' | 'local';
  /** Called once per atomic call without a sparsity hook (it counts as dense). Default: silent. */
  readonly onDenseAtomic?: (name: string) => void;
}

/** Reads the mode option (typed error for anything else). */
export function patternMode(o: SparsityOptions | undefined, who: string): 'global' | 'local' {
  const m = o?.pattern ?? 'global';
  if (m !== 'global' && m !== 'local')
    throw new ShapeError(`${who}: options.pattern`, "'global' or 'local'", describeValue(m));
  return m;
}

/** Refuses a global pattern for a tape that recorded comparisons. */
export function requireBranchFree(rec: Recording, mode: 'global' | 'local', who: string): void {
  const t = rec.tape;
  if (mode === 'global' && t.cmpCode.length > 0)
    throw new BranchDependentPatternError(t.cmpCode.length, t.cmpPos[0]!, who);
}

/** The Jacobian pattern (outputs × inputs) of a recording. */
export function jacobianPatternOf(
  rec: Recording,
  mode: 'global' | 'local',
  o: SparsityOptions | undefined,
  who: string,
): SparsityPattern {
  requireBranchFree(rec, mode, who);
  const prop = propagate(rec, { local: mode === 'local', hessian: false, onDenseAtomic: o?.onDenseAtomic });
  return outputRows(rec, prop);
}

/** Builds CSR rows from the sets of the output slots. */
function outputRows(rec: Recording, prop: Propagation): SparsityPattern {
  const n = inputCount(rec);
  const m = outputCount(rec);
  const { dag, slotNode } = prop;
  const rowPtr = new Int32Array(m + 1);
  // Room for ~8 entries per row up front: growing (a copy) costs more than the slack.
  let colIdx = new Int32Array(Math.max(16, m * 8));
  const scratch = new Int32Array(n);
  let nnz = 0;
  for (let i = 0; i < m; i++) {
    const s = rec.outRun !== undefined ? rec.outRun.slot + i : rec.outSlots[i]!;
    const c = s < 0 ? 0 : dag.collect(slotNode[s]!, scratch);
    if (nnz + c > colIdx.length) {
      const bigger = new Int32Array(Math.max(colIdx.length * 2, nnz + c));
      bigger.set(colIdx.subarray(0, nnz));
      colIdx = bigger;
    }
    // Short rows: insertion sort straight into place (a typed-array sort costs more per call).
    if (c > 32) {
      const row = colIdx.subarray(nnz, nnz + c);
      row.set(scratch.subarray(0, c));
      row.sort();
    } else
      for (let a = 0; a < c; a++) {
        const v = scratch[a]!;
        let b = nnz + a - 1;
        while (b >= nnz && colIdx[b]! > v) {
          colIdx[b + 1] = colIdx[b]!;
          b--;
        }
        colIdx[b + 1] = v;
      }
    nnz += c;
    rowPtr[i + 1] = nnz;
  }
  // Keep the buffer when little is unused (a view, no copy); trim it otherwise.
  return {
    rows: m,
    cols: n,
    rowPtr,
    colIdx: nnz * 2 >= colIdx.length ? colIdx.subarray(0, nnz) : colIdx.slice(0, nnz),
  };
}

/**
 * The Hessian pattern (inputs × inputs, symmetric) of a recording: the union over outputs of the
 * pairs (i, j) whose second derivative may be nonzero. The diagonal is included only where an
 * interaction puts it.
 */
export function hessianPatternOf(
  rec: Recording,
  mode: 'global' | 'local',
  o: SparsityOptions | undefined,
  who: string,
): SparsityPattern {
  requireBranchFree(rec, mode, who);
  const n = inputCount(rec);
  const prop = propagate(rec, { local: mode === 'local', hessian: true, onDenseAtomic: o?.onDenseAtomic });
  const { dag, pairA, pairB, nPairs } = prop;
  // Collect (i, j) entries in both orders, then bucket by row and deduplicate with a stamp array.
  let I = new Int32Array(1024);
  let J = new Int32Array(1024);
  let ne = 0;
  const sa = new Int32Array(n);
  const sb = new Int32Array(n);
  const push = (i: number, j: number): void => {
    if (ne === I.length) {
      const bi = new Int32Array(ne * 2);
      bi.set(I);
      I = bi;
      const bj = new Int32Array(ne * 2);
      bj.set(J);
      J = bj;
    }
    I[ne] = i;
    J[ne++] = j;
  };
  for (let k = 0; k < nPairs; k++) {
    const a = pairA[k]!;
    const b = pairB[k]!;
    const ca = dag.collect(a, sa);
    if (a === b) {
      for (let x = 0; x < ca; x++) for (let y = 0; y < ca; y++) push(sa[x]!, sa[y]!);
      continue;
    }
    const cb = dag.collect(b, sb);
    for (let x = 0; x < ca; x++) {
      for (let y = 0; y < cb; y++) {
        push(sa[x]!, sb[y]!);
        push(sb[y]!, sa[x]!);
      }
    }
  }
  return bucketRows(n, n, I, J, ne);
}

/** CSR from (i, j) pairs with duplicates: counting sort by row, then per-row dedupe and sort. */
function bucketRows(rows: number, cols: number, I: Int32Array, J: Int32Array, ne: number): SparsityPattern {
  const count = new Int32Array(rows + 1);
  for (let k = 0; k < ne; k++) count[I[k]! + 1]!++;
  for (let i = 0; i < rows; i++) count[i + 1]! += count[i]!;
  const next = count.slice(0, rows);
  const byRow = new Int32Array(ne);
  for (let k = 0; k < ne; k++) byRow[next[I[k]!]!++] = J[k]!;
  const stamp = new Int32Array(cols).fill(-1);
  const rowPtr = new Int32Array(rows + 1);
  const colIdx = new Int32Array(ne);
  let nnz = 0;
  for (let i = 0; i < rows; i++) {
    const start = nnz;
    for (let k = count[i]!; k < count[i + 1]!; k++) {
      const j = byRow[k]!;
      if (stamp[j] === i) continue;
      stamp[j] = i;
      colIdx[nnz++] = j;
    }
    colIdx.subarray(start, nnz).sort();
    rowPtr[i + 1] = nnz;
  }
  return { rows, cols, rowPtr, colIdx: colIdx.slice(0, nnz) };
}

/**
 * The Jacobian sparsity pattern of f at x (rows = outputs, columns = inputs), read from one
 * recording of f. See `SparsityOptions` for the global/local rule.
 *
 * @example
 * ```ts
 * const p = jacobianSparsity((u) => sub(u.slice(1), u.slice(0, -1)), new Float64Array(5));
 * // p.rows = 4, p.cols = 5, row i = {i, i+1}
 * ```
 */
export function jacobianSparsity(f: unknown, x: Float64Array, options?: SparsityOptions): SparsityPattern {
  return onRecording(f, x, options, 'jacobianSparsity', jacobianPatternOf);
}

/** The Hessian pattern (n × n, symmetric) of a scalar- or vector-valued f at x (union over outputs). */
export function hessianSparsity(f: unknown, x: Float64Array, options?: SparsityOptions): SparsityPattern {
  return onRecording(f, x, options, 'hessianSparsity', hessianPatternOf);
}

/** Records f at x, reads a pattern from the tape, and gives the tape back. */
function onRecording(
  f: unknown,
  x: Float64Array,
  options: SparsityOptions | undefined,
  who: string,
  read: (rec: Recording, mode: 'global' | 'local', o: SparsityOptions | undefined, who: string) => SparsityPattern,
): SparsityPattern {
  const mode = patternMode(options, who);
  requireVectorPoint(x, who);
  const rec = recordCall(f, x, [], who);
  try {
    return read(rec, mode, options, who);
  } finally {
    rec.tape.recycle();
  }
}

export function requireVectorPoint(x: unknown, who: string): asserts x is Float64Array {
  if (!(x instanceof Float64Array)) throw new ShapeError(`${who}: x`, 'a Float64Array', describeValue(x));
}
