import { DomainError, ShapeError } from '@wengert/core';
import fc from 'fast-check';
import { Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { CscMatrix, CsrMatrix } from '../src/matrix/index.js';
import { patternFromEntries } from '../src/pattern/pattern.js';

/** A dense rows × cols matrix with many zeros, and a flag set per entry that is an explicit zero. */
const denseArb = fc
  .record({ rows: fc.integer({ min: 0, max: 7 }), cols: fc.integer({ min: 0, max: 7 }) })
  .chain(({ rows, cols }) =>
    fc.record({
      rows: fc.constant(rows),
      cols: fc.constant(cols),
      data: fc.array(
        fc.oneof(
          fc.constant(0),
          fc.constant(0),
          fc.integer({ min: -9, max: 9 }),
          fc.double({ min: -10, max: 10, noNaN: true }),
        ),
        {
          minLength: rows * cols,
          maxLength: rows * cols,
        },
      ),
      // Positions that are in the pattern even though their value is 0.
      explicit: fc.array(fc.boolean(), { minLength: rows * cols, maxLength: rows * cols }),
    }),
  );

/** The CSR matrix of a generated case: pattern = nonzeros ∪ explicit zeros. */
function build(c: { rows: number; cols: number; data: number[]; explicit: boolean[] }): CsrMatrix {
  const ri: number[] = [];
  const ci: number[] = [];
  for (let t = 0; t < c.data.length; t++) {
    if (c.data[t] !== 0 || c.explicit[t]) {
      ri.push(Math.floor(t / c.cols));
      ci.push(t % c.cols);
    }
  }
  return CsrMatrix.fromDense(c.rows, c.cols, c.data, { pattern: patternFromEntries(c.rows, c.cols, ri, ci) });
}

function denseMatvec(rows: number, cols: number, d: ArrayLike<number>, x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) y[i]! += d[i * cols + j]! * x[j]!;
  return y;
}

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(b[i]!)));
}

function samePatternAndValues(a: CsrMatrix, b: CsrMatrix): void {
  expect([a.rows, a.cols]).toEqual([b.rows, b.cols]);
  expect(Array.from(a.rowPtr)).toEqual(Array.from(b.rowPtr));
  expect(Array.from(a.colIdx)).toEqual(Array.from(b.colIdx));
  expect(Array.from(a.values)).toEqual(Array.from(b.values));
}

describe('CsrMatrix / CscMatrix conversions', () => {
  it('round-trips CSR ↔ CSC ↔ dense ↔ COO ↔ ml-matrix, keeping explicit zeros', () => {
    fc.assert(
      fc.property(denseArb, (c) => {
        const A = build(c);
        const dataCopy = c.data.slice();
        // Stored entries keep their value bitwise (−0 included); the others read as +0.
        expect(Array.from(A.toDense())).toEqual(c.data.map((v, t) => (v !== 0 || c.explicit[t] ? v : 0)));
        samePatternAndValues(A.toCsc().toCsr(), A);
        samePatternAndValues(A.transpose().transpose(), A);
        const coo = A.toCoo();
        samePatternAndValues(CsrMatrix.fromCoo(A.rows, A.cols, coo.rowIndex, coo.colIndex, coo.values), A);
        samePatternAndValues(CsrMatrix.fromMatrix(A.toMatrix(), { pattern: A.pattern }), A);
        expect(Array.from(A.toCsc().toDense())).toEqual(Array.from(A.toDense()));
        expect(A.toCsc().nnz).toBe(A.nnz);
        expect(c.data).toEqual(dataCopy);
      }),
      { numRuns: 150 },
    );
  });

  it('without a pattern stores the nonzeros only', () => {
    const A = CsrMatrix.fromDense(2, 3, [0, 1, 0, 2, 0, 0]);
    expect(A.nnz).toBe(2);
    expect(Array.from(A.colIdx)).toEqual([1, 0]);
    expect(CsrMatrix.fromMatrix(new Matrix([[0, 5]])).nnz).toBe(1);
  });

  it('transpose maps (i, j) to (j, i) and keeps zeros', () => {
    fc.assert(
      fc.property(denseArb, (c) => {
        const A = build(c);
        const T = A.transpose();
        expect(T.nnz).toBe(A.nnz);
        for (let i = 0; i < A.rows; i++) for (let j = 0; j < A.cols; j++) expect(T.get(j, i)).toBe(A.get(i, j));
        // The transposed structure is the CSC structure.
        expect(Array.from(T.rowPtr)).toEqual(Array.from(A.toCsc().colPtr));
      }),
      { numRuns: 60 },
    );
  });

  it('matvec and matvecTransposed agree with the dense products (CSR and CSC)', () => {
    fc.assert(
      fc.property(denseArb, fc.integer(), (c, seed) => {
        const A = build(c);
        const x = Float64Array.from({ length: A.cols }, (_, j) => Math.sin(seed + 3 * j));
        const y = Float64Array.from({ length: A.rows }, (_, i) => Math.cos(seed + 5 * i));
        const xCopy = x.slice();
        const yCopy = y.slice();
        const d = A.toDense();
        const dT = A.transpose().toDense();
        expectClose(A.matvec(x), denseMatvec(A.rows, A.cols, d, x));
        expectClose(A.toCsc().matvec(x), denseMatvec(A.rows, A.cols, d, x));
        expectClose(A.matvecTransposed(y), denseMatvec(A.cols, A.rows, dT, y));
        expectClose(A.toCsc().matvecTransposed(y), denseMatvec(A.cols, A.rows, dT, y));
        // <y, A x> = <Aᵀ y, x>
        const ax = A.matvec(x);
        const aty = A.matvecTransposed(y);
        let l = 0;
        let r = 0;
        for (let i = 0; i < A.rows; i++) l += y[i]! * ax[i]!;
        for (let j = 0; j < A.cols; j++) r += aty[j]! * x[j]!;
        expect(Math.abs(l - r)).toBeLessThanOrEqual(1e-10 * (1 + Math.abs(l)));
        expect(x).toEqual(xCopy);
        expect(y).toEqual(yCopy);
      }),
      { numRuns: 100 },
    );
  });

  it('fromCoo sums duplicates and keeps zero sums as entries, without touching its inputs', () => {
    const ri = [1, 0, 1, 1, 0];
    const ci = [2, 0, 2, 0, 1];
    const v = [1.5, 2, -1.5, 3, 0];
    const A = CsrMatrix.fromCoo(2, 3, ri, ci, v);
    expect(A.nnz).toBe(4);
    expect(Array.from(A.rowPtr)).toEqual([0, 2, 4]);
    expect(Array.from(A.colIdx)).toEqual([0, 1, 0, 2]);
    expect(Array.from(A.values)).toEqual([2, 0, 3, 0]);
    expect([ri, ci, v]).toEqual([
      [1, 0, 1, 1, 0],
      [2, 0, 2, 0, 1],
      [1.5, 2, -1.5, 3, 0],
    ]);
  });

  it('copies values in the constructor, shares the pattern, clones independently', () => {
    const p = patternFromEntries(2, 2, [0, 1], [0, 1]);
    const v = new Float64Array([1, 2]);
    const A = new CsrMatrix(p, v);
    v[0] = 9;
    expect(A.get(0, 0)).toBe(1);
    expect(A.pattern).toBe(p);
    const B = A.clone();
    B.values[1] = 7;
    expect(A.get(1, 1)).toBe(2);
    expect(new CsrMatrix(p).values).toEqual(new Float64Array(2));
    const C = new CscMatrix(2, 2, new Int32Array([0, 1, 2]), new Int32Array([1, 0]), new Float64Array([3, 4]));
    expect(C.get(1, 0)).toBe(3);
    expect(C.get(0, 0)).toBe(0);
    expect(Array.from(C.toCsr().toDense())).toEqual([0, 4, 3, 0]);
    expect(C.toMatrix().to2DArray()).toEqual([
      [0, 4],
      [3, 0],
    ]);
  });
});

describe('bad input', () => {
  it('throws ShapeError on malformed structures and wrong lengths', () => {
    const p = patternFromEntries(2, 2, [0, 1], [0, 1]);
    expect(() => new CsrMatrix(p, new Float64Array(3))).toThrow(ShapeError);
    expect(
      () => new CsrMatrix({ rows: 2, cols: 2, rowPtr: new Int32Array([0, 2, 2]), colIdx: new Int32Array([1, 0]) }),
    ).toThrow(ShapeError);
    expect(() => new CscMatrix(2, 2, new Int32Array([0, 1]), new Int32Array([0]))).toThrow(ShapeError);
    expect(() => new CscMatrix(2, 2, new Int32Array([0, 1, 2]), new Int32Array([0, 2]))).toThrow(
      /rowIdx\[1\] \(column 1\)/,
    );
    expect(() => CsrMatrix.fromDense(2, 2, [1, 2, 3])).toThrow(ShapeError);
    expect(() => CsrMatrix.fromDense(2, 2, [1, 2, 3, 4], { pattern: patternFromEntries(3, 2, [], []) })).toThrow(
      ShapeError,
    );
    expect(() => CsrMatrix.fromCoo(2, 2, [0, 2], [0, 0], [1, 1])).toThrow(/rowIndex\[1\]/);
    expect(() => CsrMatrix.fromCoo(2, 2, [0], [0, 1], [1])).toThrow(ShapeError);
    expect(() => CsrMatrix.fromMatrix([[1]] as unknown as Matrix)).toThrow(ShapeError);
    const A = new CsrMatrix(p, new Float64Array([1, 2]));
    expect(() => A.matvec(new Float64Array(3))).toThrow(ShapeError);
    expect(() => A.matvec(new Float64Array(2), new Float64Array(1))).toThrow(ShapeError);
    expect(() => A.matvecTransposed(new Float64Array(1))).toThrow(ShapeError);
    expect(() => A.get(2, 0)).toThrow(ShapeError);
    expect(() => A.get(0, 0.5)).toThrow(ShapeError);
  });

  it('rejects a nonzero outside a given pattern (DomainError naming the entry), input untouched', () => {
    const data = new Float64Array([1, 0, 5, 2]);
    const p = patternFromEntries(2, 2, [0, 1], [0, 1]);
    const e = (() => {
      try {
        CsrMatrix.fromDense(2, 2, data, { pattern: p });
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(DomainError);
    expect((e as DomainError).argument).toContain('row 1, column 0');
    expect(Array.from(data)).toEqual([1, 0, 5, 2]);
  });

  it('rejects an output array that shares memory with the input (the kernel would read its own writes)', () => {
    const A = CsrMatrix.fromDense(2, 2, [1, 2, 3, 4]);
    const x = new Float64Array([1, 1]);
    expect(() => A.matvec(x, x)).toThrow(DomainError);
    expect(Array.from(x)).toEqual([1, 1]);
    const buf = new Float64Array(4);
    expect(Array.from(A.matvec(buf.subarray(0, 2).fill(1), buf.subarray(2, 4)))).toEqual([3, 7]);
  });
});
