/**
 * Recovery of a sparse Jacobian or Hessian from its compressed products, in the pattern's CSR
 * value order. The `prepare…` forms compute every index map once (from the pattern and the
 * colors only, so a plan can be rebuilt from serialized (pattern, colors)); their `recover` is one
 * allocation-free pass over the nonzeros (acyclic: over the nonzeros plus the tree edges). The
 * one-shot `recover…` functions validate, prepare and run.
 *
 * Conventions: B is rows × count row-major with B[i·count + c] = Σ_{j: colors[j] = c} J[i, j]
 * (forward products J·S); Ct is cols × count row-major with Ct[j·count + c] = Σ_{i: colors[i] = c}
 * J[i, j] (reverse products Sᵀ·J, transposed). For Hessians B = H·S with S from the symmetric
 * coloring (n × count).
 */
import { ShapeError } from '@wengert/core';
import { describeValue } from '@wengert/core/internals';
import { colorCount, mirrorPositions, requireColors, requireSquare, symmetricAdjacency } from '../coloring/graph.js';
import { edgeIds } from '../coloring/greedy.js';
import type { Bicoloring } from '../coloring/types.js';
import { checkPattern, type SparsityPattern, transposePattern } from '../pattern/pattern.js';

/** A prepared recovery: `recover(B, out)` (bicolored: `recover(B, out, Ct)`), allocation-free. */
export interface PreparedRecovery {
  readonly kind: 'column' | 'row' | 'bicolored' | 'star' | 'acyclic';
  /** Length of `out` (the pattern's nnz). */
  readonly nnz: number;
  /** Length of the compressed input (B, or Ct for 'row'). */
  readonly inputLength: number;
  /** For 'bicolored': length of Ct. */
  readonly secondLength: number;
  recover(B: Float64Array, out: Float64Array, Ct?: Float64Array): void;
}

function requireF64(x: unknown, n: number, arg: string): asserts x is Float64Array {
  if (!(x instanceof Float64Array)) throw new ShapeError(arg, `a Float64Array of length ${n}`, describeValue(x));
  if (x.length !== n) throw new ShapeError(arg, `length ${n}`, `length ${x.length}`);
}

function requireCount(count: unknown, colors: ArrayLike<number>, arg: string): asserts count is number {
  const need = colorCount(colors);
  if (!Number.isInteger(count) || (count as number) < need) {
    throw new ShapeError(arg, `an integer ≥ ${need} (max color + 1)`, describeValue(count));
  }
}

/** Gather recovery: out[k] = src[map[k]]. */
function gather(kind: PreparedRecovery['kind'], map: Int32Array, inputLength: number, fn: string): PreparedRecovery {
  const nnz = map.length;
  return {
    kind,
    nnz,
    inputLength,
    secondLength: 0,
    recover(B: Float64Array, out: Float64Array): void {
      requireF64(B, inputLength, `${fn}: B`);
      requireF64(out, nnz, `${fn}: out`);
      for (let k = 0; k < nnz; k++) out[k] = B[map[k]!]!;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Jacobians

export function prepareColumnRecovery(p: SparsityPattern, colors: ArrayLike<number>, count: number): PreparedRecovery {
  checkPattern(p, 'prepareColumnRecovery: p');
  requireColors(colors, p.cols, 'prepareColumnRecovery: colors');
  requireCount(count, colors, 'prepareColumnRecovery: count');
  const map = new Int32Array(p.colIdx.length);
  for (let i = 0; i < p.rows; i++) {
    for (let k = p.rowPtr[i]!; k < p.rowPtr[i + 1]!; k++) map[k] = i * count + colors[p.colIdx[k]!]!;
  }
  return gather('column', map, p.rows * count, 'recoverColumnCompressed');
}

export function prepareRowRecovery(p: SparsityPattern, colors: ArrayLike<number>, count: number): PreparedRecovery {
  checkPattern(p, 'prepareRowRecovery: p');
  requireColors(colors, p.rows, 'prepareRowRecovery: colors');
  requireCount(count, colors, 'prepareRowRecovery: count');
  const map = new Int32Array(p.colIdx.length);
  for (let i = 0; i < p.rows; i++) {
    for (let k = p.rowPtr[i]!; k < p.rowPtr[i + 1]!; k++) map[k] = p.colIdx[k]! * count + colors[i]!;
  }
  return gather('row', map, p.cols * count, 'recoverRowCompressed');
}

/** J from B = J·S (S the column seed): J[i, j] = B[i, colors[j]]. Direct, exact. */
export function recoverColumnCompressed(
  p: SparsityPattern,
  colors: ArrayLike<number>,
  count: number,
  B: Float64Array,
  out: Float64Array,
): void {
  checkPattern(p, 'recoverColumnCompressed: p');
  requireColors(colors, p.cols, 'recoverColumnCompressed: colors');
  requireCount(count, colors, 'recoverColumnCompressed: count');
  requireF64(B, p.rows * count, 'recoverColumnCompressed: B');
  requireF64(out, p.colIdx.length, 'recoverColumnCompressed: out');
  for (let i = 0; i < p.rows; i++) {
    const base = i * count;
    for (let k = p.rowPtr[i]!; k < p.rowPtr[i + 1]!; k++) out[k] = B[base + colors[p.colIdx[k]!]!]!;
  }
}

/** J from Ct = (Sᵀ·J)ᵀ (S the row seed): J[i, j] = Ct[j, colors[i]]. Direct, exact. */
export function recoverRowCompressed(
  p: SparsityPattern,
  colors: ArrayLike<number>,
  count: number,
  Ct: Float64Array,
  out: Float64Array,
): void {
  checkPattern(p, 'recoverRowCompressed: p');
  requireColors(colors, p.rows, 'recoverRowCompressed: colors');
  requireCount(count, colors, 'recoverRowCompressed: count');
  requireF64(Ct, p.cols * count, 'recoverRowCompressed: Ct');
  requireF64(out, p.colIdx.length, 'recoverRowCompressed: out');
  for (let i = 0; i < p.rows; i++) {
    const ci = colors[i]!;
    for (let k = p.rowPtr[i]!; k < p.rowPtr[i + 1]!; k++) out[k] = Ct[p.colIdx[k]! * count + ci]!;
  }
}

/**
 * Bicolored recovery: each entry comes from B (rows × colCount) when its column's color is
 * unique in its row, else from Ct (cols × rowCount) when its row's color is unique in its column.
 */
export function prepareBicoloredRecovery(p: SparsityPattern, bic: Bicoloring): PreparedRecovery {
  const fn = 'prepareBicoloredRecovery';
  checkPattern(p, `${fn}: p`);
  if (bic === null || typeof bic !== 'object') throw new ShapeError(`${fn}: bic`, 'a Bicoloring', describeValue(bic));
  requireColors(bic.rowColors, p.rows, `${fn}: bic.rowColors`, -1);
  requireColors(bic.colColors, p.cols, `${fn}: bic.colColors`, -1);
  requireCount(bic.rowCount, bic.rowColors, `${fn}: bic.rowCount`);
  requireCount(bic.colCount, bic.colColors, `${fn}: bic.colCount`);
  const { rowColors, colColors, rowCount, colCount } = bic;
  const nnz = p.colIdx.length;
  // map[k] ≥ 0: index into B; map[k] < 0: −1 − index into Ct.
  const map = new Int32Array(nnz);
  const fwdOk = uniqueInLine(p, colColors);
  const t = transposePattern(p);
  const revOk = uniqueInLine(t, rowColors);
  const cursor = t.rowPtr.slice(0, p.cols);
  for (let i = 0; i < p.rows; i++) {
    for (let k = p.rowPtr[i]!; k < p.rowPtr[i + 1]!; k++) {
      const j = p.colIdx[k]!;
      const r = cursor[j]!++;
      if (fwdOk[k]) map[k] = i * colCount + colColors[j]!;
      else if (revOk[r]) map[k] = -1 - (j * rowCount + rowColors[i]!);
      else throw new ShapeError(`${fn}: bic`, `a star bicoloring covering entry (${i}, ${j})`, 'one that does not');
    }
  }
  const bLen = p.rows * colCount;
  const cLen = p.cols * rowCount;
  return {
    kind: 'bicolored',
    nnz,
    inputLength: bLen,
    secondLength: cLen,
    recover(B: Float64Array, out: Float64Array, Ct?: Float64Array): void {
      requireF64(B, bLen, 'recoverBicolored: B');
      requireF64(Ct, cLen, 'recoverBicolored: Ct');
      requireF64(out, nnz, 'recoverBicolored: out');
      for (let k = 0; k < nnz; k++) {
        const m = map[k]!;
        out[k] = m >= 0 ? B[m]! : Ct[-1 - m]!;
      }
    },
  };
}

function uniqueInLine(p: SparsityPattern, colors: ArrayLike<number>): Uint8Array {
  const count = colorCount(colors);
  const stamp = new Int32Array(count).fill(-1);
  const twice = new Int32Array(count).fill(-1);
  const ok = new Uint8Array(p.colIdx.length);
  for (let i = 0; i < p.rows; i++) {
    for (let k = p.rowPtr[i]!; k < p.rowPtr[i + 1]!; k++) {
      const c = colors[p.colIdx[k]!]!;
      if (c < 0) continue;
      if (stamp[c] === i) twice[c] = i;
      else stamp[c] = i;
    }
    for (let k = p.rowPtr[i]!; k < p.rowPtr[i + 1]!; k++) {
      const c = colors[p.colIdx[k]!]!;
      if (c >= 0 && twice[c] !== i) ok[k] = 1;
    }
  }
  return ok;
}

export function recoverBicolored(
  p: SparsityPattern,
  bic: Bicoloring,
  B: Float64Array,
  Ct: Float64Array,
  out: Float64Array,
): void {
  prepareBicoloredRecovery(p, bic).recover(B, out, Ct);
}

// ---------------------------------------------------------------------------------------------
// Hessians

/**
 * Star (direct) recovery for a symmetric H whose structure lies in S = p + pᵀ + I: the diagonal
 * H[i, i] = B[i, color(i)]; an off-diagonal H[i, j] = B[i, color(j)] when j is the only neighbour
 * of i in S with its color, else B[j, color(i)] (a star coloring guarantees one of the two).
 * `out` follows p's CSR order (p may be the full pattern or a triangle).
 */
export function prepareStarRecovery(p: SparsityPattern, colors: ArrayLike<number>, count: number): PreparedRecovery {
  const fn = 'prepareStarRecovery';
  checkPattern(p, `${fn}: p`);
  requireSquare(p, `${fn}: p`);
  requireColors(colors, p.rows, `${fn}: colors`);
  requireCount(count, colors, `${fn}: count`);
  const g = symmetricAdjacency(p);
  const n = p.rows;
  const { ptr, idx } = g;
  const mirror = mirrorPositions(g);
  // unique[a] for adjacency position a = (i, j): j is the only neighbour of i with color(j).
  const unique = new Uint8Array(idx.length);
  const seen = new Int32Array(count).fill(-1);
  const twice = new Int32Array(count).fill(-1);
  for (let i = 0; i < n; i++) {
    for (let a = ptr[i]!; a < ptr[i + 1]!; a++) {
      const c = colors[idx[a]!]!;
      if (seen[c] === i) twice[c] = i;
      else seen[c] = i;
    }
    if (seen[colors[i]!] === i) {
      throw new ShapeError(
        `${fn}: colors`,
        'a star coloring of p + pᵀ + I',
        `vertex ${i} shares color ${colors[i]} with a neighbour`,
      );
    }
    for (let a = ptr[i]!; a < ptr[i + 1]!; a++) unique[a] = twice[colors[idx[a]!]!] === i ? 0 : 1;
  }
  const map = new Int32Array(p.colIdx.length);
  const where = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let a = ptr[i]!; a < ptr[i + 1]!; a++) {
      where[idx[a]!] = a;
    }
    for (let k = p.rowPtr[i]!; k < p.rowPtr[i + 1]!; k++) {
      const j = p.colIdx[k]!;
      if (j === i) {
        map[k] = i * count + colors[i]!;
        continue;
      }
      const a = where[j]!; // every off-diagonal entry of p is an edge of S
      if (unique[a]) map[k] = i * count + colors[j]!;
      else if (unique[mirror[a]!]) map[k] = j * count + colors[i]!;
      else {
        throw new ShapeError(
          `${fn}: colors`,
          'a star coloring of p + pᵀ + I',
          `entry (${i}, ${j}) that neither row ${i} nor row ${j} isolates`,
        );
      }
    }
  }
  return gather('star', map, n * count, 'recoverStar');
}

export function recoverStar(
  p: SparsityPattern,
  colors: ArrayLike<number>,
  count: number,
  B: Float64Array,
  out: Float64Array,
): void {
  prepareStarRecovery(p, colors, count).recover(B, out);
}

/**
 * Acyclic (substitution) recovery after Gebremedhin, Tarafdar, Pothen & Walther (2009): every
 * two-colored subgraph is a forest; in post-order, for a vertex u with parent w in its tree,
 * H[u, w] = B[u, color(w)] − Σ_{children c of u} H[u, c]. The diagonal is direct.
 */
export function prepareAcyclicRecovery(p: SparsityPattern, colors: ArrayLike<number>, count: number): PreparedRecovery {
  const fn = 'prepareAcyclicRecovery';
  checkPattern(p, `${fn}: p`);
  requireSquare(p, `${fn}: p`);
  requireColors(colors, p.rows, `${fn}: colors`);
  requireCount(count, colors, `${fn}: count`);
  const n = p.rows;
  const g = symmetricAdjacency(p);
  const { ptr, idx } = g;
  const mirror = mirrorPositions(g);
  const { ids, m } = edgeIds(g, mirror);
  // Position in p of each adjacency position (i, j), or −1.
  const where = new Int32Array(n).fill(-1);
  const whereStamp = new Int32Array(n).fill(-1);
  const inP = new Int32Array(idx.length).fill(-1);
  const diagSrc: number[] = [];
  const diagDst: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let k = p.rowPtr[i]!; k < p.rowPtr[i + 1]!; k++) {
      const j = p.colIdx[k]!;
      if (j === i) {
        diagDst.push(k);
        diagSrc.push(i * count + colors[i]!);
      } else {
        where[j] = k;
        whereStamp[j] = i;
      }
    }
    for (let a = ptr[i]!; a < ptr[i + 1]!; a++) {
      const j = idx[a]!;
      if (whereStamp[j] === i) inP[a] = where[j]!;
    }
  }
  for (let i = 0; i < n; i++) {
    for (let a = ptr[i]!; a < ptr[i + 1]!; a++) {
      if (colors[idx[a]!] === colors[i]) {
        throw new ShapeError(
          `${fn}: colors`,
          'an acyclic coloring of p + pᵀ + I',
          `adjacent ${i}, ${idx[a]} share a color`,
        );
      }
    }
  }
  // Steps in post-order, one per undirected edge.
  const stepB = new Int32Array(m);
  const dst1 = new Int32Array(m);
  const dst2 = new Int32Array(m);
  const firstChild = new Int32Array(m).fill(-1);
  const nextSibling = new Int32Array(m).fill(-1);
  const edgeDone = new Uint8Array(m);
  const inTree = new Int32Array(n).fill(-1);
  // DFS frames
  const fV = new Int32Array(n);
  const fParentPos = new Int32Array(n); // adjacency position (v, parent), −1 at the root
  const fIt = new Int32Array(n);
  const fOther = new Int32Array(n); // color of the neighbours to follow
  const fChildren = new Int32Array(n); // head of the children-step list
  let nSteps = 0;
  let tree = 0;
  for (let r = 0; r < n; r++) {
    for (let a0 = ptr[r]!; a0 < ptr[r + 1]!; a0++) {
      if (edgeDone[ids[a0]!]) continue;
      const cOther = colors[idx[a0]!]!;
      tree++;
      let top = 0;
      fV[0] = r;
      fParentPos[0] = -1;
      fIt[0] = ptr[r]!;
      fOther[0] = cOther;
      fChildren[0] = -1;
      inTree[r] = tree;
      while (top >= 0) {
        const v = fV[top]!;
        let advanced = false;
        while (fIt[top]! < ptr[v + 1]!) {
          const a = fIt[top]!++;
          const w = idx[a]!;
          if (colors[w] !== fOther[top]) continue;
          if (a === fParentPos[top]) continue;
          const e = ids[a]!;
          if (edgeDone[e]) continue;
          edgeDone[e] = 1;
          if (inTree[w] === tree) {
            throw new ShapeError(
              `${fn}: colors`,
              'an acyclic coloring of p + pᵀ + I',
              `a two-colored cycle through ${v}–${w}`,
            );
          }
          inTree[w] = tree;
          top++;
          fV[top] = w;
          fParentPos[top] = mirror[a]!; // position (w, v)
          fIt[top] = ptr[w]!;
          fOther[top] = colors[v]!;
          fChildren[top] = -1;
          advanced = true;
          break;
        }
        if (advanced) continue;
        // v is finished: emit its step (edge v → parent) unless v is the root.
        const pp = fParentPos[top]!;
        const children = fChildren[top]!;
        top--;
        if (pp < 0) continue;
        const parent = idx[pp]!;
        const s = nSteps++;
        stepB[s] = v * count + colors[parent]!;
        firstChild[s] = children;
        dst1[s] = inP[pp]!;
        dst2[s] = inP[mirror[pp]!]!;
        nextSibling[s] = fChildren[top]!;
        fChildren[top] = s;
      }
    }
  }
  const vals = new Float64Array(nSteps);
  const nnz = p.colIdx.length;
  const dSrc = Int32Array.from(diagSrc);
  const dDst = Int32Array.from(diagDst);
  const bLen = n * count;
  return {
    kind: 'acyclic',
    nnz,
    inputLength: bLen,
    secondLength: 0,
    recover(B: Float64Array, out: Float64Array): void {
      requireF64(B, bLen, 'recoverAcyclic: B');
      requireF64(out, nnz, 'recoverAcyclic: out');
      for (let q = 0; q < dSrc.length; q++) out[dDst[q]!] = B[dSrc[q]!]!;
      for (let s = 0; s < nSteps; s++) {
        let v = B[stepB[s]!]!;
        for (let c = firstChild[s]!; c >= 0; c = nextSibling[c]!) v -= vals[c]!;
        vals[s] = v;
        const d1 = dst1[s]!;
        const d2 = dst2[s]!;
        if (d1 >= 0) out[d1] = v;
        if (d2 >= 0) out[d2] = v;
      }
    },
  };
}

export function recoverAcyclic(
  p: SparsityPattern,
  colors: ArrayLike<number>,
  count: number,
  B: Float64Array,
  out: Float64Array,
): void {
  prepareAcyclicRecovery(p, colors, count).recover(B, out);
}
