/**
 * Where a stencil-shaped function's element Jacobian goes in the CSR values. Core's lane kernel
 * (`laneColumns` / `moveToWithLanes`) differentiates each output row with respect to every input
 * access of the row's formula and writes the derivative of lane a at row i to values[P[a][i]]. This
 * module computes P from the pattern, and accepts it only when the kernel's numbers are exactly
 * the compressed forward sweep's:
 * - every access's column is in the row's pattern (then, the coloring being valid, the accesses of
 *   a row have distinct colors: each color's tangent at the row is one access's derivative);
 * - no two accesses of a row read the same column (the compressed sweep would add them inside the
 *   formula, in its own order);
 * - every entry of the row is some access's (no entry left unwritten).
 * Otherwise (or when the function does not have the shape) the compressed sweep runs.
 */
import { laneColumns, type Recording } from '@wengert/core/internals';
import type { SparsityPattern } from '../pattern/pattern.js';

/** P[a][i]: the value index of lane a's derivative at row i (−1: a constant, nothing to write); or undefined. */
export function lanePositions(rec: Recording, pattern: SparsityPattern): Int32Array[] | undefined {
  const cols = laneColumns(rec);
  if (cols === undefined || cols.length === 0) return undefined;
  const { rows, rowPtr, colIdx } = pattern;
  if (cols.some((c) => c.length !== rows)) return undefined;
  const P = cols.map(() => new Int32Array(rows));
  const written = new Uint8Array(colIdx.length);
  for (let i = 0; i < rows; i++) {
    const k0 = rowPtr[i]!;
    const k1 = rowPtr[i + 1]!;
    let covered = 0;
    for (let a = 0; a < cols.length; a++) {
      const c = cols[a]![i]!;
      if (c < 0) {
        P[a]![i] = -1;
        continue;
      }
      const k = findSorted(colIdx, k0, k1, c);
      if (k < 0 || written[k] === 1) return undefined;
      written[k] = 1;
      covered++;
      P[a]![i] = k;
    }
    if (covered !== k1 - k0) return undefined;
  }
  return P;
}

/** Index of c in the sorted colIdx[k0‥k1), or −1. */
function findSorted(colIdx: Int32Array, k0: number, k1: number, c: number): number {
  let lo = k0;
  let hi = k1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (colIdx[mid]! < c) lo = mid + 1;
    else hi = mid;
  }
  return lo < k1 && colIdx[lo] === c ? lo : -1;
}
