/**
 * Greedy coloring kernels. Each factory allocates its scratch once; the returned kernel colors the
 * vertices in the given order into `colors` and returns the number of colors. Forbidden colors are
 * stamped with the current vertex id, so nothing is ever cleared.
 */
import type { SparsityPattern } from '../pattern/pattern.js';
import type { AdjacencyGraph } from './graph.js';

/** Colors `colors` in `order`; returns the color count. */
export type GreedyKernel = (order: Int32Array, colors: Int32Array) => number;

/**
 * Partial distance-2 coloring of the columns of p (columns sharing a row get different colors),
 * walking CSC `t` then CSR `p`. For rows, call with (transpose, p).
 */
export function distance2Kernel(p: SparsityPattern, t: SparsityPattern): GreedyKernel {
  const { rowPtr, colIdx } = p;
  const tPtr = t.rowPtr;
  const tIdx = t.colIdx;
  const n = p.cols;
  const forbid = new Int32Array(n + 1).fill(-1);
  return (order, colors) => {
    colors.fill(-1);
    forbid.fill(-1); // stamps are vertex ids: clear them between runs
    let count = 0;
    for (let q = 0; q < n; q++) {
      const j = order[q]!;
      for (let a = tPtr[j]!, ae = tPtr[j + 1]!; a < ae; a++) {
        const i = tIdx[a]!;
        for (let k = rowPtr[i]!, ke = rowPtr[i + 1]!; k < ke; k++) {
          const c = colors[colIdx[k]!]!;
          if (c >= 0) forbid[c] = j;
        }
      }
      let c = 0;
      while (forbid[c] === j) c++;
      colors[j] = c;
      if (c >= count) count = c + 1;
    }
    return count;
  };
}

/** Distance-1 (plain graph) coloring. */
export function distance1Kernel(g: AdjacencyGraph): GreedyKernel {
  const { n, ptr, idx } = g;
  const forbid = new Int32Array(n + 1).fill(-1);
  return (order, colors) => {
    colors.fill(-1);
    forbid.fill(-1);
    let count = 0;
    for (let q = 0; q < n; q++) {
      const v = order[q]!;
      for (let k = ptr[v]!, ke = ptr[v + 1]!; k < ke; k++) {
        const c = colors[idx[k]!]!;
        if (c >= 0) forbid[c] = v;
      }
      let c = 0;
      while (forbid[c] === v) c++;
      colors[v] = c;
      if (c >= count) count = c + 1;
    }
    return count;
  };
}

/**
 * Star coloring (no bichromatic path on four vertices) in the manner of Gebremedhin, Tarafdar,
 * Manne & Pothen (2007, Alg. 4.1): the two-colored stars are kept (edge → star, star → hub) so
 * that the distance-3 condition is tested at distance 2. Coloring v with color(x), x ∈ N(w),
 * w ∈ N(v), creates a bichromatic P4 exactly when (a) v has another neighbour of color(w)
 * (path a–v–w–x) or (b) x is the hub of the star holding the edge wx (path v–w–x–y).
 */
export function starKernel(g: AdjacencyGraph, mirror: Int32Array): GreedyKernel {
  const { n, ptr, idx } = g;
  const nnz = idx.length;
  const forbid = new Int32Array(n + 1).fill(-1);
  const seen = new Int32Array(n + 1).fill(-1);
  const repeated = new Int32Array(n + 1).fill(-1);
  const hubStamp = new Int32Array(n + 1).fill(-1);
  const hubStar = new Int32Array(n + 1);
  const star = new Int32Array(nnz);
  const hub = new Int32Array((nnz >> 1) + 1);
  return (order, colors) => {
    colors.fill(-1);
    star.fill(-1);
    forbid.fill(-1);
    seen.fill(-1);
    repeated.fill(-1);
    hubStamp.fill(-1);
    let nStars = 0;
    let count = 0;
    for (let q = 0; q < n; q++) {
      const v = order[q]!;
      const s0 = ptr[v]!;
      const s1 = ptr[v + 1]!;
      for (let k = s0; k < s1; k++) {
        const cw = colors[idx[k]!]!;
        if (cw < 0) continue;
        forbid[cw] = v;
        if (seen[cw] === v) repeated[cw] = v;
        else seen[cw] = v;
      }
      for (let k = s0; k < s1; k++) {
        const w = idx[k]!;
        const cw = colors[w]!;
        if (cw < 0) continue;
        const rep = repeated[cw] === v;
        for (let kk = ptr[w]!, ke = ptr[w + 1]!; kk < ke; kk++) {
          const x = idx[kk]!;
          if (x === v) continue;
          const cx = colors[x]!;
          if (cx < 0) continue;
          if (rep) forbid[cx] = v;
          else {
            const s = star[kk]!;
            if (s >= 0 && hub[s] === x) forbid[cx] = v;
          }
        }
      }
      let c = 0;
      while (forbid[c] === v) c++;
      colors[v] = c;
      if (c >= count) count = c + 1;
      // Put the new edges v–w into stars.
      for (let k = s0; k < s1; k++) {
        const w = idx[k]!;
        const cw = colors[w]!;
        if (cw < 0 || w === v) continue;
        let s = -1;
        if (repeated[cw] === v) {
          // v is the hub of the star of its color-cw neighbours.
          if (hubStamp[cw] !== v) {
            hubStamp[cw] = v;
            hubStar[cw] = nStars;
            hub[nStars++] = v;
          }
          s = hubStar[cw]!;
        } else {
          for (let kk = ptr[w]!, ke = ptr[w + 1]!; kk < ke; kk++) {
            const x = idx[kk]!;
            if (x !== v && colors[x] === c) {
              s = star[kk]!;
              hub[s] = w;
              break;
            }
          }
          if (s < 0) {
            s = nStars++;
            hub[s] = -1;
          }
        }
        star[k] = s;
        star[mirror[k]!] = s;
      }
    }
    return count;
  };
}

/** Undirected edge ids per stored position (both directions share the id). */
export function edgeIds(g: AdjacencyGraph, mirror: Int32Array): { ids: Int32Array; m: number } {
  const { n, ptr, idx } = g;
  const ids = new Int32Array(idx.length);
  let m = 0;
  for (let i = 0; i < n; i++) {
    for (let k = ptr[i]!; k < ptr[i + 1]!; k++) {
      if (idx[k]! > i) {
        ids[k] = m;
        ids[mirror[k]!] = m++;
      }
    }
  }
  return { ids, m };
}

/**
 * Acyclic coloring (no bichromatic cycle) after Gebremedhin, Tarafdar, Manne & Pothen (2007,
 * Alg. 4.2): the two-colored trees are kept in a disjoint-set forest over the edges; coloring v
 * with color(x) closes a cycle exactly when v reaches the tree holding wx through two different
 * neighbours w.
 */
export function acyclicKernel(g: AdjacencyGraph, mirror: Int32Array): GreedyKernel {
  const { n, ptr, idx } = g;
  const { ids, m } = edgeIds(g, mirror);
  const parent = new Int32Array(m);
  const firstV = new Int32Array(m);
  const firstW = new Int32Array(m);
  const forbid = new Int32Array(n + 1).fill(-1);
  const seen = new Int32Array(n + 1).fill(-1);
  const seenPos = new Int32Array(n + 1);
  const find = (e: number): number => {
    while (parent[e] !== e) {
      const gp = parent[parent[e]!]!;
      parent[e] = gp;
      e = gp;
    }
    return e;
  };
  const union = (a: number, b: number): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[ra] = rb;
  };
  return (order, colors) => {
    colors.fill(-1);
    forbid.fill(-1);
    seen.fill(-1);
    for (let e = 0; e < m; e++) parent[e] = e;
    firstV.fill(-1);
    let count = 0;
    for (let q = 0; q < n; q++) {
      const v = order[q]!;
      const s0 = ptr[v]!;
      const s1 = ptr[v + 1]!;
      for (let k = s0; k < s1; k++) {
        const cw = colors[idx[k]!]!;
        if (cw >= 0) forbid[cw] = v;
      }
      for (let k = s0; k < s1; k++) {
        const w = idx[k]!;
        if (colors[w]! < 0) continue;
        for (let kk = ptr[w]!, ke = ptr[w + 1]!; kk < ke; kk++) {
          const x = idx[kk]!;
          if (x === v) continue;
          const cx = colors[x]!;
          if (cx < 0 || forbid[cx] === v) continue;
          const r = find(ids[kk]!);
          if (firstV[r] !== v) {
            firstV[r] = v;
            firstW[r] = w;
          } else if (firstW[r] !== w) forbid[cx] = v;
        }
      }
      let c = 0;
      while (forbid[c] === v) c++;
      colors[v] = c;
      if (c >= count) count = c + 1;
      for (let k = s0; k < s1; k++) {
        const w = idx[k]!;
        const cw = colors[w]!;
        if (cw < 0 || w === v) continue;
        const e = ids[k]!;
        for (let kk = ptr[w]!, ke = ptr[w + 1]!; kk < ke; kk++) {
          const x = idx[kk]!;
          if (x !== v && colors[x] === c) {
            union(e, ids[kk]!);
            break;
          }
        }
        if (seen[cw] === v) union(e, ids[seenPos[cw]!]!);
        else {
          seen[cw] = v;
          seenPos[cw] = k;
        }
      }
    }
    return count;
  };
}
