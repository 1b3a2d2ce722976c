/**
 * The matrix convention of @wengert/linalg: a matrix is its row-major data (a plain `Float64Array` or an
 * active vector of core's tape) with explicit `rows` and `cols` — a {@link Mat}. `ml-matrix` `Matrix`
 * objects are accepted wherever a matrix is (as constants: copied into row-major data), and `toMatrix`
 * returns one. Plain dense kernels on row-major `Float64Array`s live here too.
 */
import { ActiveVec, ShapeError, stopGradient, type Vec } from '@wengert/core';
import { describeValue } from '@wengert/core/internals';
import { Matrix } from 'ml-matrix';

/** A dense matrix: row-major data of length rows·cols, plain or active. */
export interface Mat<T extends Vec = Vec> {
  readonly data: T;
  readonly rows: number;
  readonly cols: number;
}

/** What the operations accept as a matrix: a {@link Mat} or an ml-matrix `Matrix` (a constant). */
export type MatLike = Mat | Matrix;

/**
 * A matrix view of row-major data. `data` may be a plain `Float64Array`, a plain `number[]` (copied) or an
 * active vector (e.g. `x.slice(0, 9)` inside a function under `grad`); its length must be rows·cols.
 */
export function mat<T extends Vec>(data: T, rows: number, cols: number): Mat<T>;
export function mat(data: readonly number[], rows: number, cols: number): Mat<Float64Array>;
export function mat(data: Vec | readonly number[], rows: number, cols: number): Mat {
  if (!(Number.isInteger(rows) && rows > 0))
    throw new ShapeError('mat: rows', 'a positive integer', describeValue(rows));
  if (!(Number.isInteger(cols) && cols > 0))
    throw new ShapeError('mat: cols', 'a positive integer', describeValue(cols));
  const d = Array.isArray(data) ? Float64Array.from(data as readonly number[]) : (data as Vec);
  if (!(d instanceof Float64Array || d instanceof ActiveVec)) {
    throw new ShapeError('mat: data', 'a Float64Array, number[] or active vector', describeValue(data));
  }
  if (d.length !== rows * cols) {
    throw new ShapeError('mat: data', `length ${rows}·${cols} = ${rows * cols}`, `length ${d.length}`);
  }
  return { data: d, rows, cols };
}

/** True for an ml-matrix matrix (checked structurally as well, so duplicated copies of ml-matrix work). */
function isMlMatrix(m: unknown): m is Matrix {
  if (m instanceof Matrix) return true;
  const o = m as { rows?: unknown; columns?: unknown; get?: unknown; to2DArray?: unknown } | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.rows === 'number' &&
    typeof o.columns === 'number' &&
    typeof o.get === 'function' &&
    typeof o.to2DArray === 'function'
  );
}

/** A plain row-major copy of an ml-matrix matrix. */
export function fromMatrix(M: Matrix): Mat<Float64Array> {
  if (!isMlMatrix(M)) throw new ShapeError('fromMatrix: M', 'an ml-matrix Matrix', describeValue(M));
  const r = M.rows;
  const c = M.columns;
  const d = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) d[i * c + j] = M.get(i, j);
  return { data: d, rows: r, cols: c };
}

/** An ml-matrix copy of a matrix's current values (an active matrix gives its values; nothing is recorded). */
export function toMatrix(A: MatLike): Matrix {
  const m = asMat(A, 'toMatrix: A');
  const d = stopGradient(m.data);
  const M = new Matrix(m.rows, m.cols);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) M.set(i, j, d[i * m.cols + j]!);
  return M;
}

/** Validates a matrix argument and returns it as a {@link Mat}. */
export function asMat(A: unknown, arg: string): Mat {
  if (isMlMatrix(A)) return fromMatrix(A);
  const m = A as Partial<Mat> | null;
  if (
    typeof m !== 'object' ||
    m === null ||
    !(m.data instanceof Float64Array || m.data instanceof ActiveVec) ||
    !Number.isInteger(m.rows) ||
    !Number.isInteger(m.cols)
  ) {
    throw new ShapeError(
      arg,
      'a matrix: { data, rows, cols } (see mat()) or an ml-matrix Matrix',
      m instanceof Float64Array || m instanceof ActiveVec
        ? `${describeValue(m)} without a shape (wrap it: mat(data, rows, cols))`
        : describeValue(m),
    );
  }
  if (m.rows! <= 0 || m.cols! <= 0 || m.data.length !== m.rows! * m.cols!) {
    throw new ShapeError(arg, `data of length rows·cols = ${m.rows}·${m.cols}`, `length ${m.data.length}`);
  }
  return m as Mat;
}

/** Validates a square matrix argument; returns it and its order. */
export function asSquare(A: unknown, arg: string): Mat {
  const m = asMat(A, arg);
  if (m.rows !== m.cols) throw new ShapeError(arg, 'a square matrix', `a ${m.rows}×${m.cols} matrix`);
  return m;
}

/** Plain values of a vector operand (a copy for active values, the array itself for plain ones). */
export function plain(v: Vec): Float64Array {
  return v instanceof ActiveVec ? v.value : v;
}

// ---------------------------------------------------------------------------------------------
// Plain kernels (row-major Float64Array)
// ---------------------------------------------------------------------------------------------

/**
 * C = op(A)·op(B) with op(A) m×k and op(B) k×n; `tA` means A is stored k×m (op(A) = Aᵀ), `tB` that B is
 * stored n×k.
 */
export function gemm(
  A: Float64Array,
  B: Float64Array,
  m: number,
  k: number,
  n: number,
  tA: boolean,
  tB: boolean,
): Float64Array {
  const C = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const ci = i * n;
    for (let p = 0; p < k; p++) {
      const a = tA ? A[p * m + i]! : A[i * k + p]!;
      if (a === 0) continue;
      if (tB) for (let j = 0; j < n; j++) C[ci + j] += a * B[j * k + p]!;
      else {
        const bp = p * n;
        for (let j = 0; j < n; j++) C[ci + j] += a * B[bp + j]!;
      }
    }
  }
  return C;
}

/** Aᵀ of an m×n matrix. */
export function transposePlain(A: Float64Array, m: number, n: number): Float64Array {
  const T = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) T[j * m + i] = A[i * n + j]!;
  return T;
}

/** (A + Aᵀ)/2 of a square matrix. */
export function symPlain(A: Float64Array, n: number): Float64Array {
  const S = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    S[i * n + i] = A[i * n + i]!;
    for (let j = 0; j < i; j++) {
      const v = 0.5 * (A[i * n + j]! + A[j * n + i]!);
      S[i * n + j] = v;
      S[j * n + i] = v;
    }
  }
  return S;
}

export function identity(n: number): Float64Array {
  const I = new Float64Array(n * n);
  for (let i = 0; i < n; i++) I[i * n + i] = 1;
  return I;
}

export function frobenius(A: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < A.length; i++) s += A[i]! * A[i]!;
  return Math.sqrt(s);
}

// ---------------------------------------------------------------------------------------------
// Index tables (cached) for gathers: transposes, diagonals, column broadcasts
// ---------------------------------------------------------------------------------------------

const tables = new Map<string, Int32Array>();

function table(key: string, make: () => Int32Array): Int32Array {
  let t = tables.get(key);
  if (t === undefined) {
    t = make();
    tables.set(key, t);
  }
  return t;
}

/** Gather indices taking an m×n row-major matrix to its n×m transpose. */
export function transposeIndex(m: number, n: number): Int32Array {
  return table(`T${m},${n}`, () => {
    const idx = new Int32Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) idx[j * m + i] = i * n + j;
    return idx;
  });
}

/** Indices of the diagonal of an n×n matrix. */
export function diagIndex(n: number): Int32Array {
  return table(`D${n}`, () => Int32Array.from({ length: n }, (_, i) => i * n + i));
}

/** For an m×n matrix, element (i, j) ↦ j: gathers a length-n vector into a matrix scaling columns. */
export function colIndex(m: number, n: number): Int32Array {
  return table(`C${m},${n}`, () => Int32Array.from({ length: m * n }, (_, e) => e % n));
}

/** For an m×n matrix, element (i, j) ↦ i: gathers a length-m vector into a matrix scaling rows. */
export function rowIndex(m: number, n: number): Int32Array {
  return table(`R${m},${n}`, () => Int32Array.from({ length: m * n }, (_, e) => Math.floor(e / n)));
}
