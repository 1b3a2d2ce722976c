/**
 * Internal graph helpers of the colorings: the symmetric structure S = A + Aᵀ + I of a square
 * pattern, its adjacency without the diagonal, reverse-edge maps, and the neighbourhood
 * enumerators the orderings walk (distance-1 on an adjacency, distance-2 on the bipartite
 * row/column graph through CSR + CSC, without forming the column-intersection graph).
 */
import { ShapeError } from '@wengert/core';
import { describeValue } from '@wengert/core/internals';
import { checkPattern, type SparsityPattern, transposePattern } from '../pattern/pattern.js';

/** An undirected graph in CSR form (both directions stored, no self loops, sorted rows). */
export interface AdjacencyGraph {
  readonly n: number;
  readonly ptr: Int32Array;
  readonly idx: Int32Array;
}

/** A graph seen through a neighbourhood enumerator (what the orderings need). */
export interface NeighbourGraph {
  readonly n: number;
  /** An upper bound on the number of neighbours `fill` can write. */
  readonly maxFill: number;
  /** Writes the distinct neighbours of v (v excluded) into buf and returns their number. */
  fill(v: number, buf: Int32Array): number;
}

export function requireSquare(p: SparsityPattern, arg: string): void {
  if (p.rows !== p.cols) throw new ShapeError(arg, 'a square pattern (rows = cols)', `${p.rows} × ${p.cols}`);
}

/** Adjacency of S = p + pᵀ without the diagonal (p square). */
export function symmetricAdjacency(p: SparsityPattern): AdjacencyGraph {
  const n = p.rows;
  const t = transposePattern(p);
  const ptr = new Int32Array(n + 1);
  // First pass counts, second fills: merge of two sorted lists, diagonal dropped.
  for (let pass = 0; pass < 2; pass++) {
    const idx = pass === 0 ? null : new Int32Array(ptr[n]!);
    let w = 0;
    for (let i = 0; i < n; i++) {
      let a = p.rowPtr[i]!;
      const ae = p.rowPtr[i + 1]!;
      let b = t.rowPtr[i]!;
      const be = t.rowPtr[i + 1]!;
      while (a < ae || b < be) {
        const ja = a < ae ? p.colIdx[a]! : 0x7fffffff;
        const jb = b < be ? t.colIdx[b]! : 0x7fffffff;
        let j: number;
        if (ja < jb) {
          j = ja;
          a++;
        } else if (jb < ja) {
          j = jb;
          b++;
        } else {
          j = ja;
          a++;
          b++;
        }
        if (j === i) continue;
        if (idx !== null) idx[w] = j;
        w++;
      }
      if (pass === 0) ptr[i + 1] = w;
    }
    if (idx !== null) return { n, ptr, idx };
  }
  throw new Error('unreachable');
}

/** The symmetric pattern S = p + pᵀ + I of a square pattern (what Hessian colorings act on). */
export function symmetrizePattern(p: SparsityPattern): SparsityPattern {
  checkPattern(p, 'symmetrizePattern: p');
  requireSquare(p, 'symmetrizePattern: p');
  return patternWithDiagonal(symmetricAdjacency(p));
}

/** Adds the diagonal to an adjacency (sorted), giving a pattern. */
export function patternWithDiagonal(g: AdjacencyGraph): SparsityPattern {
  const { n, ptr, idx } = g;
  const rowPtr = new Int32Array(n + 1);
  const colIdx = new Int32Array(idx.length + n);
  let w = 0;
  for (let i = 0; i < n; i++) {
    let placed = false;
    for (let k = ptr[i]!; k < ptr[i + 1]!; k++) {
      const j = idx[k]!;
      if (!placed && j > i) {
        colIdx[w++] = i;
        placed = true;
      }
      colIdx[w++] = j;
    }
    if (!placed) colIdx[w++] = i;
    rowPtr[i + 1] = w;
  }
  return { rows: n, cols: n, rowPtr, colIdx };
}

/** For each stored position k of (i, j), the position of (j, i). Requires a symmetric structure. */
export function mirrorPositions(g: AdjacencyGraph): Int32Array {
  const { n, ptr, idx } = g;
  const mirror = new Int32Array(idx.length);
  const cursor = ptr.slice(0, n);
  // Rows visited in increasing i: the entries (j, i) with i < j of row j appear in that order.
  for (let i = 0; i < n; i++) {
    for (let k = ptr[i]!; k < ptr[i + 1]!; k++) {
      const j = idx[k]!;
      if (j > i) {
        const r = cursor[j]!++;
        mirror[k] = r;
        mirror[r] = k;
      }
    }
  }
  return mirror;
}

/** Distance-1 neighbourhoods of an adjacency graph. */
export function adjacencyNeighbours(g: AdjacencyGraph): NeighbourGraph {
  let maxFill = 0;
  for (let i = 0; i < g.n; i++) maxFill = Math.max(maxFill, g.ptr[i + 1]! - g.ptr[i]!);
  const { ptr, idx } = g;
  return {
    n: g.n,
    maxFill,
    fill(v: number, buf: Int32Array): number {
      const s = ptr[v]!;
      const e = ptr[v + 1]!;
      for (let k = s; k < e; k++) buf[k - s] = idx[k]!;
      return e - s;
    },
  };
}

/**
 * Distance-2 neighbourhoods of the columns of p in its bipartite graph (the columns sharing a row
 * with column v), through the CSC `t` (= transposePattern(p)) and the CSR of p.
 */
export function columnIntersectionNeighbours(p: SparsityPattern, t: SparsityPattern): NeighbourGraph {
  const { rowPtr, colIdx } = p;
  const tPtr = t.rowPtr;
  const tIdx = t.colIdx;
  const n = p.cols;
  const stamp = new Int32Array(n).fill(-1);
  let tick = -1;
  let maxFill = 0;
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let q = tPtr[j]!; q < tPtr[j + 1]!; q++) {
      const i = tIdx[q]!;
      s += rowPtr[i + 1]! - rowPtr[i]!;
    }
    if (s > maxFill) maxFill = s;
  }
  maxFill = Math.min(maxFill, n);
  return {
    n,
    maxFill,
    fill(v: number, buf: Int32Array): number {
      // A fresh stamp per call: the same vertex is enumerated several times by the orderings.
      if (++tick === 0x7fffffff) {
        stamp.fill(-1);
        tick = 0;
      }
      const s = tick;
      let c = 0;
      stamp[v] = s;
      for (let q = tPtr[v]!; q < tPtr[v + 1]!; q++) {
        const i = tIdx[q]!;
        for (let k = rowPtr[i]!; k < rowPtr[i + 1]!; k++) {
          const u = colIdx[k]!;
          if (stamp[u] !== s) {
            stamp[u] = s;
            buf[c++] = u;
          }
        }
      }
      return c;
    },
  };
}

/** Mulberry32: a small, fast, seedable 32-bit PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Throws a ShapeError unless `colors` is an integer array of length n with entries ≥ min. */
export function requireColors(colors: unknown, n: number, arg: string, min = 0): asserts colors is ArrayLike<number> {
  if (!(colors instanceof Int32Array) && !Array.isArray(colors)) {
    throw new ShapeError(arg, `an Int32Array of length ${n}`, describeValue(colors));
  }
  if (colors.length !== n) throw new ShapeError(arg, `length ${n}`, `length ${colors.length}`);
  for (let i = 0; i < n; i++) {
    const c = colors[i] as number;
    if (!Number.isInteger(c) || c < min) {
      throw new ShapeError(`${arg}[${i}]`, `an integer ≥ ${min}`, describeValue(c));
    }
  }
}

/** max(colors) + 1 (0 for an empty array). */
export function colorCount(colors: ArrayLike<number>): number {
  let m = -1;
  for (let i = 0; i < colors.length; i++) if (colors[i]! > m) m = colors[i]!;
  return m + 1;
}
