/**
 * Support for test/stencil.test.ts: stencil patterns on Dirichlet boxes and small exact checkers that are
 * independent of src/coloring/check.ts (explicit path enumeration for star, edge/vertex/component counts
 * per color pair for acyclic), so the stencil candidates are verified twice, by different methods.
 */
import { patternFromRows, type SparsityPattern } from '../../src/pattern/pattern.js';

/** The stencil D restricted to the box `dims` (lexicographic, last coordinate fastest, no wraparound). */
export function boxPattern(dims: readonly number[], D: readonly (readonly number[])[]): SparsityPattern {
  const d = dims.length;
  const n = dims.reduce((a, b) => a * b, 1);
  const lists: number[][] = [];
  const x = new Array<number>(d).fill(0);
  for (let v = 0; v < n; v++) {
    let r = v;
    for (let t = d - 1; t >= 0; t--) {
      x[t] = r % dims[t]!;
      r = Math.floor(r / dims[t]!);
    }
    const row: number[] = [];
    for (const e of D) {
      let k = 0;
      let inside = true;
      for (let t = 0; t < d; t++) {
        const y = x[t]! + e[t]!;
        if (y < 0 || y >= dims[t]!) inside = false;
        k = k * dims[t]! + y;
      }
      if (inside) row.push(k);
    }
    lists.push(row);
  }
  return patternFromRows(n, n, lists);
}

export const FIVE_POINT = [
  [0, 0],
  [-1, 0],
  [1, 0],
  [0, -1],
  [0, 1],
];
export const NINE_POINT = [-1, 0, 1].flatMap((a) => [-1, 0, 1].map((b) => [a, b]));
export const SEVEN_POINT = [
  [0, 0, 0],
  [-1, 0, 0],
  [1, 0, 0],
  [0, -1, 0],
  [0, 1, 0],
  [0, 0, -1],
  [0, 0, 1],
];
export const TRIDIAGONAL = [[-1], [0], [1]];

/** Number of colors (max + 1), −1 entries are not expected here. */
export function colorsUsed(c: ArrayLike<number>): number {
  let mx = -1;
  for (let i = 0; i < c.length; i++) mx = Math.max(mx, c[i]!);
  return mx + 1;
}

/** Neighbour lists of S = p + pᵀ (diagonal dropped), p square. */
function symmetricNeighbours(p: SparsityPattern): number[][] {
  const sets: Set<number>[] = Array.from({ length: p.rows }, () => new Set<number>());
  for (let i = 0; i < p.rows; i++) {
    for (let k = p.rowPtr[i]!; k < p.rowPtr[i + 1]!; k++) {
      const j = p.colIdx[k]!;
      if (j === i) continue;
      sets[i]!.add(j);
      sets[j]!.add(i);
    }
  }
  return sets.map((s) => Array.from(s));
}

/** Column (partial distance-2) coloring: no row holds two columns of one color. */
export function isColumnColoring(p: SparsityPattern, c: ArrayLike<number>): boolean {
  if (c.length !== p.cols) return false;
  for (let i = 0; i < p.rows; i++) {
    const seen = new Set<number>();
    for (let k = p.rowPtr[i]!; k < p.rowPtr[i + 1]!; k++) {
      const col = c[p.colIdx[k]!]!;
      if (seen.has(col)) return false;
      seen.add(col);
    }
  }
  return true;
}

/** Row coloring: no column holds two rows of one color. */
export function isRowColoring(p: SparsityPattern, c: ArrayLike<number>): boolean {
  if (c.length !== p.rows) return false;
  const byCol: number[][] = Array.from({ length: p.cols }, () => []);
  for (let i = 0; i < p.rows; i++) for (let k = p.rowPtr[i]!; k < p.rowPtr[i + 1]!; k++) byCol[p.colIdx[k]!]!.push(i);
  return byCol.every((rows) => new Set(rows.map((i) => c[i]!)).size === rows.length);
}

/** Star coloring of S: proper and no path a–b–a'–b' on four distinct vertices with two colors (enumerated). */
export function isStarColoring(p: SparsityPattern, c: ArrayLike<number>): boolean {
  if (c.length !== p.rows) return false;
  const nb = symmetricNeighbours(p);
  for (let a = 0; a < p.rows; a++) {
    for (const b of nb[a]!) {
      if (c[a] === c[b]) return false;
      for (const a2 of nb[b]!) {
        if (a2 === a || c[a2] !== c[a]) continue;
        for (const b2 of nb[a2]!) if (b2 !== b && c[b2] === c[b]) return false;
      }
    }
  }
  return true;
}

/** Acyclic coloring of S: proper, and for every color pair the induced subgraph has edges = vertices − components. */
export function isAcyclicColoring(p: SparsityPattern, c: ArrayLike<number>): boolean {
  if (c.length !== p.rows) return false;
  const nb = symmetricNeighbours(p);
  const k = colorsUsed(c);
  const edges = new Map<number, number>();
  for (let u = 0; u < p.rows; u++) {
    for (const w of nb[u]!) {
      if (c[u] === c[w]) return false;
      if (w < u) continue;
      const key = Math.min(c[u]!, c[w]!) * k + Math.max(c[u]!, c[w]!);
      edges.set(key, (edges.get(key) ?? 0) + 1);
    }
  }
  const mark = new Int32Array(p.rows).fill(-1);
  for (const [key, m] of edges) {
    const a = Math.floor(key / k);
    const b = key % k;
    let vertices = 0;
    let components = 0;
    for (let s = 0; s < p.rows; s++) {
      if ((c[s] !== a && c[s] !== b) || mark[s] === key) continue;
      components++;
      mark[s] = key;
      const stack = [s];
      while (stack.length > 0) {
        const u = stack.pop()!;
        vertices++;
        for (const w of nb[u]!) {
          if ((c[w] === a || c[w] === b) && mark[w] !== key) {
            mark[w] = key;
            stack.push(w);
          }
        }
      }
    }
    if (m !== vertices - components) return false;
  }
  return true;
}
