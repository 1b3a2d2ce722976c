/**
 * recordHessian: record once, then values, gradients, HVPs and Hessians at new points by replaying
 * the tape. For functions without data-dependent branches, an HVP on the recorded function must be
 * bit for bit the HVP of a fresh recording at the new point (same instructions, same sweeps), and
 * value and gradient must agree with core's transforms.
 */
import {
  type ActiveVec,
  add,
  cos,
  dot,
  exp,
  gather,
  grad,
  greater,
  log,
  maxOf,
  mul,
  prod,
  type Real,
  scatterAdd,
  select,
  sin,
  square,
  sum,
  valueAndGrad,
} from '@wengert/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hessian, hvp, recordHessian } from '../src/index.js';
import { expectBitwise, expectNormwise, expectWithin, maxAbs, vecArb } from './support/numeric.js';
import {
  programArb,
  programFn,
  rosenbrockHvp,
  rosenbrockScalar,
  rosenbrockStart,
  rosenbrockVector,
} from './support/programs.js';

const SEED = 0x7ec0;
const runs = (numRuns: number) => ({ numRuns, seed: SEED, endOnFailure: true });

/** Value and gradient through a replay vs a fresh recording: the same operations, so equal up to rounding at most. */
const FIRST_ORDER_RTOL = 1e-14;

function expectRecordedMatches(f: (x: ActiveVec) => Real, x0: Float64Array, points: readonly Float64Array[]) {
  const n = x0.length;
  const F = recordHessian(f, x0);
  expect(F.inputLength).toBe(n);
  for (const x of points) {
    const v = Float64Array.from({ length: n }, (_, i) => Math.sin(1.7 * i + x[0]!));
    const w = Float64Array.from({ length: n }, (_, i) => Math.cos(0.3 * i - x[n - 1]!));
    expectBitwise(F.hvp(x, v), hvp(f, x, v), 'F.hvp(x, v) vs hvp(f, x, v)');
    const many = F.hvp(x, [v, w]);
    expect(many.length).toBe(2);
    expectBitwise(many[0]!, hvp(f, x, v), 'F.hvp(x, [v, w])[0]');
    expectBitwise(many[1]!, hvp(f, x, w), 'F.hvp(x, [v, w])[1]');

    const [val, g] = valueAndGrad(f)(x);
    expectWithin(F.value(x), val, FIRST_ORDER_RTOL * Math.max(1, Math.abs(val)), 'F.value(x)');
    expectNormwise(F.gradient(x), g, FIRST_ORDER_RTOL, 1, 'F.gradient(x) vs valueAndGrad');
    expectNormwise(F.gradient(x), grad(f)(x), FIRST_ORDER_RTOL, 1, 'F.gradient(x) vs grad');

    const H = F.hessian(x);
    expect([H.rows, H.cols]).toEqual([n, n]);
    expectBitwise(H.data, hessian(f)(x).data, 'F.hessian(x) vs hessian(f)(x)');
    // Relative to max(|H|, 1): entries that nearly cancel carry rounding of the O(1) terms they come from.
    const scale = Math.max(maxAbs(H.data), 1);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        expectWithin(H.data[i * n + j]!, H.data[j * n + i]!, 1e-12 * scale, `symmetry (${i}, ${j})`);
      }
    }
  }
  return F;
}

/** Branch-free programs that use every kind of instruction (selects re-evaluate their masks on replay). */
const everything = (x: ActiveVec): Real => {
  const a = sin(mul(x, x.at(0)));
  const b = exp(mul(0.3, x.slice(1, 4)));
  const g = gather(add(a, (b as ActiveVec).at(1)), [2, 0, 1, 2, 3, 4]);
  const s = scatterAdd(mul(g, g), [0, 1, 0, 2, 1, 3], 4);
  const m = select(greater(x.slice(0, 4), 0.2), s, mul(s, cos(x.slice(0, 4))));
  return add(
    add(dot(m, x.slice(1, 5)), prod(add(1.5, square(x.slice(1, 4))))),
    mul(maxOf(x), log(add(1, sum(square(m))))),
  );
};

describe('recordHessian', () => {
  it('Rosenbrock n = 1000 (scalar loop and vector ops): replays match fresh HVPs bit for bit and the analytic Hessian', () => {
    const n = 1000;
    const x0 = rosenbrockStart(n);
    const v = Float64Array.from({ length: n }, (_, i) => 1 + 0.5 * ((i % 3) - 1));
    const x1 = x0.map((t, i) => t + 0.01 * ((i % 7) - 3));
    for (const f of [rosenbrockScalar, rosenbrockVector]) {
      const F = recordHessian(f, x0);
      const got = F.hvp(x1, v);
      expectBitwise(got, hvp(f, x1, v), 'F.hvp(x1, v)');
      const { hv, scale } = rosenbrockHvp(x1, v);
      for (let i = 0; i < n; i++) expectWithin(got[i]!, hv[i]!, 1e-13 * scale[i]!, `Hv[${i}]`);
      // Back at x0: the recording point again.
      expectBitwise(F.hvp(x0, v), hvp(f, x0, v), 'F.hvp(x0, v)');
      expect(F.stats().instructions).toBeGreaterThan(0);
    }
  });

  it('a program with every instruction kind, at several points', () => {
    const x0 = Float64Array.of(0.3, -0.7, 1.1, 0.45, 0.9);
    const points = [x0, Float64Array.of(0.35, -0.6, 1.0, 0.5, 0.8), Float64Array.of(-0.4, 0.9, 0.1, -1.3, 0.6)];
    expectRecordedMatches(everything, x0, points);
  });

  const cases = programArb.chain((p) => fc.tuple(fc.constant(p), vecArb(p.n, -1.5, 1.5), vecArb(p.n, -1.5, 1.5)));

  it('random branch-free programs, recorded at x0 and replayed at x1', () => {
    fc.assert(
      fc.property(cases, ([p, x0, x1]) => {
        expectRecordedMatches(programFn(p, true), x0, [x1, x0]);
      }),
      runs(60),
    );
  });

  it('programs with logSumExp (its shift is a constant of the recording point) replay to rounding', () => {
    fc.assert(
      fc.property(cases, ([p, x0, x1]) => {
        const f = programFn(p);
        const F = recordHessian(f, x0);
        const v = Float64Array.from({ length: p.n }, (_, i) => Math.sin(1.7 * i + x1[0]!));
        // Relative to max(|reference|, 1): where the Hessian vanishes (logSumExp of one element is
        // linear) the shifted replay leaves rounding residue of size ε.
        expectNormwise(F.hvp(x1, v), hvp(f, x1, v), 1e-12, 1, 'F.hvp(x1, v)');
        expectNormwise(F.hessian(x1).data, hessian(f)(x1).data, 1e-12, 1, 'F.hessian(x1)');
      }),
      runs(60),
    );
  });

  it('results do not depend on the order of calls (no state left between evaluations)', () => {
    const x0 = Float64Array.of(0.3, -0.7, 1.1, 0.45, 0.9);
    const x1 = Float64Array.of(0.35, -0.6, 1.0, 0.5, 0.8);
    const x2 = Float64Array.of(-0.4, 0.9, 0.1, -1.3, 0.6);
    const v = Float64Array.of(1, -0.5, 0.25, 2, -1);
    const F = recordHessian(everything, x0);
    const first = F.hvp(x1, v);
    const g1 = F.gradient(x1);
    F.hessian(x2);
    F.value(x0);
    F.hvp(x2, [v, v]);
    expectBitwise(F.hvp(x1, v), first, 'hvp(x1) after other calls');
    expectBitwise(F.gradient(x1), g1, 'gradient(x1) after other calls');
    // Results are fresh arrays, not views into the tape.
    first[0] = 12345;
    expect(F.hvp(x1, v)[0]).not.toBe(12345);
  });

  it('returned arrays are owned by the caller: mutating one changes nothing else', () => {
    const x0 = Float64Array.of(0.3, -0.7, 1.1, 0.45, 0.9);
    const v = Float64Array.of(1, -0.5, 0.25, 2, -1);
    const F = recordHessian(everything, x0);
    const h = F.hvp(x0, v);
    const g = F.gradient(x0);
    const H = F.hessian(x0);
    const keep = [h.slice(), g.slice(), H.data.slice()];
    h.fill(7);
    g.fill(7);
    H.data.fill(7);
    expectBitwise(F.hvp(x0, v), keep[0]!, 'hvp');
    expectBitwise(F.gradient(x0), keep[1]!, 'gradient');
    expectBitwise(F.hessian(x0).data, keep[2]!, 'hessian');
  });
});
