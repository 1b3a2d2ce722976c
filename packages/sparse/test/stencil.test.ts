/**
 * Stencil colorings: recognition of box stencils, the optimal lattice colorings (linear and tabled) on the
 * reference stencils, validity of every candidate under two independent exact checkers (src/coloring/check.ts
 * and test/support/stencil-support.ts), and refusal on patterns that are not stencils.
 */
import { describe, expect, it } from 'vitest';
import {
  checkAcyclicColoring,
  checkColumnColoring,
  checkRowColoring,
  checkStarColoring,
} from '../src/coloring/check.js';
import { proposeStencilColorings, type StencilColoringKind } from '../src/coloring/stencil.js';
import { recognizeStencilGrid } from '../src/coloring/stencil-grid.js';
import { isAcyclic, isStar, isValidPeriodic, linearColoring, periodPoints } from '../src/coloring/stencil-lattice.js';
import { STENCIL_TABLES } from '../src/coloring/stencil-tables.js';
import { patternFromRows, type SparsityPattern } from '../src/pattern/pattern.js';
import {
  boxPattern,
  colorsUsed,
  FIVE_POINT,
  isAcyclicColoring,
  isColumnColoring,
  isRowColoring,
  isStarColoring,
  NINE_POINT,
  SEVEN_POINT,
  TRIDIAGONAL,
} from './support/stencil-support.js';

const KINDS: readonly StencilColoringKind[] = ['column', 'row', 'star', 'acyclic'];

/** Both checkers on one candidate; they must agree. */
function valid(p: SparsityPattern, kind: StencilColoringKind, c: Int32Array): boolean {
  const [main, own] =
    kind === 'column'
      ? [checkColumnColoring(p, c).valid, isColumnColoring(p, c)]
      : kind === 'row'
        ? [checkRowColoring(p, c).valid, isRowColoring(p, c)]
        : kind === 'star'
          ? [checkStarColoring(p, c).valid, isStarColoring(p, c)]
          : [checkAcyclicColoring(p, c).valid, isAcyclicColoring(p, c)];
  expect(own, `the two ${kind} checkers disagree`).toBe(main);
  return main;
}

/** The best candidate's color count; every candidate must be valid and the list sorted. */
function best(p: SparsityPattern, kind: StencilColoringKind): number {
  const cands = proposeStencilColorings(p, kind);
  expect(cands.length).toBeGreaterThan(0);
  for (const c of cands) {
    expect(c.length).toBe(p.rows);
    expect(valid(p, kind, c)).toBe(true);
  }
  const counts = cands.map(colorsUsed);
  expect(counts).toEqual([...counts].sort((a, b) => a - b));
  return counts[0]!;
}

describe('grid recognition', () => {
  it('finds the box and the offsets of the reference stencils', () => {
    expect(recognizeStencilGrid(boxPattern([20, 20, 20], SEVEN_POINT))?.dims).toEqual([20, 20, 20]);
    expect(recognizeStencilGrid(boxPattern([100, 100], NINE_POINT))?.dims).toEqual([100, 100]);
    expect(recognizeStencilGrid(boxPattern([1000], TRIDIAGONAL))?.dims).toEqual([1000]);
    const g = recognizeStencilGrid(boxPattern([30, 50], FIVE_POINT));
    expect(g?.dims).toEqual([30, 50]);
    expect(g?.offsets).toEqual([
      [-1, 0],
      [0, -1],
      [0, 0],
      [0, 1],
      [1, 0],
    ]);
    expect(recognizeStencilGrid(boxPattern([6, 7, 8], SEVEN_POINT))?.dims).toEqual([6, 7, 8]);
  });
});

describe('optimal colorings on the reference stencils (lower bounds reached)', () => {
  it('3D 7-point N = 20: column 7, star 6 (ColPack 12 / 11), acyclic 4', () => {
    const p = boxPattern([20, 20, 20], SEVEN_POINT);
    expect(best(p, 'column')).toBe(7);
    expect(best(p, 'row')).toBe(7);
    expect(best(p, 'star')).toBe(6);
    expect(best(p, 'acyclic')).toBe(4);
  });

  it('2D 9-point N = 100: star 8 (ColPack 11), column 9, acyclic 5', () => {
    const p = boxPattern([100, 100], NINE_POINT);
    expect(best(p, 'star')).toBe(8);
    expect(best(p, 'column')).toBe(9);
    expect(best(p, 'acyclic')).toBe(5);
  });

  it('2D 5-point N = 100: column 5, star 5, acyclic 3', () => {
    const p = boxPattern([100, 100], FIVE_POINT);
    expect(best(p, 'column')).toBe(5);
    expect(best(p, 'star')).toBe(5);
    expect(best(p, 'acyclic')).toBe(3);
  });

  it('1D: tridiagonal column 3, star 3, acyclic 2; half-bandwidth 5 column 11, star 11, acyclic 6', () => {
    const tri = boxPattern([1000], TRIDIAGONAL);
    expect(best(tri, 'column')).toBe(3);
    expect(best(tri, 'star')).toBe(3);
    expect(best(tri, 'acyclic')).toBe(2);
    const band = boxPattern(
      [2000],
      Array.from({ length: 11 }, (_, i) => [i - 5]),
    );
    expect(best(band, 'column')).toBe(11);
    expect(best(band, 'star')).toBe(11);
    expect(best(band, 'acyclic')).toBe(6);
  });

  it('non-cubic boxes and a non-symmetric (upwind) stencil, every kind', () => {
    const upwind = boxPattern(
      [30, 50],
      [
        [-1, 0],
        [0, -1],
        [0, 0],
      ],
    );
    expect(best(upwind, 'column')).toBe(3);
    expect(best(upwind, 'row')).toBe(3);
    expect(best(upwind, 'star')).toBe(5);
    expect(best(boxPattern([6, 7, 8], SEVEN_POINT), 'star')).toBe(6);
    expect(best(boxPattern([9, 30], NINE_POINT), 'star')).toBe(8);
  });
});

describe('every candidate is valid, also on small boxes', () => {
  it('boxes of side 1 … 6 for the 5-, 9- and 7-point stencils', () => {
    let checked = 0;
    const shapes: [number[], number[][]][] = [];
    for (let a = 1; a <= 6; a++) {
      for (let b = 1; b <= 6; b++) {
        shapes.push([[a, b], FIVE_POINT], [[a, b], NINE_POINT]);
        shapes.push([[a, b, 3], SEVEN_POINT]);
      }
    }
    for (const [dims, D] of shapes) {
      const p = boxPattern(dims, D);
      for (const kind of KINDS) {
        for (const c of proposeStencilColorings(p, kind)) {
          expect(valid(p, kind, c), `${kind} on ${dims.join('×')}`).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});

describe('patterns that are not stencils', () => {
  it('a random pattern gives no candidate', () => {
    let s = 42;
    const next = (): number => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s / 2 ** 32;
    };
    const n = 2000;
    const lists = Array.from({ length: n }, () => Array.from({ length: 5 }, () => Math.floor(next() * n)));
    const p = patternFromRows(n, n, lists);
    for (const kind of KINDS) expect(proposeStencilColorings(p, kind)).toEqual([]);
    expect(proposeStencilColorings(patternFromRows(3, 4, [[0], [1], [2]]), 'column')).toEqual([]);
  });

  it('a stencil with one entry removed gives nothing, or only valid candidates', () => {
    const full = boxPattern([12, 12], NINE_POINT);
    const rows = Array.from({ length: full.rows }, (_, i) =>
      Array.from(full.colIdx.subarray(full.rowPtr[i]!, full.rowPtr[i + 1]!)),
    );
    for (const [i, slot] of [
      [0, 0],
      [77, 4],
      [77, 8],
      [143, 3],
    ] as const) {
      const cut = rows.map((r, k) => (k === i ? r.filter((_, q) => q !== slot) : r));
      const p = patternFromRows(full.rows, full.cols, cut);
      expect(recognizeStencilGrid(p)).toBeNull();
      for (const kind of KINDS) for (const c of proposeStencilColorings(p, kind)) expect(valid(p, kind, c)).toBe(true);
    }
  });
});

describe('the checkers catch broken candidates', () => {
  it('a recolored vertex breaks the column and star candidates', () => {
    const p = boxPattern([20, 20, 20], SEVEN_POINT);
    const v = (10 * 20 + 10) * 20 + 10;
    const col = proposeStencilColorings(p, 'column')[0]!.slice();
    col[v] = col[v + 2]!; // v and v + 2 share row v + 1
    expect(valid(p, 'column', col)).toBe(false);
    const star = proposeStencilColorings(p, 'star')[0]!.slice();
    star[v] = star[v + 1]!; // adjacent, now improper
    expect(valid(p, 'star', star)).toBe(false);
  });

  it('the acyclic 3-coloring of the 5-point grid is not a star coloring; (i + j + l) mod 4 is not acyclic', () => {
    const p5 = boxPattern([30, 30], FIVE_POINT);
    const acyclic = proposeStencilColorings(p5, 'acyclic')[0]!;
    expect(colorsUsed(acyclic)).toBe(3);
    expect(valid(p5, 'acyclic', acyclic)).toBe(true);
    expect(valid(p5, 'star', acyclic)).toBe(false);
    // Proper, yet the 6-cycle (0,0,0) (1,0,0) (1,−1,0) (1,−1,1) (0,−1,1) (0,0,1) uses two colors.
    const p7 = boxPattern([6, 6, 6], SEVEN_POINT);
    const c = new Int32Array(216);
    for (let v = 0; v < 216; v++) c[v] = (Math.floor(v / 36) + (Math.floor(v / 6) % 6) + (v % 6)) % 4;
    expect(checkStarColoring(p7, c).valid).toBe(false);
    expect(valid(p7, 'acyclic', c)).toBe(false);
  });
});

describe('lattice checks', () => {
  const G7 = SEVEN_POINT.slice(1);
  it('the embedded tables are valid on their lattices, and a corrupted table is caught', () => {
    for (const t of STENCIL_TABLES) {
      expect(isValidPeriodic(t, { kind: 'star', graphOffsets: t.graphOffsets }), t.name).toBe(true);
      const broken = { ...t, table: Int32Array.from(t.table) };
      broken.table[5] = (broken.table[5]! + 1) % t.colors;
      expect(isStar(broken, t.graphOffsets, periodPoints(t.period)), t.name).toBe(false);
    }
  });

  it('acyclicity via displacements: (i + j + 2l) mod 4 yes, (i + j + l) mod 4 no, alternating path yes', () => {
    expect(isAcyclic(linearColoring([1, 1, 2], 4), G7)).toBe(true);
    expect(isAcyclic(linearColoring([1, 1, 1], 4), G7)).toBe(false);
    expect(isAcyclic(linearColoring([1], 2), [[-1], [1]])).toBe(true);
    expect(isAcyclic(linearColoring([1, 1], 3), FIVE_POINT.slice(1))).toBe(true);
    expect(isAcyclic(linearColoring([1, 1], 2), FIVE_POINT.slice(1))).toBe(false);
  });
});
