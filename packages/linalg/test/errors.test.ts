/** Bad input: typed errors naming the argument (non-square, shape mismatch, non-SPD, singular, non-finite). */
import { type ActiveVec, DomainError, grad, isWengertError, ShapeError, sum } from '@wengert/core';
import { Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import {
  cholesky,
  det,
  eigh,
  fromMatrix,
  inv,
  logdet,
  mat,
  matmul,
  matvec,
  NotPositiveDefiniteError,
  SingularMatrixError,
  slogdet,
  solve,
  svd,
  toMatrix,
  trace,
} from '../src/index.js';

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

const rect = mat(Float64Array.of(1, 2, 3, 4, 5, 6), 2, 3);

describe('shapes', () => {
  it('non-square where square is needed: ShapeError naming the op and argument', () => {
    for (const [name, f] of [
      ['solve', () => solve(rect, Float64Array.of(1, 2))],
      ['inv', () => inv(rect)],
      ['det', () => det(rect)],
      ['slogdet', () => slogdet(rect)],
      ['cholesky', () => cholesky(rect)],
      ['eigh', () => eigh(rect)],
      ['trace', () => trace(rect)],
    ] as const) {
      const e = thrown(f) as ShapeError;
      expect(e).toBeInstanceOf(ShapeError);
      expect(e.argument).toBe(`${name}: A`);
      expect(e.received).toBe('a 2×3 matrix');
    }
  });
  it('mismatched products and right-hand sides', () => {
    expect((thrown(() => matmul(rect, rect)) as ShapeError).argument).toBe('matmul: B');
    expect(matmul(rect, rect, { transB: true }).rows).toBe(2);
    expect((thrown(() => matvec(rect, Float64Array.of(1, 2))) as ShapeError).expected).toBe('length 3');
    const A = mat(Float64Array.of(2, 0, 0, 2), 2, 2);
    expect(thrown(() => solve(A, Float64Array.of(1, 2, 3)))).toBeInstanceOf(ShapeError);
    expect(thrown(() => solve(A, mat(new Float64Array(3), 3, 1)))).toBeInstanceOf(ShapeError);
  });
  it('data without a shape, or of the wrong length', () => {
    const e = thrown(() => det(Float64Array.of(1, 2, 3, 4) as never)) as ShapeError;
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.received).toMatch(/mat\(data, rows, cols\)/);
    expect(thrown(() => mat(Float64Array.of(1, 2, 3), 2, 2))).toBeInstanceOf(ShapeError);
    expect(thrown(() => mat(Float64Array.of(1, 2), 0, 2))).toBeInstanceOf(ShapeError);
  });
});

describe('domains', () => {
  it('non-SPD to cholesky: NotPositiveDefiniteError naming the leading minor', () => {
    const e = thrown(() => cholesky(mat(Float64Array.of(4, 2, 0, 2, 1, 0, 0, 0, 3), 3, 3))) as NotPositiveDefiniteError;
    expect(e).toBeInstanceOf(NotPositiveDefiniteError);
    expect(e).toBeInstanceOf(DomainError);
    expect(e.minor).toBe(1);
    expect(e.message).toMatch(/leading 2×2 minor/);
    expect(
      thrown(() => solve(mat(Float64Array.of(-1, 0, 0, 1), 2, 2), Float64Array.of(1, 1), { kind: 'spd' })),
    ).toBeInstanceOf(NotPositiveDefiniteError);
  });
  it('singular to solve / inv: SingularMatrixError with the pivot-ratio estimate', () => {
    const S = mat(Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9), 3, 3);
    const e = thrown(() => solve(S, Float64Array.of(1, 1, 1))) as SingularMatrixError;
    expect(e).toBeInstanceOf(SingularMatrixError);
    expect(e).toBeInstanceOf(DomainError);
    expect(e.rcondEstimate).toBeLessThan(1e-15);
    expect(e.message).toMatch(/pivot ratio/);
    expect(thrown(() => inv(mat(Float64Array.of(1, 2, 2, 4), 2, 2)))).toBeInstanceOf(SingularMatrixError);
    expect(
      thrown(() => solve(mat(Float64Array.of(1, 0, 5, 0), 2, 2), Float64Array.of(1, 1), { kind: 'lower' })),
    ).toBeInstanceOf(SingularMatrixError);
  });
  it('singular to slogdet: (0, −∞) like numpy; its derivative and logdet raise', () => {
    const S = mat(Float64Array.of(1, 2, 2, 4), 2, 2);
    const { sign, logAbsDet } = slogdet(S);
    expect([sign, logAbsDet]).toEqual([0, -Infinity]);
    expect(thrown(() => logdet(S))).toBeInstanceOf(DomainError);
    expect(thrown(() => logdet(mat(Float64Array.of(0, 1, 1, 0), 2, 2))).message).toMatch(/det A < 0/);
    expect(
      thrown(() => grad((x: ActiveVec) => slogdet(mat(x, 2, 2)).logAbsDet)(Float64Array.of(1, 2, 2, 4 + 1e-17))),
    ).toBeInstanceOf(SingularMatrixError);
  });
  it('non-finite input: DomainError naming the entry', () => {
    const e = thrown(() => svd(mat(Float64Array.of(1, Number.NaN, 0, 1), 2, 2))) as DomainError;
    expect(e).toBeInstanceOf(DomainError);
    expect(e.argument).toBe('svd: A[1]');
    expect(isWengertError(thrown(() => eigh(mat(Float64Array.of(1, Infinity, 0, 1), 2, 2))))).toBe(true);
  });
  it('bad spectral options', () => {
    expect(thrown(() => eigh(mat(Float64Array.of(1, 0, 0, 1), 2, 2), { clusterTol: -1 }))).toBeInstanceOf(DomainError);
  });
});

describe('ml-matrix at the edge', () => {
  it('Matrix in, Matrix out; the same numbers as row-major data', () => {
    const M = new Matrix([
      [4, 1],
      [1, 3],
    ]);
    const X = solve(M, new Matrix([[1], [2]]));
    const Xm = toMatrix(X);
    expect([Xm.rows, Xm.columns]).toEqual([2, 1]);
    expect(Xm.get(0, 0)).toBeCloseTo(1 / 11, 15);
    expect(Xm.get(1, 0)).toBeCloseTo(7 / 11, 15);
    expect(fromMatrix(M).data).toEqual(Float64Array.of(4, 1, 1, 3));
    expect(toMatrix(cholesky(M)).get(1, 0)).toBeCloseTo(0.5, 15);
    // a constant Matrix inside a differentiated function
    const g = grad((x: ActiveVec) => sum(matmul(M, mat(x, 2, 1)).data))(Float64Array.of(1, 1));
    expect(Array.from(g)).toEqual([5, 4]);
  });
});
