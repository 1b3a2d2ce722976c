/**
 * The colorings on the reference patterns of fixtures/colpack-reference.json (ColPack 1.0.10),
 * regenerated from their generator text: our 'best' never needs more colors than ColPack's best
 * ordering, every coloring passes the exact checker, and the lower bound holds.
 * (lap2d_5pt_N300 is left to the benchmark.)
 */
import { describe, expect, it } from 'vitest';
import {
  acyclicColoring,
  checkAcyclicColoring,
  checkColumnColoring,
  checkDistance1Coloring,
  checkRowColoring,
  checkStarBicoloring,
  checkStarColoring,
  coloringLowerBound,
  columnColoring,
  distance1Coloring,
  rowColoring,
  starBicoloring,
  starColoring,
  symmetrizePattern,
} from '../src/coloring/index.js';
import { nnzOf, type SparsityPattern } from '../src/pattern/pattern.js';
import {
  colpackBest,
  lap2d,
  loadBounds,
  loadReference,
  referencePattern,
  symmetricStats,
} from './support/coloring-support.js';

const ref = loadReference();
const cases = ref.patterns.filter((r) => r.rows <= 10000);
const cache = new Map<string, SparsityPattern>();
const pattern = (name: string): SparsityPattern => {
  let p = cache.get(name);
  if (p === undefined) {
    p = referencePattern(name);
    cache.set(name, p);
  }
  return p;
};

describe('reference patterns are regenerated exactly', () => {
  it.each(ref.patterns.map((r) => [r.name, r] as const))('%s: shape, nnz, symmetric edges and degree', (name, r) => {
    if (r.rows > 10000) return; // N300: checked in the bench only
    const p = pattern(name);
    expect([p.rows, p.cols, nnzOf(p)]).toEqual([r.rows, r.cols, r.nnz]);
    const s = symmetricStats(p);
    expect([s.edges, s.maxDegree, s.nnz]).toEqual([
      r.symmetric_pattern.edges,
      r.symmetric_pattern.max_degree,
      r.symmetric_pattern.nnz,
    ]);
    expect(nnzOf(symmetrizePattern(p))).toBe(r.symmetric_pattern.nnz);
  });
});

describe.each(cases.map((r) => [r.name, r] as const))('%s', (name, r) => {
  it('column coloring: ≤ ColPack best, valid, ≥ lower bound', () => {
    const p = pattern(name);
    const c = columnColoring(p);
    expect(checkColumnColoring(p, c.colors)).toEqual({ valid: true });
    expect(c.count).toBeLessThanOrEqual(colpackBest(r.column_partial_d2));
    expect(c.lowerBound).toBe(r.bounds.column_lower_max_row_nnz);
    expect(c.count).toBeGreaterThanOrEqual(c.lowerBound);
  });
  it('row coloring', () => {
    const p = pattern(name);
    const c = rowColoring(p);
    expect(checkRowColoring(p, c.colors)).toEqual({ valid: true });
    expect(c.count).toBeLessThanOrEqual(colpackBest(r.row_partial_d2));
    expect(c.lowerBound).toBe(r.bounds.row_lower_max_col_nnz);
  });
  it('star coloring', () => {
    const p = pattern(name);
    const c = starColoring(p);
    expect(checkStarColoring(p, c.colors)).toEqual({ valid: true });
    expect(c.count).toBeLessThanOrEqual(colpackBest(r.star));
    expect(c.lowerBound).toBeGreaterThanOrEqual(r.bounds.acyclic_star_lower_forest_count);
    expect(c.count).toBeGreaterThanOrEqual(c.lowerBound);
  });
  it('acyclic coloring', () => {
    const p = pattern(name);
    const c = acyclicColoring(p);
    expect(checkAcyclicColoring(p, c.colors)).toEqual({ valid: true });
    expect(c.count).toBeLessThanOrEqual(colpackBest(r.acyclic));
    expect(c.lowerBound).toBeGreaterThanOrEqual(r.bounds.acyclic_star_lower_forest_count);
    expect(c.count).toBeGreaterThanOrEqual(c.lowerBound);
  });
  it('distance-1 coloring', () => {
    const p = pattern(name);
    const c = distance1Coloring(p);
    expect(checkDistance1Coloring(p, c.colors)).toEqual({ valid: true });
    expect(c.count).toBeLessThanOrEqual(colpackBest(r.distance1));
  });
  it('star bicoloring: products ≤ ColPack best (implicit and explicit)', () => {
    const p = pattern(name);
    const b = starBicoloring(p);
    expect(checkStarBicoloring(p, b.rowColors, b.colColors)).toEqual({ valid: true });
    const best = Math.min(
      ...Object.values(r.star_bicoloring_implicit).map((x) => x.products),
      ...Object.values(r.star_bicoloring_explicit).map((x) => x.products),
    );
    expect(b.rowCount + b.colCount).toBeLessThanOrEqual(best);
  });
});

describe('known colorings and bounds', () => {
  const N = 30;
  const p = lap2d(N);
  const grid = (f: (i: number, j: number) => number) =>
    Int32Array.from({ length: N * N }, (_, k) => f(Math.floor(k / N), k % N));
  it('lap2d: (i + 2j) mod 5 is a valid column and star coloring (5 = optimum, coloring-bounds.json)', () => {
    const c = grid((i, j) => (i + 2 * j) % 5);
    expect(checkColumnColoring(p, c)).toEqual({ valid: true });
    expect(checkStarColoring(p, c)).toEqual({ valid: true });
  });
  it('lap2d: (i + j) mod 3 is acyclic but not star', () => {
    const c = grid((i, j) => (i + j) % 3);
    expect(checkAcyclicColoring(p, c)).toEqual({ valid: true });
    const s = checkStarColoring(p, c);
    expect(s.valid).toBe(false);
    if (!s.valid) expect(s.reason).toMatch(/bichromatic path \d+–\d+–\d+–\d+/);
  });
  it('lap2d: (i + j) mod 2 is proper but has bichromatic cycles', () => {
    const c = grid((i, j) => (i + j) % 2);
    expect(checkDistance1Coloring(p, c)).toEqual({ valid: true });
    const a = checkAcyclicColoring(p, c);
    expect(a.valid).toBe(false);
    if (!a.valid) expect(a.reason).toMatch(/bichromatic cycle (\d+–){4}\d+/);
  });
  it('tridiagonal star 3, arrowhead star 2, lap2d star 5 and acyclic ≤ 4', () => {
    expect(starColoring(referencePattern('tridiagonal_n1000')).count).toBe(3);
    expect(starColoring(referencePattern('arrowhead_n1000')).count).toBe(2);
    expect(starColoring(p).count).toBe(5);
    expect(acyclicColoring(p).count).toBeLessThanOrEqual(4);
  });
  it('lower bounds are valid where the maximum row count of S is not (arrowhead)', () => {
    const a = referencePattern('arrowhead_n1000');
    expect(coloringLowerBound(a, 'star')).toBe(2);
    expect(coloringLowerBound(a, 'acyclic')).toBe(2);
    expect(coloringLowerBound(a, 'column')).toBe(1000);
    expect(coloringLowerBound(referencePattern('banded_hb5_n2000'), 'acyclic')).toBe(6);
  });
  it('the SAT bounds fixture agrees with our star colorings (never below a proven bound)', () => {
    const b = loadBounds() as { star_lower_bounds: Record<string, Record<string, string>> };
    expect(b.star_lower_bounds['lap2d_5pt grid 8x8']!['4']).toMatch(/^UNSAT/);
    expect(starColoring(lap2d(8)).count).toBeGreaterThanOrEqual(5);
  });
});
