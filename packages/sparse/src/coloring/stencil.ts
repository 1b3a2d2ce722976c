/**
 * Stencil-aware colorings. Proposes candidate colorings for patterns recognized as translation-invariant
 * stencils on 1D/2D/3D box grids (stencil-grid.ts): the best linear coloring (w·x) mod k found by an
 * exhaustive small search, and the periodic tables of stencil-tables.ts where they beat it (star coloring
 * of the 3D 7-point and 2D 9-point stencils). Every candidate is a coloring of the infinite lattice that is
 * checked exactly before it is proposed (stencil-lattice.ts explains why one period decides validity on
 * the lattice and why the lattice coloring stays valid on every Dirichlet box); callers still verify with
 * the exact checkers, so a wrong guess can cost time, never correctness.
 *
 * Reached on the reference patterns (lower bounds in parentheses): 2D 5-point column 5 (5), star 5 (5),
 * acyclic 3 (3); 2D 9-point column 9 (9), star 8 (8), acyclic 5 (5); 3D 7-point column 7 (7), star 6 (6),
 * acyclic 4 (4); tridiagonal column 3, star 3, acyclic 2; banded half-bandwidth b: column and star 2b + 1.
 */
import type { SparsityPattern } from '../pattern/pattern.js';
import { recognizeStencilGrid, type StencilGrid } from './stencil-grid.js';
import {
  findLinearColoring,
  isValidPeriodic,
  type LatticeProblem,
  linearColoring,
  type PeriodicColoring,
  type Vec,
} from './stencil-lattice.js';
import { STENCIL_TABLES } from './stencil-tables.js';

/** The coloring problems a stencil proposal can answer. */
export type StencilColoringKind = 'column' | 'row' | 'star' | 'acyclic';

/**
 * Candidate colorings (one color per vertex, 0-based, colors 0 … c − 1 all used) for p, fewest colors
 * first; empty when p is not recognized as a stencil on a box grid. 'column' / 'row' color the columns /
 * rows of p (partial distance-2); 'star' / 'acyclic' color the graph of S = p + pᵀ + I.
 */
export function proposeStencilColorings(p: SparsityPattern, kind: StencilColoringKind): Int32Array[] {
  const grid = recognizeStencilGrid(p);
  if (grid === null) return [];
  const d = grid.dims.length;
  const prob = latticeProblem(grid, kind);
  const lattice: PeriodicColoring[] = [];
  const search = (pr: LatticeProblem): void => {
    const offs = pr.kind === 'distance2' ? pr.rowOffsets : pr.graphOffsets;
    const kMin = pr.kind === 'distance2' ? offs.length : offs.length === 0 ? 1 : 2;
    const kMax = pr.kind === 'distance2' ? 4 * offs.length + 8 : 2 * offs.length + 10;
    const lin = findLinearColoring(pr, d, kMin, kMax);
    if (lin !== null) lattice.push(linearColoring(lin.w, lin.k));
    for (const t of STENCIL_TABLES) {
      if (t.period.length !== d || (lin !== null && t.colors >= lin.k)) continue;
      if (isValidPeriodic(t, pr)) lattice.push(t);
    }
  };
  search(prob);
  // A star coloring is acyclic (a 2-colored cycle is even, of length ≥ 4, so it contains a 2-colored P4):
  // the star candidates are acyclic candidates too, useful when the acyclic search runs out of budget.
  if (prob.kind === 'acyclic') search({ kind: 'star', graphOffsets: prob.graphOffsets });
  lattice.sort((a, b) => a.colors - b.colors);
  // The best two lattice colorings (the second is a fallback should a caller's checker disagree).
  const kept = lattice.filter((pc, i) => i === 0 || pc.colors > lattice[i - 1]!.colors).slice(0, 2);
  const out = kept.map((pc) => onBox(pc, grid.dims));
  out.sort((a, b) => colorCount(a) - colorCount(b));
  return out;
}

function latticeProblem(grid: StencilGrid, kind: StencilColoringKind): LatticeProblem {
  const D = grid.offsets;
  if (kind === 'column') return { kind: 'distance2', rowOffsets: D };
  if (kind === 'row') return { kind: 'distance2', rowOffsets: D.map((v) => v.map((x) => -x)) };
  // S = A + Aᵀ + I: graph offsets ±D without 0, deduplicated.
  const seen = new Set<string>();
  const G: Vec[] = [];
  for (const v of D) {
    for (const s of [1, -1]) {
      const e = v.map((x) => s * x + 0);
      const key = e.join(',');
      if (e.every((x) => x === 0) || seen.has(key)) continue;
      seen.add(key);
      G.push(e);
    }
  }
  return { kind: kind === 'star' ? 'star' : 'acyclic', graphOffsets: G };
}

/** The lattice coloring read on the box (lexicographic), colors renumbered 0 … c − 1 by first use. */
function onBox(pc: PeriodicColoring, dims: readonly number[]): Int32Array {
  const d = dims.length;
  const P = pc.period;
  const n = dims.reduce((a, b) => a * b, 1);
  const out = new Int32Array(n);
  const r = new Array<number>(d).fill(0); // x mod P, advanced with the box counter
  const x = new Array<number>(d).fill(0);
  const renum = new Int32Array(pc.colors).fill(-1);
  let used = 0;
  for (let v = 0; v < n; v++) {
    let idx = 0;
    for (let t = 0; t < d; t++) idx = idx * P[t]! + r[t]!;
    const c = pc.table[idx]!;
    if (renum[c] === -1) renum[c] = used++;
    out[v] = renum[c]!;
    for (let t = d - 1; t >= 0; t--) {
      x[t]!++;
      r[t] = r[t]! + 1 === P[t] ? 0 : r[t]! + 1;
      if (x[t]! < dims[t]!) break;
      x[t] = 0;
      r[t] = 0;
    }
  }
  return out;
}

function colorCount(c: Int32Array): number {
  let mx = -1;
  for (let i = 0; i < c.length; i++) if (c[i]! > mx) mx = c[i]!;
  return mx + 1;
}
