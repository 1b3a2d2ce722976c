/**
 * Bad input through the public API: typed errors that name the argument (wrong lengths, non-finite
 * inputs, non-functions, wrong result kinds, bad indices, escaped values), nothing the caller
 * passed is mutated (checked after every call, including calls that throw), and the non-finite
 * debugging mode (setDebugNonFinite) that names the first bad instruction.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  type Active,
  type ActiveVec,
  add,
  concat,
  DomainError,
  dot,
  exp,
  gather,
  grad,
  isDebugNonFinite,
  isWengertError,
  jacfwd,
  jacobian,
  jacrev,
  jvp,
  log,
  lt,
  mul,
  NonFiniteError,
  nestingDepth,
  type Real,
  record,
  ShapeError,
  scatterAdd,
  select,
  setDebugNonFinite,
  sqrt,
  sub,
  sum,
  TapeReleasedError,
  type Vec,
  valueAndGrad,
  vjp,
} from '../src/index.js';
import { f64 } from './support/numeric.js';

// ---------------------------------------------------------------------------------------------
// Guard: deep snapshots of everything passed in, compared after the call (thrown or not)
// ---------------------------------------------------------------------------------------------

function snapshot(v: unknown): unknown {
  if (ArrayBuffer.isView(v)) return { kind: v.constructor.name, data: Array.from(v as unknown as ArrayLike<number>) };
  if (Array.isArray(v)) return v.map(snapshot);
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, snapshot(e)]));
  }
  return v;
}

/** Runs call(...args); returns what it threw (or undefined) after checking no argument changed. */
function guarded(args: readonly unknown[], call: (...a: unknown[]) => unknown): unknown {
  const before = args.map(snapshot);
  let thrown: unknown;
  try {
    call(...args);
  } catch (e) {
    thrown = e;
  }
  expect(args.map(snapshot), 'arguments after the call').toEqual(before);
  expect(nestingDepth(), 'no tape left open').toBe(0);
  return thrown;
}

type ErrorClass = typeof ShapeError | typeof DomainError | typeof TapeReleasedError;

interface Case {
  readonly name: string;
  readonly args: readonly unknown[];
  readonly call: (...a: never[]) => unknown;
  readonly error: ErrorClass;
  /** The argument the error must name. */
  readonly argument?: string | RegExp;
}

const sumF = (x: ActiveVec) => sum(x);
const twice = (x: ActiveVec) => mul(x, 2);

const rfVec = record((x: ActiveVec) => mul(x, x.at(0)), f64(1, 2));
const rfScalar = record((x: Active) => mul(x, x), 2);
const rfSum = record(sumF, f64(1, 2));

function leakedValue(): Active {
  let leaked: Active | undefined;
  grad((x: Active) => {
    leaked = x;
    return x;
  })(1);
  return leaked!;
}
function leakedVector(): ActiveVec {
  let leaked: ActiveVec | undefined;
  grad((x: ActiveVec) => {
    leaked = x;
    return sum(x);
  })(f64(1, 2));
  return leaked!;
}

const CASES: readonly Case[] = [
  // wrong lengths and kinds of directions, cotangents, inputs
  {
    name: 'jvp direction of the wrong length',
    args: [f64(1, 2), f64(1)],
    call: (x: Float64Array, v: Float64Array) => jvp(sumF, x, v),
    error: ShapeError,
    argument: 'jvp: v',
  },
  {
    name: 'jvp direction a number for a vector input',
    args: [f64(1, 2)],
    call: (x: Float64Array) => jvp(sumF, x, 1),
    error: ShapeError,
    argument: 'jvp: v',
  },
  {
    name: 'jvp direction a vector for a scalar input',
    args: [f64(1)],
    call: (v: Float64Array) => jvp((x: Active) => x, 1, v),
    error: ShapeError,
    argument: 'jvp: v',
  },
  {
    name: 'vjp cotangent of the wrong length',
    args: [f64(1, 2), f64(1)],
    call: (x: Float64Array, u: Float64Array) => vjp(twice, x)[1](u),
    error: ShapeError,
    argument: 'vjp pullback: u',
  },
  {
    name: 'vjp cotangent a vector for a scalar output',
    args: [f64(1, 2), f64(1)],
    call: (x: Float64Array, u: Float64Array) => vjp(sumF, x)[1](u),
    error: ShapeError,
    argument: 'vjp pullback: u',
  },
  {
    name: 'recorded function: input of the wrong length',
    args: [f64(1)],
    call: (x: Float64Array) => rfVec.value(x),
    error: ShapeError,
    argument: 'value: x',
  },
  {
    name: 'recorded function: a number for a vector input',
    args: [],
    call: () => rfSum.gradient(1 as never),
    error: ShapeError,
    argument: 'gradient: x',
  },
  {
    name: 'recorded function: a vector for a scalar input',
    args: [f64(1)],
    call: (x: Float64Array) => rfScalar.value(x as never),
    error: ShapeError,
    argument: 'value: x',
  },
  {
    name: 'recorded function: jvp direction of the wrong length',
    args: [f64(1, 2), f64(1)],
    call: (x: Float64Array, v: Float64Array) => rfVec.jvp(x, v),
    error: ShapeError,
    argument: 'jvp: v',
  },
  {
    name: 'recorded function: one bad direction among several',
    args: [f64(1, 2), [f64(1, 0), f64(1)]],
    call: (x: Float64Array, V: Float64Array[]) => rfVec.jvp(x, V),
    error: ShapeError,
    argument: 'jvp: v[1]',
  },
  {
    name: 'recorded function: no directions',
    args: [f64(1, 2), []],
    call: (x: Float64Array, V: Float64Array[]) => rfVec.jvp(x, V),
    error: ShapeError,
    argument: 'jvp: v',
  },
  {
    name: 'recorded function: vjp cotangent of the wrong length',
    args: [f64(1, 2), f64(1, 2, 3)],
    call: (x: Float64Array, u: Float64Array) => rfVec.vjp(x, u),
    error: ShapeError,
    argument: 'vjp: u',
  },
  {
    name: 'recorded function: unknown jacobian mode',
    args: [f64(1, 2)],
    call: (x: Float64Array) => rfVec.jacobian(x, 'sideways' as never),
    error: ShapeError,
    argument: 'jacobian: mode',
  },
  {
    name: 'recorded function: gradient of a vector-valued recording',
    args: [f64(1, 2)],
    call: (x: Float64Array) => rfVec.gradient(x),
    error: ShapeError,
    argument: 'gradient',
  },
  {
    name: 'record: options not an object',
    args: [f64(1, 2)],
    call: (x: Float64Array) => record(sumF, x, 5 as never),
    error: ShapeError,
    argument: 'record: options',
  },
  // non-finite inputs
  {
    name: 'grad at NaN',
    args: [],
    call: () => grad((x: Active) => x)(Number.NaN),
    error: DomainError,
    argument: 'grad: x',
  },
  {
    name: 'grad at a vector holding Infinity',
    args: [f64(1, Number.POSITIVE_INFINITY)],
    call: (x: Float64Array) => grad(sumF)(x),
    error: DomainError,
    argument: 'grad: x[1]',
  },
  {
    name: 'jvp at NaN',
    args: [],
    call: () => jvp((x: Active) => x, Number.NaN, 1),
    error: DomainError,
    argument: 'jvp: x',
  },
  {
    name: 'vjp at −Infinity',
    args: [f64(Number.NEGATIVE_INFINITY)],
    call: (x: Float64Array) => vjp(sumF, x),
    error: DomainError,
    argument: 'vjp: x[0]',
  },
  {
    name: 'jacobian at NaN',
    args: [f64(0, Number.NaN)],
    call: (x: Float64Array) => jacobian(twice)(x),
    error: DomainError,
    argument: 'jacobian: x[1]',
  },
  {
    name: 'valueAndGrad at Infinity',
    args: [],
    call: () => valueAndGrad((x: Active) => x)(Number.POSITIVE_INFINITY),
    error: DomainError,
    argument: 'valueAndGrad: x',
  },
  {
    name: 'record at NaN',
    args: [f64(Number.NaN, 1)],
    call: (x: Float64Array) => record(sumF, x),
    error: DomainError,
    argument: 'record: x[0]',
  },
  {
    name: 'recorded function evaluated at NaN',
    args: [f64(1, Number.NaN)],
    call: (x: Float64Array) => rfVec.value(x),
    error: DomainError,
    argument: 'value: x[1]',
  },
  {
    name: 'recorded scalar function evaluated at Infinity',
    args: [],
    call: () => rfScalar.gradient(Number.POSITIVE_INFINITY),
    error: DomainError,
    argument: 'gradient: x',
  },
  // f and x of the wrong kind
  { name: 'grad of a number', args: [], call: () => grad(42 as never), error: ShapeError, argument: 'grad: f' },
  { name: 'jvp of a string', args: [], call: () => jvp('f' as never, 1, 1), error: ShapeError, argument: 'jvp: f' },
  { name: 'vjp of null', args: [], call: () => vjp(null as never, 1), error: ShapeError, argument: 'vjp: f' },
  {
    name: 'jacobian of undefined',
    args: [],
    call: () => jacobian(undefined as never),
    error: ShapeError,
    argument: 'jacobian: f',
  },
  { name: 'jacfwd of an object', args: [], call: () => jacfwd({} as never), error: ShapeError, argument: 'jacfwd: f' },
  { name: 'jacrev of a number', args: [], call: () => jacrev(1 as never), error: ShapeError, argument: 'jacrev: f' },
  {
    name: 'f returning a string to grad',
    args: [],
    call: () => grad((() => 'nope') as never)(1),
    error: ShapeError,
    argument: 'grad: f result',
  },
  {
    name: 'f returning a vector to grad',
    args: [f64(1, 2)],
    call: (x: Float64Array) => (grad(twice as never) as (x: unknown) => unknown)(x),
    error: ShapeError,
    argument: 'grad: f result',
  },
  {
    name: 'f returning an array of scalars to valueAndGrad',
    args: [],
    call: () => valueAndGrad(((x: Active) => [x, x]) as never)(1),
    error: ShapeError,
    argument: 'valueAndGrad: f result',
  },
  {
    name: 'f returning an array with a string in it to jacobian',
    args: [],
    call: () => jacobian((x: Active) => [x, 'y' as never])(1),
    error: ShapeError,
    argument: 'jacobian: f result[1]',
  },
  {
    name: 'x a string',
    args: [],
    call: () => grad((x: Active) => x)('1' as never),
    error: ShapeError,
    argument: 'grad: x',
  },
  {
    name: 'x a plain array',
    args: [[1, 2]],
    call: (x: number[]) => grad(sumF)(x as never),
    error: ShapeError,
    argument: 'grad: x',
  },
  {
    name: 'x an empty Float64Array',
    args: [new Float64Array(0)],
    call: (x: Float64Array) => grad(sumF)(x),
    error: ShapeError,
    argument: 'grad: x',
  },
  // ops
  {
    name: 'add: vector length mismatch (plain)',
    args: [f64(1, 2), f64(1, 2, 3)],
    call: (a: Float64Array, b: Float64Array) => add(a, b),
    error: ShapeError,
    argument: 'b',
  },
  {
    name: 'add: vector length mismatch (active)',
    args: [f64(1, 2), f64(1, 2, 3)],
    call: (x: Float64Array, c: Float64Array) => grad((v: ActiveVec) => sum(add(v, c) as Vec))(x),
    error: ShapeError,
    argument: 'b',
  },
  { name: 'add: a string operand', args: [], call: () => add('a' as never, 1), error: ShapeError, argument: 'a' },
  {
    name: 'dot: length mismatch',
    args: [f64(1), f64(1, 2)],
    call: (a: Float64Array, b: Float64Array) => dot(a, b),
    error: ShapeError,
    argument: 'b',
  },
  {
    name: 'gather: index out of range (plain)',
    args: [f64(1, 2), [0, 2]],
    call: (v: Float64Array, idx: number[]) => gather(v, idx),
    error: DomainError,
    argument: 'idx[1]',
  },
  {
    name: 'gather: negative index (active)',
    args: [f64(1, 2), Int32Array.of(1, -1)],
    call: (x: Float64Array, idx: Int32Array) => grad((v: ActiveVec) => sum(gather(v, idx)))(x),
    error: DomainError,
    argument: 'idx[1]',
  },
  {
    name: 'gather: fractional index',
    args: [f64(1, 2), [0.5]],
    call: (v: Float64Array, idx: number[]) => gather(v, idx),
    error: DomainError,
    argument: 'idx[0]',
  },
  {
    name: 'scatterAdd: index out of range',
    args: [f64(1, 2), [0, 3]],
    call: (v: Float64Array, idx: number[]) => scatterAdd(v, idx, 3),
    error: DomainError,
    argument: 'idx[1]',
  },
  {
    name: 'scatterAdd: length not a positive integer',
    args: [f64(1, 2), [0, 1]],
    call: (v: Float64Array, idx: number[]) => scatterAdd(v, idx, 0),
    error: DomainError,
    argument: 'n',
  },
  { name: 'concat: empty', args: [[]], call: (p: never[]) => concat(p), error: ShapeError, argument: 'parts' },
  {
    name: 'concat: empty (active)',
    args: [f64(1, 2), []],
    call: (x: Float64Array, p: never[]) => grad((v: ActiveVec) => sum(concat([v, ...p]) as Vec) && sum(concat(p)))(x),
    error: ShapeError,
    argument: 'parts',
  },
  {
    name: 'select: mask length mismatch',
    args: [f64(1, 0), f64(1, 2, 3)],
    call: (m: Float64Array, a: Float64Array) => select(m, a, 0),
    error: ShapeError,
    argument: 'cond',
  },
  {
    name: 'lt on a vector',
    args: [f64(1)],
    call: (x: Float64Array) => grad((v: ActiveVec) => (lt(v as never, 0) ? sum(v) : sum(v)))(x),
    error: ShapeError,
    argument: 'a',
  },
  // escaped values
  {
    name: 'an escaped scalar in add',
    args: [],
    call: () => add(leakedValue(), 1),
    error: TapeReleasedError,
    argument: /a/,
  },
  {
    name: 'an escaped scalar inside another grad',
    args: [],
    call: () => grad((y: Active) => mul(y, leakedValue()))(2),
    error: TapeReleasedError,
    argument: /b/,
  },
  {
    name: 'an escaped vector in exp',
    args: [],
    call: () => exp(leakedVector()),
    error: TapeReleasedError,
    argument: /x/,
  },
  {
    name: 'an escaped value as the input of grad',
    args: [],
    call: () => grad((x: Active) => x)(leakedValue() as never),
    error: TapeReleasedError,
    argument: 'grad: x',
  },
];

describe('typed errors naming the argument', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const err = guarded(c.args, c.call as (...a: unknown[]) => unknown);
    expect(err, 'expected a throw').toBeInstanceOf(c.error);
    expect(isWengertError(err)).toBe(true);
    const arg = (err as { argument?: string }).argument;
    if (c.argument instanceof RegExp) expect(arg).toMatch(c.argument);
    else if (c.argument !== undefined) expect(arg).toBe(c.argument);
    expect((err as Error).message.length).toBeGreaterThan(10);
  });
});

// ---------------------------------------------------------------------------------------------
// Nothing the caller passed is mutated (successful calls)
// ---------------------------------------------------------------------------------------------

describe('inputs are never mutated', () => {
  it('(the guard itself notices a mutation, also inside nested arrays and objects)', () => {
    expect(() => guarded([f64(1, 2)], (a) => ((a as Float64Array)[0] = 9))).toThrow();
    expect(() => guarded([[Int32Array.of(1)]], (a) => ((a as Int32Array[])[0]![0] = 2))).toThrow();
    expect(() => guarded([{ k: f64(1) }], (a) => ((a as { k: Float64Array }).k[0] = 2))).toThrow();
    expect(guarded([f64(1, 2)], (a) => (a as Float64Array).slice())).toBeUndefined();
  });

  const f = (x: ActiveVec) => concat([mul(x, x.at(0)), sum(gather(x, [1, 1, 0]))]);

  it('by the transforms, the recorded functions and the checks', () => {
    const x = f64(0.5, -1.5, 2);
    const v = f64(1, 2, 3);
    const u = f64(1, -1, 0.5, 2);
    const extra = { scale: 2, list: [f64(1, 2)] };
    const scaledSum = (y: ActiveVec, o: typeof extra): Real => mul(sum(y), o.scale);
    const calls: [string, readonly unknown[], (...a: never[]) => unknown][] = [
      ['grad', [x, extra], (a: Float64Array, e: typeof extra) => grad(scaledSum)(a, e)],
      ['jvp', [x, v], (a: Float64Array, d: Float64Array) => jvp(f, a, d)],
      ['vjp', [x, u], (a: Float64Array, c: Float64Array) => vjp(f, a)[1](c)],
      ['jacobian', [x], (a: Float64Array) => jacobian(f)(a)],
      ['jacfwd', [x], (a: Float64Array) => jacfwd(f)(a)],
      ['jacrev', [x], (a: Float64Array) => jacrev(f)(a)],
      [
        'record + replay',
        [x, v, u],
        (a: Float64Array, d: Float64Array, c: Float64Array) => {
          const rf = record(f, a);
          rf.value(d);
          rf.jvp(a, [d, d]);
          rf.vjp(d, [c]);
          return rf.jacobian(d);
        },
      ],
      [
        'plain ops',
        [x, v, [2, 0]],
        (a: Float64Array, b: Float64Array, idx: number[]) => [
          add(a, b),
          exp(a),
          gather(a, idx),
          scatterAdd(a, [0, 1, 1], 2),
          concat([a, 1, b]),
          select(b, a, 0),
          dot(a, b),
        ],
      ],
    ];
    for (const [name, args, call] of calls) {
      const err = guarded(args, call as (...a: unknown[]) => unknown);
      expect(err, name).toBeUndefined();
    }
  });

  it('results are fresh arrays: later calls do not overwrite them', () => {
    const rf = record(f, f64(1, 2, 3));
    const y1 = rf.value(f64(1, 2, 3)) as Float64Array;
    const copy = y1.slice();
    const J = rf.jacobian(f64(1, 2, 3));
    const Jcopy = J.data.slice();
    rf.value(f64(-4, 5, 6));
    rf.jacobian(f64(-4, 5, 6));
    expect(y1).toEqual(copy);
    expect(J.data).toEqual(Jcopy);
    const g = grad(sumF)(f64(1, 2));
    grad(sumF)(f64(3, 4));
    expect(g).toEqual(f64(1, 1));
  });
});

// ---------------------------------------------------------------------------------------------
// Non-finite debugging
// ---------------------------------------------------------------------------------------------

describe('setDebugNonFinite', () => {
  afterEach(() => setDebugNonFinite(false));

  function nonFinite(call: () => unknown): NonFiniteError {
    let err: unknown;
    try {
      call();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NonFiniteError);
    expect(nestingDepth()).toBe(0);
    return err as NonFiniteError;
  }

  it('is off by default: no throw, the non-finite result is returned', () => {
    expect(isDebugNonFinite()).toBe(false);
    expect(grad((x: Active) => sqrt(x))(0)).toBe(Number.POSITIVE_INFINITY);
    expect(grad((x: Active) => log(sub(x, x)))(1)).toBeNaN();
    expect(jvp((x: Active) => sqrt(x), 0, 1)[1]).toBe(Number.POSITIVE_INFINITY);
  });

  it('value sweep: the first instruction producing a non-finite value from finite operands', () => {
    setDebugNonFinite(true);
    expect(isDebugNonFinite()).toBe(true);
    const e = nonFinite(() => grad((x: Active) => log(sub(x, x)))(1));
    expect(e.sweep).toBe('value');
    expect(e.op).toBe('log');
    expect(e.value).toBe(Number.NEGATIVE_INFINITY);
    expect(e.position).toBeGreaterThanOrEqual(0);
    expect(e.message).toMatch(/log/);
    // Downstream ops of the bad one are not blamed.
    const e2 = nonFinite(() => grad((x: Active) => exp(mul(2, log(sub(x, x)))))(1));
    expect(e2.op).toBe('log');
    expect(e2.position).toBe(e.position);
    // sqrt at 0 then log: the log is the first bad value.
    expect(nonFinite(() => grad((x: Active) => log(sqrt(x)))(0)).op).toBe('log');
  });

  it('adjoint sweep: grad of sqrt at 0 names sqrt', () => {
    setDebugNonFinite(true);
    const e = nonFinite(() => grad((x: Active) => sqrt(x))(0));
    expect(e.sweep).toBe('adjoint');
    expect(e.op).toBe('sqrt');
    expect(e.value).toBe(Number.POSITIVE_INFINITY);
    const ev = nonFinite(() => grad((x: ActiveVec) => sum(sqrt(x) as Vec))(f64(1, 0)));
    expect([ev.sweep, ev.op]).toEqual(['adjoint', 'sqrt']);
    const em = nonFinite(() => grad((x: Active) => mul(sqrt(x), 3))(0));
    expect([em.sweep, em.op]).toEqual(['adjoint', 'sqrt']);
  });

  it('tangent sweep: jvp of sqrt at 0 names sqrt', () => {
    setDebugNonFinite(true);
    const e = nonFinite(() => jvp((x: Active) => sqrt(x), 0, 1));
    expect(e.sweep).toBe('tangent');
    expect(e.op).toBe('sqrt');
  });

  it('recorded functions: replay at a bad point', () => {
    const rf = record((x: Active) => log(x), 1);
    setDebugNonFinite(true);
    expect(rf.value(2)).toBe(Math.log(2));
    const e = nonFinite(() => rf.value(0));
    expect([e.sweep, e.op]).toEqual(['value', 'log']);
  });

  it('finite computations are untouched when on', () => {
    setDebugNonFinite(true);
    expect(grad((x: Active) => sqrt(x))(4)).toBe(0.25);
    const g = grad((x: ActiveVec) => sum(mul(x, x) as Vec) as Real)(f64(1, 2));
    expect(Array.from(g)).toEqual([2, 4]);
  });
});
