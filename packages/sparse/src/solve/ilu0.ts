/**
 * ILU(0): the incomplete LU factorization that keeps exactly A's pattern (Y. Saad, "Iterative
 * Methods for Sparse Linear Systems", 2nd ed., SIAM 2003, §10.3.2, Algorithm 10.4, IKJ variant).
 * Fill outside the pattern is dropped, so the factors cost the memory of A and one application
 * costs about one matvec; for a tridiagonal A there is no fill to drop and ILU(0) is the exact LU.
 * No pivoting: every diagonal entry must be in the pattern and stay nonzero.
 */
import { ShapeError } from '@wengert/core';
import { describeValue } from '@wengert/core/internals';
import { outputVector, requireFiniteVector, requireVector } from '../matrix/convert.js';
import { CsrMatrix, findSorted } from '../matrix/csr.js';
import { patternsEqual, type SparsityPattern } from '../pattern/pattern.js';
import { SingularMatrixError } from './errors.js';
import { requireFiniteEntries } from './lu.js';

/** An ILU(0) factorization used as a preconditioner: z = (L U)⁻¹ r. */
export interface Ilu0Preconditioner {
  /** Order of A. */
  readonly n: number;
  /**
   * z = (L U)⁻¹ r: one forward and one backward sweep over A's pattern.
   * @param out - receives z (may be r itself); a new array when omitted.
   * @throws ShapeError on a wrong length; DomainError when r has a non-finite entry.
   */
  apply(r: Float64Array, out?: Float64Array): Float64Array;
  /**
   * Recomputes the factors from new values of the same pattern. On error the previous factors stay.
   * @throws ShapeError when the pattern differs; DomainError / SingularMatrixError as {@link ilu0}.
   */
  refactor(A: CsrMatrix): void;
}

/**
 * ILU(0) of a square CSR matrix.
 * @throws ShapeError when A is not a square CsrMatrix or a diagonal entry is missing from the
 *   pattern (naming the row); DomainError on a non-finite value; SingularMatrixError when a pivot
 *   (diagonal of U) is zero or not finite during the factorization (naming the row).
 */
export function ilu0(A: CsrMatrix): Ilu0Preconditioner {
  requireCsr(A, 'ilu0: A');
  if (A.rows !== A.cols) throw new ShapeError('ilu0: A', 'a square matrix', `${A.rows} × ${A.cols}`);
  const n = A.rows;
  const diag = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = findSorted(A.colIdx, A.rowPtr[i]!, A.rowPtr[i + 1]!, i);
    if (k < 0) throw new ShapeError(`ilu0: A (row ${i})`, 'a diagonal entry in the pattern', 'none');
    diag[i] = k;
  }
  requireFiniteEntries(A, 'ilu0: A');
  return new Ilu0(A.pattern, diag, factor(A.pattern, diag, A.values, 'ilu0: A'));
}

class Ilu0 implements Ilu0Preconditioner {
  readonly n: number;
  readonly #pattern: SparsityPattern;
  readonly #diag: Int32Array;
  #lu: Float64Array;

  constructor(pattern: SparsityPattern, diag: Int32Array, lu: Float64Array) {
    this.n = pattern.rows;
    this.#pattern = pattern;
    this.#diag = diag;
    this.#lu = lu;
  }

  apply(r: Float64Array, out?: Float64Array): Float64Array {
    requireVector(r, this.n, 'Ilu0Preconditioner.apply: r');
    requireFiniteVector(r, 'Ilu0Preconditioner.apply: r');
    const z = outputVector(out, this.n, 'Ilu0Preconditioner.apply: out');
    const { rowPtr, colIdx } = this.#pattern;
    const lu = this.#lu;
    const diag = this.#diag;
    // In place is safe: row i reads r[i] once, then only z entries already final.
    for (let i = 0; i < this.n; i++) {
      let s = r[i]!;
      for (let k = rowPtr[i]!; k < diag[i]!; k++) s -= lu[k]! * z[colIdx[k]!]!;
      z[i] = s;
    }
    for (let i = this.n - 1; i >= 0; i--) {
      let s = z[i]!;
      for (let k = diag[i]! + 1; k < rowPtr[i + 1]!; k++) s -= lu[k]! * z[colIdx[k]!]!;
      z[i] = s / lu[diag[i]!]!;
    }
    return z;
  }

  refactor(A: CsrMatrix): void {
    requireCsr(A, 'Ilu0Preconditioner.refactor: A');
    if (A.pattern !== this.#pattern && !patternsEqual(A.pattern, this.#pattern)) {
      throw new ShapeError(
        'Ilu0Preconditioner.refactor: A',
        'the sparsity pattern of the factored matrix',
        'another pattern',
      );
    }
    requireFiniteEntries(A, 'Ilu0Preconditioner.refactor: A');
    this.#lu = factor(this.#pattern, this.#diag, A.values, 'Ilu0Preconditioner.refactor: A');
  }
}

function requireCsr(A: unknown, arg: string): asserts A is CsrMatrix {
  if (!(A instanceof CsrMatrix)) throw new ShapeError(arg, 'a CsrMatrix', describeValue(A));
}

/** IKJ ILU(0) into a new array (so a failure leaves the previous factors intact). */
function factor(p: SparsityPattern, diag: Int32Array, values: Float64Array, arg: string): Float64Array {
  const n = p.rows;
  const { rowPtr, colIdx } = p;
  const lu = values.slice();
  const pos = new Int32Array(n).fill(-1); // pos[j] = position of (i, j) in row i, while row i is processed
  for (let i = 0; i < n; i++) {
    const s = rowPtr[i]!;
    const e = rowPtr[i + 1]!;
    for (let k = s; k < e; k++) pos[colIdx[k]!] = k;
    for (let k = s; k < diag[i]!; k++) {
      const c = colIdx[k]!;
      const lik = lu[k]! / lu[diag[c]!]!;
      lu[k] = lik;
      for (let t = diag[c]! + 1; t < rowPtr[c + 1]!; t++) {
        const at = pos[colIdx[t]!]!;
        if (at >= 0) lu[at]! -= lik * lu[t]!;
      }
    }
    const pivot = lu[diag[i]!]!;
    if (pivot === 0 || !Number.isFinite(pivot)) {
      throw new SingularMatrixError(arg, 'row', i, i, `pivot ${String(pivot)} (ILU(0) does not pivot)`);
    }
    for (let k = s; k < e; k++) pos[colIdx[k]!] = -1;
  }
  return lu;
}
