import { DomainError, ShapeError } from '@wengert/core';
import fc from 'fast-check';
import { LuDecomposition, Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { CscMatrix, CsrMatrix } from '../src/matrix/index.js';
import { SingularMatrixError, SparseLU, type SparseLUOptions } from '../src/solve/index.js';
import { backwardError, bratuJacobian, randomVector, relDiff, rng } from './support/matrix-support.js';

/**
 * A random nonsingular sparse n × n matrix: a strictly diagonally dominant B, with its rows
 * permuted when `permute` (then the diagonal of A is mostly small or absent, so LU must pivot).
 */
function randomMatrix(n: number, density: number, seed: number, permute: boolean): CsrMatrix {
  const next = rng(seed);
  const ri: number[] = [];
  const ci: number[] = [];
  const v: number[] = [];
  const rowSum = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j || next() >= density) continue;
      const a = 2 * next() - 1;
      ri.push(i);
      ci.push(j);
      v.push(a);
      rowSum[i]! += Math.abs(a);
    }
  }
  for (let i = 0; i < n; i++) {
    ri.push(i);
    ci.push(i);
    v.push((next() < 0.5 ? -1 : 1) * (rowSum[i]! + 0.5 + next()));
  }
  const perm = Array.from({ length: n }, (_, i) => i);
  if (permute) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    }
  }
  return CsrMatrix.fromCoo(
    n,
    n,
    ri.map((i) => perm[i]!),
    ci,
    v,
  );
}

function denseSolve(A: CsrMatrix, b: Float64Array): Float64Array {
  return Float64Array.from(new LuDecomposition(A.toMatrix()).solve(Matrix.columnVector(b)).to1DArray());
}

const caseArb = fc.record({
  n: fc.integer({ min: 1, max: 60 }),
  density: fc.double({ min: 0.02, max: 0.3, noNaN: true }),
  seed: fc.integer(),
  permute: fc.boolean(),
  ordering: fc.constantFrom<NonNullable<SparseLUOptions['ordering']>>('amd', 'colamd', 'natural'),
  pivotThreshold: fc.constantFrom(0.1, 1, 0.001),
});

describe('SparseLU on random matrices', () => {
  it('solves A x = b and Aᵀ x = b as ml-matrix’s dense LU does (CSR and CSC input)', () => {
    fc.assert(
      fc.property(caseArb, ({ n, density, seed, permute, ordering, pivotThreshold }) => {
        const A = randomMatrix(n, density, seed, permute);
        const valuesBefore = A.values.slice();
        const b = randomVector(n, rng(seed ^ 0x5bd1e995));
        const bBefore = b.slice();
        const lu = SparseLU.factor(seed % 2 === 0 ? A : A.toCsc(), { ordering, pivotThreshold });
        const x = lu.solve(b);
        expect(relDiff(x, denseSolve(A, b))).toBeLessThan(1e-10);
        // A small threshold trades stability for sparsity: growth up to (1 + 1/τ) per step.
        expect(backwardError(A, x, b)).toBeLessThan(pivotThreshold >= 0.1 ? 1e-13 : 1e-10);
        const xt = lu.solveTransposed(b);
        expect(relDiff(xt, denseSolve(A.transpose(), b))).toBeLessThan(1e-10);
        expect(lu.nnzL).toBeGreaterThanOrEqual(n);
        expect(lu.nnzU).toBeGreaterThanOrEqual(n);
        expect(A.values).toEqual(valuesBefore);
        expect(b).toEqual(bBefore);
      }),
      { numRuns: 120 },
    );
  });

  it('refactor with new values of the same pattern equals a fresh factorization, also when it must repivot', () => {
    fc.assert(
      fc.property(caseArb, fc.integer(), ({ n, density, seed, permute, ordering }, seed2) => {
        const A = randomMatrix(n, density, seed, permute);
        const lu = SparseLU.factor(A, { ordering });
        // New values: the same pattern with other magnitudes; permuted rows of another dominant matrix
        // can flip which candidate is largest, so some columns need a new pivot.
        const B = randomMatrix(n, density, seed, permute);
        const next = rng(seed2);
        for (let k = 0; k < B.nnz; k++) B.values[k]! *= 0.5 + next();
        const b = randomVector(n, next);
        lu.refactor(B);
        const x = lu.solve(b);
        expect(relDiff(x, denseSolve(B, b))).toBeLessThan(1e-9);
        expect(relDiff(lu.solveTransposed(b), denseSolve(B.transpose(), b))).toBeLessThan(1e-9);
        lu.refactor(B.toCsc());
        expect(relDiff(lu.solve(b), x)).toBeLessThan(1e-12);
      }),
      { numRuns: 60 },
    );
  });

  it('repivots in refactor when the stored pivot became unacceptable', () => {
    // [[1, 1], [1, 0]] keeps the diagonal pivot 1; with a(0,0) = 1e-9 the row exchange is needed.
    const A = CsrMatrix.fromDense(2, 2, [1, 1, 1, 1e-3]);
    const lu = SparseLU.factor(A, { pivotThreshold: 1 });
    const B = CsrMatrix.fromDense(2, 2, [1e-9, 1, 1, 1e-3], { pattern: A.pattern });
    lu.refactor(B);
    const b = new Float64Array([1, 2]);
    expect(backwardError(B, lu.solve(b), b)).toBeLessThan(1e-15);
  });

  it('estimates the 1-norm condition number within a factor 10 from below', () => {
    fc.assert(
      fc.property(caseArb, ({ n, density, seed, permute }) => {
        const A = randomMatrix(n, density, seed, permute);
        const M = A.toMatrix();
        const inv = new LuDecomposition(M).solve(Matrix.eye(n));
        const norm1 = (X: Matrix): number =>
          Math.max(
            ...X.transpose()
              .to2DArray()
              .map((r) => r.reduce((s, v) => s + Math.abs(v), 0)),
          );
        const kappa = norm1(M) * norm1(inv);
        const est = SparseLU.factor(A).conditionEstimate();
        expect(est).toBeLessThanOrEqual(kappa * (1 + 1e-10));
        expect(est).toBeGreaterThanOrEqual(kappa / 10);
      }),
      { numRuns: 40 },
    );
  });

  it('accepts out = b', () => {
    const A = randomMatrix(10, 0.3, 7, true);
    const b = randomVector(10, rng(3));
    const expected = SparseLU.factor(A).solve(b);
    const lu = SparseLU.factor(A);
    const y = b.slice();
    expect(lu.solve(y, y)).toBe(y);
    expect(relDiff(y, expected)).toBeLessThan(1e-15);
  });
});

describe('SparseLU on the Bratu Jacobian', () => {
  for (const N of [30, 100]) {
    it(`has backward error ≤ 1e-12 for N = ${N} (A and Aᵀ, factor and refactor)`, () => {
      const A = bratuJacobian(N);
      const b = randomVector(N * N, rng(N));
      const lu = SparseLU.factor(A);
      expect(backwardError(A, lu.solve(b), b)).toBeLessThan(1e-12);
      expect(backwardError(A.transpose(), lu.solveTransposed(b), b)).toBeLessThan(1e-12);
      // Newton: new values at another base point, same pattern.
      const B = bratuJacobian(N, 3);
      lu.refactor(B);
      expect(backwardError(B, lu.solve(b), b)).toBeLessThan(1e-12);
    });
  }

  it('the minimum degree orderings fill less than the natural order (N = 30)', () => {
    const A = bratuJacobian(30);
    const fill = (ordering: 'amd' | 'colamd' | 'natural'): number => {
      const lu = SparseLU.factor(A, { ordering });
      return lu.nnzL + lu.nnzU - A.rows;
    };
    const natural = fill('natural');
    expect(fill('amd')).toBeLessThan(0.5 * natural);
    expect(fill('colamd')).toBeLessThan(0.8 * natural);
  });
});

describe('SparseLU errors', () => {
  function thrown(f: () => unknown): unknown {
    try {
      f();
    } catch (e) {
      return e;
    }
    throw new Error('did not throw');
  }

  it('throws SingularMatrixError naming the column on a structurally singular matrix', () => {
    // Column 1 is empty.
    const A = CsrMatrix.fromCoo(3, 3, [0, 1, 2], [0, 0, 2], [1, 2, 3]);
    const e = thrown(() => SparseLU.factor(A, { ordering: 'natural' }));
    expect(e).toBeInstanceOf(SingularMatrixError);
    expect(e).toBeInstanceOf(DomainError);
    expect((e as SingularMatrixError).index).toBe(1);
    expect((e as SingularMatrixError).line).toBe('column');
    // Two columns with entries in the same single row.
    const B = CsrMatrix.fromCoo(2, 2, [0, 0], [0, 1], [1, 1]);
    expect(() => SparseLU.factor(B)).toThrow(SingularMatrixError);
  });

  it('throws SingularMatrixError on numerically singular matrices (explicit zeros, rank deficiency)', () => {
    expect(() => SparseLU.factor(CsrMatrix.fromDense(2, 2, [1, 2, 2, 4]))).toThrow(SingularMatrixError);
    const Z = CsrMatrix.fromDense(2, 2, [1, 0, 0, 0], { pattern: CsrMatrix.fromDense(2, 2, [1, 1, 1, 1]).pattern });
    expect(() => SparseLU.factor(Z)).toThrow(/column 1/);
    // A random 12 × 12 matrix whose last row is the sum of two others.
    const next = rng(11);
    const d = Float64Array.from({ length: 144 }, () => (next() < 0.4 ? 2 * next() - 1 : 0));
    for (let i = 0; i < 12; i++) d[i] = 1 + next();
    for (let j = 0; j < 12; j++) d[11 * 12 + j] = d[j]! + 0.5 * d[3 * 12 + j]!;
    for (const ordering of ['amd', 'colamd', 'natural'] as const) {
      expect(() => SparseLU.factor(CsrMatrix.fromDense(12, 12, d), { ordering })).toThrow(SingularMatrixError);
    }
  });

  it('keeps the previous factorization when refactor fails', () => {
    const A = CsrMatrix.fromDense(2, 2, [2, 1, 1, 3]);
    const lu = SparseLU.factor(A);
    const b = new Float64Array([1, 1]);
    const x = lu.solve(b);
    expect(() => lu.refactor(new CsrMatrix(A.pattern, new Float64Array([1, 2, 2, 4])))).toThrow(SingularMatrixError);
    expect(lu.solve(b)).toEqual(x);
  });

  it('throws ShapeError on shapes, kinds and patterns; DomainError on non-finite values and bad options', () => {
    expect(() => SparseLU.factor(CsrMatrix.fromDense(2, 3, [1, 0, 0, 0, 1, 0]))).toThrow(ShapeError);
    expect(() => SparseLU.factor(new Matrix([[1]]) as unknown as CsrMatrix)).toThrow(ShapeError);
    const A = CsrMatrix.fromDense(2, 2, [2, 1, 1, 3]);
    const lu = SparseLU.factor(A);
    expect(() => lu.solve(new Float64Array(3))).toThrow(ShapeError);
    expect(() => lu.solveTransposed(new Float64Array(1))).toThrow(ShapeError);
    expect(() => lu.solve(new Float64Array(2), new Float64Array(1))).toThrow(ShapeError);
    expect(() => lu.refactor(CsrMatrix.fromDense(2, 2, [2, 0, 1, 3]))).toThrow(ShapeError);
    expect(() => lu.refactor(new CscMatrix(2, 2, new Int32Array([0, 1, 2]), new Int32Array([0, 1])))).toThrow(
      ShapeError,
    );
    expect(() => lu.refactor(CsrMatrix.fromDense(3, 3, [1, 0, 0, 0, 1, 0, 0, 0, 1]))).toThrow(ShapeError);
    const bad = new Float64Array([2, 1, Number.NaN, 3]);
    const e = (() => {
      try {
        SparseLU.factor(new CsrMatrix(A.pattern, bad));
      } catch (err) {
        return err as DomainError;
      }
    })();
    expect(e).toBeInstanceOf(DomainError);
    expect(e?.argument).toContain('values[2] (row 1, column 0)');
    expect(() => lu.refactor(new CsrMatrix(A.pattern, bad))).toThrow(DomainError);
    expect(() => lu.solve(new Float64Array([1, Number.POSITIVE_INFINITY]))).toThrow(/b\[1\]/);
    expect(() => SparseLU.factor(A, { pivotThreshold: 0 })).toThrow(DomainError);
    expect(() => SparseLU.factor(A, { ordering: 'metis' as 'amd' })).toThrow(DomainError);
  });

  it('handles the empty and 1 × 1 matrices', () => {
    const E = SparseLU.factor(CsrMatrix.fromDense(0, 0, []));
    expect(E.solve(new Float64Array(0))).toEqual(new Float64Array(0));
    const one = SparseLU.factor(CsrMatrix.fromDense(1, 1, [4]));
    expect(Array.from(one.solve(new Float64Array([2])))).toEqual([0.5]);
    expect(() =>
      SparseLU.factor(CsrMatrix.fromDense(1, 1, [0], { pattern: CsrMatrix.fromDense(1, 1, [1]).pattern })),
    ).toThrow(SingularMatrixError);
  });
});
