/**
 * Taylor mode. The reference for exp(sin t)/(1 + t²) at t = 0.3 comes from power-series arithmetic
 * at 60 digits in mpmath (fixture: its source and method), independent of this code's rules.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Active,
  type ActiveVec,
  add,
  BINARY_SPECS,
  cos,
  div,
  exp,
  grad,
  mul,
  prod,
  type Real,
  ShapeError,
  sin,
  square,
  sum,
  UNARY_SPECS,
} from '@wengert/core';
import { describe, expect, it } from 'vitest';
import { taylor } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = JSON.parse(readFileSync(join(here, 'fixtures', 'taylor-reference.json'), 'utf8')) as {
  coefficients: string[];
};

describe('taylor', () => {
  it('exp(sin t)/(1 + t²) at t = 0.3 to order 8, ≤ 1e-12 relative per coefficient', () => {
    const f = (t: Active): Real => div(exp(sin(t)), add(1, square(t)));
    const c = taylor(f as never, 0.3, 1, 8) as Float64Array;
    expect(c.length).toBe(9);
    fixture.coefficients.forEach((ref, k) => {
      const r = Number(ref);
      expect(Math.abs(c[k]! - r) / Math.abs(r), `coefficient ${k}`).toBeLessThan(1e-12);
    });
  });

  it('k! y_k equals nested derivatives along v (k ≤ 3) for a function of a vector', () => {
    const f = (x: ActiveVec): Real => add(mul(sin(x.at(0)), exp(x.at(1))), prod(x));
    const x0 = Float64Array.of(0.4, -0.3, 1.2);
    const v = Float64Array.of(1, 2, -0.5);
    const c = taylor(f as never, x0, v, 3) as Float64Array;
    const along = (t: Active): Real => {
      const xs = [0, 1, 2].map((i) => add(x0[i]!, mul(t, v[i]!)));
      return add(mul(sin(xs[0]!), exp(xs[1]!)), mul(mul(xs[0]!, xs[1]!), xs[2]!));
    };
    const d1 = grad(along)(0);
    const d2 = grad((t: Active) => grad(along)(t))(0);
    const d3 = grad((t: Active) => grad((s: Active) => grad(along)(s))(t))(0);
    expect(c[1]).toBeCloseTo(d1, 13);
    expect(c[2]! * 2).toBeCloseTo(d2, 12);
    expect(c[3]! * 6).toBeCloseTo(d3, 11);
  });

  it("every op's second coefficient is f''(x)/2 · v² (Taylor rules from the specs)", () => {
    for (const [name, spec] of Object.entries(UNARY_SPECS)) {
      if (spec.derivative === 'zero') continue;
      const [lo, hi] = spec.domain;
      const x = lo + 0.37 * (hi - lo);
      const fn = (core as unknown as Record<string, (a: unknown) => Real>)[name]!;
      const c = taylor(((t: Active) => fn(t)) as never, x, 0.5, 2) as Float64Array;
      const y = spec.value(x);
      expect(c[0], name).toBe(y);
      expect(c[1], name).toBeCloseTo(spec.d(x, y) * 0.5, 12);
      const want = (spec.d2(x, y) / 2) * 0.25;
      expect(Math.abs(c[2]! - want), name).toBeLessThan(1e-10 * Math.max(1, Math.abs(want)));
    }
    for (const [name, spec] of Object.entries(BINARY_SPECS)) {
      if (spec.derivative === 'zero') continue;
      const a = spec.domain.a[0] + 0.41 * (spec.domain.a[1] - spec.domain.a[0]);
      const b = spec.domain.b[0] + 0.63 * (spec.domain.b[1] - spec.domain.b[0]);
      if (spec.admissible && !spec.admissible(a, b)) continue;
      if ((name === 'min' || name === 'max') && a === b) continue;
      const fn = (core as unknown as Record<string, (p: unknown, q: unknown) => Real>)[name]!;
      const c = taylor(
        ((x: ActiveVec) => fn(x.at(0), x.at(1))) as never,
        Float64Array.of(a, b),
        Float64Array.of(1, -1),
        2,
      ) as Float64Array;
      const y = spec.value(a, b);
      const [aa, ab, bb] = spec.d2(a, b, y);
      const want = (aa - 2 * ab + bb) / 2;
      expect(Math.abs(c[2]! - want), name).toBeLessThan(1e-10 * Math.max(1, Math.abs(want)));
    }
  });

  it('vector outputs give one series per component; bad K is a ShapeError', () => {
    const f = (t: Active) => [sin(t), cos(t)];
    const [s, c] = taylor(f as never, 0, 1, 4) as Float64Array[];
    expect(Array.from(s!)).toEqual([0, 1, 0, -1 / 6, 0]);
    expect(c![0]).toBe(1);
    expect(c![2]).toBeCloseTo(-0.5, 15);
    expect(() => taylor(f as never, 0, 1, -1)).toThrow(ShapeError);
    expect(() => taylor((x: ActiveVec) => sum(x), Float64Array.of(1, 2), Float64Array.of(1), 2)).toThrow(ShapeError);
  });
});

import * as core from '@wengert/core';
