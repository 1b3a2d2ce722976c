import { DomainError, ShapeError } from '@wengert/core';
import { describe, expect, it } from 'vitest';
import { CsrMatrix } from '../src/matrix/index.js';
import { ilu0, SingularMatrixError, SparseLU } from '../src/solve/index.js';
import { backwardError, bratuJacobian, normInf, randomVector, relDiff, rng } from './support/matrix-support.js';

function tridiagonal(n: number, seed: number): CsrMatrix {
  const next = rng(seed);
  const ri: number[] = [];
  const ci: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < n; i++) {
    for (const j of [i - 1, i, i + 1]) {
      if (j < 0 || j >= n) continue;
      ri.push(i);
      ci.push(j);
      v.push(i === j ? 3 + next() : 2 * next() - 1);
    }
  }
  return CsrMatrix.fromCoo(n, n, ri, ci, v);
}

/** ‖b − A x‖₂ / ‖b‖₂ after `steps` (preconditioned) conjugate-gradient steps from x = 0. */
function cgResidual(A: CsrMatrix, b: Float64Array, steps: number, precond?: (r: Float64Array) => Float64Array): number {
  const n = b.length;
  const dot = (u: Float64Array, w: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += u[i]! * w[i]!;
    return s;
  };
  const x = new Float64Array(n);
  const r = b.slice();
  let z = precond ? precond(r) : r.slice();
  const p = z.slice();
  let rz = dot(r, z);
  for (let k = 0; k < steps; k++) {
    const ap = A.matvec(p);
    const alpha = rz / dot(p, ap);
    for (let i = 0; i < n; i++) {
      x[i]! += alpha * p[i]!;
      r[i]! -= alpha * ap[i]!;
    }
    z = precond ? precond(r) : r.slice();
    const rzNew = dot(r, z);
    for (let i = 0; i < n; i++) p[i] = z[i]! + (rzNew / rz) * p[i]!;
    rz = rzNew;
  }
  const res = A.matvec(x);
  for (let i = 0; i < n; i++) res[i] = b[i]! - res[i]!;
  return Math.sqrt(dot(res, res) / dot(b, b));
}

describe('ilu0', () => {
  it('is the exact LU on a tridiagonal matrix (no fill to drop)', () => {
    for (const n of [1, 2, 5, 40]) {
      const A = tridiagonal(n, n);
      const b = randomVector(n, rng(n + 1));
      const valuesBefore = A.values.slice();
      const z = ilu0(A).apply(b);
      expect(relDiff(z, SparseLU.factor(A).solve(b))).toBeLessThan(1e-12);
      expect(backwardError(A, z, b)).toBeLessThan(1e-15);
      expect(A.values).toEqual(valuesBefore);
    }
  });

  it('accelerates conjugate gradients on the Bratu Jacobian (N = 30)', () => {
    const A = bratuJacobian(30);
    const b = randomVector(A.rows, rng(5));
    const M = ilu0(A);
    const plain = cgResidual(A, b, 15);
    const preconditioned = cgResidual(A, b, 15, (r) => M.apply(r));
    expect(preconditioned).toBeLessThan(plain / 10);
    expect(preconditioned).toBeLessThan(1e-2);
  });

  it('refactor with new values equals a fresh ilu0, and apply works in place', () => {
    const A = bratuJacobian(12);
    const B = bratuJacobian(12, 2);
    const M = ilu0(A);
    M.refactor(B);
    const r = randomVector(A.rows, rng(9));
    const z = M.apply(r);
    expect(Array.from(z)).toEqual(Array.from(ilu0(B).apply(r)));
    const y = r.slice();
    expect(M.apply(y, y)).toBe(y);
    expect(Array.from(y)).toEqual(Array.from(z));
  });

  it('throws a ShapeError naming the row when a diagonal entry is missing from the pattern', () => {
    const A = CsrMatrix.fromCoo(3, 3, [0, 1, 1, 2], [0, 0, 2, 2], [1, 1, 1, 1]);
    expect(() => ilu0(A)).toThrow(ShapeError);
    expect(() => ilu0(A)).toThrow(/row 1/);
  });

  it('throws SingularMatrixError naming the row on a zero pivot, keeping previous factors on refactor', () => {
    // Row 1's pivot: 1 − (1·1)/1 = 0.
    const A = CsrMatrix.fromDense(3, 3, [1, 1, 0, 1, 1, 0, 0, 0, 1]);
    const e = (() => {
      try {
        ilu0(A);
      } catch (err) {
        return err as SingularMatrixError;
      }
    })();
    expect(e).toBeInstanceOf(SingularMatrixError);
    expect(e).toBeInstanceOf(DomainError);
    expect(e?.index).toBe(1);
    expect(e?.line).toBe('row');
    const good = new CsrMatrix(A.pattern, new Float64Array([2, 1, 1, 2, 1]));
    const M = ilu0(good);
    const r = new Float64Array([1, 2, 3]);
    const z = M.apply(r);
    expect(() => M.refactor(A)).toThrow(SingularMatrixError);
    expect(M.apply(r)).toEqual(z);
    expect(normInf(z)).toBeGreaterThan(0);
  });

  it('rejects bad input with typed errors', () => {
    expect(() => ilu0(CsrMatrix.fromDense(2, 3, [1, 0, 0, 0, 1, 0]))).toThrow(ShapeError);
    expect(() => ilu0(tridiagonal(3, 1).toCsc() as unknown as CsrMatrix)).toThrow(ShapeError);
    const A = tridiagonal(4, 2);
    const M = ilu0(A);
    expect(() => M.apply(new Float64Array(3))).toThrow(ShapeError);
    expect(() => M.apply(new Float64Array([0, Number.NaN, 0, 0]))).toThrow(/r\[1\]/);
    expect(() => M.refactor(tridiagonal(5, 2))).toThrow(ShapeError);
    expect(() => M.refactor(CsrMatrix.fromDense(4, 4, new Float64Array(16).fill(1)))).toThrow(ShapeError);
    const bad = A.values.slice();
    bad[3] = Number.POSITIVE_INFINITY;
    expect(() => ilu0(new CsrMatrix(A.pattern, bad))).toThrow(DomainError);
  });
});
