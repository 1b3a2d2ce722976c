/** detach cuts derivatives but is recorded; logSumExp's shift uses it, so replays stay stable. */
import { describe, expect, it } from 'vitest';
import { type Active, type ActiveVec, detach, grad, logSumExp, mul, record, stopGradient, vjp } from '../src/index.js';

describe('detach', () => {
  it('keeps the value and cuts the derivative', () => {
    expect(grad((x: Active) => mul(detach(x), x))(3)).toBe(3);
    expect(detach(2.5)).toBe(2.5);
    expect(Array.from(detach(Float64Array.of(1, 2)) as Float64Array)).toEqual([1, 2]);
  });

  it('is recomputed on replay, where stopGradient stays the recorded constant', () => {
    const withDetach = record((x: Active) => mul(detach(x), x), 2);
    const withStop = record((x: Active) => mul(stopGradient(x), x), 2);
    expect(withDetach.value(5)).toBe(25);
    expect(withStop.value(5)).toBe(10);
  });
});

describe('logSumExp on replay', () => {
  it('shifts by the maximum at the new point: no overflow, same bits as a fresh recording', () => {
    const f = (x: ActiveVec) => logSumExp(x);
    const F = record(f, Float64Array.of(0, 0.5, 1));
    const x1 = Float64Array.of(1000, 1000.5, 1001);
    const y = F.value(x1);
    expect(Number.isFinite(y)).toBe(true);
    const [fresh] = vjp(f, x1);
    expect(Object.is(y, fresh)).toBe(true);
    const g = F.gradient(x1);
    const gf = grad(f)(x1);
    for (let i = 0; i < 3; i++) expect(Object.is(g[i], gf[i])).toBe(true);
    expect(g.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 15);
  });
});
