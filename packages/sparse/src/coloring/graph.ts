/**
 * Internal graph helpers of the colorings: the symmetric structure S = A + Aᵀ + I of a square
 * pattern, its adjacency without the diagonal, reverse-edge maps, and the graphs the orderings
 * walk (distance-1 on an adjacency; distance-2 on the bipartite row/column graph through CSR +
 * CSC, with the column-intersection graph formed once per call only when its size is moderate).
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

/**
 * A graph seen by the orderings: its explicit adjacency when one is stored (neighbours walked in
 * place), else a neighbourhood enumerator; degrees are computed once per graph and shared.
 */
export interface NeighbourGraph {
  readonly n: number;
  /** The adjacency (neighbours in the order `fill` writes them), or null when it is not formed. */
  adjacency(): AdjacencyGraph | null;
  /** Numbers of distinct neighbours (computed once; callers must not write to it). */
  degrees(): Int32Array;
  /** An upper bound on the number of neighbours `fill` can write. */
  maxFill(): number;
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
  const { n, ptr, idx } = g;
  let deg: Int32Array | null = null;
  return {
    n,
    adjacency: () => g,
    degrees(): Int32Array {
      if (deg === null) {
        deg = new Int32Array(n);
        for (let v = 0; v < n; v++) deg[v] = ptr[v + 1]! - ptr[v]!;
      }
      return deg;
    },
    maxFill(): number {
      let m = 0;
      for (let v = 0; v < n; v++) m = Math.max(m, ptr[v + 1]! - ptr[v]!);
      return m;
    },
    fill(v: number, buf: Int32Array): number {
      const s = ptr[v]!;
      const e = ptr[v + 1]!;
      for (let k = s; k < e; k++) buf[k - s] = idx[k]!;
      return e - s;
    },
  };
}

/** The transpose of a CSR structure (rows of the result sorted). */
export function transposeStructure(p: SparsityPattern): SparsityPattern {
  const { rows, cols, rowPtr, colIdx } = p;
  const nnz = rowPtr[rows]!;
  // tPtr[j + 2] counts column j; after the prefix sum, tPtr[j + 1] is the fill cursor of column j
  // and ends as the end of column j.
  const tPtr = new Int32Array(cols + 2);
  for (let k = 0; k < nnz; k++) tPtr[colIdx[k]! + 2]!++;
  for (let j = 2; j <= cols; j++) tPtr[j]! += tPtr[j - 1]!;
  const tIdx = new Int32Array(nnz);
  let k = 0;
  for (let i = 0; i < rows; i++) {
    const e = rowPtr[i + 1]!;
    for (; k < e; k++) tIdx[tPtr[colIdx[k]! + 1]!++] = i;
  }
  return { rows: cols, cols: rows, rowPtr: tPtr.subarray(0, cols + 1), colIdx: tIdx };
}

/** Largest number of neighbour slots (Σ over lines of count(count − 1)) for which the adjacency is formed. */
const D2_ADJACENCY_FLOOR = 1 << 22;
const D2_ADJACENCY_CAP = 1 << 25;

/**
 * Distance-2 neighbourhoods of the vertices of a bipartite graph given twice: `vertexLines` (one
 * row per vertex, listing its lines) and `lineVertices` (one row per line, listing its vertices,
 * built on demand). For a column coloring of p the vertices are the columns and the lines the
 * rows (vertexLines = pᵀ, lineVertices = p); for a row coloring, the reverse. The neighbours of v
 * are the vertices sharing a line with v, in first-seen order over its lines. When
 * Σ_lines count² is moderate the adjacency is formed once, on first use, in one stamped pass (it
 * also gives the degrees), and shared by every ordering of the call; otherwise the neighbourhoods
 * are enumerated.
 */
export class Distance2Graph implements NeighbourGraph {
  readonly n: number;
  readonly vertexLines: SparsityPattern;
  private lines: SparsityPattern | null;
  private readonly makeLines: () => SparsityPattern;
  private adj: AdjacencyGraph | null | undefined = undefined;
  private deg: Int32Array | null = null;
  private stamp: Int32Array | null = null;
  private tick = -1;

  constructor(vertexLines: SparsityPattern, lineVertices: SparsityPattern | null, makeLines: () => SparsityPattern) {
    this.n = vertexLines.rows;
    this.vertexLines = vertexLines;
    this.lines = lineVertices;
    this.makeLines = makeLines;
  }

  /** The line → vertices structure. */
  lineVertices(): SparsityPattern {
    if (this.lines === null) this.lines = this.makeLines();
    return this.lines;
  }

  adjacency(): AdjacencyGraph | null {
    if (this.adj !== undefined) return this.adj;
    const L = this.lineVertices();
    const nl = L.rows;
    const lp = L.rowPtr;
    // v has at most Σ_{lines l ∋ v} (count(l) − 1) neighbours: Σ_l count(l)(count(l) − 1) in all.
    let slots = 0;
    for (let i = 0; i < nl; i++) {
      const r = lp[i + 1]! - lp[i]!;
      slots += r * (r - 1);
    }
    const nnz = lp[nl]!;
    if (slots > D2_ADJACENCY_CAP || slots > Math.max(D2_ADJACENCY_FLOOR, 16 * nnz)) {
      this.adj = null;
      return null;
    }
    const n = this.n;
    const vPtr = this.vertexLines.rowPtr;
    const vIdx = this.vertexLines.colIdx;
    const lIdx = L.colIdx;
    const ptr = new Int32Array(n + 1);
    const idx = new Int32Array(slots);
    const stamp = new Int32Array(n).fill(-1);
    let w = 0;
    for (let v = 0; v < n; v++) {
      stamp[v] = v;
      for (let a = vPtr[v]!, ae = vPtr[v + 1]!; a < ae; a++) {
        const i = vIdx[a]!;
        for (let k = lp[i]!, ke = lp[i + 1]!; k < ke; k++) {
          const u = lIdx[k]!;
          if (stamp[u] !== v) {
            stamp[u] = v;
            idx[w++] = u;
          }
        }
      }
      ptr[v + 1] = w;
    }
    this.adj = { n, ptr, idx: idx.subarray(0, w) };
    return this.adj;
  }

  degrees(): Int32Array {
    if (this.deg !== null) return this.deg;
    const n = this.n;
    const d = new Int32Array(n);
    // From the adjacency when it is formed already; else one counting pass (cheaper than forming
    // it when only the degrees are needed, as for largest-first).
    const g = this.adj;
    if (g !== undefined && g !== null) {
      const ptr = g.ptr;
      for (let v = 0; v < n; v++) d[v] = ptr[v + 1]! - ptr[v]!;
    } else {
      const L = this.lineVertices();
      const lp = L.rowPtr;
      const lIdx = L.colIdx;
      const vPtr = this.vertexLines.rowPtr;
      const vIdx = this.vertexLines.colIdx;
      const stamp = new Int32Array(n).fill(-1);
      for (let v = 0; v < n; v++) {
        stamp[v] = v;
        let c = 0;
        for (let a = vPtr[v]!, ae = vPtr[v + 1]!; a < ae; a++) {
          const i = vIdx[a]!;
          for (let k = lp[i]!, ke = lp[i + 1]!; k < ke; k++) {
            const u = lIdx[k]!;
            if (stamp[u] !== v) {
              stamp[u] = v;
              c++;
            }
          }
        }
        d[v] = c;
      }
    }
    this.deg = d;
    return d;
  }

  maxFill(): number {
    const lp = this.lineVertices().rowPtr;
    const vPtr = this.vertexLines.rowPtr;
    const vIdx = this.vertexLines.colIdx;
    let m = 0;
    for (let v = 0; v < this.n; v++) {
      let s = 0;
      for (let a = vPtr[v]!; a < vPtr[v + 1]!; a++) {
        const i = vIdx[a]!;
        s += lp[i + 1]! - lp[i]!;
      }
      if (s > m) m = s;
    }
    return Math.min(m, this.n);
  }

  fill(v: number, buf: Int32Array): number {
    const L = this.lineVertices();
    const lp = L.rowPtr;
    const lIdx = L.colIdx;
    const vPtr = this.vertexLines.rowPtr;
    const vIdx = this.vertexLines.colIdx;
    if (this.stamp === null) this.stamp = new Int32Array(this.n).fill(-1);
    const stamp = this.stamp;
    // A fresh stamp per call: the same vertex is enumerated several times by the orderings.
    if (++this.tick === 0x7fffffff) {
      stamp.fill(-1);
      this.tick = 0;
    }
    const s = this.tick;
    let c = 0;
    stamp[v] = s;
    for (let q = vPtr[v]!; q < vPtr[v + 1]!; q++) {
      const i = vIdx[q]!;
      for (let k = lp[i]!; k < lp[i + 1]!; k++) {
        const u = lIdx[k]!;
        if (stamp[u] !== s) {
          stamp[u] = s;
          buf[c++] = u;
        }
      }
    }
    return c;
  }
}

/** The distance-2 graph of the columns of p (vertices = columns, lines = rows). */
export function columnGraph(p: SparsityPattern): Distance2Graph {
  return new Distance2Graph(transposeStructure(p), p, () => p);
}

/** The distance-2 graph of the rows of p (vertices = rows, lines = columns). */
export function rowGraph(p: SparsityPattern): Distance2Graph {
  return new Distance2Graph(p, null, () => transposeStructure(p));
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
