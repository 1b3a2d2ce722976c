/**
 * Recognition of translation-invariant stencils on box grids.
 *
 * A square pattern is a stencil on the box n1 × … × nd (d ≤ 3, lexicographic numbering, last coordinate
 * fastest: k = (x1·n2 + x2)·n3 + x3 in 3D) when there is a set D of offset vectors such that row x holds
 * exactly the columns x + δ, δ ∈ D, that lie inside the box (Dirichlet: no wraparound). D is read off the
 * pattern itself: every distinct scalar offset j − i is decomposed along the candidate strides, and the
 * whole pattern is then compared with D restricted to the box, so a positive answer is exact.
 */
import type { SparsityPattern } from '../pattern/pattern.js';

/** A recognized stencil: the box and the offset vectors (sorted by scalar offset j − i). */
export interface StencilGrid {
  /** Box dimensions n1 × … × nd, last coordinate fastest. */
  readonly dims: readonly number[];
  /** The stencil D: one vector per distinct scalar offset, in increasing scalar order. */
  readonly offsets: readonly (readonly number[])[];
  /** The scalar offsets j − i matching `offsets`. */
  readonly scalarOffsets: readonly number[];
}

/** More distinct offsets than this and the pattern is not treated as a stencil (keeps recognition cheap). */
const MAX_OFFSETS = 125;
/** In 2D/3D every component of an offset vector must be at most this in absolute value. */
const MAX_AXIS_REACH = 3;
/** Cap on the number of box shapes tried (only matters for highly composite sizes). */
const MAX_SHAPES = 4096;

/**
 * Recognizes p as a stencil on a 1D, 2D or 3D box, or returns null. Costs O(nnz) to collect the offsets
 * plus, per candidate box shape that survives the offset decomposition, a row-by-row comparison that
 * stops at the first mismatch (for a wrong shape that is typically within the first line of the box).
 */
export function recognizeStencilGrid(p: SparsityPattern): StencilGrid | null {
  const n = p.rows;
  if (n !== p.cols || n === 0) return null;
  const { rowPtr, colIdx } = p;
  if (rowPtr[n] === 0) return null;
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    for (let q = rowPtr[i]!; q < rowPtr[i + 1]!; q++) {
      seen.add(colIdx[q]! - i);
      if (seen.size > MAX_OFFSETS) return null;
    }
  }
  const scalar = Array.from(seen).sort((a, b) => a - b);
  let tried = 0;
  for (const dims of candidateShapes(n)) {
    if (++tried > MAX_SHAPES) break;
    const vecs = decompose(scalar, dims);
    if (vecs !== null && matchesBox(p, dims, scalar, vecs)) return { dims, offsets: vecs, scalarOffsets: scalar };
  }
  return null;
}

/** 1D first, then every 2D and 3D factorization of n with all sides ≥ 2. */
function* candidateShapes(n: number): Generator<number[]> {
  yield [n];
  const divs: number[] = [];
  for (let a = 1; a * a <= n; a++) {
    if (n % a === 0) {
      divs.push(a);
      if (a * a !== n) divs.push(n / a);
    }
  }
  divs.sort((a, b) => a - b);
  for (const b of divs) if (b >= 2 && n / b >= 2) yield [n / b, b];
  for (const c of divs) {
    if (c < 2) continue;
    const rest = n / c;
    for (const b of divs) {
      if (b < 2 || rest % b !== 0 || rest / b < 2) continue;
      yield [rest / b, b, c];
    }
  }
}

/**
 * Writes each scalar offset o as Σ δ_t · stride_t with balanced residues on the inner axes
 * (2|δ_t| < n_t, so the vector is unique) and |δ_1| < n_1; null when some offset does not fit.
 */
function decompose(scalar: readonly number[], dims: readonly number[]): number[][] | null {
  const d = dims.length;
  const out: number[][] = [];
  for (const o of scalar) {
    const v = new Array<number>(d).fill(0);
    let r = o;
    for (let t = d - 1; t >= 1; t--) {
      const nt = dims[t]!;
      const res = ((r % nt) + nt) % nt;
      if (2 * res === nt) return null;
      const delta = 2 * res > nt ? res - nt : res;
      v[t] = delta;
      r = (r - delta) / nt;
    }
    v[0] = r;
    if (Math.abs(r) >= dims[0]!) return null;
    if (d >= 2 && v.some((x) => Math.abs(x) > MAX_AXIS_REACH)) return null;
    out.push(v);
  }
  return out;
}

/** True when row x of p holds exactly {x + δ : δ ∈ D, x + δ in the box}, for every row. */
function matchesBox(
  p: SparsityPattern,
  dims: readonly number[],
  scalar: readonly number[],
  vecs: readonly (readonly number[])[],
): boolean {
  const d = dims.length;
  const m = scalar.length;
  const { rowPtr, colIdx } = p;
  const x = new Array<number>(d).fill(0);
  for (let i = 0; i < p.rows; i++) {
    let q = rowPtr[i]!;
    const end = rowPtr[i + 1]!;
    for (let s = 0; s < m; s++) {
      const v = vecs[s]!;
      let inside = true;
      for (let t = 0; t < d; t++) {
        const y = x[t]! + v[t]!;
        if (y < 0 || y >= dims[t]!) {
          inside = false;
          break;
        }
      }
      if (!inside) continue;
      // Offsets are sorted by scalar value, so the expected columns come out sorted, like colIdx.
      if (q >= end || colIdx[q] !== i + scalar[s]!) return false;
      q++;
    }
    if (q !== end) return false;
    for (let t = d - 1; t >= 0; t--) {
      if (++x[t]! < dims[t]!) break;
      x[t] = 0;
    }
  }
  return true;
}
