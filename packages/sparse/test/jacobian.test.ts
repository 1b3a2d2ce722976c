import {
  type ActiveVec,
  add,
  BranchChangeError,
  exp,
  jacfwd,
  jacobian,
  jacrev,
  lt,
  max,
  mul,
  type Real,
  ShapeError,
  sin,
  square,
  stack,
  sub,
} from '@wengert/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CsrMatrix,
  PlanMismatchError,
  prepareSparseJacobian,
  SparseJacobianPlan,
  SparsityProbeError,
  sparseJacobian,
} from '../src/index.js';
import { bratuJacobianEntry, bratuPoint, bratuScalar, bratuVector } from './support/bratu.js';

/** Dense row-major copy of a CSR matrix (zeros off the pattern). */
function dense(A: CsrMatrix): Float64Array {
  const D = new Float64Array(A.rows * A.cols);
  for (let i = 0; i < A.rows; i++)
    for (let k = A.rowPtr[i]!; k < A.rowPtr[i + 1]!; k++) D[i * A.cols + A.colIdx[k]!] = A.values[k]!;
  return D;
}

/** A random sparse program: output i mixes a few inputs through nonlinear ops (no cancellation). */
const programs = fc.record({
  n: fc.integer({ min: 1, max: 14 }),
  rows: fc.array(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 3 })), { minLength: 0, maxLength: 5 }), {
    minLength: 1,
    maxLength: 12,
  }),
  seed: fc.integer({ min: 1, max: 10_000 }),
});

function programOf(n: number, rows: readonly (readonly [number, number])[][]): (x: ActiveVec) => ActiveVec {
  return (x) =>
    stack(
      rows.map((terms) => {
        let acc: Real = 0.25;
        for (const [j0, kind] of terms) {
          const xj = x.at(j0 % n);
          const term = kind === 0 ? sin(xj) : kind === 1 ? square(xj) : kind === 2 ? exp(xj) : mul(xj, -1.5);
          acc = kind === 3 ? add(acc, term) : mul(add(acc, 2), term);
        }
        return acc;
      }),
    ) as ActiveVec;
}

function pointOf(n: number, seed: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => 0.2 + ((i * 7919 + seed * 31) % 101) / 101);
}

describe('sparseJacobian', () => {
  it('gives the Bratu Jacobian exactly (5 colors, nnz 5N² − 4N), vector and scalar forms', () => {
    for (const N of [3, 10]) {
      const u = bratuPoint(N);
      for (const f of [bratuVector(N), bratuScalar(N)]) {
        const sj = prepareSparseJacobian(f, u);
        expect(sj.plan.mode).toBe('forward');
        expect(sj.plan.colCount).toBe(N === 3 ? sj.plan.colCount : 5);
        const A = sj.jacobian(u);
        expect(A.nnz).toBe(5 * N * N - 4 * N);
        let worst = 0;
        for (let i = 0; i < A.rows; i++) {
          for (let k = A.rowPtr[i]!; k < A.rowPtr[i + 1]!; k++) {
            const ref = bratuJacobianEntry(N, u, i, A.colIdx[k]!);
            worst = Math.max(worst, Math.abs(A.values[k]! - ref) / Math.abs(ref));
          }
        }
        expect(worst).toBeLessThan(1e-14);
      }
    }
  });

  it('equals the dense AD Jacobian entry by entry on random sparse functions, in every mode (property)', () => {
    // Forward compression gives exactly jacfwd's numbers (every output row sees one column per
    // color), reverse exactly jacrev's; a bicoloring mixes both, so it is compared to 1e-13.
    fc.assert(
      fc.property(
        programs,
        fc.constantFrom('auto', 'forward', 'reverse', 'bidirectional'),
        ({ n, rows, seed }, mode) => {
          const f = programOf(n, rows);
          const x = pointOf(n, seed);
          const sj = prepareSparseJacobian(f, x, { mode: mode as 'auto' });
          const A = dense(sj.jacobian(x));
          const used = sj.plan.mode;
          if (used === 'bidirectional') {
            const J = jacfwd(f)(x).data;
            const scale = J.reduce((m, v) => Math.max(m, Math.abs(v)), 1e-300);
            A.forEach((v, k) => {
              expect(Math.abs(v - J[k]!) / scale).toBeLessThan(1e-13);
              if (J[k] === 0) expect(v).toBe(0);
            });
          } else {
            const J = (used === 'forward' ? jacfwd(f) : jacrev(f))(x);
            expect(Array.from(A)).toEqual(Array.from(J.data));
          }
        },
      ),
      { numRuns: 80 },
    );
  });

  it('reuses the plan at new points, writes in place, and leaves the inputs alone', () => {
    fc.assert(
      fc.property(programs, ({ n, rows, seed }) => {
        const f = programOf(n, rows);
        const sj = prepareSparseJacobian(f, pointOf(n, seed));
        const x1 = pointOf(n, seed + 17);
        const copy = x1.slice();
        const A = sj.jacobian(x1);
        const ref = sj.plan.mode === 'forward' ? jacfwd(f) : jacrev(f);
        // A bicoloring mixes forward and reverse sweeps: equal to rounding, not bit for bit ('auto'
        // picks it for some patterns; a random seed found one).
        const same = (got: Float64Array, want: Float64Array) => {
          if (sj.plan.mode !== 'bidirectional') return expect(Array.from(got)).toEqual(Array.from(want));
          const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 1e-300);
          got.forEach((v, k) => {
            expect(Math.abs(v - want[k]!) / scale).toBeLessThan(1e-13);
          });
        };
        same(dense(A), ref(x1).data);
        const x2 = pointOf(n, seed + 99);
        const B = sj.jacobian(x2, A);
        expect(B).toBe(A);
        same(dense(B), ref(x2).data);
        expect(Array.from(x1)).toEqual(Array.from(copy));
      }),
      { numRuns: 40 },
    );
  });

  it('compiled kernels (the default for prepared Jacobians) give the interpreter numbers bit for bit', () => {
    const N = 12;
    const u0 = bratuPoint(N);
    const u1 = bratuPoint(N, 1.5);
    for (const mode of ['forward', 'reverse'] as const) {
      const fast = prepareSparseJacobian(bratuVector(N), u0, { mode });
      const slow = prepareSparseJacobian(bratuVector(N), u0, { mode, compile: false });
      expect(fast.compiled).toBe(true);
      expect(slow.compiled).toBe(false);
      const a = fast.jacobian(u1).values;
      const b = slow.jacobian(u1).values;
      for (let k = 0; k < a.length; k++) expect(Object.is(a[k], b[k])).toBe(true);
      expect(Array.from(fast.value(u1))).toEqual(Array.from(slow.value(u1)));
    }
    // A one-shot Jacobian of vector code compiles too (its single sweep gains): same bits.
    const once = sparseJacobian(bratuVector(N), u1).values;
    const ref = prepareSparseJacobian(bratuVector(N), u1, { compile: false }).jacobian(u1).values;
    for (let k = 0; k < ref.length; k++) expect(Object.is(once[k], ref[k])).toBe(true);
  });

  it('decompresses into CSC, COO and dense too, in place on request', () => {
    const N = 5;
    const sj = prepareSparseJacobian(bratuVector(N), bratuPoint(N));
    const u1 = bratuPoint(N, 1.5);
    const A = sj.jacobian(u1);
    const C = sj.jacobianCsc(u1);
    expect(Array.from(C.toDense())).toEqual(Array.from(A.toDense()));
    expect(Array.from(C.values)).toEqual(Array.from(A.toCsc().values));
    const coo = sj.jacobianCoo(u1);
    expect(Array.from(coo.values)).toEqual(Array.from(A.values));
    expect(Array.from(coo.rowIndex)).toEqual(Array.from(A.toCoo().rowIndex));
    const D = sj.jacobianDense(u1);
    expect(Array.from(D)).toEqual(Array.from(A.toDense()));
    // In place at another point: the same objects, the new values.
    const u2 = bratuPoint(N, 0.5);
    const A2 = sj.jacobian(u2);
    expect(sj.jacobianCsc(u2, C)).toBe(C);
    expect(Array.from(C.toDense())).toEqual(Array.from(A2.toDense()));
    expect(sj.jacobianCoo(u2, coo)).toBe(coo);
    expect(Array.from(coo.values)).toEqual(Array.from(A2.values));
    expect(sj.jacobianDense(u2, D)).toBe(D);
    expect(Array.from(D)).toEqual(Array.from(A2.toDense()));
    // Outputs that are not this object's are refused.
    expect(() => sj.jacobianCsc(u2, A.toCsc())).toThrow(ShapeError);
    expect(() => sj.jacobianDense(u2, new Float64Array(3))).toThrow(ShapeError);
    expect(() => sj.jacobianCoo(u2, A.toCoo())).toThrow(ShapeError);
  });

  it('keeps structural entries whose value is zero at the point', () => {
    const f = (x: ActiveVec): ActiveVec => stack([mul(x.at(0), x.at(1)), x.at(2)]) as ActiveVec;
    const A = sparseJacobian(f, Float64Array.of(1, 0, 3));
    expect(A.nnz).toBe(3);
    expect(Array.from(A.values)).toEqual([0, 1, 1]);
  });

  it('stores plans as JSON and checks them against the function they are used with', () => {
    const N = 6;
    const u = bratuPoint(N);
    const sj = prepareSparseJacobian(bratuVector(N), u);
    const json = JSON.parse(JSON.stringify(sj.plan));
    const again = prepareSparseJacobian(bratuScalar(N), u, { plan: json });
    expect(Array.from(again.jacobian(u).values)).toEqual(Array.from(sj.jacobian(u).values));
    // Another function (a 3-point stencil) with the same number of unknowns.
    const other = (x: ActiveVec): ActiveVec => sub(mul(2, x.slice(1)), x.slice(0, -1)) as ActiveVec;
    expect(() => prepareSparseJacobian(other, u, { plan: json })).toThrow(PlanMismatchError);
    // A tampered plan is refused before use.
    expect(() => SparseJacobianPlan.fromJSON({ ...json, fingerprint: '0000000000000000' })).toThrow(PlanMismatchError);
    const bad = { ...json, colColors: json.colColors.map(() => 0) };
    expect(() => SparseJacobianPlan.fromJSON(bad)).toThrow(ShapeError);
    expect(() => SparseJacobianPlan.fromJSON({ format: 'x' })).toThrow(ShapeError);
  });

  it('probe: a local pattern used where another branch is taken throws instead of returning a wrong J', () => {
    const f = (x: ActiveVec): ActiveVec =>
      stack([mul(max(x.at(0), x.at(1)), x.at(2)), add(x.at(1), x.at(2))]) as ActiveVec;
    const sj = prepareSparseJacobian(f, Float64Array.of(2, 1, 3), { pattern: 'local' });
    expect(sj.plan.patternKind).toBe('local');
    expect(() => sj.jacobian(Float64Array.of(2, 1.5, 3))).not.toThrow();
    expect(() => sj.jacobian(Float64Array.of(1, 2, 3))).toThrow(SparsityProbeError);
    // The global pattern covers both branches.
    const g = prepareSparseJacobian(f, Float64Array.of(2, 1, 3));
    expect(Array.from(dense(g.jacobian(Float64Array.of(1, 2, 3))))).toEqual(
      Array.from(jacobian(f)(Float64Array.of(1, 2, 3)).data),
    );
    // Reverse-mode probe too.
    const r = prepareSparseJacobian(f, Float64Array.of(2, 1, 3), { pattern: 'local', mode: 'reverse' });
    expect(() => r.jacobian(Float64Array.of(1, 2, 3))).toThrow(SparsityProbeError);
  });

  it('local patterns with recorded comparisons: a flipped branch is a BranchChangeError', () => {
    const f = (x: ActiveVec): ActiveVec => stack([lt(0, x.at(0)) ? square(x.at(1)) : x.at(2)]) as ActiveVec;
    const sj = prepareSparseJacobian(f, Float64Array.of(1, 2, 3), { pattern: 'local' });
    expect(Array.from(sj.jacobian(Float64Array.of(2, 3, 4)).values)).toEqual([6]);
    expect(() => sj.jacobian(Float64Array.of(-1, 3, 4))).toThrow(BranchChangeError);
  });

  it('rejects bad input with typed errors', () => {
    const sj = prepareSparseJacobian(bratuVector(3), bratuPoint(3));
    expect(() => sj.jacobian(new Float64Array(8))).toThrow(ShapeError);
    expect(() => sj.jacobian(bratuPoint(3), sparseJacobian(bratuVector(2), bratuPoint(2)))).toThrow(ShapeError);
    expect(() => prepareSparseJacobian(bratuVector(3), bratuPoint(3), { mode: 'sideways' as 'auto' })).toThrow(
      ShapeError,
    );
    expect(() => prepareSparseJacobian(bratuVector(3), [1, 2] as unknown as Float64Array)).toThrow(ShapeError);
    expect(() => prepareSparseJacobian(bratuVector(3), bratuPoint(3), { pattern: 'nearby' as 'local' })).toThrow(
      ShapeError,
    );
  });
});
