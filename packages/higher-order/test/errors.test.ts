/**
 * Bad input raises core's typed errors, naming the argument; atomics without second-order rules
 * raise MissingRuleError naming the op; nothing passed in is mutated, on success or failure; a
 * failed call leaves no tape open behind it.
 */
import {
  type Active,
  type ActiveVec,
  DomainError,
  defineAtomic,
  isWengertError,
  MissingRuleError,
  mul,
  nestingDepth,
  type Plain,
  type Real,
  ShapeError,
  sin,
  square,
  sum,
} from '@wengert/core';
import { describe, expect, it } from 'vitest';
import { hessian, hvp, recordHessian } from '../src/index.js';
import { expectBitwise, snapshot } from './support/numeric.js';
import { rosenbrockVector } from './support/programs.js';

const x = Float64Array.of(0.5, -1.2, 0.8);
const v = Float64Array.of(1, 0.5, -0.25);

/** Runs fn, expects it to throw an instance of E, and returns the error. */
function thrown<E extends Error>(fn: () => unknown, cls: abstract new (...args: never[]) => E): E {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a throw').toBeInstanceOf(cls);
  expect(isWengertError(err)).toBe(true);
  return err as E;
}

/** Expects fn to throw E and the tape stack to be clean afterwards. */
function expectClean<E extends Error>(fn: () => unknown, cls: abstract new (...args: never[]) => E): E {
  const e = thrown(fn, cls);
  expect(nestingDepth()).toBe(0);
  return e;
}

describe('non-scalar f', () => {
  const vectorF = (z: ActiveVec) => mul(z, z);
  it('hvp raises ShapeError naming f', () => {
    const e = expectClean(() => hvp(vectorF as never, x, v), ShapeError);
    expect(e.argument).toMatch(/f/);
    expect(e.message).toMatch(/scalar/);
  });
  it('hvp with several directions, hessian and recordHessian raise ShapeError too', () => {
    expectClean(() => hvp(vectorF as never, x, [v]), ShapeError);
    expectClean(() => hessian(vectorF as never)(x), ShapeError);
    expectClean(() => recordHessian(vectorF as never, x), ShapeError);
  });
  it('a vector of length 1 is not a scalar either', () => {
    expectClean(() => hvp(((z: ActiveVec) => z.slice(0, 1)) as never, x, v), ShapeError);
  });
  it('f that is not a function raises ShapeError', () => {
    expectClean(() => hvp(42 as never, x, v), ShapeError);
    expectClean(() => hessian(null as never), ShapeError);
    expectClean(() => recordHessian('f' as never, x), ShapeError);
  });
});

describe('wrong lengths and kinds', () => {
  const f = (z: ActiveVec) => sum(square(z));
  it('v shorter or longer than x raises ShapeError naming v and the expected length', () => {
    for (const bad of [Float64Array.of(1, 2), Float64Array.of(1, 2, 3, 4)]) {
      const e = expectClean(() => hvp(f, x, bad), ShapeError);
      expect(e.argument).toMatch(/v/);
      expect(e.expected).toMatch(/3/);
    }
  });
  it('one bad direction among several raises ShapeError naming it', () => {
    const e = expectClean(() => hvp(f, x, [v, Float64Array.of(1, 2)]), ShapeError);
    expect(e.argument).toMatch(/v\[1\]/);
  });
  it('v of the wrong kind raises ShapeError', () => {
    expectClean(() => hvp(f, x, [1, 2, 3] as never), ShapeError);
    expectClean(() => hvp(f, x, 1 as never), ShapeError);
    expectClean(() => hvp(f, x, new Float32Array(3) as never), ShapeError);
  });
  it("a number x takes a number v, as in core's jvp (a Float64Array, even of length 1, is a ShapeError)", () => {
    const g = (t: Active) => mul(t, t);
    const e = expectClean(() => hvp(g, 0.5, Float64Array.of(1) as never), ShapeError);
    expect(e.argument).toMatch(/v/);
    expectClean(() => hvp(g, 0.5, [Float64Array.of(1)] as never), ShapeError);
  });
  it('x empty or of the wrong kind raises ShapeError', () => {
    expectClean(() => hvp(f, new Float64Array(0), new Float64Array(0)), ShapeError);
    expectClean(() => hvp(f, [0.5, 1] as never, v), ShapeError);
    expectClean(() => hessian(f)(new Float64Array(0)), ShapeError);
    expectClean(() => hessian(f)(0.5 as never), ShapeError);
    expectClean(() => recordHessian(f, new Float64Array(0)), ShapeError);
  });
  it('a recorded function rejects x and v of other lengths', () => {
    const F = recordHessian(f, x);
    const short = Float64Array.of(1, 2);
    expectClean(() => F.hvp(short, short), ShapeError);
    expectClean(() => F.hvp(x, short), ShapeError);
    expectClean(() => F.hvp(x, [v, short]), ShapeError);
    expectClean(() => F.value(short), ShapeError);
    expectClean(() => F.gradient(Float64Array.of(1, 2, 3, 4)), ShapeError);
    expectClean(() => F.hessian(short), ShapeError);
    // Still usable afterwards, with the right answer.
    expectBitwise(F.hvp(x, v), hvp(f, x, v));
  });
});

describe('non-finite input', () => {
  const f = (z: ActiveVec) => sum(square(z));
  it('x with NaN or ±Infinity raises DomainError naming the entry', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const xb = Float64Array.of(0.5, bad, 0.8);
      const e = expectClean(() => hvp(f, xb, v), DomainError);
      expect(e.argument).toMatch(/x/);
      expect(e.argument).toMatch(/1/);
      expectClean(() => hessian(f)(xb), DomainError);
      expectClean(() => recordHessian(f, xb), DomainError);
    }
  });
  it('v with NaN or ±Infinity raises DomainError naming v', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const vb = Float64Array.of(1, 0.5, bad);
      const e = expectClean(() => hvp(f, x, vb), DomainError);
      expect(e.argument).toMatch(/v/);
      expectClean(() => hvp(f, x, [v, vb]), DomainError);
    }
  });
  it('scalar x or v non-finite raises DomainError', () => {
    const g = (t: Active) => mul(t, sin(t));
    expectClean(() => hvp(g, NaN, 1), DomainError);
    expectClean(() => hvp(g, Infinity, 1), DomainError);
    expectClean(() => hvp(g, 0.5, NaN), DomainError);
    expectClean(() => hvp(g, 0.5, -Infinity), DomainError);
  });
  it('a recorded function rejects non-finite x and v', () => {
    const F = recordHessian(f, x);
    const xb = Float64Array.of(0.5, NaN, 0.8);
    expectClean(() => F.hvp(xb, v), DomainError);
    expectClean(() => F.hvp(x, Float64Array.of(1, Infinity, 0)), DomainError);
    expectClean(() => F.value(xb), DomainError);
    expectClean(() => F.gradient(xb), DomainError);
    expectClean(() => F.hessian(xb), DomainError);
    expectBitwise(F.hvp(x, v), hvp(f, x, v));
  });
});

describe('atomics without a second-order rule', () => {
  const value = (ins: readonly Plain[]) => ({ outputs: [Math.sin(ins[0] as number)] });
  const jvp = (ins: readonly Plain[], _o: readonly Plain[], t: readonly Plain[]) => [
    Math.cos(ins[0] as number) * (t[0] as number),
  ];
  const vjp = (ins: readonly Plain[], _o: readonly Plain[], c: readonly Plain[]) => [
    Math.cos(ins[0] as number) * (c[0] as number),
  ];
  const firstOrderOnly = [
    defineAtomic({ name: 'sinVjpOnly', value, vjp }),
    defineAtomic({ name: 'sinFirstOrder', value, jvp, vjp }),
  ];

  // Without jvp the forward tangent sweep (which the HVP starts with) stops first, naming 'jvp';
  // with jvp and vjp but no differentiable second-order rule the combined sweep names 'second order'.
  for (const [atom, name, rule] of [
    [firstOrderOnly[0]!, 'sinVjpOnly', /^jvp$|second order/],
    [firstOrderOnly[1]!, 'sinFirstOrder', /second order/],
  ] as const) {
    const f = (z: ActiveVec): Real => mul(atom([mul(z.at(0), z.at(1))])[0] as Real, z.at(2));
    it(`${name}: hvp, hessian and recorded hvp raise MissingRuleError naming the op and the rule`, () => {
      for (const call of [
        () => hvp(f, x, v),
        () => hvp(f, x, [v]),
        () => hessian(f)(x),
        () => recordHessian(f, x).hvp(x, v),
        () => recordHessian(f, x).hessian(x),
      ]) {
        const e = expectClean(call, MissingRuleError);
        expect(e.op).toBe(name);
        expect(e.rule).toMatch(rule);
        expect(e.message).toContain(name);
      }
    });
  }

  it('first-order uses of a recorded function with such an atomic still work', () => {
    const atom = firstOrderOnly[1]!;
    const f = (z: ActiveVec): Real => mul(atom([mul(z.at(0), z.at(1))])[0] as Real, z.at(2));
    const F = recordHessian(f, x);
    expect(F.value(x)).toBeCloseTo(Math.sin(x[0]! * x[1]!) * x[2]!, 15);
    const c = Math.cos(x[0]! * x[1]!);
    const g = F.gradient(x);
    expect(g[0]).toBeCloseTo(c * x[1]! * x[2]!, 15);
    expect(g[1]).toBeCloseTo(c * x[0]! * x[2]!, 15);
    expect(g[2]).toBeCloseTo(Math.sin(x[0]! * x[1]!), 15);
  });
});

describe('nothing passed in is mutated', () => {
  const f = (z: ActiveVec) => rosenbrockVector(z);
  it('hvp, hessian and recordHessian leave x, v and the direction list untouched', () => {
    const xs = snapshot(x);
    const vs = snapshot(v);
    const dirs = [v, Float64Array.of(0, 1, 0)];
    const dirsSnap = snapshot(dirs);
    hvp(f, x, v);
    hvp(f, x, dirs);
    hessian(f)(x);
    const F = recordHessian(f, x);
    const x1 = Float64Array.of(0.4, 1.1, -0.3);
    const x1s = snapshot(x1);
    F.hvp(x1, v);
    F.hvp(x1, dirs);
    F.value(x1);
    F.gradient(x1);
    F.hessian(x1);
    expectBitwise(x, xs, 'x');
    expectBitwise(v, vs, 'v');
    expectBitwise(x1, x1s, 'x1');
    expect(dirs.length).toBe(2);
    dirs.forEach((d, k) => {
      expectBitwise(d, dirsSnap[k]!, `dirs[${k}]`);
    });
  });
  it('failed calls leave their inputs untouched too', () => {
    const xb = Float64Array.of(0.5, NaN, 0.8);
    const vb = Float64Array.of(1, 2);
    const keep = [snapshot(x), snapshot(xb), snapshot(vb), snapshot(v)];
    thrown(() => hvp(f, xb, v), DomainError);
    thrown(() => hvp(f, x, vb), ShapeError);
    thrown(() => hvp(f, x, [v, vb]), ShapeError);
    thrown(() => hvp(((z: ActiveVec) => mul(z, 2)) as never, x, v), ShapeError);
    expectBitwise(x, keep[0]!, 'x');
    expect(Object.is(xb[1], NaN)).toBe(true);
    expectBitwise(xb, keep[1]!, 'xb');
    expectBitwise(vb, keep[2]!, 'vb');
    expectBitwise(v, keep[3]!, 'v');
  });
  it('f sees its input as an active value of the right length, and a throw inside f propagates cleanly', () => {
    let seen = -1;
    hvp(
      (z: ActiveVec) => {
        seen = z.length;
        return sum(z);
      },
      x,
      v,
    );
    expect(seen).toBe(3);
    const boom = new Error('boom');
    let caught: unknown;
    try {
      hvp(
        () => {
          throw boom;
        },
        x,
        v,
      );
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(boom);
    expect(nestingDepth()).toBe(0);
    expectBitwise(hvp(f, x, v), hvp(f, x, v));
  });
});
