/**
 * Exact checkers of the five coloring problems. Each returns `{ valid: true }` or a reason that
 * names the vertices at fault (the two columns and their shared row, the four vertices of a
 * bichromatic path, the vertices of a bichromatic cycle, …). They are independent of the coloring
 * algorithms: each tests the defining property directly, in O(nnz) (acyclic: O(nnz log nnz)).
 */
import { checkPattern, type SparsityPattern, transposePattern } from '../pattern/pattern.js';
import {
  type AdjacencyGraph,
  colorCount,
  mirrorPositions,
  requireColors,
  requireSquare,
  symmetricAdjacency,
} from './graph.js';
import type { CheckResult } from './types.js';

const OK: CheckResult = { valid: true };

/** Columns sharing a row must have different colors (forward-mode compression). */
export function checkColumnColoring(p: SparsityPattern, colors: ArrayLike<number>): CheckResult {
  checkPattern(p, 'checkColumnColoring: p');
  requireColors(colors, p.cols, 'checkColumnColoring: colors');
  return distance2Conflict(p, colors, 'column', 'row');
}

/** Rows sharing a column must have different colors (reverse-mode compression). */
export function checkRowColoring(p: SparsityPattern, colors: ArrayLike<number>): CheckResult {
  checkPattern(p, 'checkRowColoring: p');
  requireColors(colors, p.rows, 'checkRowColoring: colors');
  return distance2Conflict(transposePattern(p), colors, 'row', 'column');
}

function distance2Conflict(p: SparsityPattern, colors: ArrayLike<number>, what: string, line: string): CheckResult {
  const count = colorCount(colors);
  const seenIn = new Int32Array(count).fill(-1);
  const seenBy = new Int32Array(count);
  for (let i = 0; i < p.rows; i++) {
    for (let k = p.rowPtr[i]!; k < p.rowPtr[i + 1]!; k++) {
      const j = p.colIdx[k]!;
      const c = colors[j]!;
      if (seenIn[c] === i) {
        return {
          valid: false,
          reason: `${what}s ${seenBy[c]} and ${j} share ${line} ${i} and both have color ${c}`,
        };
      }
      seenIn[c] = i;
      seenBy[c] = j;
    }
  }
  return OK;
}

/** Distance-1 coloring of S = p + pᵀ (p square). */
export function checkDistance1Coloring(p: SparsityPattern, colors: ArrayLike<number>): CheckResult {
  checkPattern(p, 'checkDistance1Coloring: p');
  requireSquare(p, 'checkDistance1Coloring: p');
  requireColors(colors, p.rows, 'checkDistance1Coloring: colors');
  return properConflict(symmetricAdjacency(p), colors);
}

function properConflict(g: AdjacencyGraph, colors: ArrayLike<number>): CheckResult {
  for (let i = 0; i < g.n; i++) {
    for (let k = g.ptr[i]!; k < g.ptr[i + 1]!; k++) {
      const j = g.idx[k]!;
      if (colors[i] === colors[j]) {
        return { valid: false, reason: `adjacent vertices ${i} and ${j} both have color ${colors[i]}` };
      }
    }
  }
  return OK;
}

/**
 * Star coloring of S = p + pᵀ + I (p square): proper, and every path on four vertices uses at
 * least three colors. A bichromatic path a–b–c–d exists exactly when some edge b–c has b with
 * another neighbour of color(c) and c with another neighbour of color(b); that is what is tested.
 */
export function checkStarColoring(p: SparsityPattern, colors: ArrayLike<number>): CheckResult {
  checkPattern(p, 'checkStarColoring: p');
  requireSquare(p, 'checkStarColoring: p');
  requireColors(colors, p.rows, 'checkStarColoring: colors');
  const g = symmetricAdjacency(p);
  const proper = properConflict(g, colors);
  if (!proper.valid) return proper;
  const { n, ptr, idx } = g;
  const count = colorCount(colors);
  const stamp = new Int32Array(count).fill(-1);
  const cnt = new Int32Array(count);
  // multi[k] for position k = (b, c): b has ≥ 2 neighbours of color(c)
  const multi = new Uint8Array(idx.length);
  for (let b = 0; b < n; b++) {
    for (let k = ptr[b]!; k < ptr[b + 1]!; k++) {
      const c = colors[idx[k]!]!;
      if (stamp[c] !== b) {
        stamp[c] = b;
        cnt[c] = 0;
      }
      cnt[c]!++;
    }
    for (let k = ptr[b]!; k < ptr[b + 1]!; k++) multi[k] = cnt[colors[idx[k]!]!]! >= 2 ? 1 : 0;
  }
  const mirror = mirrorPositions(g);
  for (let b = 0; b < n; b++) {
    for (let k = ptr[b]!; k < ptr[b + 1]!; k++) {
      const c = idx[k]!;
      if (c > b && multi[k] && multi[mirror[k]!]) {
        const a = otherNeighbour(g, colors, b, c);
        const d = otherNeighbour(g, colors, c, b);
        return {
          valid: false,
          reason:
            `bichromatic path ${a}–${b}–${c}–${d} on four vertices (colors ` +
            `${colors[a]}, ${colors[b]}, ${colors[c]}, ${colors[d]})`,
        };
      }
    }
  }
  return OK;
}

/** A neighbour of b other than c with the color of c. */
function otherNeighbour(g: AdjacencyGraph, colors: ArrayLike<number>, b: number, c: number): number {
  for (let k = g.ptr[b]!; k < g.ptr[b + 1]!; k++) {
    const a = g.idx[k]!;
    if (a !== c && colors[a] === colors[c]) return a;
  }
  return -1;
}

/**
 * Acyclic coloring of S = p + pᵀ + I (p square): proper, and every cycle uses at least three
 * colors (each two-colored subgraph is a forest). Tested with one union–find per color pair.
 */
export function checkAcyclicColoring(p: SparsityPattern, colors: ArrayLike<number>): CheckResult {
  checkPattern(p, 'checkAcyclicColoring: p');
  requireSquare(p, 'checkAcyclicColoring: p');
  requireColors(colors, p.rows, 'checkAcyclicColoring: colors');
  const g = symmetricAdjacency(p);
  const proper = properConflict(g, colors);
  if (!proper.valid) return proper;
  const { n, ptr, idx } = g;
  // Undirected edges (i < j), sorted by color pair.
  const m = idx.length >> 1;
  const ei = new Int32Array(m);
  const ej = new Int32Array(m);
  const key = new Float64Array(m);
  const count = colorCount(colors);
  let e = 0;
  for (let i = 0; i < n; i++) {
    for (let k = ptr[i]!; k < ptr[i + 1]!; k++) {
      const j = idx[k]!;
      if (j <= i) continue;
      const a = Math.min(colors[i]!, colors[j]!);
      const b = Math.max(colors[i]!, colors[j]!);
      ei[e] = i;
      ej[e] = j;
      key[e] = a * count + b;
      e++;
    }
  }
  const orderE = Array.from({ length: m }, (_, t) => t).sort((x, y) => key[x]! - key[y]!);
  const parent = new Int32Array(n);
  for (let v = 0; v < n; v++) parent[v] = v;
  const find = (v: number): number => {
    while (parent[v] !== v) {
      parent[v] = parent[parent[v]!]!;
      v = parent[v]!;
    }
    return v;
  };
  const touched: number[] = [];
  let t = 0;
  while (t < m) {
    let u = t;
    while (u < m && key[orderE[u]!] === key[orderE[t]!]) u++;
    for (let q = t; q < u; q++) {
      const f = orderE[q]!;
      const i = ei[f]!;
      const j = ej[f]!;
      touched.push(i, j);
      const ri = find(i);
      const rj = find(j);
      if (ri === rj) {
        const cyc = pathInPair(g, colors, j, i);
        return {
          valid: false,
          reason: `bichromatic cycle ${[...cyc, cyc[0]].join('–')} (colors ${colors[i]} and ${colors[j]})`,
        };
      }
      parent[ri] = rj;
    }
    for (const v of touched) parent[v] = v;
    touched.length = 0;
    t = u;
  }
  return OK;
}

/** A path from s to t that avoids the edge (s, t) and uses only the colors of s and t (BFS). */
function pathInPair(g: AdjacencyGraph, colors: ArrayLike<number>, s: number, t: number): number[] {
  const cs = colors[s]!;
  const ct = colors[t]!;
  const prev = new Map<number, number>([[s, -1]]);
  const queue = [s];
  for (let h = 0; h < queue.length; h++) {
    const u = queue[h]!;
    for (let k = g.ptr[u]!; k < g.ptr[u + 1]!; k++) {
      const w = g.idx[k]!;
      if (u === s && w === t) continue;
      if ((colors[w] !== cs && colors[w] !== ct) || prev.has(w)) continue;
      prev.set(w, u);
      if (w === t) {
        const path: number[] = [];
        for (let x = t; x !== -1; x = prev.get(x)!) path.push(x);
        return path;
      }
      queue.push(w);
    }
  }
  return [s, t];
}

/**
 * Star bicoloring for direct recovery (Coleman & Verma 1998): every nonzero (i, j) must be
 * recoverable either from the forward products, i.e. column j is seeded (colColors[j] ≥ 0) and no
 * other column of row i has its color, or from the reverse products, i.e. row i is seeded and no
 * other row of column j has its color. Neutral vertices carry −1. Row and column color ranges are
 * independent (they seed different products).
 */
export function checkStarBicoloring(
  p: SparsityPattern,
  rowColors: ArrayLike<number>,
  colColors: ArrayLike<number>,
): CheckResult {
  checkPattern(p, 'checkStarBicoloring: p');
  requireColors(rowColors, p.rows, 'checkStarBicoloring: rowColors', -1);
  requireColors(colColors, p.cols, 'checkStarBicoloring: colColors', -1);
  const fwd = uniqueMask(p, colColors);
  const t = transposePattern(p);
  const rev = uniqueMask(t, rowColors);
  // rev is indexed by positions of t; map to p positions through a cursor pass.
  const cursor = t.rowPtr.slice(0, p.cols);
  for (let i = 0; i < p.rows; i++) {
    for (let k = p.rowPtr[i]!; k < p.rowPtr[i + 1]!; k++) {
      const j = p.colIdx[k]!;
      const r = cursor[j]!++;
      if (fwd.ok[k] || rev.ok[r]) continue;
      const why1 =
        colColors[j] === -1
          ? `column ${j} is neutral`
          : `column ${fwd.clash[k]} in row ${i} has the same column color ${colColors[j]}`;
      const why2 =
        rowColors[i] === -1
          ? `row ${i} is neutral`
          : `row ${rev.clash[r]} in column ${j} has the same row color ${rowColors[i]}`;
      return { valid: false, reason: `entry (${i}, ${j}) cannot be recovered: ${why1}, and ${why2}` };
    }
  }
  return OK;
}

/** For each position k = (i, j): colors[j] ≥ 0 and unique among row i's columns; else a clashing column. */
function uniqueMask(p: SparsityPattern, colors: ArrayLike<number>): { ok: Uint8Array; clash: Int32Array } {
  const count = colorCount(colors);
  const stamp = new Int32Array(count).fill(-1);
  const first = new Int32Array(count);
  const twice = new Int32Array(count).fill(-1);
  const second = new Int32Array(count);
  const nnz = p.rowPtr[p.rows]!;
  const ok = new Uint8Array(nnz);
  const clash = new Int32Array(nnz).fill(-1);
  for (let i = 0; i < p.rows; i++) {
    const s = p.rowPtr[i]!;
    const e = p.rowPtr[i + 1]!;
    for (let k = s; k < e; k++) {
      const j = p.colIdx[k]!;
      const c = colors[j]!;
      if (c < 0) continue;
      if (stamp[c] !== i) {
        stamp[c] = i;
        first[c] = j;
      } else if (twice[c] !== i) {
        twice[c] = i;
        second[c] = j;
      }
    }
    for (let k = s; k < e; k++) {
      const j = p.colIdx[k]!;
      const c = colors[j]!;
      if (c < 0) continue;
      if (twice[c] !== i) ok[k] = 1;
      else clash[k] = first[c] === j ? second[c]! : first[c]!;
    }
  }
  return { ok, clash };
}
