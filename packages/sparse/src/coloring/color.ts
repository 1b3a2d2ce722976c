/**
 * The coloring drivers: one greedy kernel per problem, run over one ordering or, by default,
 * over several (`'best'`), each followed by Culberson's iterated greedy by color classes; the
 * fewest colors win, and the search stops as soon as a coloring reaches the proven lower bound.
 * Stencil proposals (`proposeStencilColorings`) are tried first and accepted only when the exact
 * checker verifies them.
 */
import { ShapeError } from '@wengert/core';
import { describeValue } from '@wengert/core/internals';
import { checkPattern, type SparsityPattern, transposePattern } from '../pattern/pattern.js';
import { maxRowCount, symmetricLowerBound } from './bounds.js';
import {
  checkAcyclicColoring,
  checkColumnColoring,
  checkRowColoring,
  checkStarBicoloring,
  checkStarColoring,
} from './check.js';
import {
  adjacencyNeighbours,
  colorCount,
  columnGraph,
  type Distance2Graph,
  mirrorPositions,
  mulberry32,
  type NeighbourGraph,
  requireSquare,
  rowGraph,
  symmetricAdjacency,
} from './graph.js';
import { acyclicKernel, distance1Kernel, distance2Kernel, type GreedyKernel, starKernel } from './greedy.js';
import { classOrder, orderGraph } from './order.js';
import { proposeStencilColorings, type StencilColoringKind } from './stencil.js';
import {
  type Bicoloring,
  type CheckResult,
  type Coloring,
  type ColoringOptions,
  ORDERINGS,
  type Ordering,
} from './types.js';

/** Partial distance-2 coloring of the columns (forward mode): columns sharing a row differ. */
export function columnColoring(p: SparsityPattern, o: ColoringOptions = {}): Coloring {
  checkPattern(p, 'columnColoring: p');
  return drive(
    p.cols,
    maxRowCount(p, p.cols),
    () => distance2Setup(columnGraph(p)),
    o,
    'columnColoring',
    'column',
    p,
    (c) => checkColumnColoring(p, c),
  );
}

/** Partial distance-2 coloring of the rows (reverse mode): rows sharing a column differ. */
export function rowColoring(p: SparsityPattern, o: ColoringOptions = {}): Coloring {
  checkPattern(p, 'rowColoring: p');
  return drive(
    p.rows,
    maxColumnCount(p),
    () => distance2Setup(rowGraph(p)),
    o,
    'rowColoring',
    'row',
    p,
    (c) => checkRowColoring(p, c),
  );
}

function distance2Setup(g: Distance2Graph): { graph: NeighbourGraph; kernel: GreedyKernel } {
  return { graph: g, kernel: distance2Kernel(g) };
}

/** The largest column count of p, at least 1 when p has rows (the row-coloring lower bound). */
function maxColumnCount(p: SparsityPattern): number {
  const cnt = new Int32Array(p.cols);
  const nnz = p.rowPtr[p.rows]!;
  const idx = p.colIdx;
  let m = p.rows > 0 ? 1 : 0;
  for (let k = 0; k < nnz; k++) {
    const c = ++cnt[idx[k]!]!;
    if (c > m) m = c;
  }
  return m;
}

/** Plain (distance-1) coloring of the graph of S = p + pᵀ (p square). */
export function distance1Coloring(p: SparsityPattern, o: ColoringOptions = {}): Coloring {
  checkPattern(p, 'distance1Coloring: p');
  requireSquare(p, 'distance1Coloring: p');
  const g = symmetricAdjacency(p);
  return drive(
    p.rows,
    symmetricLowerBound(g, 'distance1'),
    () => ({ graph: adjacencyNeighbours(g), kernel: distance1Kernel(g) }),
    o,
    'distance1Coloring',
    null,
    p,
    null,
  );
}

/**
 * Star coloring of S = p + pᵀ + I (p square): a symmetric (Hessian) coloring with direct
 * recovery (`recoverStar`). Only the structure of S matters: p may be a triangle or the full
 * pattern.
 */
export function starColoring(p: SparsityPattern, o: ColoringOptions = {}): Coloring {
  checkPattern(p, 'starColoring: p');
  requireSquare(p, 'starColoring: p');
  const g = symmetricAdjacency(p);
  return drive(
    p.rows,
    symmetricLowerBound(g, 'star'),
    () => ({ graph: adjacencyNeighbours(g), kernel: starKernel(g, mirrorPositions(g)) }),
    o,
    'starColoring',
    'star',
    p,
    (c) => checkStarColoring(p, c),
  );
}

/** Acyclic coloring of S = p + pᵀ + I (p square): Hessian coloring with substitution recovery (`recoverAcyclic`). */
export function acyclicColoring(p: SparsityPattern, o: ColoringOptions = {}): Coloring {
  checkPattern(p, 'acyclicColoring: p');
  requireSquare(p, 'acyclicColoring: p');
  const g = symmetricAdjacency(p);
  return drive(
    p.rows,
    symmetricLowerBound(g, 'acyclic'),
    () => ({ graph: adjacencyNeighbours(g), kernel: acyclicKernel(g, mirrorPositions(g)) }),
    o,
    'acyclicColoring',
    'acyclic',
    p,
    (c) => checkAcyclicColoring(p, c),
  );
}

function readOptions(
  o: ColoringOptions,
  fn: string,
): { orderings: readonly Ordering[]; seed: number; improve: boolean } {
  if (o === null || typeof o !== 'object')
    throw new ShapeError(`${fn}: options`, 'an options object', describeValue(o));
  const ord = o.ordering ?? 'best';
  if (ord !== 'best' && !ORDERINGS.includes(ord)) {
    throw new ShapeError(`${fn}: options.ordering`, `'best' or one of ${ORDERINGS.join(', ')}`, describeValue(ord));
  }
  const seed = o.seed ?? 0;
  if (!Number.isInteger(seed)) throw new ShapeError(`${fn}: options.seed`, 'an integer', describeValue(seed));
  return { orderings: ord === 'best' ? ORDERINGS : [ord], seed, improve: o.improve ?? true };
}

/** Rounds of the iterated greedy; it stops earlier after two rounds without progress. */
const IMPROVE_ROUNDS = 8;
const STALL = 3;
/** How many of the best greedy results the iterated greedy is run on. */
const IMPROVE_CANDIDATES = 2;

/**
 * Culberson's iterated greedy: recolor with the vertices grouped by color class (classes in
 * reverse, by decreasing size, by increasing size, in turn). For distance-1/2 colorings each
 * round provably never adds colors; for star/acyclic ones a round is kept only when it has fewer.
 */
function improveColoring(kernel: GreedyKernel, colors: Int32Array, count: number, lowerBound: number): number {
  const n = colors.length;
  const trial = new Int32Array(n);
  const rnd = mulberry32(0x9e3779b9);
  let stall = 0;
  for (let round = 0; round < IMPROVE_ROUNDS && count > lowerBound && stall < STALL; round++) {
    const seq = classSequence(colors, count, round % 4, rnd);
    const c = kernel(classOrder(colors, count, seq), trial);
    if (c < count) {
      colors.set(trial);
      count = c;
      stall = 0;
    } else {
      if (c === count) colors.set(trial);
      stall++;
    }
  }
  return count;
}

function classSequence(colors: Int32Array, count: number, mode: number, rnd: () => number): Int32Array {
  const seq = new Int32Array(count);
  for (let c = 0; c < count; c++) seq[c] = count - 1 - c;
  if (mode === 0) return seq;
  if (mode === 3) {
    for (let i = count - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      const t = seq[i]!;
      seq[i] = seq[j]!;
      seq[j] = t;
    }
    return seq;
  }
  const size = new Int32Array(count);
  for (let v = 0; v < colors.length; v++) size[colors[v]!]!++;
  const arr = Array.from(seq);
  arr.sort((a, b) => (mode === 1 ? size[b]! - size[a]! : size[a]! - size[b]!) || a - b);
  return Int32Array.from(arr);
}

function drive(
  n: number,
  lowerBound: number,
  setup: () => { graph: NeighbourGraph; kernel: GreedyKernel },
  o: ColoringOptions,
  fn: string,
  stencilKind: StencilColoringKind | null,
  p: SparsityPattern,
  check: ((colors: Int32Array) => CheckResult) | null,
): Coloring {
  const { orderings, seed, improve } = readOptions(o, fn);
  const best = orderings.length > 1;
  let stencil: { colors: Int32Array; count: number } | null = null;
  if (best && stencilKind !== null && check !== null) {
    for (const cand of proposeStencilColorings(p, stencilKind)) {
      if (!(cand instanceof Int32Array) || cand.length !== n) continue;
      let okRange = true;
      for (let v = 0; v < n; v++) if (cand[v]! < 0) okRange = false;
      if (!okRange || !check(cand).valid) continue;
      const count = colorCount(cand);
      if (stencil === null || count < stencil.count) stencil = { colors: cand.slice(), count };
    }
    if (stencil !== null && stencil.count <= lowerBound) {
      return { colors: stencil.colors, count: stencil.count, ordering: 'stencil', lowerBound };
    }
  }
  const { graph: g, kernel } = setup();
  // Greedy pass over the orderings (stopping at the lower bound), then the iterated greedy on
  // the two best results only: it costs several greedy passes, and it rarely lifts a poor start.
  const results: { colors: Int32Array; count: number; ordering: string }[] = [];
  for (const ordering of orderings) {
    // Several degree-based orderings will follow: form the adjacency once for all of them.
    if (best && ordering !== 'natural' && ordering !== 'random') g.adjacency();
    const colors = new Int32Array(n);
    const count = kernel(orderGraph(g, ordering, seed), colors);
    results.push({ colors, count, ordering });
    if (count <= lowerBound) break;
  }
  results.sort((a, b) => a.count - b.count);
  if (improve) {
    for (const r of results.slice(0, IMPROVE_CANDIDATES)) {
      if (r.count <= lowerBound) break;
      r.count = improveColoring(kernel, r.colors, r.count, lowerBound);
    }
    results.sort((a, b) => a.count - b.count);
  }
  const top = results[0];
  const bestColors = top?.colors ?? null;
  const bestCount = top?.count ?? Number.POSITIVE_INFINITY;
  const bestOrdering = top?.ordering ?? '';
  if (stencil !== null && stencil.count < bestCount) {
    return { colors: stencil.colors, count: stencil.count, ordering: 'stencil', lowerBound };
  }
  return {
    colors: bestColors ?? new Int32Array(0),
    count: n === 0 ? 0 : bestCount,
    ordering: bestOrdering,
    lowerBound,
  };
}

// ---------------------------------------------------------------------------------------------
// Star bicoloring

/**
 * Star bicoloring with direct recovery (Coleman & Verma 1998): a set R of dense rows is computed
 * in reverse mode (rows of R sharing a column differ), all other entries in forward mode (columns
 * sharing a row outside R differ); vertices that seed nothing are neutral (−1). R is chosen among
 * row-count thresholds (and, symmetrically, a set of dense columns in forward mode), keeping the
 * fewest products rowCount + colCount. Every entry is then recoverable directly (see
 * `checkStarBicoloring`).
 */
export function starBicoloring(p: SparsityPattern, o: ColoringOptions = {}): Bicoloring {
  checkPattern(p, 'starBicoloring: p');
  const opts = readOptions(o, 'starBicoloring');
  const t = transposePattern(p);
  const quick: ColoringOptions = {
    ordering: opts.orderings.length > 1 ? 'smallest-last' : opts.orderings[0]!,
    seed: opts.seed,
    improve: opts.improve,
  };
  type Cand = { side: 'rows' | 'cols'; tau: number; total: number };
  const cands: Cand[] = [];
  const tryThresholds = (side: 'rows' | 'cols', q: SparsityPattern): void => {
    const counts = new Set<number>();
    for (let i = 0; i < q.rows; i++) counts.add(q.rowPtr[i + 1]! - q.rowPtr[i]!);
    const sorted = [...counts].sort((a, b) => b - a).slice(0, 8);
    for (const tau of sorted) {
      const r = side === 'rows' ? splitByRows(p, tau, quick) : splitByCols(p, t, tau, quick);
      cands.push({ side, tau, total: r.rowCount + r.colCount });
    }
  };
  tryThresholds('rows', p);
  tryThresholds('cols', t);
  cands.sort((a, b) => a.total - b.total);
  const win = cands[0];
  if (win === undefined) {
    return {
      rowColors: new Int32Array(p.rows).fill(-1),
      colColors: new Int32Array(p.cols).fill(-1),
      rowCount: 0,
      colCount: 0,
      ordering: 'natural',
    };
  }
  // Recompute the winner with the requested ordering(s).
  const full = win.side === 'rows' ? splitByRows(p, win.tau, o) : splitByCols(p, t, win.tau, o);
  const r =
    full.rowCount + full.colCount <= win.total
      ? full
      : win.side === 'rows'
        ? splitByRows(p, win.tau, quick)
        : splitByCols(p, t, win.tau, quick);
  const v = checkStarBicoloring(p, r.rowColors, r.colColors);
  if (!v.valid) throw new Error(`starBicoloring: internal error, ${v.reason}`);
  return r;
}

/** Rows with more than tau entries go to reverse mode. */
function splitByRows(p: SparsityPattern, tau: number, o: ColoringOptions): Bicoloring {
  const inR = new Uint8Array(p.rows);
  for (let i = 0; i < p.rows; i++) if (p.rowPtr[i + 1]! - p.rowPtr[i]! > tau) inR[i] = 1;
  const fwdPat = keepRows(p, inR, 0); // entries outside R
  const revPat = keepRows(p, inR, 1); // entries in R
  const col = columnColoring(fwdPat, o);
  const row = rowColoring(revPat, o);
  return assemble(p, fwdPat, revPat, row.colors, col.colors, `${col.ordering}/${row.ordering}`);
}

/** Columns with more than tau entries go to forward mode, the rest to reverse mode. */
function splitByCols(p: SparsityPattern, t: SparsityPattern, tau: number, o: ColoringOptions): Bicoloring {
  const inC = new Uint8Array(p.cols);
  for (let j = 0; j < p.cols; j++) if (t.rowPtr[j + 1]! - t.rowPtr[j]! > tau) inC[j] = 1;
  const fwdT = keepRows(t, inC, 1); // entries in C (transposed)
  const revT = keepRows(t, inC, 0);
  const fwdPat = transposePattern(fwdT);
  const revPat = transposePattern(revT);
  const col = columnColoring(fwdPat, o);
  const row = rowColoring(revPat, o);
  return assemble(p, fwdPat, revPat, row.colors, col.colors, `${col.ordering}/${row.ordering}`);
}

function keepRows(p: SparsityPattern, flag: Uint8Array, want: number): SparsityPattern {
  const rowPtr = new Int32Array(p.rows + 1);
  let w = 0;
  for (let i = 0; i < p.rows; i++) {
    if (flag[i] === want) w += p.rowPtr[i + 1]! - p.rowPtr[i]!;
    rowPtr[i + 1] = w;
  }
  const colIdx = new Int32Array(w);
  for (let i = 0; i < p.rows; i++) {
    if (flag[i] === want) colIdx.set(p.colIdx.subarray(p.rowPtr[i]!, p.rowPtr[i + 1]!), rowPtr[i]!);
  }
  return { rows: p.rows, cols: p.cols, rowPtr, colIdx };
}

/** Neutralizes vertices with no entry in their part and renumbers the colors densely. */
function assemble(
  p: SparsityPattern,
  fwdPat: SparsityPattern,
  revPat: SparsityPattern,
  rowColorsIn: Int32Array,
  colColorsIn: Int32Array,
  ordering: string,
): Bicoloring {
  const colColors = colColorsIn.slice();
  const colHas = new Uint8Array(p.cols);
  for (let k = 0; k < fwdPat.colIdx.length; k++) colHas[fwdPat.colIdx[k]!] = 1;
  for (let j = 0; j < p.cols; j++) if (!colHas[j]) colColors[j] = -1;
  const rowColors = rowColorsIn.slice();
  for (let i = 0; i < p.rows; i++) if (revPat.rowPtr[i + 1] === revPat.rowPtr[i]) rowColors[i] = -1;
  const colCount = compact(colColors);
  const rowCount = compact(rowColors);
  return { rowColors, colColors, rowCount, colCount, ordering };
}

function compact(colors: Int32Array): number {
  const map = new Map<number, number>();
  for (let v = 0; v < colors.length; v++) {
    const c = colors[v]!;
    if (c < 0) continue;
    let m = map.get(c);
    if (m === undefined) {
      m = map.size;
      map.set(c, m);
    }
    colors[v] = m;
  }
  return map.size;
}
