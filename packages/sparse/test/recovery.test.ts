/**
 * Recovery from compressed products: random sparse matrices with known values, B = J·S (or Sᵀ·J,
 * H·S) formed by dense arithmetic here, recovered, compared entry by entry with J (direct methods:
 * exactly; substitution: to 1e-12 relative to the row's largest entry).
 */
import { ShapeError } from '@wengert/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  acyclicColoring,
  columnColoring,
  ORDERINGS,
  rowColoring,
  starBicoloring,
  starColoring,
  symmetrizePattern,
} from '../src/index.js';
import { patternFromRows, type SparsityPattern } from '../src/pattern/pattern.js';
import {
  prepareAcyclicRecovery,
  prepareColumnRecovery,
  prepareStarRecovery,
  recoverAcyclic,
  recoverBicolored,
  recoverColumnCompressed,
  recoverRowCompressed,
  recoverStar,
} from '../src/recovery/index.js';
import { arbPattern, banded, lap2d, toDense } from './support/coloring-support.js';

function values(p: SparsityPattern, seed: number): Float64Array {
  let s = seed >>> 0 || 1;
  return Float64Array.from({ length: p.colIdx.length }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s / 4294967296) * 4 - 2;
  });
}

/** Dense (rows × cols) times the 0/1 seed of `colors` (cols × count; −1 = not seeded). */
function timesSeed(
  J: Float64Array,
  rows: number,
  cols: number,
  colors: ArrayLike<number>,
  count: number,
): Float64Array {
  const B = new Float64Array(rows * count);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) if (colors[j]! >= 0) B[i * count + colors[j]!]! += J[i * cols + j]!;
  return B;
}

function transposeDense(J: Float64Array, rows: number, cols: number): Float64Array {
  const T = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) T[j * rows + i] = J[i * cols + j]!;
  return T;
}

/** A random symmetric H on the pattern S (values and its CSR value array). */
function symmetricValues(S: SparsityPattern, seed: number): { H: Float64Array; vals: Float64Array } {
  const n = S.rows;
  const v = values(S, seed);
  const H = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = S.rowPtr[i]!; k < S.rowPtr[i + 1]!; k++) {
      const j = S.colIdx[k]!;
      if (j >= i) {
        H[i * n + j] = v[k]!;
        H[j * n + i] = v[k]!;
      }
    }
  }
  const vals = new Float64Array(S.colIdx.length);
  for (let i = 0; i < n; i++) for (let k = S.rowPtr[i]!; k < S.rowPtr[i + 1]!; k++) vals[k] = H[i * n + S.colIdx[k]!]!;
  return { H, vals };
}

function expectClose(p: SparsityPattern, got: Float64Array, want: Float64Array, rel: number): void {
  for (let i = 0; i < p.rows; i++) {
    let scale = 1e-300;
    for (let k = p.rowPtr[i]!; k < p.rowPtr[i + 1]!; k++) scale = Math.max(scale, Math.abs(want[k]!));
    for (let k = p.rowPtr[i]!; k < p.rowPtr[i + 1]!; k++) {
      if (rel === 0) expect(got[k]).toBe(want[k]);
      else expect(Math.abs(got[k]! - want[k]!)).toBeLessThanOrEqual(rel * scale);
    }
  }
}

describe('Jacobian recovery (property)', () => {
  it('column (forward) recovery is exact, one-shot and prepared', () => {
    fc.assert(
      fc.property(arbPattern(14, 14), fc.constantFrom(...ORDERINGS), fc.integer(), (p, ordering, seed) => {
        const vals = values(p, seed);
        const J = toDense(p, vals);
        const c = columnColoring(p, { ordering });
        const B = timesSeed(J, p.rows, p.cols, c.colors, c.count);
        const Bcopy = B.slice();
        const out = new Float64Array(vals.length);
        recoverColumnCompressed(p, c.colors, c.count, B, out);
        expectClose(p, out, vals, 0);
        const out2 = new Float64Array(vals.length).fill(Number.NaN);
        prepareColumnRecovery(p, c.colors, c.count).recover(B, out2);
        expect(out2).toEqual(out);
        expect(B).toEqual(Bcopy);
      }),
      { numRuns: 80 },
    );
  });
  it('row (reverse) recovery is exact', () => {
    fc.assert(
      fc.property(arbPattern(14, 14), fc.integer(), (p, seed) => {
        const vals = values(p, seed);
        const J = toDense(p, vals);
        const r = rowColoring(p);
        // Ct[j, c] = Σ_{i: color(i) = c} J[i, j]  = (Jᵀ · S_rows)
        const Ct = timesSeed(transposeDense(J, p.rows, p.cols), p.cols, p.rows, r.colors, r.count);
        const out = new Float64Array(vals.length);
        recoverRowCompressed(p, r.colors, r.count, Ct, out);
        expectClose(p, out, vals, 0);
      }),
      { numRuns: 80 },
    );
  });
  it('bicolored recovery is exact', () => {
    fc.assert(
      fc.property(arbPattern(14, 14), fc.integer(), (p, seed) => {
        const vals = values(p, seed);
        const J = toDense(p, vals);
        const b = starBicoloring(p);
        const B = timesSeed(J, p.rows, p.cols, b.colColors, b.colCount);
        const Ct = timesSeed(transposeDense(J, p.rows, p.cols), p.cols, p.rows, b.rowColors, b.rowCount);
        const out = new Float64Array(vals.length);
        recoverBicolored(p, b, B, Ct, out);
        expectClose(p, out, vals, 0);
      }),
      { numRuns: 80 },
    );
  });
  it('bicolored recovery on an arrowhead uses both directions (1 + 2 products)', () => {
    const n = 30;
    const p = patternFromRows(
      n,
      n,
      Array.from({ length: n }, (_, i) => (i === 0 ? Array.from({ length: n }, (_, j) => j) : [0, i])),
    );
    const b = starBicoloring(p);
    expect([b.rowCount, b.colCount]).toEqual([1, 2]);
    const vals = values(p, 5);
    const J = toDense(p, vals);
    const out = new Float64Array(vals.length);
    recoverBicolored(
      p,
      b,
      timesSeed(J, n, n, b.colColors, b.colCount),
      timesSeed(transposeDense(J, n, n), n, n, b.rowColors, b.rowCount),
      out,
    );
    expect(out).toEqual(vals);
  });
});

describe('Hessian recovery (property)', () => {
  it('star (direct) recovery is exact on random symmetric matrices; p may be a triangle', () => {
    fc.assert(
      fc.property(arbPattern(12, 12, true), fc.constantFrom(...ORDERINGS), fc.integer(), (p, ordering, seed) => {
        const S = symmetrizePattern(p);
        const { H, vals } = symmetricValues(S, seed);
        const c = starColoring(p, { ordering });
        const B = timesSeed(H, S.rows, S.cols, c.colors, c.count);
        const out = new Float64Array(vals.length);
        recoverStar(S, c.colors, c.count, B, out);
        expectClose(S, out, vals, 0);
        // lower triangle only
        const L = patternFromRows(
          S.rows,
          S.cols,
          Array.from({ length: S.rows }, (_, i) =>
            Array.from(S.colIdx.subarray(S.rowPtr[i]!, S.rowPtr[i + 1]!)).filter((j) => j <= i),
          ),
        );
        const outL = new Float64Array(L.colIdx.length);
        prepareStarRecovery(L, c.colors, c.count).recover(B, outL);
        for (let i = 0; i < L.rows; i++) {
          for (let k = L.rowPtr[i]!; k < L.rowPtr[i + 1]!; k++) expect(outL[k]).toBe(H[i * S.rows + L.colIdx[k]!]);
        }
      }),
      { numRuns: 100 },
    );
  });
  it('acyclic (substitution) recovery to 1e-12 on random symmetric matrices', () => {
    fc.assert(
      fc.property(arbPattern(12, 12, true), fc.constantFrom(...ORDERINGS), fc.integer(), (p, ordering, seed) => {
        const S = symmetrizePattern(p);
        const { H, vals } = symmetricValues(S, seed);
        const c = acyclicColoring(p, { ordering });
        const B = timesSeed(H, S.rows, S.cols, c.colors, c.count);
        const out = new Float64Array(vals.length);
        recoverAcyclic(S, c.colors, c.count, B, out);
        expectClose(S, out, vals, 1e-12);
        // prepared form, reused at a second point
        const prep = prepareAcyclicRecovery(S, c.colors, c.count);
        const second = symmetricValues(S, seed + 1);
        prep.recover(timesSeed(second.H, S.rows, S.cols, c.colors, c.count), out);
        expectClose(S, out, second.vals, 1e-12);
      }),
      { numRuns: 100 },
    );
  });
  it('structured Hessians: tridiagonal (star 3, acyclic 2), lap2d (star 5, acyclic 3 via (i+j) mod 3)', () => {
    for (const [S, kind, colors, count] of [
      [banded(200, 1), 'star', null, 3],
      [banded(200, 1), 'acyclic', null, 2],
      [lap2d(12), 'star', null, 5],
      [lap2d(12), 'acyclic', Int32Array.from({ length: 144 }, (_, k) => (Math.floor(k / 12) + (k % 12)) % 3), 3],
    ] as const) {
      const c = colors ?? (kind === 'star' ? starColoring(S) : acyclicColoring(S)).colors;
      const cnt = Math.max(...c) + 1;
      expect(cnt).toBeLessThanOrEqual(count);
      const { H, vals } = symmetricValues(S, 11);
      const B = timesSeed(H, S.rows, S.cols, c, cnt);
      const out = new Float64Array(vals.length);
      if (kind === 'star') recoverStar(S, c, cnt, B, out);
      else recoverAcyclic(S, c, cnt, B, out);
      expectClose(S, out, vals, kind === 'star' ? 0 : 1e-12);
    }
  });
  it('a coloring that is not star (or not acyclic) is refused by the recovery', () => {
    const S = lap2d(6);
    const c = Int32Array.from({ length: 36 }, (_, k) => (Math.floor(k / 6) + (k % 6)) % 3);
    expect(() => prepareStarRecovery(S, c, 3)).toThrow(/star coloring/);
    const two = Int32Array.from({ length: 36 }, (_, k) => (Math.floor(k / 6) + (k % 6)) % 2);
    expect(() => prepareAcyclicRecovery(S, two, 2)).toThrow(/cycle/);
  });
});

describe('bad input', () => {
  const p = lap2d(3);
  const c = columnColoring(p);
  const nnz = p.colIdx.length;
  it('wrong lengths → ShapeError naming the argument', () => {
    expect(() => recoverColumnCompressed(p, c.colors, c.count, new Float64Array(1), new Float64Array(nnz))).toThrow(
      /recoverColumnCompressed: B: expected length/,
    );
    expect(() =>
      recoverColumnCompressed(p, c.colors, c.count, new Float64Array(9 * c.count), new Float64Array(nnz - 1)),
    ).toThrow(ShapeError);
    expect(() =>
      recoverColumnCompressed(p, c.colors.subarray(1), c.count, new Float64Array(9 * c.count), new Float64Array(nnz)),
    ).toThrow(ShapeError);
    expect(() => recoverColumnCompressed(p, c.colors, c.count - 1, new Float64Array(9), new Float64Array(nnz))).toThrow(
      /count/,
    );
    const prep = prepareColumnRecovery(p, c.colors, c.count);
    expect(() => prep.recover(new Float64Array(2), new Float64Array(nnz))).toThrow(ShapeError);
    expect(() =>
      recoverStar(patternFromRows(2, 3, [[0], [1]]), Int32Array.of(0, 1), 2, new Float64Array(4), new Float64Array(2)),
    ).toThrow(ShapeError);
    expect(() =>
      recoverRowCompressed(p, [0, 1] as unknown as Int32Array, 2, new Float64Array(18), new Float64Array(nnz)),
    ).toThrow(ShapeError);
  });
});
