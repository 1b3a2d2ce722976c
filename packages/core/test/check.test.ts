/**
 * The gradient checks themselves: they must pass on right rules, fail on wrong ones, and check a
 * chosen subset of components; non-finite directions are rejected like non-finite points.
 */
import { describe, expect, it } from 'vitest';
import {
  type Active,
  type ActiveVec,
  checkAdjoint,
  checkGradient,
  checkJvp,
  checkVjp,
  customVjp,
  DomainError,
  exp,
  jvp,
  mul,
  type Real,
  record,
  ShapeError,
  sin,
  sum,
  vjp,
} from '../src/index.js';

const f = (x: ActiveVec): Real => sum(mul(sin(x), exp(mul(0.3, x))));
const x0 = Float64Array.of(0.2, -0.7, 1.1, 0.4);

describe('checkGradient', () => {
  it('passes on a correct gradient, with per-component errors far below the tolerance', () => {
    const r = checkGradient(f, x0);
    expect(r.ok).toBe(true);
    expect(r.ad.length).toBe(4);
    expect(r.maxRelError).toBeLessThan(1e-9);
  });

  it('fails on a wrong rule and says which component', () => {
    // A custom rule that is off by 10 % for the second argument only.
    const wrong = customVjp(
      (a, b) => (a as number) * (b as number),
      ([a, b], _y, g) => [mul(g, b!), mul(mul(g, a!), 1.1)],
      'wrongProduct',
    );
    const r = checkGradient((x: ActiveVec) => wrong(x.at(0), x.at(1)) as Real, Float64Array.of(1.5, 2));
    expect(r.ok).toBe(false);
    expect(r.relError[0]).toBeLessThan(1e-9);
    expect(r.relError[1]).toBeGreaterThan(0.05);
  });

  it('checks only the requested components', () => {
    const all = checkGradient(f, x0);
    const some = checkGradient(f, x0, { components: [3, 1] });
    expect(Array.from(some.ad)).toEqual([all.ad[3], all.ad[1]]);
    expect(some.ok).toBe(true);
    expect(() => checkGradient(f, x0, { components: [4] })).toThrow(ShapeError);
    expect(() => checkGradient(f, x0, { components: [0.5] })).toThrow(ShapeError);
  });

  it('works for a scalar input', () => {
    expect(checkGradient((x: Active) => sin(mul(x, x)), 0.8).ok).toBe(true);
  });
});

describe('checkJvp, checkVjp, checkAdjoint', () => {
  const g = (x: ActiveVec) => [sin(x.at(0)), mul(x.at(0), exp(x.at(1))), mul(x.at(2), x.at(2))];
  const x = Float64Array.of(0.3, -0.2, 1.7);
  it('pass on a vector function', () => {
    expect(checkJvp(g, x, Float64Array.of(1, -2, 0.5)).ok).toBe(true);
    expect(checkVjp(g, x, Float64Array.of(0.5, 1, -1)).ok).toBe(true);
    expect(checkVjp(g, x, Float64Array.of(0.5, 1, -1), { components: [2] }).ad.length).toBe(1);
    expect(checkAdjoint(g, x, Float64Array.of(0.5, 1, -1), Float64Array.of(1, -2, 0.5))).toBeLessThan(1e-14);
  });
});

describe('non-finite directions are rejected', () => {
  it('jvp direction, vjp cotangent, recorded-function directions', () => {
    expect(() => jvp(f, x0, Float64Array.of(1, Number.NaN, 0, 0))).toThrow(DomainError);
    expect(() => jvp((x: Active) => sin(x), 1, Number.POSITIVE_INFINITY)).toThrow(DomainError);
    const [, pullback] = vjp((x: ActiveVec) => mul(x, 2), x0);
    expect(() => pullback(Float64Array.of(1, 1, Number.NaN, 1))).toThrow(DomainError);
    const F = record(f, x0);
    expect(() => F.jvp(x0, Float64Array.of(0, 0, 0, Number.NaN))).toThrow(DomainError);
    expect(() => F.vjp(x0, Number.NaN)).toThrow(DomainError);
  });
});
