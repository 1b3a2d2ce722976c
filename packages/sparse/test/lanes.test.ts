/**
 * Element Jacobians (core's lane kernel) behind prepared forward-mode Jacobians of stencil-shaped
 * vector code: used when every input access of a row is in the pattern and no two share a column,
 * and then bit for bit the compressed sweep's numbers (which are jacfwd's). Random stencils with
 * zero padding, any of core's elementwise ops, and points where some partials are not finite (the
 * kernel hands over to the compressed sweep) are compared with `compile: false` — the interpreter.
 */
import {
  type ActiveVec,
  add,
  concat,
  div,
  exp,
  gather,
  jacfwd,
  log,
  mul,
  sin,
  sqrt,
  square,
  sub,
  type Value,
} from '@wengert/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CsrMatrix, prepareSparseJacobian, sparseJacobian } from '../src/index.js';
import { bratuPoint, bratuVector } from './support/bratu.js';

function expectSameBits(a: Float64Array, b: Float64Array): void {
  expect(a.length).toBe(b.length);
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) expect([k, a[k]]).toEqual([k, b[k]]);
}

function dense(A: CsrMatrix): Float64Array {
  const D = new Float64Array(A.rows * A.cols);
  for (let i = 0; i < A.rows; i++)
    for (let k = A.rowPtr[i]!; k < A.rowPtr[i + 1]!; k++) D[i * A.cols + A.colIdx[k]!] = A.values[k]!;
  return D;
}

const UNARY = [exp, sin, square, sqrt, log] as const;
const BINARY = [add, sub, mul, div] as const;

/** A random stencil: n inputs, k neighbour offsets (zero padding at the ends), a few ops per element. */
const stencils = fc.record({
  n: fc.integer({ min: 2, max: 40 }),
  offsets: fc.uniqueArray(fc.integer({ min: -4, max: 4 }), { minLength: 1, maxLength: 4 }),
  ops: fc.array(fc.tuple(fc.nat(7), fc.nat(7), fc.nat(3)), { minLength: 1, maxLength: 8 }),
  seed: fc.integer({ min: 1, max: 10_000 }),
  pad: fc.constantFrom(0, 0.5, -2),
});

function stencilOf(
  n: number,
  offsets: readonly number[],
  ops: readonly (readonly [number, number, number])[],
  pad: number,
): (x: ActiveVec) => ActiveVec {
  const idx = offsets.map((o) => Int32Array.from({ length: n }, (_, i) => (i + o >= 0 && i + o < n ? i + o : n)));
  return (x) => {
    const padded = concat([x, Float64Array.of(pad)]);
    const pool: Value[] = [x, ...idx.map((ix) => gather(padded, ix))];
    for (const [a, b, kind] of ops) {
      const u = pool[a % pool.length]!;
      const v = pool[b % pool.length]!;
      pool.push(
        kind === 0 ? UNARY[b % UNARY.length]!(u) : BINARY[(a + kind) % BINARY.length]!(u, kind === 3 ? 1.5 : v),
      );
    }
    // The output is made by an instruction of the run (never x itself).
    return mul(pool[pool.length - 1]!, 1) as ActiveVec;
  };
}

const pointOf = (n: number, seed: number, scale = 1): Float64Array =>
  Float64Array.from({ length: n }, (_, i) => scale * (0.1 + ((i * 7919 + seed * 31) % 97) / 97));

describe('element Jacobians (lane kernel)', () => {
  it('run the Bratu Jacobian in one pass, bit for bit the interpreter’s, at several points', () => {
    const N = 12;
    const sj = prepareSparseJacobian(bratuVector(N), bratuPoint(N));
    const ref = prepareSparseJacobian(bratuVector(N), bratuPoint(N), { compile: false });
    expect(sj.elementJacobian).toBe(true);
    expect(ref.elementJacobian).toBe(false);
    for (const s of [1.5, 0.5, -3]) {
      const u = bratuPoint(N, s);
      const A = sj.jacobian(u);
      expectSameBits(A.values, ref.jacobian(u).values);
      // The other sweeps after a lane kernel (stale concatenations and saved values are replayed first).
      expectSameBits(sj.value(u), ref.value(u));
      expectSameBits(sj.jacobianCsc(u).values, ref.jacobianCsc(u).values);
      expectSameBits(sj.jacobianDense(u), ref.jacobianDense(u));
    }
    // One-shot (the compressed sweep on the recorded tape): the same bits.
    expectSameBits(sparseJacobian(bratuVector(N), bratuPoint(N, 2)).values, ref.jacobian(bratuPoint(N, 2)).values);
  });

  it('equal the interpreter’s compressed Jacobian on random stencils (property)', () => {
    let used = 0;
    let total = 0;
    fc.assert(
      fc.property(stencils, ({ n, offsets, ops, seed, pad }) => {
        const f = stencilOf(n, offsets, ops, pad);
        const x0 = pointOf(n, seed);
        const sj = prepareSparseJacobian(f, x0, { mode: 'forward' });
        const ref = prepareSparseJacobian(f, x0, { mode: 'forward', compile: false });
        total++;
        if (sj.elementJacobian) used++;
        // Points where sqrt and log see negative numbers: NaN values, non-finite partials.
        for (const x of [pointOf(n, seed + 1), pointOf(n, seed + 2, -1), x0]) {
          expectSameBits(sj.jacobian(x).values, ref.jacobian(x).values);
          expectSameBits(sj.value(x), ref.value(x));
        }
        expectSameBits(dense(sj.jacobian(x0)), jacfwd(f)(x0).data);
      }),
      { numRuns: 150 },
    );
    // Not vacuous: most random stencils take the lane kernel.
    expect(used).toBeGreaterThan(total / 2);
  });

  it('are not used where two accesses of a row read one column, or in reverse mode', () => {
    const n = 6;
    const same = Int32Array.from({ length: n }, (_, i) => i);
    const f = (x: ActiveVec) => mul(add(x, gather(x, same)), exp(x)) as ActiveVec;
    const x0 = pointOf(n, 3);
    const sj = prepareSparseJacobian(f, x0);
    expect(sj.elementJacobian).toBe(false);
    expectSameBits(dense(sj.jacobian(x0)), jacfwd(f)(x0).data);
    const g = bratuVector(5);
    expect(prepareSparseJacobian(g, bratuPoint(5), { mode: 'reverse' }).elementJacobian).toBe(false);
  });

  it('hand over to the compressed sweep when a partial is not finite', () => {
    // 1/b at b = 0 (a gathered padding zero) makes div's partials infinite with a dynamic tangent.
    const n = 5;
    const left = Int32Array.from({ length: n }, (_, i) => (i > 0 ? i - 1 : n));
    const f = (x: ActiveVec) => {
      const l = gather(concat([x, Float64Array.of(0)]), left);
      return div(sub(x, 1), add(mul(l, x), 0)) as ActiveVec;
    };
    const x0 = pointOf(n, 5);
    const sj = prepareSparseJacobian(f, x0);
    const ref = prepareSparseJacobian(f, x0, { compile: false });
    expect(sj.elementJacobian).toBe(true);
    const x = Float64Array.of(0, 1, 2, 0, 3);
    expectSameBits(sj.jacobian(x).values, ref.jacobian(x).values);
    expectSameBits(sj.value(x), ref.value(x));
  });
});
