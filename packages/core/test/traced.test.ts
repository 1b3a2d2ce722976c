/**
 * Traced transforms (`grad(f, { compile: true })` and siblings): f is recorded once per input
 * shape and extra arguments and replayed through compiled kernels; the numbers are bit for bit the
 * untraced transform's; a flipped recorded comparison, a new length or new extra arguments
 * re-trace; nested calls are not traced; bad options are typed errors.
 */
import { describe, expect, it } from 'vitest';
import {
  type Active,
  type ActiveVec,
  add,
  exp,
  grad,
  jacfwd,
  jacobian,
  jacrev,
  lt,
  mul,
  type Real,
  ShapeError,
  sin,
  sub,
  sum,
  type Vec,
  valueAndGrad,
} from '../src/index.js';
import { expectBitwise } from './support/numeric.js';

function counted<A extends unknown[], R>(f: (...a: A) => R): { f: (...a: A) => R; calls: () => number } {
  let n = 0;
  return {
    f: (...a: A) => {
      n++;
      return f(...a);
    },
    calls: () => n,
  };
}

const rosen = (x: ActiveVec): Real => {
  const a = x.slice(0, -1);
  const t = sub(x.slice(1), mul(a, a));
  const u = sub(1, a);
  return sum(add(mul(100, mul(t, t)), mul(u, u)) as Vec);
};

const point = (n: number, s: number) => Float64Array.from({ length: n }, (_, i) => Math.sin(i * 1.3 + s));

describe('traced transforms ({ compile: true })', () => {
  it('record once per input length and give the untraced numbers bit for bit', () => {
    const c = counted(rosen);
    const g = grad(c.f, { compile: true });
    const ref = grad(rosen);
    for (const s of [0, 1, 2]) expectBitwise(g(point(30, s)), ref(point(30, s)));
    expect(c.calls()).toBe(1);
    expectBitwise(g(point(12, 5)), ref(point(12, 5)));
    expect(c.calls()).toBe(2);
    const vg = valueAndGrad(rosen, { compile: true });
    const [v, gv] = vg(point(30, 7));
    const [rv, rg] = valueAndGrad(rosen)(point(30, 7));
    expect(Object.is(v, rv)).toBe(true);
    expectBitwise(gv, rg);
  });

  it('re-trace where a recorded comparison goes the other way', () => {
    const f = (x: ActiveVec): Real => (lt(x.at(0), 0) ? rosen(x) : mul(sum(exp(x) as Vec), 3));
    const c = counted(f);
    const g = grad(c.f, { compile: true });
    const neg = point(8, 4).map((v) => -Math.abs(v) - 0.1);
    const pos = neg.map((v) => -v);
    expectBitwise(g(neg), grad(f)(neg));
    expectBitwise(g(pos), grad(f)(pos));
    expect(c.calls()).toBe(2);
    expectBitwise(g(pos.map((v) => v * 1.5)), grad(f)(pos.map((v) => v * 1.5)));
    expect(c.calls()).toBe(2);
    expectBitwise(g(neg), grad(f)(neg));
    expect(c.calls()).toBe(3);
  });

  it('treat extra arguments as constants of the trace (arrays by content, a change re-traces)', () => {
    const f = (x: ActiveVec, w: Float64Array, k: number): Real => mul(sum(mul(sin(x), w) as Vec), k);
    const c = counted(f);
    const g = grad(c.f, { compile: true });
    const x = point(5, 1);
    const w = Float64Array.of(1, 2, 3, 4, 5);
    expectBitwise(g(x, w, 2), grad(f)(x, w, 2));
    expectBitwise(g(x, w.slice(), 2), grad(f)(x, w, 2));
    expect(c.calls()).toBe(1);
    w[2] = -7; // the caller changes its array: the trace kept a copy, sees the change, re-traces
    expectBitwise(g(x, w, 2), grad(f)(x, w, 2));
    expect(c.calls()).toBe(2);
    expectBitwise(g(x, w, 3), grad(f)(x, w, 3));
    expect(c.calls()).toBe(3);
  });

  it('Jacobians (auto, forward, reverse) and scalar inputs', () => {
    const F = (x: ActiveVec): Vec => mul(exp(x), sub(x.slice(0), 2));
    const x = point(6, 2);
    for (const [traced, plain] of [
      [jacobian(F, { compile: true }), jacobian(F)],
      [jacfwd(F, { compile: true }), jacfwd(F)],
      [jacrev(F, { compile: true }), jacrev(F)],
    ] as const) {
      expectBitwise(traced(x).data, plain(x).data);
      expectBitwise(traced(point(6, 3)).data, plain(point(6, 3)).data);
    }
    const h = (t: Active): Real => mul(sin(t), exp(t));
    const gh = grad(h, { compile: true });
    expect(Object.is(gh(0.7), grad(h)(0.7))).toBe(true);
    expect(Object.is(gh(-2), grad(h)(-2))).toBe(true);
  });

  it('are not traced inside another differentiation (active inputs): second order stays right', () => {
    const inner = grad(rosen, { compile: true });
    const H = jacfwd((x: ActiveVec) => inner(x) as Vec);
    const Href = jacfwd((x: ActiveVec) => grad(rosen)(x) as Vec);
    expectBitwise(H(point(7, 1)).data, Href(point(7, 1)).data);
  });

  it('name the transform in errors about x (a non-finite entry, a wrong length)', () => {
    const g = grad(rosen, { compile: true });
    g(point(6, 0));
    const bad = point(6, 0);
    bad[3] = Number.NaN;
    expect(() => g(bad)).toThrow(/^grad: x\[3\]/);
    const J = jacobian((x: ActiveVec) => exp(x), { compile: true });
    J(point(4, 0));
    const inf = point(4, 0);
    inf[1] = Number.POSITIVE_INFINITY;
    expect(() => J(inf)).toThrow(/^jacobian: x\[1\]/);
  });

  it('reject bad options and non-scalar results with typed errors', () => {
    expect(() => grad(rosen, 5 as never)).toThrow(ShapeError);
    expect(() => grad(rosen, { compile: 'yes' } as never)).toThrow(/options\.compile/);
    const vec = grad(((x: ActiveVec) => exp(x)) as unknown as (x: ActiveVec) => Real, { compile: true });
    expect(() => vec(point(3, 0))).toThrow(/grad: f result/);
  });
});
