/**
 * Sparse LU and ILU(0) timings on the Jacobian of the 2D Bratu problem (5-point stencil, N × N
 * grid, n = N², h = 1/(N+1), λ = 6, at u_k = x_i(1 − x_i) y_j(1 − y_j)), built analytically.
 * The baseline unit is one sparse matvec with the same matrix, measured in the same process;
 * absolute times are reported too. Fill is nnz(L) + nnz(U) − n (diagonal counted once).
 *
 * Run alone: `npx tsx --conditions=@wengert/source tools/bench/src/problems/sparse-lu.ts [N…]`.
 */
import { pathToFileURL } from 'node:url';
import { CsrMatrix } from '../../../../packages/sparse/src/matrix/index.js';
import { ilu0, SparseLU, type SparseLUOptions } from '../../../../packages/sparse/src/solve/index.js';
import { measure, type TimingOptions } from '../harness.js';

/** One line of results. */
export interface LuBenchRow {
  readonly name: string;
  /** Median ms per call. */
  readonly ms: number;
  /** Ratio to one matvec, fill, backward error. */
  readonly note: string;
}

/** Options of {@link luBenchRows}. */
export interface LuBenchOptions {
  /** Grid sizes N (default [100, 300]). */
  readonly sizes?: readonly number[];
  /** Timing of the factorizations (default: 2 warm-up calls, 3 samples of one call each). */
  readonly timing?: TimingOptions;
  /** Also factor with the natural order (fill comparison) for N ≤ this (default 100; it is slow). */
  readonly naturalUpTo?: number;
  readonly log?: (line: string) => void;
}

const SLOW: TimingOptions = { warmupMs: 0, samples: 3, minSampleMs: 0 };
const FAST: TimingOptions = { warmupMs: 200, samples: 7, minSampleMs: 30 };

/** The Bratu Jacobian (CSR), entries ordered by column within each row. */
export function bratuJacobianCsr(N: number, lambda = 6): CsrMatrix {
  const h = 1 / (N + 1);
  const ih2 = 1 / (h * h);
  const n = N * N;
  const rowPtr = new Int32Array(n + 1);
  const colIdx = new Int32Array(5 * n);
  const values = new Float64Array(5 * n);
  let w = 0;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      const k = i * N + j;
      const x = (i + 1) * h;
      const y = (j + 1) * h;
      const put = (c: number, v: number): void => {
        colIdx[w] = c;
        values[w++] = v;
      };
      if (i > 0) put(k - N, -ih2);
      if (j > 0) put(k - 1, -ih2);
      put(k, 4 * ih2 - lambda * Math.exp(x * (1 - x) * y * (1 - y)));
      if (j < N - 1) put(k + 1, -ih2);
      if (i < N - 1) put(k + N, -ih2);
      rowPtr[k + 1] = w;
    }
  }
  return new CsrMatrix({ rows: n, cols: n, rowPtr, colIdx: colIdx.slice(0, w) }, values.slice(0, w));
}

function backwardError(A: CsrMatrix, x: Float64Array, b: Float64Array): number {
  const r = A.matvec(x);
  let rn = 0;
  let xn = 0;
  let bn = 0;
  let an = 0;
  for (let i = 0; i < A.rows; i++) {
    rn = Math.max(rn, Math.abs(r[i]! - b[i]!));
    xn = Math.max(xn, Math.abs(x[i]!));
    bn = Math.max(bn, Math.abs(b[i]!));
    let s = 0;
    for (let k = A.rowPtr[i]!; k < A.rowPtr[i + 1]!; k++) s += Math.abs(A.values[k]!);
    an = Math.max(an, s);
  }
  return rn / (an * xn + bn);
}

/** Times factor, refactor (same pattern), solve, solveTransposed and ILU(0) against one matvec. */
export function luBenchRows(options: LuBenchOptions = {}): LuBenchRow[] {
  const sizes = options.sizes ?? [100, 300];
  const slow = options.timing ?? SLOW;
  const naturalUpTo = options.naturalUpTo ?? 100;
  const log = options.log ?? (() => {});
  const rows: LuBenchRow[] = [];
  for (const N of sizes) {
    const A = bratuJacobianCsr(N);
    const n = A.rows;
    const b = Float64Array.from({ length: n }, (_, i) => Math.sin(i + 1));
    const x = new Float64Array(n);
    const y = new Float64Array(n);
    const unit = measure(() => A.matvec(b, y), FAST).ms;
    const row = (name: string, ms: number, note: string): void => {
      const r = { name: `sparse.lu.bratu${N}.${name}`, ms, note: `${(ms / unit).toFixed(1)} matvecs; ${note}` };
      rows.push(r);
      log(`${r.name}: ${ms.toFixed(2)} ms (${r.note})`);
    };
    rows.push({ name: `sparse.lu.bratu${N}.matvec`, ms: unit, note: `baseline unit; n = ${n}, nnz(A) = ${A.nnz}` });
    log(`sparse.lu.bratu${N}.matvec: ${unit.toFixed(3)} ms`);
    const orderings: NonNullable<SparseLUOptions['ordering']>[] =
      N <= naturalUpTo ? ['amd', 'colamd', 'natural'] : ['amd'];
    for (const ordering of orderings) {
      let lu = SparseLU.factor(A, { ordering });
      const fill = lu.nnzL + lu.nnzU - n;
      row(`factor.${ordering}`, measure(() => (lu = SparseLU.factor(A, { ordering })), slow).ms, `nnz(L+U) = ${fill}`);
      if (ordering !== 'amd') continue;
      row('refactor', measure(() => lu.refactor(A), slow).ms, 'same pattern, pivot sequence reused');
      lu.solve(b, x);
      const err = backwardError(A, x, b);
      row('solve', measure(() => lu.solve(b, x), FAST).ms, `backward error ${err.toExponential(1)}`);
      row('solveTransposed', measure(() => lu.solveTransposed(b, x), FAST).ms, '');
      const cond = lu.conditionEstimate();
      rows.push({ name: `sparse.lu.bratu${N}.cond1`, ms: 0, note: `κ₁ estimate ${cond.toExponential(2)}` });
    }
    let m = ilu0(A);
    row('ilu0.factor', measure(() => (m = ilu0(A)), FAST).ms, 'pattern of A');
    row('ilu0.apply', measure(() => m.apply(b, x), FAST).ms, '');
  }
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const sizes = process.argv.slice(2).map(Number);
  const rows = luBenchRows({ sizes: sizes.length > 0 ? sizes : undefined, log: (l) => console.log(l) });
  console.table(rows.map((r) => ({ name: r.name, ms: Number(r.ms.toFixed(3)), note: r.note })));
}
