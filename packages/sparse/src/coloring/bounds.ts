/**
 * Proven lower bounds on the number of colors.
 *
 * - column: the largest row count (the columns of one row are pairwise in conflict);
 * - row: the largest column count;
 * - distance1: the size of a clique found greedily in the graph of S = p + pᵀ;
 * - acyclic and star: the larger of that clique and the forest bound: with k colors every pair
 *   of color classes spans a forest, so |E| ≤ Σ_{a<b} (n_a + n_b − 1) = (k − 1) n − k (k − 1) / 2.
 *
 * "Largest row count of S" is not a valid bound for star or acyclic colorings (an arrowhead needs
 * 2 star colors whatever its size), so it is not used for them.
 */
import { checkPattern, type SparsityPattern, transposePattern } from '../pattern/pattern.js';
import { type AdjacencyGraph, requireSquare, symmetricAdjacency } from './graph.js';
import type { ColoringKind } from './types.js';

export function coloringLowerBound(p: SparsityPattern, kind: ColoringKind): number {
  checkPattern(p, 'coloringLowerBound: p');
  if (kind === 'column') return maxRowCount(p, p.cols);
  if (kind === 'row') return maxRowCount(transposePattern(p), p.rows);
  requireSquare(p, 'coloringLowerBound: p');
  return symmetricLowerBound(symmetricAdjacency(p), kind);
}

export function maxRowCount(p: SparsityPattern, vertices: number): number {
  let m = vertices > 0 ? 1 : 0;
  for (let i = 0; i < p.rows; i++) m = Math.max(m, p.rowPtr[i + 1]! - p.rowPtr[i]!);
  return m;
}

export function symmetricLowerBound(g: AdjacencyGraph, kind: ColoringKind): number {
  const clique = greedyClique(g);
  if (kind === 'distance1') return clique;
  return Math.max(clique, forestBound(g.n, g.idx.length >> 1));
}

/** Smallest k with (k − 1) n − k (k − 1) / 2 ≥ m. */
export function forestBound(n: number, m: number): number {
  if (n === 0) return 0;
  let k = 1;
  while ((k - 1) * n - (k * (k - 1)) / 2 < m) k++;
  return k;
}

/** Size of a clique grown greedily from every vertex (neighbours in decreasing degree are not sorted: adjacency order). */
export function greedyClique(g: AdjacencyGraph): number {
  const { n, ptr, idx } = g;
  if (n === 0) return 0;
  let best = 1;
  const hits = new Int32Array(n);
  const stamp = new Int32Array(n).fill(-1);
  for (let v = 0; v < n; v++) {
    const dv = ptr[v + 1]! - ptr[v]!;
    if (dv + 1 <= best) continue;
    // hits[x] = number of clique members adjacent to x (valid when stamp[x] === v)
    for (let k = ptr[v]!; k < ptr[v + 1]!; k++) {
      const x = idx[k]!;
      stamp[x] = v;
      hits[x] = 1;
    }
    let size = 1;
    for (let k = ptr[v]!; k < ptr[v + 1]!; k++) {
      const u = idx[k]!;
      if (hits[u] !== size) continue;
      size++;
      for (let q = ptr[u]!; q < ptr[u + 1]!; q++) {
        const x = idx[q]!;
        if (stamp[x] === v) hits[x]!++;
      }
      hits[u] = -1;
    }
    if (size > best) best = size;
  }
  return best;
}
