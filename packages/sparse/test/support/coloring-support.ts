/**
 * Test support for the colorings: the generators of the reference patterns of
 * fixtures/colpack-reference.json (regenerated from their `generator` text), a dense reference
 * matrix helper and a small random-pattern arbitrary.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { patternFromRows, type SparsityPattern } from '../../src/pattern/pattern.js';

const here = dirname(fileURLToPath(import.meta.url));

export interface ColpackRun {
  colors: number;
  ms: number;
}
export interface BicolorRun {
  products: number;
  row_colors: number;
  col_colors: number;
}
export interface ReferencePattern {
  name: string;
  generator: string;
  rows: number;
  cols: number;
  nnz: number;
  fnv1a64: string;
  symmetric_pattern: { nnz: number; fnv1a64: string; edges: number; max_degree: number };
  bounds: Record<string, number>;
  column_partial_d2: Record<string, ColpackRun>;
  row_partial_d2: Record<string, ColpackRun>;
  star: Record<string, ColpackRun>;
  acyclic: Record<string, ColpackRun>;
  distance1: Record<string, ColpackRun>;
  star_bicoloring_implicit: Record<string, BicolorRun>;
  star_bicoloring_explicit: Record<string, BicolorRun>;
}

export function loadReference(): { patterns: ReferencePattern[] } {
  return JSON.parse(readFileSync(join(here, '../fixtures/colpack-reference.json'), 'utf8'));
}

export function loadBounds(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(here, '../fixtures/coloring-bounds.json'), 'utf8'));
}

/** Best (fewest) colors over ColPack's orderings. */
export function colpackBest(runs: Record<string, ColpackRun>): number {
  return Math.min(...Object.values(runs).map((r) => r.colors));
}

export function lap2d(N: number): SparsityPattern {
  const lists: number[][] = [];
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      const l = [i * N + j];
      if (i > 0) l.push((i - 1) * N + j);
      if (i < N - 1) l.push((i + 1) * N + j);
      if (j > 0) l.push(i * N + j - 1);
      if (j < N - 1) l.push(i * N + j + 1);
      lists.push(l);
    }
  }
  return patternFromRows(N * N, N * N, lists);
}

export function lap3d(N: number): SparsityPattern {
  const lists: number[][] = [];
  const id = (i: number, j: number, l: number) => (i * N + j) * N + l;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      for (let l = 0; l < N; l++) {
        const r = [id(i, j, l)];
        if (i > 0) r.push(id(i - 1, j, l));
        if (i < N - 1) r.push(id(i + 1, j, l));
        if (j > 0) r.push(id(i, j - 1, l));
        if (j < N - 1) r.push(id(i, j + 1, l));
        if (l > 0) r.push(id(i, j, l - 1));
        if (l < N - 1) r.push(id(i, j, l + 1));
        lists.push(r);
      }
    }
  }
  return patternFromRows(N * N * N, N * N * N, lists);
}

export function stencil9(N: number): SparsityPattern {
  const lists: number[][] = [];
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      const l: number[] = [];
      for (let di = -1; di <= 1; di++) {
        for (let dj = -1; dj <= 1; dj++) {
          const a = i + di;
          const b = j + dj;
          if (a >= 0 && a < N && b >= 0 && b < N) l.push(a * N + b);
        }
      }
      lists.push(l);
    }
  }
  return patternFromRows(N * N, N * N, lists);
}

export function banded(n: number, hb: number): SparsityPattern {
  const lists: number[][] = [];
  for (let i = 0; i < n; i++) {
    const l: number[] = [];
    for (let j = Math.max(0, i - hb); j <= Math.min(n - 1, i + hb); j++) l.push(j);
    lists.push(l);
  }
  return patternFromRows(n, n, lists);
}

export function arrowhead(n: number): SparsityPattern {
  const lists: number[][] = [];
  for (let i = 0; i < n; i++) lists.push(i === 0 ? Array.from({ length: n }, (_, j) => j) : [0, i]);
  return patternFromRows(n, n, lists);
}

/** The 64-bit LCG pattern of the reference (BigInt arithmetic mod 2^64). */
export function randomLcg(n: number, k: number, seed: bigint): SparsityPattern {
  const M = (1n << 64n) - 1n;
  let s = seed;
  const lists: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row: number[] = [];
    while (row.length < k) {
      s = (s * 6364136223846793005n + 1442695040888963407n) & M;
      const j = Number((s >> 33n) % BigInt(n));
      if (!row.includes(j)) row.push(j);
    }
    lists.push(row);
  }
  return patternFromRows(n, n, lists);
}

/** The pattern named in the reference JSON, regenerated from its generator text. */
export function referencePattern(name: string): SparsityPattern {
  const gens: [RegExp, (m: RegExpExecArray) => SparsityPattern][] = [
    [/^lap2d_5pt_N(\d+)$/, (m) => lap2d(Number(m[1]))],
    [/^bratu2d_N(\d+)$/, (m) => lap2d(Number(m[1]))],
    [/^lap3d_7pt_N(\d+)$/, (m) => lap3d(Number(m[1]))],
    [/^stencil2d_9pt_N(\d+)$/, (m) => stencil9(Number(m[1]))],
    [/^tridiagonal_n(\d+)$/, (m) => banded(Number(m[1]), 1)],
    [/^banded_hb(\d+)_n(\d+)$/, (m) => banded(Number(m[2]), Number(m[1]))],
    [/^arrowhead_n(\d+)$/, (m) => arrowhead(Number(m[1]))],
    [/^random_n(\d+)_k(\d+)_seed(\d+)$/, (m) => randomLcg(Number(m[1]), Number(m[2]), BigInt(m[3]!))],
  ];
  for (const [re, make] of gens) {
    const m = re.exec(name);
    if (m) return make(m);
  }
  throw new Error(`no generator for ${name}`);
}

/** A random rows × cols pattern with each entry present with probability `density`. */
export function arbPattern(maxRows = 12, maxCols = 12, square = false): fc.Arbitrary<SparsityPattern> {
  return fc
    .record({
      rows: fc.integer({ min: 1, max: maxRows }),
      cols: fc.integer({ min: 1, max: maxCols }),
      density: fc.double({ min: 0.05, max: 0.6, noNaN: true }),
      seed: fc.integer({ min: 0, max: 0x7fffffff }),
    })
    .map(({ rows, cols, density, seed }) => {
      const c = square ? rows : cols;
      let s = seed >>> 0;
      const rnd = () => {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        return s / 4294967296;
      };
      const lists: number[][] = [];
      for (let i = 0; i < rows; i++) {
        const l: number[] = [];
        for (let j = 0; j < c; j++) if (rnd() < density) l.push(j);
        lists.push(l);
      }
      return patternFromRows(rows, c, lists);
    });
}

/** Counts undirected edges and the max degree of S = p + pᵀ (off-diagonal). */
export function symmetricStats(p: SparsityPattern): { edges: number; maxDegree: number; nnz: number } {
  const n = p.rows;
  const adj: Set<number>[] = Array.from({ length: n }, () => new Set());
  for (let i = 0; i < n; i++) {
    for (let k = p.rowPtr[i]!; k < p.rowPtr[i + 1]!; k++) {
      const j = p.colIdx[k]!;
      if (j !== i) {
        adj[i]!.add(j);
        adj[j]!.add(i);
      }
    }
  }
  let deg = 0;
  let twice = 0;
  for (const s of adj) {
    deg = Math.max(deg, s.size);
    twice += s.size;
  }
  return { edges: twice / 2, maxDegree: deg, nnz: twice + n };
}

/** Dense row-major copy of a pattern's values. */
export function toDense(p: SparsityPattern, values: Float64Array): Float64Array {
  const d = new Float64Array(p.rows * p.cols);
  for (let i = 0; i < p.rows; i++) {
    for (let k = p.rowPtr[i]!; k < p.rowPtr[i + 1]!; k++) d[i * p.cols + p.colIdx[k]!] = values[k]!;
  }
  return d;
}
