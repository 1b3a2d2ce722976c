/** Mixed partials from univariate Taylor coefficients, against analytic values and Hessians. */
import { type ActiveVec, add, exp, mul, type Real, ShapeError, sin } from '@wengert/core';
import { describe, expect, it } from 'vitest';
import { hessian, mixedPartials, multiIndices } from '../src/index.js';

describe('mixedPartials', () => {
  it('multi-indices of order d in n variables: C(n + d − 1, d) of them', () => {
    expect(multiIndices(2, 3)).toEqual([
      [3, 0],
      [2, 1],
      [1, 2],
      [0, 3],
    ]);
    expect(multiIndices(3, 4).length).toBe(15);
  });

  it('third order of x²y + sin(x)eʸ is analytic', () => {
    const f = (v: ActiveVec): Real => add(mul(mul(v.at(0), v.at(0)), v.at(1)), mul(sin(v.at(0)), exp(v.at(1))));
    const [x, y] = [0.7, 0.4];
    const r = mixedPartials(f, Float64Array.of(x, y), 3);
    const want = [
      -Math.cos(x) * Math.exp(y),
      2 - Math.sin(x) * Math.exp(y),
      Math.cos(x) * Math.exp(y),
      Math.sin(x) * Math.exp(y),
    ];
    r.values.forEach((v, k) => {
      expect(Math.abs(v - want[k]!)).toBeLessThan(1e-12);
    });
  });

  it('order 2 equals the Hessian (3 variables), order 4 of a quartic is exact', () => {
    const f = (v: ActiveVec): Real => mul(mul(sin(v.at(0)), exp(mul(v.at(1), v.at(2)))), v.at(2));
    const x = Float64Array.of(0.3, -0.4, 0.8);
    const r = mixedPartials(f, x, 2);
    const H = hessian(f)(x);
    r.indices.forEach((j, k) => {
      const nz = j.flatMap((c, l) => Array<number>(c).fill(l));
      expect(Math.abs(r.values[k]! - H.data[nz[0]! * 3 + nz[1]!]!)).toBeLessThan(1e-12);
    });
    const q = (v: ActiveVec): Real => mul(mul(v.at(0), v.at(0)), mul(v.at(1), v.at(2)));
    const r4 = mixedPartials(q, Float64Array.of(1.3, -0.2, 0.5), 4);
    r4.indices.forEach((j, k) => {
      const want = j[0] === 2 && j[1] === 1 && j[2] === 1 ? 2 : 0;
      expect(Math.abs(r4.values[k]! - want)).toBeLessThan(1e-10);
    });
  });

  it('bad order or point is a ShapeError', () => {
    const f = (v: ActiveVec): Real => mul(v.at(0), v.at(0));
    expect(() => mixedPartials(f, Float64Array.of(1), 0)).toThrow(ShapeError);
    expect(() => mixedPartials(f, new Float64Array(0), 2)).toThrow(ShapeError);
  });
});
