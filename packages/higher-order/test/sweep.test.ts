/**
 * The combined second-order sweep against core's nested forward-over-reverse (generic sweeps) on
 * programs that use every kind of instruction, and against analytic Hessians.
 */
import {
  type Active,
  type ActiveVec,
  add,
  concat,
  cos,
  defineAtomic,
  dot,
  exp,
  gather,
  grad,
  greater,
  jvp,
  log,
  MissingRuleError,
  maxOf,
  mul,
  type Plain,
  prod,
  type Real,
  scatterAdd,
  select,
  sin,
  square,
  sub,
  sum,
  type Value,
  type Vec,
} from '@wengert/core';
import { describe, expect, it } from 'vitest';
import { hessian, hvp, recordHessian } from '../src/index.js';

const nested = (f: (x: ActiveVec) => Real, x: Float64Array, v: Float64Array) =>
  jvp(grad(f) as never, x as never, v as never)[1] as unknown as Float64Array;

function maxRel(a: Float64Array, b: Float64Array): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  return d / Math.max(s, 1e-300);
}

const rosenScalar = (x: ActiveVec): Real => {
  let s: Real = 0;
  for (let i = 0; i < x.length - 1; i++) {
    const t = sub(x.at(i + 1), mul(x.at(i), x.at(i)));
    const u = sub(1, x.at(i));
    s = add(s, add(mul(100, mul(t, t)), mul(u, u)));
  }
  return s;
};
const rosenVector = (x: ActiveVec): Real => {
  const a = x.slice(0, -1);
  const t = sub(x.slice(1), mul(a, a));
  const u = sub(1, a);
  return sum(add(mul(100, mul(t, t)), mul(u, u)));
};

describe('hvp', () => {
  const n = 50;
  const x0 = Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? -1.2 : 1) + 0.01 * i);
  const v = Float64Array.from({ length: n }, (_, i) => 1 + 0.5 * ((i % 3) - 1));
  const analytic = (x: Float64Array, w: Float64Array) => {
    const r = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const hii = (i < n - 1 ? 1200 * x[i]! ** 2 - 400 * x[i + 1]! + 2 : 0) + (i > 0 ? 200 : 0);
      r[i] = hii * w[i]! + (i < n - 1 ? -400 * x[i]! * w[i + 1]! : 0) + (i > 0 ? -400 * x[i - 1]! * w[i - 1]! : 0);
    }
    return r;
  };
  it('Rosenbrock, scalar and vector forms, equals the analytic tridiagonal Hessian times v', () => {
    expect(maxRel(hvp(rosenScalar, x0, v), analytic(x0, v))).toBeLessThan(1e-14);
    expect(maxRel(hvp(rosenVector, x0, v), analytic(x0, v))).toBeLessThan(1e-14);
  });
  it('a program with every kind of instruction equals nested forward-over-reverse', () => {
    const idx = [2, 0, 1, 2, 3];
    const f = (x: ActiveVec): Real => {
      const a = sin(mul(x, x.at(0)));
      const b = exp(mul(0.3, x.slice(1, 4)));
      const c = concat([a.slice(0, 2), b, log(add(2, square(x.at(3))))]);
      const g = gather(c, idx);
      const s = scatterAdd(mul(g, g), [0, 1, 0, 2, 1], 4);
      const m = select(greater(x.slice(0, 4), 0.2), s, mul(s, cos(x.slice(0, 4))));
      return add(add(dot(m, x.slice(0, 4)), prod(add(1.5, x.slice(1, 4)))), mul(maxOf(x), sum(m)));
    };
    const x = Float64Array.of(0.3, -0.7, 1.1, 0.45, 0.9);
    for (const w of [Float64Array.of(1, 0, 0, 0, 0), Float64Array.of(0.3, -1, 2, 0.5, -0.25)]) {
      expect(maxRel(hvp(f, x, w), nested(f, x, w))).toBeLessThan(1e-13);
    }
  });
  it('dense Hessian of Rosenbrock n = 6 is the analytic one, zeros exact', () => {
    const x = Float64Array.of(-1.2, 1, 0.5, 2, -0.3, 0.7);
    const H = hessian(rosenScalar)(x);
    for (let i = 0; i < 6; i++) {
      for (let j = 0; j < 6; j++) {
        const want =
          i === j
            ? (i < 5 ? 1200 * x[i]! ** 2 - 400 * x[i + 1]! + 2 : 0) + (i > 0 ? 200 : 0)
            : Math.abs(i - j) === 1
              ? -400 * x[Math.min(i, j)]!
              : 0;
        expect(H.data[i * 6 + j]).toBeCloseTo(want, 10);
        if (want === 0) expect(H.data[i * 6 + j]).toBe(0);
      }
    }
  });
  it('recorded: hvp at a new point equals a fresh hvp there, bit for bit', () => {
    const F = recordHessian(rosenVector, x0);
    const x1 = x0.map((t, i) => t + 0.001 * ((i % 7) - 3));
    const a = F.hvp(x1, v);
    const b = hvp(rosenVector, x1, v);
    for (let i = 0; i < n; i++) expect(Object.is(a[i], b[i])).toBe(true);
  });
  it('an atomic with jvp and vjpGeneric works in HVPs: cube(x) has second derivative 6x', () => {
    const cube = defineAtomic({
      name: 'cube',
      value: (ins: readonly Plain[]) => ({ outputs: [(ins[0] as number) ** 3] }),
      jvp: (ins: readonly Plain[], _o: readonly Plain[], t: readonly Plain[]) => [
        3 * (ins[0] as number) ** 2 * (t[0] as number),
      ],
      vjp: (ins: readonly Plain[], _o: readonly Plain[], c: readonly Plain[]) => [
        3 * (ins[0] as number) ** 2 * (c[0] as number),
      ],
      vjpGeneric: (G, ins, _o, c) => [G.mul(G.mul(3, G.square(ins[0]!)), c[0]!)],
    });
    expect(hvp((x: Active) => mul(cube([x])[0] as Real, 2) as Real, 1.5, 0.5)).toBeCloseTo(2 * 6 * 1.5 * 0.5, 14);
  });
  it('an atomic without second-order rules raises MissingRuleError', () => {
    const twice = defineAtomic({
      name: 'twice',
      value: (ins: readonly Plain[]) => ({ outputs: [2 * (ins[0] as number)] }),
      vjp: (_i: readonly Plain[], _o: readonly Plain[], c: readonly Plain[]) => [2 * (c[0] as number)],
    });
    expect(() => hvp((x: Active) => twice([mul(x, x)])[0] as Real, 1.5, 1)).toThrow(MissingRuleError);
  });
});

export type { Value, Vec };

describe('recordHessian branch checks', () => {
  it('counts a recorded comparison that flips, and throws in strict mode', async () => {
    const { BranchChangeError, lt } = await import('@wengert/core');
    const f = (x: ActiveVec): Real => (lt(x.at(0), 0) ? mul(x.at(0), x.at(0)) : mul(3, mul(x.at(0), x.at(1))));
    const F = recordHessian(f, Float64Array.of(1, 2));
    F.hvp(Float64Array.of(2, 1), Float64Array.of(1, 0));
    expect(F.branchChanges).toBe(0);
    F.hvp(Float64Array.of(-1, 1), Float64Array.of(1, 0));
    expect(F.branchChanges).toBe(1);
    const S = recordHessian(f, Float64Array.of(1, 2), { strict: true });
    expect(() => S.hessian(Float64Array.of(-1, 1))).toThrow(BranchChangeError);
  });
});

describe('literals shared with core', () => {
  it("the second-order sweep's slot addressing (>>> 12, & 0xfff) matches core's chunk size", async () => {
    const { SLOT_SHIFT } = await import('@wengert/core/internals');
    expect(SLOT_SHIFT).toBe(12);
  });
});
