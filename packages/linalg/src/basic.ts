/**
 * Matrix products and the structural ops: matmul (one atomic, with transpose flags so its own rules are
 * matmuls again), matvec and outer (matmul with a unit dimension), transpose and trace (core gathers and
 * sums: already linear instructions of the tape with every rule, sparsity and second order).
 *
 * Also the internal differentiable building blocks the other rules are written with (`mm`, `tp`, `sym`,
 * …): they accept plain and active operands, so one rule body serves the plain sweeps and, on active
 * operands, the differentiable (`vjpGeneric`/`jvpGeneric`) ones.
 */
import {
  ActiveVec,
  type AtomicDefinition,
  add,
  callAtomic,
  gather,
  mul,
  type Plain,
  type Real,
  ShapeError,
  scatterAdd,
  sum,
  type Value,
  type Vec,
} from '@wengert/core';
import { describeValue } from '@wengert/core/internals';
import { asMat, colIndex, diagIndex, gemm, type Mat, type MatLike, rowIndex, transposeIndex } from './mat.js';

// ---------------------------------------------------------------------------------------------
// matmul atomic
// ---------------------------------------------------------------------------------------------

const matmulDefs = new Map<string, AtomicDefinition<undefined>>();

/** The atomic C = op(A)·op(B), op(A) m×k, op(B) k×n (A stored k×m when tA, B stored n×k when tB). */
export function matmulDef(m: number, k: number, n: number, tA: boolean, tB: boolean): AtomicDefinition<undefined> {
  const key = `${m},${k},${n},${tA ? 1 : 0}${tB ? 1 : 0}`;
  let def = matmulDefs.get(key);
  if (def !== undefined) return def;
  // Ā = C̄·op(B)ᵀ (or its transpose), B̄ = op(A)ᵀ·C̄ (or its transpose): matmuls of the same family.
  const vjpRule = (inputs: readonly Value[], cot: readonly Value[]): Value[] => {
    const [A, B] = inputs as Vec[];
    const Cb = cot[0] as Vec;
    const Abar = tA ? mm(B!, Cb, k, n, m, tB, true) : mm(Cb, B!, m, n, k, false, !tB);
    const Bbar = tB ? mm(Cb, A!, n, m, k, true, tA) : mm(A!, Cb, k, m, n, !tA, false);
    return [Abar, Bbar];
  };
  const jvpRule = (inputs: readonly Value[], tan: readonly Value[]): Value[] => {
    const [A, B] = inputs as Vec[];
    const [dA, dB] = tan as Vec[];
    return [add(mm(dA!, B!, m, k, n, tA, tB), mm(A!, dB!, m, k, n, tA, tB))];
  };
  def = {
    name: `matmul(${m}×${k}·${k}×${n})`,
    value: (inputs: readonly Plain[]) => ({
      outputs: [gemm(inputs[0] as Float64Array, inputs[1] as Float64Array, m, k, n, tA, tB)],
    }),
    jvp: (inputs, _outputs, tan) => jvpRule(inputs, tan) as Plain[],
    vjp: (inputs, _outputs, cot) => vjpRule(inputs, cot) as Plain[],
    jvpGeneric: (_G, inputs, _outputs, tan) => jvpRule(inputs, tan),
    vjpGeneric: (_G, inputs, _outputs, cot) => vjpRule(inputs, cot),
  };
  matmulDefs.set(key, def);
  return def;
}

// ---------------------------------------------------------------------------------------------
// Differentiable building blocks on row-major data (internal)
// ---------------------------------------------------------------------------------------------

/** op(A)·op(B) on raw data (plain in, plain out; active in, recorded). */
export function mm(A: Vec, B: Vec, m: number, k: number, n: number, tA = false, tB = false): Vec {
  return callAtomic(matmulDef(m, k, n, tA, tB), [A, B])[0] as Vec;
}

/** Transpose of an m×n matrix's data. */
export function tp(A: Vec, m: number, n: number): Vec {
  return gather(A, transposeIndex(m, n));
}

/** (A + Aᵀ)/2 of an n×n matrix's data. */
export function sym(A: Vec, n: number): Vec {
  return mul(0.5, add(A, tp(A, n, n)));
}

/** (A − Aᵀ)/2 of an n×n matrix's data. */
export function skew(A: Vec, n: number): Vec {
  return mul(0.5, add(A, mul(-1, tp(A, n, n))));
}

/** The diagonal of an n×n matrix's data. */
export function diagOf(A: Vec, n: number): Vec {
  return gather(A, diagIndex(n));
}

/** The n×n diagonal matrix with diagonal d. */
export function diagMat(d: Vec, n: number): Vec {
  return scatterAdd(d, diagIndex(n), n * n);
}

/** A·diag(d) for an m×n matrix A (scales columns). */
export function scaleCols(A: Vec, d: Vec, m: number, n: number): Vec {
  return mul(A, gather(d, colIndex(m, n)));
}

/** For a length-n vector x, the n×n matrices X_ij = x_j and X_ij = x_i. */
export function colsOf(x: Vec, n: number): Vec {
  return gather(x, colIndex(n, n));
}
export function rowsOf(x: Vec, n: number): Vec {
  return gather(x, rowIndex(n, n));
}

// ---------------------------------------------------------------------------------------------
// Public ops
// ---------------------------------------------------------------------------------------------

/** Options of {@link matmul}. */
export interface MatmulOptions {
  /** Use Aᵀ in place of A. */
  readonly transA?: boolean;
  /** Use Bᵀ in place of B. */
  readonly transB?: boolean;
}

/** C = op(A)·op(B). One atomic; its rules are matmuls (so derivatives of any order work). */
export function matmul(A: MatLike, B: MatLike, options: MatmulOptions = {}): Mat {
  const a = asMat(A, 'matmul: A');
  const b = asMat(B, 'matmul: B');
  const tA = options.transA === true;
  const tB = options.transB === true;
  const [m, k] = tA ? [a.cols, a.rows] : [a.rows, a.cols];
  const [k2, n] = tB ? [b.cols, b.rows] : [b.rows, b.cols];
  if (k !== k2) {
    throw new ShapeError(
      'matmul: B',
      `${k} rows (the columns of ${tA ? 'Aᵀ' : 'A'})`,
      `a ${b.rows}×${b.cols} matrix${tB ? ' (transposed)' : ''}`,
    );
  }
  return { data: mm(a.data, b.data, m, k, n, tA, tB), rows: m, cols: n };
}

/** y = A·x for an m×n matrix A and a vector x of length n. */
export function matvec(A: MatLike, x: Vec): Vec {
  const a = asMat(A, 'matvec: A');
  vecArg(x, a.cols, 'matvec: x');
  return mm(a.data, x, a.rows, a.cols, 1);
}

/** The outer product u·vᵀ (length(u) × length(v)). */
export function outer(u: Vec, v: Vec): Mat {
  vecArg(u, undefined, 'outer: u');
  vecArg(v, undefined, 'outer: v');
  return { data: mm(u, v, u.length, 1, v.length), rows: u.length, cols: v.length };
}

/** Aᵀ (a gather: free of rounding, linear, every rule of core's gather). */
export function transpose(A: MatLike): Mat {
  const a = asMat(A, 'transpose: A');
  return { data: tp(a.data, a.rows, a.cols), rows: a.cols, cols: a.rows };
}

/** tr A of a square matrix (a gather of the diagonal and a sum). */
export function trace(A: MatLike): Real {
  const a = asMat(A, 'trace: A');
  if (a.rows !== a.cols) throw new ShapeError('trace: A', 'a square matrix', `a ${a.rows}×${a.cols} matrix`);
  return sum(diagOf(a.data, a.rows));
}

/** Validates a vector argument (a Float64Array or active vector, optionally of a given length). */
export function vecArg(x: unknown, n: number | undefined, arg: string): asserts x is Vec {
  const ok = x instanceof Float64Array || x instanceof ActiveVec;
  if (!ok || (x as Vec).length === 0)
    throw new ShapeError(arg, 'a non-empty Float64Array or active vector', describeValue(x));
  if (n !== undefined && (x as Vec).length !== n) {
    throw new ShapeError(arg, `length ${n}`, `length ${(x as Vec).length}`);
  }
}
