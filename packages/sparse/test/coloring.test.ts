/**
 * Colorings on random patterns (fast-check, bounded): every problem × every ordering gives a
 * coloring the exact checker accepts; the checkers agree with brute-force definitions and catch a
 * single mutated color; orderings are permutations, 'random' is reproducible by seed.
 */
import { ShapeError } from '@wengert/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  acyclicColoring,
  type Coloring,
  checkAcyclicColoring,
  checkColumnColoring,
  checkDistance1Coloring,
  checkRowColoring,
  checkStarBicoloring,
  checkStarColoring,
  columnColoring,
  distance1Coloring,
  ORDERINGS,
  orderVertices,
  rowColoring,
  starBicoloring,
  starColoring,
} from '../src/coloring/index.js';
import { patternFromRows, type SparsityPattern, transposePattern } from '../src/pattern/pattern.js';
import { arbPattern, lap2d } from './support/coloring-support.js';

const RUNS = { numRuns: 60 };

/** Off-diagonal neighbour sets of S = p + pᵀ. */
function adj(p: SparsityPattern): Set<number>[] {
  const a: Set<number>[] = Array.from({ length: p.rows }, () => new Set());
  for (let i = 0; i < p.rows; i++) {
    for (let k = p.rowPtr[i]!; k < p.rowPtr[i + 1]!; k++) {
      const j = p.colIdx[k]!;
      if (i !== j) {
        a[i]!.add(j);
        a[j]!.add(i);
      }
    }
  }
  return a;
}

function bruteProper(a: Set<number>[], c: ArrayLike<number>): boolean {
  return a.every((s, i) => [...s].every((j) => c[i] !== c[j]));
}

function bruteStar(a: Set<number>[], c: ArrayLike<number>): boolean {
  if (!bruteProper(a, c)) return false;
  for (let x = 0; x < a.length; x++) {
    for (const y of a[x]!) {
      for (const z of a[y]!) {
        if (z === x) continue;
        for (const w of a[z]!) {
          if (w === y || w === x) continue;
          if (c[x] === c[z] && c[y] === c[w]) return false;
        }
      }
    }
  }
  return true;
}

function bruteAcyclic(a: Set<number>[], c: ArrayLike<number>): boolean {
  if (!bruteProper(a, c)) return false;
  const colors = new Set(Array.from(c));
  for (const x of colors) {
    for (const y of colors) {
      if (y <= x) continue;
      const vs = a.map((_, v) => v).filter((v) => c[v] === x || c[v] === y);
      let edges = 0;
      for (const v of vs) for (const w of a[v]!) if (w > v && (c[w] === x || c[w] === y)) edges++;
      // components by DFS
      const seen = new Set<number>();
      let comps = 0;
      for (const v of vs) {
        if (seen.has(v)) continue;
        comps++;
        const st = [v];
        seen.add(v);
        while (st.length) {
          const u = st.pop()!;
          for (const w of a[u]!) {
            if ((c[w] === x || c[w] === y) && !seen.has(w)) {
              seen.add(w);
              st.push(w);
            }
          }
        }
      }
      if (edges !== vs.length - comps) return false;
    }
  }
  return true;
}

function bruteColumn(p: SparsityPattern, c: ArrayLike<number>): boolean {
  for (let i = 0; i < p.rows; i++) {
    const cs = Array.from(p.colIdx.subarray(p.rowPtr[i]!, p.rowPtr[i + 1]!), (j) => c[j]);
    if (new Set(cs).size !== cs.length) return false;
  }
  return true;
}

const symmetricKinds = [
  ['star', starColoring, checkStarColoring, bruteStar],
  ['acyclic', acyclicColoring, checkAcyclicColoring, bruteAcyclic],
  ['distance1', distance1Coloring, checkDistance1Coloring, bruteProper],
] as const;

describe('every problem × every ordering gives a valid coloring (property)', () => {
  for (const ordering of [...ORDERINGS, 'best'] as const) {
    it(`column and row, ${ordering}`, () => {
      fc.assert(
        fc.property(arbPattern(14, 14), fc.boolean(), (p, improve) => {
          const c = columnColoring(p, { ordering, improve, seed: 7 });
          expect(checkColumnColoring(p, c.colors).valid).toBe(true);
          expect(bruteColumn(p, c.colors)).toBe(true);
          expect(c.count).toBeGreaterThanOrEqual(c.lowerBound);
          const r = rowColoring(p, { ordering, improve });
          expect(checkRowColoring(p, r.colors).valid).toBe(true);
          expect(bruteColumn(transposePattern(p), r.colors)).toBe(true);
        }),
        RUNS,
      );
    });
    it(`star, acyclic, distance-1, ${ordering}`, () => {
      fc.assert(
        fc.property(arbPattern(12, 12, true), fc.boolean(), (p, improve) => {
          const a = adj(p);
          for (const [, color, check, brute] of symmetricKinds) {
            const c: Coloring = color(p, { ordering, improve, seed: 3 });
            expect(check(p, c.colors)).toEqual({ valid: true });
            expect(brute(a, c.colors)).toBe(true);
            expect(c.count).toBeGreaterThanOrEqual(c.lowerBound);
            expect(c.count).toBe(c.colors.length === 0 ? 0 : Math.max(...c.colors) + 1);
          }
        }),
        RUNS,
      );
    });
    it(`star bicoloring, ${ordering}`, () => {
      fc.assert(
        fc.property(arbPattern(12, 12), (p) => {
          const b = starBicoloring(p, { ordering });
          expect(checkStarBicoloring(p, b.rowColors, b.colColors)).toEqual({ valid: true });
          const c = columnColoring(p, { ordering });
          expect(b.rowCount + b.colCount).toBeLessThanOrEqual(c.count);
        }),
        { numRuns: 30 },
      );
    });
  }
});

describe('the checkers are exact', () => {
  it('agree with brute force on arbitrary (often invalid) colorings', () => {
    fc.assert(
      fc.property(
        arbPattern(9, 9, true).chain((p) =>
          fc.tuple(fc.constant(p), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: p.rows, maxLength: p.rows })),
        ),
        ([p, arr]) => {
          const c = Int32Array.from(arr);
          const a = adj(p);
          expect(checkStarColoring(p, c).valid).toBe(bruteStar(a, c));
          expect(checkAcyclicColoring(p, c).valid).toBe(bruteAcyclic(a, c));
          expect(checkDistance1Coloring(p, c).valid).toBe(bruteProper(a, c));
          expect(checkColumnColoring(p, c).valid).toBe(bruteColumn(p, c));
          expect(checkRowColoring(p, c).valid).toBe(bruteColumn(transposePattern(p), c));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('bicoloring checker agrees with entry-by-entry direct recoverability', () => {
    fc.assert(
      fc.property(
        arbPattern(8, 8).chain((p) =>
          fc.tuple(
            fc.constant(p),
            fc.array(fc.integer({ min: -1, max: 2 }), { minLength: p.rows, maxLength: p.rows }),
            fc.array(fc.integer({ min: -1, max: 2 }), { minLength: p.cols, maxLength: p.cols }),
          ),
        ),
        ([p, rc, cc]) => {
          let ok = true;
          for (let i = 0; i < p.rows; i++) {
            for (let k = p.rowPtr[i]!; k < p.rowPtr[i + 1]!; k++) {
              const j = p.colIdx[k]!;
              const row = Array.from(p.colIdx.subarray(p.rowPtr[i]!, p.rowPtr[i + 1]!));
              const fwd = cc[j]! >= 0 && row.filter((x) => cc[x] === cc[j]).length === 1;
              const colRows: number[] = [];
              for (let r = 0; r < p.rows; r++) {
                if (Array.from(p.colIdx.subarray(p.rowPtr[r]!, p.rowPtr[r + 1]!)).includes(j)) colRows.push(r);
              }
              const rev = rc[i]! >= 0 && colRows.filter((r) => rc[r] === rc[i]).length === 1;
              if (!fwd && !rev) ok = false;
            }
          }
          expect(checkStarBicoloring(p, Int32Array.from(rc), Int32Array.from(cc)).valid).toBe(ok);
        },
      ),
      { numRuns: 300 },
    );
  });

  const p = lap2d(6);
  it('column checker: one mutated color is found, naming both columns and the shared row', () => {
    const c = columnColoring(p).colors.slice();
    expect(checkColumnColoring(p, c).valid).toBe(true);
    c[14] = c[15]!; // 14 and 15 share row 14
    const r = checkColumnColoring(p, c);
    expect(r.valid).toBe(false);
    if (!r.valid) expect(r.reason).toMatch(/columns \d+ and \d+ share row \d+ and both have color \d+/);
  });
  it('row checker: one mutated color is found', () => {
    const c = rowColoring(p).colors.slice();
    c[7] = c[13]!; // 7 and 13 share column 7 (and 13)
    const r = checkRowColoring(p, c);
    expect(r.valid).toBe(false);
    if (!r.valid) expect(r.reason).toMatch(/rows \d+ and \d+ share column \d+/);
  });
  it('star checker: every single mutation to another used color is checked exactly', () => {
    const s = starColoring(p);
    let found = 0;
    for (let v = 0; v < p.rows; v++) {
      for (let c = 0; c < s.count; c++) {
        if (c === s.colors[v]) continue;
        const m = s.colors.slice();
        m[v] = c;
        const r = checkStarColoring(p, m);
        expect(r.valid).toBe(bruteStar(adj(p), m));
        if (!r.valid) found++;
      }
    }
    expect(found).toBeGreaterThan(0);
  });
  it('acyclic checker: single mutations are judged exactly, and cycles are named', () => {
    const a = acyclicColoring(p);
    let cycles = 0;
    for (let v = 0; v < p.rows; v++) {
      for (let c = 0; c < a.count; c++) {
        if (c === a.colors[v]) continue;
        const m = a.colors.slice();
        m[v] = c;
        const r = checkAcyclicColoring(p, m);
        expect(r.valid).toBe(bruteAcyclic(adj(p), m));
        if (!r.valid && /bichromatic cycle/.test(r.reason)) {
          cycles++;
          // the named cycle is closed, two-colored and made of edges
          const vs = /cycle ([\d–]+)/.exec(r.reason)![1]!.split('–').map(Number);
          expect(vs[0]).toBe(vs[vs.length - 1]);
          expect(new Set(vs.map((x) => m[x])).size).toBe(2);
          for (let q = 1; q < vs.length; q++) expect(adj(p)[vs[q - 1]!]!.has(vs[q]!)).toBe(true);
        }
      }
    }
    expect(cycles).toBeGreaterThan(0);
  });
  it('bicoloring checker: neutralizing a needed column is found, naming the entry', () => {
    const b = starBicoloring(p);
    const cc = b.colColors.slice();
    cc[0] = -1;
    const r = checkStarBicoloring(p, b.rowColors, cc);
    expect(r.valid).toBe(false);
    if (!r.valid)
      expect(r.reason).toMatch(/entry \(\d+, 0\) cannot be recovered: column 0 is neutral, and row \d+ is neutral/);
  });
});

describe('orderings', () => {
  it('each ordering is a permutation; random is reproducible by seed', () => {
    fc.assert(
      fc.property(arbPattern(15, 15, true), fc.integer(), (p, seed) => {
        for (const kind of ['column', 'row', 'symmetric'] as const) {
          for (const o of ORDERINGS) {
            const ord = orderVertices(p, kind, o, seed);
            const n = kind === 'row' ? p.rows : p.cols;
            expect(Array.from(ord).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
          }
          expect(orderVertices(p, kind, 'random', seed)).toEqual(orderVertices(p, kind, 'random', seed));
        }
        const a = starColoring(p, { ordering: 'random', seed });
        const b = starColoring(p, { ordering: 'random', seed });
        expect(a.colors).toEqual(b.colors);
      }),
      { numRuns: 40 },
    );
    const p = lap2d(10);
    expect(orderVertices(p, 'column', 'random', 1)).not.toEqual(orderVertices(p, 'column', 'random', 2));
  });
  it('largest-first is by non-increasing true degree (distance-2 for columns)', () => {
    const p = lap2d(7);
    const t = transposePattern(p);
    const deg = (j: number) => {
      const s = new Set<number>();
      for (let q = t.rowPtr[j]!; q < t.rowPtr[j + 1]!; q++) {
        const i = t.colIdx[q]!;
        for (let k = p.rowPtr[i]!; k < p.rowPtr[i + 1]!; k++) s.add(p.colIdx[k]!);
      }
      s.delete(j);
      return s.size;
    };
    const o = Array.from(orderVertices(p, 'column', 'largest-first'));
    const d = o.map(deg);
    for (let q = 1; q < d.length; q++) expect(d[q]).toBeLessThanOrEqual(d[q - 1]!);
    expect(d[0]).toBe(12);
  });
  it('smallest-last puts a minimum-degree vertex last; on lap2d it reaches the optimum 5', () => {
    const p = lap2d(20);
    const o = orderVertices(p, 'symmetric', 'smallest-last');
    const last = o[o.length - 1]!;
    expect(p.rowPtr[last + 1]! - p.rowPtr[last]!).toBe(3); // a corner: 2 neighbours + diagonal
    expect(columnColoring(p, { ordering: 'smallest-last', improve: false }).count).toBe(5);
  });
  it('improve never adds colors', () => {
    fc.assert(
      fc.property(arbPattern(14, 14, true), fc.constantFrom(...ORDERINGS), (p, ordering) => {
        for (const f of [columnColoring, rowColoring, starColoring, acyclicColoring, distance1Coloring]) {
          expect(f(p, { ordering, improve: true }).count).toBeLessThanOrEqual(f(p, { ordering, improve: false }).count);
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe('bad input', () => {
  const rect = patternFromRows(2, 3, [[0, 1], [2]]);
  it('non-square patterns for symmetric colorings → ShapeError', () => {
    for (const f of [starColoring, acyclicColoring, distance1Coloring]) expect(() => f(rect)).toThrow(ShapeError);
    expect(() => checkStarColoring(rect, new Int32Array(2))).toThrow(ShapeError);
    expect(() => checkAcyclicColoring(rect, new Int32Array(2))).toThrow(ShapeError);
  });
  it('wrong color lengths or values → ShapeError naming the argument', () => {
    expect(() => checkColumnColoring(rect, new Int32Array(2))).toThrow(
      /checkColumnColoring: colors: expected length 3/,
    );
    expect(() => checkRowColoring(rect, new Int32Array(3))).toThrow(ShapeError);
    expect(() => checkColumnColoring(rect, Int32Array.of(0, -1, 0))).toThrow(ShapeError);
    expect(() => checkStarBicoloring(rect, new Int32Array(2), new Int32Array(2))).toThrow(ShapeError);
  });
  it('malformed patterns and options → ShapeError', () => {
    expect(() => columnColoring({ rows: 1, cols: 1 } as unknown as SparsityPattern)).toThrow(ShapeError);
    expect(() => columnColoring(rect, { ordering: 'fastest' as never })).toThrow(/options.ordering/);
    expect(() => columnColoring(rect, { seed: 0.5 })).toThrow(ShapeError);
  });
  it('inputs are never mutated; empty patterns work', () => {
    const p = lap2d(5);
    const snap = [p.rowPtr.slice(), p.colIdx.slice()];
    for (const f of [columnColoring, rowColoring, starColoring, acyclicColoring, distance1Coloring]) f(p);
    starBicoloring(p);
    expect([p.rowPtr, p.colIdx]).toEqual(snap);
    const e = patternFromRows(0, 0, []);
    expect(columnColoring(e).count).toBe(0);
    expect(starColoring(e).count).toBe(0);
    const z = patternFromRows(3, 3, [[], [], []]);
    expect(starColoring(z).count).toBe(1);
    expect(columnColoring(z).count).toBe(1);
  });
});
