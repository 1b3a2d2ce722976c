/**
 * Sparse LU with threshold partial pivoting: P A Q = L U.
 *
 * Left-looking, column by column (J. R. Gilbert, T. Peierls, "Sparse partial pivoting in time
 * proportional to arithmetic operations", SIAM J. Sci. Stat. Comput. 9(5), 1988, 862–874; the
 * organisation follows T. A. Davis, "Direct Methods for Sparse Linear Systems", SIAM 2006, ch. 6):
 * column k of L and U is the solution of the sparse triangular system L x = A(:, q[k]), whose
 * nonzero pattern is the set of rows reachable in the graph of L from the rows of A(:, q[k]) (a
 * depth-first search, which also yields a topological order), so the work is proportional to the
 * flops. The column order q is fill-reducing (./ordering.ts); rows are chosen by threshold partial
 * pivoting that prefers the diagonal, which keeps q's symmetric order (and its predicted fill)
 * whenever the diagonal is large enough.
 *
 * `refactor` reuses the ordering, the pivot sequence and the patterns of L and U (no search): a
 * numeric pass over the stored structure, as KLU's refactorization does. When a pivot of the new
 * values fails the threshold test, it falls back to a full factorization with the same column
 * order, so refactor is as stable as factor.
 */
import { DomainError, ShapeError } from '@wengert/core';
import { describeValue } from '@wengert/core/internals';
import { gather, outputVector, requireFiniteVector, requireVector, transposeStructure } from '../matrix/convert.js';
import { type CscMatrix, requireSparse } from '../matrix/csc.js';
import { CsrMatrix } from '../matrix/csr.js';
import { patternsEqual, type SparsityPattern } from '../pattern/pattern.js';
import { SingularMatrixError } from './errors.js';
import { columnOrdering, type OrderingMethod } from './ordering.js';

/** Options of {@link SparseLU.factor}. */
export interface SparseLUOptions {
  /**
   * Fill-reducing column ordering: `'amd'` (default; minimum degree on A + Aᵀ, for structurally
   * symmetric or nearly symmetric matrices such as PDE Jacobians), `'colamd'` (minimum degree on
   * AᵀA, for unsymmetric structures), `'natural'` (none).
   */
  readonly ordering?: OrderingMethod;
  /**
   * Threshold τ ∈ (0, 1] of threshold partial pivoting (default 0.1): the diagonal entry is the
   * pivot when |a_diag| ≥ τ · max |candidates| in its column, else the largest candidate is. τ = 1
   * is classical partial pivoting; smaller τ keeps the fill-reducing order more often at the price
   * of element growth bounded by (1 + 1/τ) per step. 0.1 is UMFPACK's and SuperLU's usual
   * compromise for unsymmetric matrices.
   */
  readonly pivotThreshold?: number;
}

const EPS = 2 ** -52;
const ORDERINGS: readonly string[] = ['amd', 'colamd', 'natural'];

/** The factors in step numbering: L unit lower (strict part stored), U upper with the diagonal last in each column. */
interface Factors {
  readonly pinv: Int32Array; // pinv[i] = step at which original row i was pivotal
  readonly lp: Int32Array;
  readonly li: Int32Array;
  readonly lx: Float64Array;
  readonly up: Int32Array;
  readonly ui: Int32Array; // in topological order, diagonal last
  readonly ux: Float64Array;
}

/**
 * A sparse LU factorization P A Q = L U of a square matrix, for repeated solves with A and Aᵀ and
 * cheap refactorization when only the values change (Newton iterations).
 *
 * A singular matrix (a column with no candidate pivot, or whose largest candidate is at most
 * n·ε times the column's scale) throws {@link SingularMatrixError}; non-finite values throw a
 * DomainError naming the entry. Inputs are never modified.
 */
export class SparseLU {
  /** Order of A. */
  readonly n: number;
  readonly #q: Int32Array;
  readonly #tol: number;
  // A's structure as factored, in CSC (owned copies), and the CSR → CSC gather map for CSR input.
  readonly #colPtr: Int32Array;
  readonly #rowIdx: Int32Array;
  readonly #csrPattern: SparsityPattern | null;
  readonly #csrMap: Int32Array | null;
  #f: Factors;
  #norm1: number;
  readonly #work: Float64Array;

  private constructor(
    n: number,
    q: Int32Array,
    tol: number,
    colPtr: Int32Array,
    rowIdx: Int32Array,
    csrPattern: SparsityPattern | null,
    csrMap: Int32Array | null,
    values: Float64Array,
  ) {
    this.n = n;
    this.#q = q;
    this.#tol = tol;
    this.#colPtr = colPtr;
    this.#rowIdx = rowIdx;
    this.#csrPattern = csrPattern;
    this.#csrMap = csrMap;
    this.#work = new Float64Array(n);
    this.#f = factorFull(n, colPtr, rowIdx, values, q, tol);
    this.#norm1 = norm1(n, colPtr, values);
  }

  /**
   * Factors A (square; CSR or CSC) as P A Q = L U.
   * @throws ShapeError when A is not a square sparse matrix; DomainError on a non-finite entry or
   *   bad options; SingularMatrixError when no acceptable pivot exists at some step.
   */
  static factor(A: CsrMatrix | CscMatrix, options: SparseLUOptions = {}): SparseLU {
    const fn = 'SparseLU.factor';
    requireSparse(A, `${fn}: A`);
    if (A.rows !== A.cols) throw new ShapeError(`${fn}: A`, 'a square matrix', `${A.rows} × ${A.cols}`);
    const ordering = options.ordering ?? 'amd';
    if (!ORDERINGS.includes(ordering)) {
      throw new DomainError(`${fn}: options.ordering`, "'amd', 'colamd' or 'natural'", describeValue(ordering));
    }
    const tol = options.pivotThreshold ?? 0.1;
    if (typeof tol !== 'number' || !(tol > 0 && tol <= 1)) {
      throw new DomainError(`${fn}: options.pivotThreshold`, 'a number in (0, 1]', describeValue(tol));
    }
    requireFiniteEntries(A, `${fn}: A`);
    const n = A.rows;
    let colPtr: Int32Array;
    let rowIdx: Int32Array;
    let values: Float64Array;
    let csrMap: Int32Array | null = null;
    if (A instanceof CsrMatrix) {
      const t = transposeStructure(n, n, A.rowPtr, A.colIdx);
      colPtr = t.ptr;
      rowIdx = t.idx;
      csrMap = t.map;
      values = gather(A.values, t.map);
    } else {
      colPtr = A.colPtr.slice();
      rowIdx = A.rowIdx.slice();
      values = A.values;
    }
    const q = columnOrdering(n, colPtr, rowIdx, ordering);
    return new SparseLU(n, q, tol, colPtr, rowIdx, A instanceof CsrMatrix ? A.pattern : null, csrMap, values);
  }

  /**
   * Refactors with new values of the same pattern: reuses the ordering and, while every pivot
   * passes the threshold test, the pivot sequence and the structure of L and U (no graph search).
   * Otherwise it repivots with the same column order. On error the previous factorization stays.
   * @throws ShapeError when A's pattern differs from the factored one; DomainError /
   *   SingularMatrixError as {@link SparseLU.factor}.
   */
  refactor(A: CsrMatrix | CscMatrix): void {
    const fn = 'SparseLU.refactor';
    requireSparse(A, `${fn}: A`);
    if (A.rows !== this.n || A.cols !== this.n) {
      throw new ShapeError(`${fn}: A`, `a ${this.n} × ${this.n} matrix`, `${A.rows} × ${A.cols}`);
    }
    let values: Float64Array;
    if (A instanceof CsrMatrix && this.#csrPattern !== null && samePattern(A.pattern, this.#csrPattern)) {
      requireFiniteEntries(A, `${fn}: A`);
      values = gather(A.values, this.#csrMap!);
    } else {
      let colPtr: Int32Array;
      let rowIdx: Int32Array;
      if (A instanceof CsrMatrix) {
        const t = transposeStructure(this.n, this.n, A.rowPtr, A.colIdx);
        colPtr = t.ptr;
        rowIdx = t.idx;
        values = gather(A.values, t.map);
      } else {
        colPtr = A.colPtr;
        rowIdx = A.rowIdx;
        values = A.values;
      }
      if (!sameArrays(colPtr, this.#colPtr) || !sameArrays(rowIdx, this.#rowIdx)) {
        throw new ShapeError(`${fn}: A`, 'the sparsity pattern of the factored matrix', 'another pattern');
      }
      requireFiniteEntries(A, `${fn}: A`);
    }
    this.#f =
      refactorFixed(this.n, this.#colPtr, this.#rowIdx, values, this.#q, this.#tol, this.#f) ??
      factorFull(this.n, this.#colPtr, this.#rowIdx, values, this.#q, this.#tol);
    this.#norm1 = norm1(this.n, this.#colPtr, values);
  }

  /** Entries of L, its unit diagonal included. */
  get nnzL(): number {
    return this.#f.lp[this.n]! + this.n;
  }

  /** Entries of U, its diagonal included. */
  get nnzU(): number {
    return this.#f.up[this.n]!;
  }

  /**
   * Solves A x = b.
   * @param out - receives x (may be b itself); a new array when omitted.
   * @throws ShapeError on a wrong length; DomainError when b has a non-finite entry.
   */
  solve(b: Float64Array, out?: Float64Array): Float64Array {
    const n = this.n;
    requireVector(b, n, 'SparseLU.solve: b');
    requireFiniteVector(b, 'SparseLU.solve: b');
    const x = outputVector(out, n, 'SparseLU.solve: out');
    const { pinv, lp, li, lx, up, ui, ux } = this.#f;
    const w = this.#work;
    for (let i = 0; i < n; i++) w[pinv[i]!] = b[i]!;
    for (let j = 0; j < n; j++) {
      const wj = w[j]!;
      if (wj !== 0) for (let p = lp[j]!; p < lp[j + 1]!; p++) w[li[p]!]! -= lx[p]! * wj;
    }
    for (let j = n - 1; j >= 0; j--) {
      const d = up[j + 1]! - 1;
      const wj = w[j]! / ux[d]!;
      w[j] = wj;
      if (wj !== 0) for (let p = up[j]!; p < d; p++) w[ui[p]!]! -= ux[p]! * wj;
    }
    const q = this.#q;
    for (let k = 0; k < n; k++) x[q[k]!] = w[k]!;
    return x;
  }

  /**
   * Solves Aᵀ x = b (adjoint solves) with the same factors: Aᵀ = Q Uᵀ Lᵀ P.
   * @param out - receives x (may be b itself); a new array when omitted.
   */
  solveTransposed(b: Float64Array, out?: Float64Array): Float64Array {
    const n = this.n;
    requireVector(b, n, 'SparseLU.solveTransposed: b');
    requireFiniteVector(b, 'SparseLU.solveTransposed: b');
    const x = outputVector(out, n, 'SparseLU.solveTransposed: out');
    const { pinv, lp, li, lx, up, ui, ux } = this.#f;
    const w = this.#work;
    const q = this.#q;
    for (let k = 0; k < n; k++) w[k] = b[q[k]!]!;
    for (let j = 0; j < n; j++) {
      const d = up[j + 1]! - 1;
      let s = w[j]!;
      for (let p = up[j]!; p < d; p++) s -= ux[p]! * w[ui[p]!]!;
      w[j] = s / ux[d]!;
    }
    for (let j = n - 1; j >= 0; j--) {
      let s = w[j]!;
      for (let p = lp[j]!; p < lp[j + 1]!; p++) s -= lx[p]! * w[li[p]!]!;
      w[j] = s;
    }
    for (let i = 0; i < n; i++) x[i] = w[pinv[i]!]!;
    return x;
  }

  /**
   * An estimate of the 1-norm condition number κ₁(A) = ‖A‖₁ ‖A⁻¹‖₁, with ‖A⁻¹‖₁ estimated by
   * Hager's method as refined by Higham (N. J. Higham, "FORTRAN codes for estimating the one-norm
   * of a real or complex matrix", ACM TOMS 14(4), 1988): at most 5 solve/solveTransposed pairs plus
   * one solve. A lower bound of κ₁, usually within a factor 3.
   */
  conditionEstimate(): number {
    const n = this.n;
    if (n === 0) return 0;
    let x = new Float64Array(n).fill(1 / n);
    let est = 0;
    const sgn = new Float64Array(n);
    for (let iter = 0; iter < 5; iter++) {
      const y = this.solve(x);
      let e = 0;
      for (let i = 0; i < n; i++) e += Math.abs(y[i]!);
      if (iter > 0 && e <= est) break;
      est = e;
      for (let i = 0; i < n; i++) sgn[i] = y[i]! >= 0 ? 1 : -1;
      const z = this.solveTransposed(sgn);
      let jmax = 0;
      let zx = 0;
      for (let i = 0; i < n; i++) {
        zx += z[i]! * x[i]!;
        if (Math.abs(z[i]!) > Math.abs(z[jmax]!)) jmax = i;
      }
      if (iter > 0 && Math.abs(z[jmax]!) <= zx) break;
      x = new Float64Array(n);
      x[jmax] = 1;
    }
    // Higham's alternative vector guards against Hager's worst cases.
    const alt = new Float64Array(n);
    for (let i = 0; i < n; i++) alt[i] = (i % 2 === 0 ? 1 : -1) * (1 + (n > 1 ? i / (n - 1) : 0));
    const ya = this.solve(alt);
    let ea = 0;
    for (let i = 0; i < n; i++) ea += Math.abs(ya[i]!);
    est = Math.max(est, (2 * ea) / (3 * n));
    return this.#norm1 * est;
  }
}

function samePattern(a: SparsityPattern, b: SparsityPattern): boolean {
  return a === b || patternsEqual(a, b);
}

function sameArrays(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function norm1(n: number, colPtr: Int32Array, values: Float64Array): number {
  let m = 0;
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = colPtr[j]!; p < colPtr[j + 1]!; p++) s += Math.abs(values[p]!);
    if (s > m) m = s;
  }
  return m;
}

/** DomainError naming the first non-finite entry of A by position, row and column. */
export function requireFiniteEntries(A: CsrMatrix | CscMatrix, arg: string): void {
  const v = A.values;
  for (let k = 0; k < v.length; k++) {
    if (Number.isFinite(v[k]!)) continue;
    const csr = A instanceof CsrMatrix;
    const ptr = csr ? A.rowPtr : (A as CscMatrix).colPtr;
    let line = 0;
    while (ptr[line + 1]! <= k) line++;
    const other = csr ? A.colIdx[k]! : (A as CscMatrix).rowIdx[k]!;
    const [i, j] = csr ? [line, other] : [other, line];
    throw new DomainError(`${arg}.values[${k}] (row ${i}, column ${j})`, 'a finite number', describeValue(v[k]));
  }
}

/** Growable typed-array pair for the factors' row indices and values. */
class Growable {
  idx: Int32Array;
  val: Float64Array;
  size = 0;
  constructor(capacity: number) {
    this.idx = new Int32Array(capacity);
    this.val = new Float64Array(capacity);
  }
  ensure(extra: number): void {
    const need = this.size + extra;
    if (need <= this.idx.length) return;
    const cap = Math.max(need, 2 * this.idx.length);
    const idx = new Int32Array(cap);
    idx.set(this.idx.subarray(0, this.size));
    const val = new Float64Array(cap);
    val.set(this.val.subarray(0, this.size));
    this.idx = idx;
    this.val = val;
  }
}

function singular(k: number, col: number, amax: number, scale: number): SingularMatrixError {
  return new SingularMatrixError(
    'SparseLU: A',
    'column',
    col,
    k,
    amax < 0
      ? 'no candidate pivot left in the column (structurally singular)'
      : `largest candidate pivot ${amax.toExponential(2)} against a column scale of ${scale.toExponential(2)} (numerically singular)`,
  );
}

/** Left-looking Gilbert–Peierls factorization with threshold partial pivoting (see the module comment). */
function factorFull(
  n: number,
  colPtr: Int32Array,
  rowIdx: Int32Array,
  values: Float64Array,
  q: Int32Array,
  tol: number,
): Factors {
  const tiny = n * EPS;
  const pinv = new Int32Array(n).fill(-1);
  const lp = new Int32Array(n + 1);
  const up = new Int32Array(n + 1);
  const nnzA = colPtr[n]!;
  const L = new Growable(2 * nnzA + n);
  const U = new Growable(2 * nnzA + n);
  const x = new Float64Array(n); // dense accumulator, by original row; zero outside the current reach
  const xi = new Int32Array(n); // the reach, in topological order, in xi[top..n)
  const stack = new Int32Array(n);
  const pstack = new Int32Array(n);
  const mark = new Int32Array(n).fill(-1);
  for (let k = 0; k < n; k++) {
    lp[k] = L.size;
    up[k] = U.size;
    const col = q[k]!;
    const a0 = colPtr[col]!;
    const a1 = colPtr[col + 1]!;
    // Reach of A(:, col) in the graph of L (an edge j → i for each L(i, pinv[j])), by iterative DFS.
    let li = L.idx;
    let top = n;
    for (let pa = a0; pa < a1; pa++) {
      const start = rowIdx[pa]!;
      if (mark[start] === k) continue;
      let head = 0;
      stack[0] = start;
      while (head >= 0) {
        const j = stack[head]!;
        const J = pinv[j]!;
        if (mark[j] !== k) {
          mark[j] = k;
          pstack[head] = J < 0 ? 0 : lp[J]!;
        }
        const end = J < 0 ? 0 : lp[J + 1]!;
        let p = pstack[head]!;
        for (; p < end; p++) {
          const i = li[p]!;
          if (mark[i] !== k) break;
        }
        if (p < end) {
          pstack[head] = p + 1;
          stack[++head] = li[p]!;
        } else {
          head--;
          xi[--top] = j;
        }
      }
    }
    // Numeric: x = L \ A(:, col) over the reach, in topological order.
    let scale = 0;
    for (let pa = a0; pa < a1; pa++) {
      const v = values[pa]!;
      x[rowIdx[pa]!] = v;
      const av = Math.abs(v);
      if (av > scale) scale = av;
    }
    const lx = L.val;
    for (let px = top; px < n; px++) {
      const j = xi[px]!;
      const J = pinv[j]!;
      if (J < 0) continue;
      const xj = x[j]!;
      if (xj === 0) continue;
      for (let p = lp[J]!; p < lp[J + 1]!; p++) x[li[p]!]! -= lx[p]! * xj;
    }
    // Pivot: the largest candidate, or the diagonal when within the threshold.
    U.ensure(n - top);
    const ui = U.idx;
    const ux = U.val;
    let ipiv = -1;
    let amax = -1;
    for (let px = top; px < n; px++) {
      const i = xi[px]!;
      const t = Math.abs(x[i]!);
      if (pinv[i]! < 0) {
        if (t > amax) {
          amax = t;
          ipiv = i;
        }
      } else {
        ui[U.size] = pinv[i]!;
        ux[U.size++] = x[i]!;
        if (t > scale) scale = t;
      }
    }
    if (ipiv < 0 || amax <= tiny * scale) {
      throw singular(k, col, ipiv < 0 ? -1 : amax, scale);
    }
    if (pinv[col]! < 0 && mark[col] === k && Math.abs(x[col]!) >= tol * amax) ipiv = col;
    const pivot = x[ipiv]!;
    ui[U.size] = k;
    ux[U.size++] = pivot;
    pinv[ipiv] = k;
    L.ensure(n - top);
    li = L.idx;
    const lx2 = L.val;
    for (let px = top; px < n; px++) {
      const i = xi[px]!;
      if (pinv[i]! < 0) {
        li[L.size] = i;
        lx2[L.size++] = x[i]! / pivot;
      }
      x[i] = 0;
    }
  }
  lp[n] = L.size;
  up[n] = U.size;
  const li = L.idx.slice(0, L.size);
  for (let p = 0; p < li.length; p++) li[p] = pinv[li[p]!]!;
  return { pinv, lp, li, lx: L.val.slice(0, L.size), up, ui: U.idx.slice(0, U.size), ux: U.val.slice(0, U.size) };
}

/**
 * Numeric refactorization over the stored structure and pivot sequence of `f`. Returns null when
 * some pivot fails the threshold test (the caller then repivots); writes new arrays, so `f` stays
 * valid whatever happens.
 */
function refactorFixed(
  n: number,
  colPtr: Int32Array,
  rowIdx: Int32Array,
  values: Float64Array,
  q: Int32Array,
  tol: number,
  f: Factors,
): Factors | null {
  const tiny = n * EPS;
  const { pinv, lp, li, up, ui } = f;
  const lx = new Float64Array(f.lx.length);
  const ux = new Float64Array(f.ux.length);
  const x = new Float64Array(n); // by step
  for (let k = 0; k < n; k++) {
    const col = q[k]!;
    let scale = 0;
    for (let pa = colPtr[col]!; pa < colPtr[col + 1]!; pa++) {
      const v = values[pa]!;
      x[pinv[rowIdx[pa]!]!] = v;
      if (Math.abs(v) > scale) scale = Math.abs(v);
    }
    const d = up[k + 1]! - 1;
    for (let p = up[k]!; p < d; p++) {
      const j = ui[p]!;
      const xj = x[j]!;
      x[j] = 0;
      ux[p] = xj;
      if (Math.abs(xj) > scale) scale = Math.abs(xj);
      if (xj !== 0) for (let t = lp[j]!; t < lp[j + 1]!; t++) x[li[t]!]! -= lx[t]! * xj;
    }
    const pivot = x[k]!;
    x[k] = 0;
    let amax = Math.abs(pivot);
    for (let t = lp[k]!; t < lp[k + 1]!; t++) amax = Math.max(amax, Math.abs(x[li[t]!]!));
    if (Math.abs(pivot) < tol * amax || amax <= tiny * scale) return null;
    ux[d] = pivot;
    for (let t = lp[k]!; t < lp[k + 1]!; t++) {
      const i = li[t]!;
      lx[t] = x[i]! / pivot;
      x[i] = 0;
    }
  }
  return { pinv, lp, li, lx, up, ui, ux };
}
