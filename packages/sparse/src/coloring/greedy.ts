/**
 * Greedy coloring kernels. Each factory allocates its scratch once; the returned kernel colors the
 * vertices in the given order into `colors` and returns the number of colors. Forbidden colors are
 * stamped with the current vertex id, so nothing is ever cleared.
 */
import type { AdjacencyGraph, Distance2Graph } from './graph.js';

/** Colors `colors` in `order`; returns the color count. */
export type GreedyKernel = (order: Int32Array, colors: Int32Array) => number;

/**
 * Partial distance-2 coloring of the vertices of `g` (columns sharing a row, or rows sharing a
 * column, get different colors). Each line (row for a column coloring) keeps a 32-bit mask of the
 * colors below 32 already used on it, so the forbidden colors below 32 of a vertex are the OR of
 * the masks of its lines (one pass over its lines, not over their vertices). Only when all 32 are
 * forbidden are the vertices of its lines walked, with a forbidden-color array stamped by vertex
 * id, for the first free color ≥ 32. Either way the color is the smallest one not used at
 * distance 2, as in the textbook greedy.
 */
export function distance2Kernel(g: Distance2Graph): GreedyKernel {
  const { rowPtr: vPtr, colIdx: vIdx } = g.vertexLines;
  const n = g.n;
  const mask = new Int32Array(g.vertexLines.cols);
  let forbid: Int32Array | null = null;
  return (order, colors) => {
    colors.fill(-1);
    mask.fill(0);
    if (forbid !== null) forbid.fill(-1); // stamps are vertex ids: clear them between runs
    let count = 0;
    for (let q = 0; q < n; q++) {
      const j = order[q]!;
      const s = vPtr[j]!;
      const e = vPtr[j + 1]!;
      let m = 0;
      for (let a = s; a < e; a++) m |= mask[vIdx[a]!]!;
      let c: number;
      if (m !== -1) {
        const free = ~m;
        c = 31 - Math.clz32(free & -free);
        const bit = 1 << c;
        for (let a = s; a < e; a++) mask[vIdx[a]!]! |= bit;
      } else {
        if (forbid === null) forbid = new Int32Array(n + 1).fill(-1);
        const L = g.lineVertices();
        const lp = L.rowPtr;
        const lIdx = L.colIdx;
        for (let a = s; a < e; a++) {
          const i = vIdx[a]!;
          for (let k = lp[i]!, ke = lp[i + 1]!; k < ke; k++) {
            const cu = colors[lIdx[k]!]!;
            if (cu >= 32) forbid[cu] = j;
          }
        }
        c = 32;
        while (forbid[c] === j) c++;
      }
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
