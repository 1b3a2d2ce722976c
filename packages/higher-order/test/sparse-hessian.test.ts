import { type ActiveVec, add, exp, gather, mul, type Real, ShapeError, sin, square, sub, sum } from '@wengert/core';
import { type CsrMatrix, PlanMismatchError } from '@wengert/sparse';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hessian, prepareSparseHessian, SparseHessianPlan, sparseHessian } from '../src/index.js';

function dense(A: CsrMatrix): Float64Array {
  const D = new Float64Array(A.rows * A.cols);
  for (let i = 0; i < A.rows; i++)
    for (let k = A.rowPtr[i]!; k < A.rowPtr[i + 1]!; k++) D[i * A.cols + A.colIdx[k]!] = A.values[k]!;
  return D;
}

function expectClose(A: Float64Array, B: Float64Array, rtol: number): void {
  const scale = B.reduce((m, v) => Math.max(m, Math.abs(v)), 1e-300);
  expect(A.length).toBe(B.length);
  A.forEach((v, k) => {
    expect(Math.abs(v - B[k]!) / scale).toBeLessThanOrEqual(rtol);
    // Zeros off the pattern stay exact zeros.
    if (B[k] === 0) expect(Math.abs(v)).toBeLessThanOrEqual(rtol * scale);
  });
}

const rosenbrock = (x: ActiveVec): Real => {
  const n = x.length;
  const a = x.slice(0, n - 1);
  const t = sub(x.slice(1), mul(a, a));
  const u = sub(1, a);
  return sum(add(mul(100, mul(t, t)), mul(u, u)));
};

/** Σ exp(u_k) + Σ over grid edges u_i·u_j: its Hessian pattern is the 2D 5-point stencil. */
function gridEnergy(N: number): (u: ActiveVec) => Real {
  const right: number[] = [];
  const left: number[] = [];
  const down: number[] = [];
  const up: number[] = [];
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      if (j < N - 1) {
        left.push(i * N + j);
        right.push(i * N + j + 1);
      }
      if (i < N - 1) {
        up.push(i * N + j);
        down.push((i + 1) * N + j);
      }
    }
  }
  return (u) => {
    const h = sum(mul(gather(u, left), gather(u, right)));
    const v = sum(mul(gather(u, up), gather(u, down)));
    return add(add(h, v), sum(exp(mul(0.5, u))));
  };
}

describe('sparse Hessians', () => {
  it('Rosenbrock: tridiagonal pattern, 3 star colors, equal to the analytic Hessian', () => {
    const n = 40;
    const x = Float64Array.from({ length: n }, (_, i) => (i % 2 ? 1 : -1.2) + 0.01 * i);
    const sh = prepareSparseHessian(rosenbrock, x, { method: 'star' });
    expect(sh.plan.method).toBe('star');
    expect(sh.plan.count).toBe(3);
    // auto: an acyclic coloring needs only 2 colors here (substitution along the path).
    expect(prepareSparseHessian(rosenbrock, x).plan.count).toBe(2);
    const H = sh.hessian(x);
    expect(H.nnz).toBe(3 * n - 2);
    for (let i = 0; i < n; i++) {
      for (let k = H.rowPtr[i]!; k < H.rowPtr[i + 1]!; k++) {
        const j = H.colIdx[k]!;
        const ref =
          i === j
            ? (i < n - 1 ? 1200 * x[i]! ** 2 - 400 * x[i + 1]! + 2 : 0) + (i > 0 ? 200 : 0)
            : -400 * x[Math.min(i, j)]!;
        expect(Math.abs(H.values[k]! - ref)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(ref)));
      }
    }
  });

  it('arrowhead: 2 star colors', () => {
    const f = (x: ActiveVec): Real => add(mul(x.at(0), sum(x.slice(1))), sum(square(x)));
    const x = Float64Array.from({ length: 30 }, (_, i) => 0.1 * i);
    const sh = prepareSparseHessian(f, x);
    expect(sh.plan.count).toBe(2);
    expectClose(dense(sh.hessian(x)), hessian(f)(x).data, 1e-14);
  });

  it('2D 5-point: star 5 colors, acyclic at most 4 (and both recover the Hessian)', () => {
    const N = 12;
    const f = gridEnergy(N);
    const x = Float64Array.from({ length: N * N }, (_, k) => Math.sin(k));
    const ref = hessian(f)(x).data;
    const star = prepareSparseHessian(f, x, { method: 'star' });
    expect(star.plan.count).toBe(5);
    expectClose(dense(star.hessian(x)), ref, 1e-13);
    const acyclic = prepareSparseHessian(f, x, { method: 'acyclic' });
    expect(acyclic.plan.count).toBeLessThanOrEqual(4);
    expectClose(dense(acyclic.hessian(x)), ref, 1e-13);
    // auto takes the acyclic coloring when it saves colors.
    expect(prepareSparseHessian(f, x).plan.count).toBe(acyclic.plan.count);
  });

  it('equals the dense Hessian on random sparse functions (property), both methods, plan reused at a new point', () => {
    const prog = fc.record({
      n: fc.integer({ min: 2, max: 12 }),
      terms: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 2 })), { minLength: 1, maxLength: 10 }),
      seed: fc.integer({ min: 0, max: 1000 }),
    });
    fc.assert(
      fc.property(prog, fc.constantFrom('star', 'acyclic'), ({ n, terms, seed }, method) => {
        const f = (x: ActiveVec): Real => {
          let acc: Real = 0;
          for (const [i0, j0, kind] of terms) {
            const a = x.at(i0 % n);
            const b = x.at(j0 % n);
            acc = add(acc, kind === 0 ? mul(a, b) : kind === 1 ? sin(mul(a, b)) : exp(add(a, mul(0.5, b))));
          }
          return acc;
        };
        const x0 = Float64Array.from({ length: n }, (_, i) => 0.3 + ((i * 37 + seed) % 17) / 17);
        const x1 = x0.map((v) => v * 1.1 - 0.05);
        const sh = prepareSparseHessian(f, x0, { method: method as 'star' });
        expectClose(dense(sh.hessian(x1)), hessian(f)(x1).data, 1e-12);
      }),
      { numRuns: 60 },
    );
  });

  it('returns a triangle on request and writes in place', () => {
    const n = 10;
    const x = Float64Array.from({ length: n }, (_, i) => 0.5 + 0.1 * i);
    const full = sparseHessian(rosenbrock, x);
    const lower = prepareSparseHessian(rosenbrock, x, { triangle: 'lower' });
    const L = lower.hessian(x);
    expect(L.nnz).toBe(2 * n - 1);
    for (let i = 0; i < n; i++)
      for (let k = L.rowPtr[i]!; k < L.rowPtr[i + 1]!; k++) expect(L.colIdx[k]!).toBeLessThanOrEqual(i);
    expect(L.get(3, 2)).toBe(full.get(3, 2));
    expect(
      lower.hessian(
        x.map((v) => v + 0.1),
        L,
      ),
    ).toBe(L);
    const U = sparseHessian(rosenbrock, x, { triangle: 'upper' });
    expect(U.get(2, 3)).toBe(full.get(2, 3));
  });

  it('stores plans as JSON and refuses one made for another pattern', () => {
    const N = 6;
    const x = Float64Array.from({ length: N * N }, (_, k) => Math.cos(k));
    const sh = prepareSparseHessian(gridEnergy(N), x);
    const json = JSON.parse(JSON.stringify(sh.plan));
    const again = prepareSparseHessian(gridEnergy(N), x, { plan: json });
    expect(Array.from(again.hessian(x).values)).toEqual(Array.from(sh.hessian(x).values));
    expect(() => prepareSparseHessian(rosenbrock, x, { plan: json })).toThrow(PlanMismatchError);
    expect(() => SparseHessianPlan.fromJSON({ ...json, colors: json.colors.map(() => 0) })).toThrow(ShapeError);
  });

  it('rejects bad input with typed errors', () => {
    const x = new Float64Array(5).fill(0.5);
    expect(() => prepareSparseHessian((u: ActiveVec) => mul(u, 2), x)).toThrow(ShapeError);
    expect(() => prepareSparseHessian(rosenbrock, x, { method: 'greedy' as 'star' })).toThrow(ShapeError);
    expect(() => prepareSparseHessian(rosenbrock, x, { triangle: 'diagonal' as 'lower' })).toThrow(ShapeError);
    const sh = prepareSparseHessian(rosenbrock, x);
    expect(() => sh.hessian(new Float64Array(4))).toThrow(ShapeError);
    expect(() => sh.hessian(x, sparseHessian(rosenbrock, new Float64Array(6).fill(0.5)))).toThrow(ShapeError);
  });
});
