/** Typed errors of the matrix functions, projectors, polar factor, norms, expm, QR and least squares. */
import { type ActiveVec, DomainError, dot, grad, isWengertError, MissingRuleError, ShapeError } from '@wengert/core';
import { describe, expect, it } from 'vitest';
import {
  ClusterSplitError,
  eigenProjector,
  expm,
  expmSym,
  logmSym,
  lstsq,
  mat,
  normNuclear,
  pinv,
  polar,
  powmSym,
  qr,
  RankDeficientError,
  SingularMatrixError,
  sqrtmSym,
  sumTopK,
  symFunction,
} from '../src/index.js';
import { fromSpectrum, HOUSEHOLDER4 } from './support.js';

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

const rect = mat(Float64Array.of(1, 2, 3, 4, 5, 6), 2, 3);
const D = (d: number[]) => fromSpectrum(HOUSEHOLDER4, d);

describe('shapes and arguments', () => {
  it('non-square input to the symmetric functions: ShapeError', () => {
    for (const f of [
      () => expmSym(rect),
      () => logmSym(rect),
      () => sqrtmSym(rect),
      () => powmSym(rect, 2),
      () => symFunction(rect, Math.exp, Math.exp),
      () => eigenProjector(rect, [0]),
      () => sumTopK(rect, 1),
      () => expm(rect),
    ])
      expect(f).toThrow(ShapeError);
  });
  it('bad functions, indices, k, p and options', () => {
    const A = mat(D([1, 2, 3, 4]), 4, 4);
    expect(() => symFunction(A, 3 as never, Math.exp)).toThrow(ShapeError);
    expect(() => eigenProjector(A, [4])).toThrow(ShapeError);
    expect(() => eigenProjector(A, [1.5])).toThrow(ShapeError);
    expect(() => eigenProjector(A, 'top' as never)).toThrow(ShapeError);
    expect(() => sumTopK(A, 0)).toThrow(DomainError);
    expect(() => sumTopK(A, 5)).toThrow(DomainError);
    expect(() => sumTopK(A, 1, { atTie: 'max' as never })).toThrow(DomainError);
    expect(() => powmSym(A, Number.NaN)).toThrow(DomainError);
    expect(() => expmSym(A, { clusterTol: 2 })).toThrow(DomainError);
  });
  it('qr of a wide matrix; lstsq shape mismatch', () => {
    expect(() => qr(rect)).toThrow(ShapeError);
    expect(() => lstsq(rect, Float64Array.of(1, 2, 3))).toThrow(ShapeError);
    expect(() => lstsq(rect, mat(Float64Array.of(1, 2, 3), 3, 1))).toThrow(ShapeError);
  });
  it('non-finite input: DomainError', () => {
    const bad = mat(Float64Array.of(1, Number.NaN, 0, 1), 2, 2);
    for (const f of [() => expmSym(bad), () => expm(bad), () => polar(bad), () => qr(bad)])
      expect(f).toThrow(DomainError);
  });
});

describe('domains', () => {
  it('logmSym and sqrtmSym need a positive definite symmetric part; powmSym with a fractional p too', () => {
    const A = mat(D([3, 3, 1, -2]), 4, 4);
    const e = thrown(() => logmSym(A)) as DomainError;
    expect(e).toBeInstanceOf(DomainError);
    expect(e.message).toMatch(/λ_0 = -(2|1\.99)/);
    expect(() => sqrtmSym(A)).toThrow(DomainError);
    expect(() => sqrtmSym(mat(D([3, 3, 1, 0]), 4, 4))).toThrow(DomainError);
    expect(() => powmSym(A, 0.5)).toThrow(DomainError);
    expect(() => powmSym(A, 3)).not.toThrow();
  });
  it('a user f that is not finite on the spectrum: DomainError naming the eigenvalue', () => {
    const A = mat(Float64Array.of(0, 0, 0, 1), 2, 2); // eigenvalues exactly 0 and 1
    const e = thrown(() =>
      symFunction(
        A,
        (x) => 1 / x,
        (x) => -1 / (x * x),
      ),
    );
    expect(e).toBeInstanceOf(DomainError);
    expect((e as DomainError).message).toMatch(/f\(λ_0 = 0\) = Infinity/);
  });
});

describe('clusters, rank, singularity', () => {
  const A = mat(D([3, 3, 1, 2]), 4, 4);
  it('a projector selection splitting the cluster {3, 3}: ClusterSplitError naming it', () => {
    const e = thrown(() => eigenProjector(A, [3])) as ClusterSplitError;
    expect(e).toBeInstanceOf(ClusterSplitError);
    expect(e).toBeInstanceOf(DomainError);
    expect(isWengertError(e)).toBe(true);
    expect(e.op).toBe('eigenProjector');
    expect(e.cluster).toEqual([2, 3]);
    expect(e.selected).toEqual([3]);
    expect(e.values[0]).toBeCloseTo(3, 12);
    expect(e.message).toMatch(/cluster \[2, 3\]/);
    expect(() => eigenProjector(A, (_l, i) => i === 2)).toThrow(ClusterSplitError);
    // a coarser clusterTol merges 1 and 2 as well: selecting 2 alone then splits that cluster
    expect(() => eigenProjector(A, [1], { clusterTol: 0.4 })).toThrow(ClusterSplitError);
  });
  it('polar of a singular matrix: RankDeficientError with the rank', () => {
    const S = mat(Float64Array.of(1, 2, 3, 2, 4, 6, 0, 1, 1), 3, 3);
    const e = thrown(() => polar(S)) as RankDeficientError;
    expect(e).toBeInstanceOf(RankDeficientError);
    expect(e.rank).toBe(2);
    expect(e.required).toBe(3);
  });
  it('lstsq and pinv of rank-deficient matrices: RankDeficientError naming the rank', () => {
    const R = mat(Float64Array.of(1, 2, 2, 4, 3, 6), 3, 2); // rank 1
    const e = thrown(() => lstsq(R, Float64Array.of(1, 2, 3))) as RankDeficientError;
    expect(e).toBeInstanceOf(RankDeficientError);
    expect(e.rank).toBe(1);
    expect(e.message).toMatch(/numerical rank 1/);
    expect(() => pinv(R)).toThrow(RankDeficientError);
  });
  it('the QR rules of a rank-deficient matrix: SingularMatrixError (R is singular)', () => {
    const R = Float64Array.of(1, 2, 2, 4, 3, 6);
    expect(() => grad((x: ActiveVec) => dot(qr(mat(x, 3, 2)).Q.data, R))(R)).toThrow(SingularMatrixError);
  });
  it('second derivatives of the nuclear norm at rank deficiency raise RankDeficientError', () => {
    const R = Float64Array.of(1, 2, 2, 4, 3, 6);
    const g = grad((x: ActiveVec) => normNuclear(mat(x, 3, 2)))(R);
    expect(g.every(Number.isFinite)).toBe(true);
    const v = Float64Array.of(1, 0, 0, 1, 0, 0);
    expect(() =>
      grad((y: ActiveVec) => dot(grad((x: ActiveVec) => normNuclear(mat(x, 3, 2)))(y as never) as never, v))(R),
    ).toThrow(RankDeficientError);
  });
  it('third order through a matrix function: MissingRuleError', () => {
    const f = (x: ActiveVec) => dot(expmSym(mat(x, 4, 4)).data, A.data);
    const h = (y: ActiveVec) => dot(grad(f)(y as never) as never, A.data);
    expect(() => grad((z: ActiveVec) => dot(grad(h)(z as never) as never, A.data))(A.data as Float64Array)).toThrow(
      MissingRuleError,
    );
  });
});
