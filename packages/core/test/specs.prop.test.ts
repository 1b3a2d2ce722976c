/**
 * Property tests for every elementwise op spec:
 * - d and d2 against Ridders-extrapolated finite differences of value and d;
 * - dGeneric, evaluated with plain numbers, against d (1e-12 relative);
 * - dGeneric, evaluated with forward-mode dual numbers, against d2 (so the generic rule really is
 *   the derivative expression, and differentiating it again gives the second derivative);
 * - structural facts (derivative class, Hessian flags), registries and conventions at kinks;
 * - mutation checks: every property must fail when a spec's d, d2 or dGeneric is off by 1e-6.
 *
 * Runs are bounded and seeded so CI is deterministic.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fdJvp, richardsonDerivative } from '../src/check/finite-differences.js';
import {
  BINARY_NAMES,
  BINARY_SPECS,
  roundHalfAwayFromZero,
  sigmoid,
  softplus,
  UNARY_NAMES,
  UNARY_SPECS,
} from '../src/ops/elementwise.js';
import type { BinarySpec, GenericOps, UnarySpec } from '../src/ops/spec.js';
import type { Value } from '../src/tape/values.js';

const RUNS = { numRuns: 200, seed: 0x5eed, endOnFailure: true } as const;
/** Initial finite-difference step; capped near `avoid` points so the stencil never crosses a kink. */
const H0 = 0.01;
/** The distance test points keep from `avoid` points (the documented contract of `UnarySpec.avoid`). */
const AVOID_DISTANCE = 1e-3;
/** Relative tolerance of finite-difference comparisons (Ridders reaches ~1e-11 on these domains). */
const FD_RTOL = 1e-9;
/** Relative tolerance of dGeneric (plain numbers) against d: same formula up to a few roundings. */
const GENERIC_RTOL = 1e-12;
/** Absolute slack of generic comparisons: subnormal results carry only a few significant bits. */
const TINY = 1e-300;
/** Relative tolerance of the dual-number derivative of dGeneric against d2. */
const DUAL_RTOL = 1e-10;

const unarySpecs = UNARY_NAMES.map((n) => UNARY_SPECS[n]!);
const binarySpecs = BINARY_NAMES.map((n) => BINARY_SPECS[n]!);

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** Throws (with a readable message) unless |got − want| ≤ rtol·|want| + atol; equal values always pass. */
function expectClose(got: number, want: number, rtol: number, atol: number, what: string): void {
  if (Object.is(got, want) || got === want) return;
  const err = Math.abs(got - want);
  if (!(err <= rtol * Math.abs(want) + atol)) {
    throw new Error(`${what}: got ${got}, want ${want} (|Δ| = ${err}, allowed ${rtol * Math.abs(want) + atol})`);
  }
}

/**
 * Absolute slack of a finite difference: roundoff in g(±h) of relative size ε is divided by h and
 * amplified by the extrapolation, so it scales with the size of g over h0.
 */
function fdAtol(scale: number, h0: number): number {
  return (1e-12 * (1 + Math.abs(scale))) / h0;
}

/**
 * Doubles in [lo, hi]: mostly spread uniformly over the interval, plus fast-check's own double
 * generator for the special values (0, −0, tiny, the bounds). fc.double alone picks uniformly among
 * the representable doubles, so most of its draws are tiny numbers near 0 and the bulk of a domain
 * would hardly be tested.
 */
function domainDoubles(lo: number, hi: number): fc.Arbitrary<number> {
  const steps = 2 ** 31 - 1;
  const uniform = fc.integer({ min: 0, max: steps }).map((k) => Math.min(hi, lo + ((hi - lo) * k) / steps));
  return fc.oneof(
    { arbitrary: uniform, weight: 4 },
    { arbitrary: fc.double({ min: lo, max: hi, noNaN: true }), weight: 1 },
  );
}

function distanceToAvoid(spec: UnarySpec, x: number): number {
  let dist = Number.POSITIVE_INFINITY;
  for (const a of spec.avoid ?? []) dist = Math.min(dist, Math.abs(x - a));
  return dist;
}

/** Random points of a unary spec's domain, at least AVOID_DISTANCE from its avoid points. */
function unaryPoints(spec: UnarySpec): fc.Arbitrary<number> {
  const [lo, hi] = spec.domain;
  return domainDoubles(lo, hi).filter((x) => distanceToAvoid(spec, x) >= AVOID_DISTANCE);
}

/** The initial step at x: H0, shrunk so [x − h0, x + h0] stays clear of avoid points. */
function unaryStep(spec: UnarySpec, x: number): number {
  return Math.min(H0, distanceToAvoid(spec, x) / 2);
}

/** Random admissible points of a binary spec's domain (admissible sets keep ≥ 0.05 from kinks, > H0). */
function binaryPoints(spec: BinarySpec): fc.Arbitrary<readonly [number, number]> {
  const { a, b } = spec.domain;
  return fc
    .tuple(domainDoubles(a[0], a[1]), domainDoubles(b[0], b[1]))
    .filter(([x, y]) => spec.admissible?.(x, y) ?? true);
}

// ---------------------------------------------------------------------------------------------
// GenericOps over plain numbers and over forward-mode dual numbers, built from the specs themselves
// ---------------------------------------------------------------------------------------------

type GName = keyof GenericOps;
const G_UNARY = [
  'neg',
  'square',
  'reciprocal',
  'sqrt',
  'cbrt',
  'exp',
  'log',
  'sin',
  'cos',
  'tan',
  'sinh',
  'cosh',
  'tanh',
  'abs',
  'sign',
  'sigmoid',
] as const satisfies readonly GName[];
const G_BINARY = [
  'add',
  'sub',
  'mul',
  'div',
  'pow',
  'hypot',
  'less',
  'lessEqual',
  'greater',
  'greaterEqual',
  'equal',
] as const satisfies readonly GName[];
// Compile-time check that the two lists cover GenericOps.
type Uncovered = Exclude<GName, (typeof G_UNARY)[number] | (typeof G_BINARY)[number]>;
const coversGenericOps: [Uncovered] extends [never] ? true : false = true;

function num(v: Value): number {
  if (typeof v !== 'number') throw new TypeError(`plain-number GenericOps got ${String(v)}`);
  return v;
}

/** GenericOps on plain numbers, each op evaluated by its own spec's value. */
function numberOps(): GenericOps {
  const ops: Record<string, unknown> = {};
  for (const n of G_UNARY) ops[n] = (a: Value) => UNARY_SPECS[n]!.value(num(a));
  for (const n of G_BINARY) ops[n] = (a: Value, b: Value) => BINARY_SPECS[n]!.value(num(a), num(b));
  return ops as unknown as GenericOps;
}

/** A forward-mode dual number v + t·ε. */
class Dual {
  constructor(
    readonly v: number,
    readonly t: number,
  ) {}
}

function toDual(v: unknown): Dual {
  if (v instanceof Dual) return v;
  if (typeof v === 'number') return new Dual(v, 0);
  throw new TypeError(`dual GenericOps got ${String(v)}`);
}

const asValue = (d: Dual | number): Value => d as unknown as Value;

/**
 * GenericOps on dual numbers: values from the specs' value, tangents from the specs' own d (which
 * the finite-difference properties check independently). A zero tangent contributes nothing, so a
 * constant never meets an infinite derivative (0·∞).
 */
function dualOps(): GenericOps {
  const ops: Record<string, unknown> = {};
  for (const n of G_UNARY) {
    const s = UNARY_SPECS[n]!;
    ops[n] = (a: Value) => {
      const x = toDual(a);
      const y = s.value(x.v);
      return new Dual(y, x.t === 0 ? 0 : s.d(x.v, y) * x.t);
    };
  }
  for (const n of G_BINARY) {
    const s = BINARY_SPECS[n]!;
    ops[n] = (a: Value, b: Value) => {
      const x = toDual(a);
      const z = toDual(b);
      const y = s.value(x.v, z.v);
      const ta = x.t === 0 ? 0 : s.da(x.v, z.v, y) * x.t;
      const tb = z.t === 0 ? 0 : s.db(x.v, z.v, y) * z.t;
      return new Dual(y, ta + tb);
    };
  }
  return ops as unknown as GenericOps;
}

const NUM = numberOps();
const DUAL = dualOps();

// ---------------------------------------------------------------------------------------------
// Properties (functions of the spec, so the mutation tests can run them on broken specs)
// ---------------------------------------------------------------------------------------------

function unaryDProperty(s: UnarySpec) {
  return fc.property(unaryPoints(s), (x) => {
    const h0 = unaryStep(s, x);
    const y = s.value(x);
    const fd = richardsonDerivative((t) => s.value(x + t), h0);
    expectClose(fd.value, s.d(x, y), FD_RTOL, fdAtol(y, h0), `${s.name}'(${x}) vs finite differences`);
  });
}

function unaryD2Property(s: UnarySpec) {
  return fc.property(unaryPoints(s), (x) => {
    const h0 = unaryStep(s, x);
    const y = s.value(x);
    const d = s.d(x, y);
    const fd = richardsonDerivative((t) => s.d(x + t, s.value(x + t)), h0);
    expectClose(fd.value, s.d2(x, y), FD_RTOL, fdAtol(d, h0), `${s.name}''(${x}) vs finite differences of d`);
  });
}

function unaryGenericProperty(s: UnarySpec) {
  return fc.property(unaryPoints(s), (x) => {
    const y = s.value(x);
    const d = s.d(x, y);
    const d2 = s.d2(x, y);
    const g = s.dGeneric(NUM, x, y);
    expectClose(num(g), d, GENERIC_RTOL, TINY, `${s.name}: dGeneric(numbers) at ${x}`);
    const gd = toDual(s.dGeneric(DUAL, asValue(new Dual(x, 1)), asValue(new Dual(y, d))));
    expectClose(gd.v, d, GENERIC_RTOL, TINY, `${s.name}: dGeneric(duals) value at ${x}`);
    expectClose(gd.t, d2, DUAL_RTOL, 1e-13 * (1 + Math.abs(d)), `${s.name}: derivative of dGeneric vs d2 at ${x}`);
  });
}

function binaryDProperty(s: BinarySpec) {
  return fc.property(binaryPoints(s), ([a, b]) => {
    const y = s.value(a, b);
    const fa = richardsonDerivative((t) => s.value(a + t, b), H0);
    const fb = richardsonDerivative((t) => s.value(a, b + t), H0);
    expectClose(fa.value, s.da(a, b, y), FD_RTOL, fdAtol(y, H0), `${s.name} ∂a at (${a}, ${b})`);
    expectClose(fb.value, s.db(a, b, y), FD_RTOL, fdAtol(y, H0), `${s.name} ∂b at (${a}, ${b})`);
  });
}

function binaryD2Property(s: BinarySpec) {
  return fc.property(binaryPoints(s), ([a, b]) => {
    const y = s.value(a, b);
    const [aa, ab, bb] = s.d2(a, b, y);
    const da = (p: number, q: number) => s.da(p, q, s.value(p, q));
    const db = (p: number, q: number) => s.db(p, q, s.value(p, q));
    const scale = Math.abs(s.da(a, b, y)) + Math.abs(s.db(a, b, y));
    const at = fdAtol(scale, H0);
    const where = `${s.name} at (${a}, ${b})`;
    expectClose(richardsonDerivative((t) => da(a + t, b), H0).value, aa, FD_RTOL, at, `∂²/∂a² ${where}`);
    expectClose(richardsonDerivative((t) => da(a, b + t), H0).value, ab, FD_RTOL, at, `∂²/∂a∂b (via ∂a) ${where}`);
    expectClose(richardsonDerivative((t) => db(a + t, b), H0).value, ab, FD_RTOL, at, `∂²/∂b∂a (via ∂b) ${where}`);
    expectClose(richardsonDerivative((t) => db(a, b + t), H0).value, bb, FD_RTOL, at, `∂²/∂b² ${where}`);
  });
}

function binaryGenericProperty(s: BinarySpec) {
  return fc.property(binaryPoints(s), ([a, b]) => {
    const y = s.value(a, b);
    const da = s.da(a, b, y);
    const db = s.db(a, b, y);
    const [aa, ab, bb] = s.d2(a, b, y);
    const where = `${s.name} at (${a}, ${b})`;
    const [ga, gb] = s.dGeneric(NUM, a, b, y);
    expectClose(num(ga), da, GENERIC_RTOL, TINY, `dGeneric(numbers) ∂a ${where}`);
    expectClose(num(gb), db, GENERIC_RTOL, TINY, `dGeneric(numbers) ∂b ${where}`);
    const atol = 1e-13 * (1 + Math.abs(da) + Math.abs(db)) ** 2;
    // Tangent along a, with b active (dual, zero tangent) and with b a plain constant: rules may
    // branch on plain operands, and both branches must differentiate correctly.
    for (const bArg of [asValue(new Dual(b, 0)), b]) {
      const [ra, rb] = s.dGeneric(DUAL, asValue(new Dual(a, 1)), bArg, asValue(new Dual(y, da))).map(toDual);
      expectClose(ra!.v, da, GENERIC_RTOL, TINY, `dGeneric(duals) ∂a ${where}`);
      expectClose(ra!.t, aa, DUAL_RTOL, atol, `∂a of dGeneric ∂a vs d2[aa] ${where}`);
      expectClose(rb!.t, ab, DUAL_RTOL, atol, `∂a of dGeneric ∂b vs d2[ab] ${where}`);
    }
    for (const aArg of [asValue(new Dual(a, 0)), a]) {
      const [ra, rb] = s.dGeneric(DUAL, aArg, asValue(new Dual(b, 1)), asValue(new Dual(y, db))).map(toDual);
      expectClose(rb!.v, db, GENERIC_RTOL, TINY, `dGeneric(duals) ∂b ${where}`);
      expectClose(ra!.t, ab, DUAL_RTOL, atol, `∂b of dGeneric ∂a vs d2[ab] ${where}`);
      expectClose(rb!.t, bb, DUAL_RTOL, atol, `∂b of dGeneric ∂b vs d2[bb] ${where}`);
    }
  });
}

/** Derivative class and Hessian flags hold at random points (a 'linear' op has d2 = 0, …). */
function unaryClassProperty(s: UnarySpec) {
  return fc.property(unaryPoints(s), (x) => {
    const y = s.value(x);
    if (s.derivative !== 'nonlinear') expect(s.d2(x, y)).toBe(0);
    if (s.derivative === 'zero') expect(s.d(x, y)).toBe(0);
  });
}

function binaryClassProperty(s: BinarySpec) {
  return fc.property(binaryPoints(s), ([a, b]) => {
    const y = s.value(a, b);
    const d2 = s.d2(a, b, y);
    for (let k = 0; k < 3; k++) if (!s.nonlinear[k]) expect(d2[k]).toBe(0);
    if (s.derivative !== 'nonlinear') expect(d2).toEqual([0, 0, 0]);
    if (s.derivative === 'zero') expect([s.da(a, b, y), s.db(a, b, y)]).toEqual([0, 0]);
  });
}

// ---------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------

describe('unary specs', () => {
  describe.each(unarySpecs.map((s) => [s.name, s] as const))('%s', (_name, s) => {
    // detach is the identity with its derivative cut on purpose (derivative class 'zero').
    it.skipIf(s.name === 'detach')('d matches finite differences of value', () => fc.assert(unaryDProperty(s), RUNS));
    it('d2 matches finite differences of d', () => fc.assert(unaryD2Property(s), RUNS));
    it('dGeneric equals d (numbers) and differentiates to d2 (duals)', () => fc.assert(unaryGenericProperty(s), RUNS));
    it('derivative class holds', () => fc.assert(unaryClassProperty(s), RUNS));
  });
});

describe('binary specs', () => {
  describe.each(binarySpecs.map((s) => [s.name, s] as const))('%s', (_name, s) => {
    it('∂a, ∂b match finite differences of value', () => fc.assert(binaryDProperty(s), RUNS));
    it('d2 matches finite differences of ∂a, ∂b (both mixed orders)', () => fc.assert(binaryD2Property(s), RUNS));
    it('dGeneric equals [∂a, ∂b] (numbers) and differentiates to d2 (duals)', () =>
      fc.assert(binaryGenericProperty(s), RUNS));
    it('derivative class and Hessian flags hold', () => fc.assert(binaryClassProperty(s), RUNS));
  });

  it('a Hessian flag set to true is not vacuous: that second partial is non-zero somewhere', () => {
    for (const s of binarySpecs) {
      const samples = fc.sample(binaryPoints(s), { numRuns: 50, seed: 7 });
      for (let k = 0; k < 3; k++) {
        if (!s.nonlinear[k]) continue;
        const nonzero = samples.some(([a, b]) => s.d2(a, b, s.value(a, b))[k] !== 0);
        expect(nonzero, `${s.name} nonlinear[${k}]`).toBe(true);
      }
    }
  });
});

describe('the properties can fail', () => {
  const FAIL = RUNS;
  const scaled = (f: number, k: number) => f * k;

  it.each(unarySpecs.filter((s) => s.derivative !== 'zero').map((s) => [s.name, s] as const))(
    '%s: d off by 1e-6 relative is caught',
    (_name, s) => {
      const bad: UnarySpec = { ...s, d: (x, y) => scaled(s.d(x, y), 1 + 1e-6) };
      expect(() => fc.assert(unaryDProperty(bad), FAIL)).toThrow();
      expect(() => fc.assert(unaryGenericProperty(bad), FAIL)).toThrow();
    },
  );

  it.each(unarySpecs.filter((s) => s.derivative === 'nonlinear').map((s) => [s.name, s] as const))(
    '%s: d2 or dGeneric off by 1e-6 relative is caught',
    (_name, s) => {
      const badD2: UnarySpec = { ...s, d2: (x, y) => scaled(s.d2(x, y), 1 + 1e-6) };
      expect(() => fc.assert(unaryD2Property(badD2), FAIL)).toThrow();
      expect(() => fc.assert(unaryGenericProperty(badD2), FAIL)).toThrow();
      const badG: UnarySpec = { ...s, dGeneric: (G, x, y) => G.mul(1 + 1e-6, s.dGeneric(G, x, y)) };
      expect(() => fc.assert(unaryGenericProperty(badG), FAIL)).toThrow();
    },
  );

  it.each(binarySpecs.filter((s) => s.derivative !== 'zero').map((s) => [s.name, s] as const))(
    '%s: ∂a or ∂b off by 1e-6 relative is caught',
    (_name, s) => {
      const badA: BinarySpec = { ...s, da: (a, b, y) => scaled(s.da(a, b, y), 1 + 1e-6) };
      const badB: BinarySpec = { ...s, db: (a, b, y) => scaled(s.db(a, b, y), 1 + 1e-6) };
      for (const bad of [badA, badB]) {
        expect(() => fc.assert(binaryDProperty(bad), FAIL)).toThrow();
        expect(() => fc.assert(binaryGenericProperty(bad), FAIL)).toThrow();
      }
    },
  );

  it.each(binarySpecs.filter((s) => s.derivative === 'nonlinear').map((s) => [s.name, s] as const))(
    '%s: a non-zero second partial off by 1e-6 relative is caught',
    (_name, s) => {
      for (let k = 0; k < 3; k++) {
        if (!s.nonlinear[k]) continue;
        const bad: BinarySpec = {
          ...s,
          d2: (a, b, y) => {
            const h = [...s.d2(a, b, y)] as [number, number, number];
            h[k] = scaled(h[k], 1 + 1e-6);
            return h;
          },
        };
        expect(() => fc.assert(binaryD2Property(bad), FAIL)).toThrow();
        expect(() => fc.assert(binaryGenericProperty(bad), FAIL)).toThrow();
      }
    },
  );
});

describe('registries', () => {
  it('UNARY_NAMES / BINARY_NAMES start with the fixed fast-opcode ops, in order', () => {
    expect(BINARY_NAMES.slice(0, 7)).toEqual(['add', 'sub', 'mul', 'div', 'pow', 'min', 'max']);
    expect(UNARY_NAMES.slice(0, 10)).toEqual([
      'neg',
      'square',
      'reciprocal',
      'sqrt',
      'exp',
      'log',
      'sin',
      'cos',
      'tanh',
      'abs',
    ]);
  });

  it('names, keys and spec names agree, with no duplicates', () => {
    expect(Object.keys(UNARY_SPECS)).toEqual([...UNARY_NAMES]);
    expect(Object.keys(BINARY_SPECS)).toEqual([...BINARY_NAMES]);
    expect(new Set([...UNARY_NAMES, ...BINARY_NAMES]).size).toBe(UNARY_NAMES.length + BINARY_NAMES.length);
    for (const [k, s] of Object.entries(UNARY_SPECS)) expect([s.name, s.arity]).toEqual([k, 1]);
    for (const [k, s] of Object.entries(BINARY_SPECS)) expect([s.name, s.arity]).toEqual([k, 2]);
  });

  it('every op named by the brief exists', () => {
    const unary =
      'neg square reciprocal sqrt cbrt exp expm1 log log1p log2 log10 sin cos tan asin acos atan sinh cosh tanh ' +
      'asinh acosh atanh abs sign erf erfc normalCdf normalInv floor ceil round trunc softplus sigmoid detach';
    const binary = 'add sub mul div pow atan2 hypot min max less lessEqual greater greaterEqual equal notEqual';
    expect(new Set(UNARY_NAMES)).toEqual(new Set(unary.split(' ')));
    expect(new Set(BINARY_NAMES)).toEqual(new Set(binary.split(' ')));
  });

  it('everything is frozen', () => {
    expect(Object.isFrozen(UNARY_SPECS)).toBe(true);
    expect(Object.isFrozen(BINARY_SPECS)).toBe(true);
    expect(Object.isFrozen(UNARY_NAMES)).toBe(true);
    expect(Object.isFrozen(BINARY_NAMES)).toBe(true);
    for (const s of [...unarySpecs, ...binarySpecs]) expect(Object.isFrozen(s), s.name).toBe(true);
  });

  it('domains are finite, non-empty intervals, and non-smooth ops document a convention', () => {
    for (const s of unarySpecs) {
      expect(s.domain[0] < s.domain[1] && Number.isFinite(s.domain[0]) && Number.isFinite(s.domain[1])).toBe(true);
      if (s.avoid || s.derivative === 'zero') expect(s.convention, s.name).toBeTruthy();
    }
    for (const s of binarySpecs) {
      for (const iv of [s.domain.a, s.domain.b]) expect(iv[0] < iv[1]).toBe(true);
      if (s.admissible && s.name !== 'div') expect(s.convention, s.name).toBeTruthy();
    }
    expect(coversGenericOps).toBe(true);
  });
});

describe('conventions at kinks and singular points', () => {
  const U = UNARY_SPECS;
  const B = BINARY_SPECS;
  const at = (s: UnarySpec, x: number) => ({ d: s.d(x, s.value(x)), d2: s.d2(x, s.value(x)) });

  it("abs'(0) = 0 (also at −0), and dGeneric agrees", () => {
    expect(Object.is(at(U.abs!, 0).d, 0)).toBe(true);
    expect(Object.is(at(U.abs!, -0).d, 0)).toBe(true);
    expect(num(U.abs!.dGeneric(NUM, 0, 0))).toBe(0);
    expect(at(U.abs!, -3).d).toBe(-1);
    expect(at(U.abs!, 3).d).toBe(1);
  });

  it('max and min ties: the first argument gets derivative 1, the second 0', () => {
    for (const s of [B.max!, B.min!]) {
      for (const v of [0, -0, 1.5, -7]) {
        expect([s.da(v, v, v), s.db(v, v, v)]).toEqual([1, 0]);
        expect(s.dGeneric(NUM, v, v, v).map((g) => num(g))).toEqual([1, 0]);
      }
    }
    expect([B.max!.da(2, 1, 2), B.max!.db(2, 1, 2)]).toEqual([1, 0]);
    expect([B.max!.da(1, 2, 2), B.max!.db(1, 2, 2)]).toEqual([0, 1]);
    expect([B.min!.da(2, 1, 1), B.min!.db(2, 1, 1)]).toEqual([0, 1]);
  });

  it('sign, floor, ceil, round, trunc have derivative 0 everywhere, jumps included', () => {
    for (const n of ['sign', 'floor', 'ceil', 'round', 'trunc']) {
      for (const x of [-2.5, -2, -0.5, -0, 0, 0.5, 1, 2.5, 3.7]) {
        expect(at(U[n]!, x)).toEqual({ d: 0, d2: 0 });
        expect(U[n]!.dGeneric(NUM, x, U[n]!.value(x))).toBe(0);
      }
    }
  });

  it('round is C round: halves away from zero, not Math.round', () => {
    const round = U.round!.value;
    expect(round(-2.5)).toBe(-3);
    expect(round(2.5)).toBe(3);
    expect(round(0.5)).toBe(1);
    expect(round(-0.5)).toBe(-1);
    expect(round(1.4999999999999998)).toBe(1);
    expect(round(0.49999999999999994)).toBe(0);
    expect(Object.is(round(-0.49999999999999994), -0)).toBe(true);
    expect(Object.is(round(-0.2), -0)).toBe(true);
    expect(round(2 ** 52 + 1)).toBe(2 ** 52 + 1);
    expect(round(-(2 ** 53))).toBe(-(2 ** 53));
    expect(round(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
    expect(round(Number.NaN)).toBeNaN();
    expect(round).toBe(roundHalfAwayFromZero);
  });

  it('round returns the nearest integer, halves away from zero, on random doubles', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), (x) => {
        const r = roundHalfAwayFromZero(x);
        expect(Number.isInteger(r)).toBe(true);
        expect(Math.abs(x - r)).toBeLessThanOrEqual(0.5);
        if (Math.abs(x - r) === 0.5) expect(Math.abs(r)).toBeGreaterThan(Math.abs(x));
      }),
      RUNS,
    );
  });

  it('hypot at the origin: partials 0 (plain and generic), second partials 0', () => {
    const h = B.hypot!;
    expect([h.da(0, 0, 0), h.db(0, 0, 0)]).toEqual([0, 0]);
    expect(h.d2(0, 0, 0)).toEqual([0, 0, 0]);
    expect(h.dGeneric(NUM, 0, 0, 0).map((g) => num(g))).toEqual([0, 0]);
    const [ga, gb] = h.dGeneric(DUAL, asValue(new Dual(0, 1)), asValue(new Dual(0, 0)), asValue(new Dual(0, 0)));
    expect([toDual(ga).v, toDual(gb).v]).toEqual([0, 0]);
  });

  it('pow: ∂a = 0 at b = 0, ∂b = 0 at a = 0 for b > 0, integer b with negative a', () => {
    const p = B.pow!;
    expect(p.da(0, 0, 1)).toBe(0);
    expect(p.da(-3, 0, 1)).toBe(0);
    expect(p.db(0, 2, 0)).toBe(0);
    expect(p.db(0, 0.5, 0)).toBe(0);
    expect(p.da(0, 2, 0)).toBe(0);
    expect(p.da(0, 0.5, 0)).toBe(Number.POSITIVE_INFINITY);
    expect(p.value(-2, 3)).toBe(-8);
    expect(p.da(-2, 3, -8)).toBe(12);
    expect(p.db(-2, 3, -8)).toBeNaN();
    expect(p.d2(0, 3, 0)).toEqual([0, 0, 0]);
    // The generic rule keeps the conventions for plain and for active operands.
    expect(p.dGeneric(NUM, 0, 0, 1).map((g) => num(g))).toEqual([0, 0]);
    expect(p.dGeneric(NUM, 0, 2, 0).map((g) => num(g))).toEqual([0, 0]);
    const [ga, gb] = p.dGeneric(DUAL, asValue(new Dual(0, 1)), asValue(new Dual(0, 0)), asValue(new Dual(1, 0)));
    expect(toDual(ga).v).toBe(0);
    expect(toDual(gb).v).toBe(0);
    const [, gb2] = p.dGeneric(DUAL, asValue(new Dual(0, 0)), asValue(new Dual(2, 1)), asValue(new Dual(0, 0)));
    expect(toDual(gb2).v).toBe(0);
  });

  it('singular slopes are reported honestly as ±Infinity', () => {
    expect(at(U.sqrt!, 0).d).toBe(Number.POSITIVE_INFINITY);
    expect(at(U.cbrt!, 0).d).toBe(Number.POSITIVE_INFINITY);
    expect(at(U.asin!, 1).d).toBe(Number.POSITIVE_INFINITY);
    expect(at(U.acos!, -1).d).toBe(Number.NEGATIVE_INFINITY);
    expect(at(U.acosh!, 1).d).toBe(Number.POSITIVE_INFINITY);
    expect(at(U.log!, 0).d).toBe(Number.POSITIVE_INFINITY);
    expect(at(U.normalInv!, 0).d).toBe(Number.POSITIVE_INFINITY);
    expect(at(U.normalInv!, 1).d).toBe(Number.POSITIVE_INFINITY);
  });

  it('comparisons: 1 or 0 with the right tie behaviour, derivative 0', () => {
    const v = (n: string, a: number, b: number) => B[n]!.value(a, b);
    expect([v('less', 1, 1), v('lessEqual', 1, 1), v('greater', 1, 1), v('greaterEqual', 1, 1)]).toEqual([0, 1, 0, 1]);
    expect([v('equal', 1, 1), v('notEqual', 1, 1), v('equal', 0, -0), v('notEqual', 1, 2)]).toEqual([1, 0, 1, 1]);
    expect([v('less', Number.NaN, 1), v('equal', Number.NaN, Number.NaN), v('notEqual', Number.NaN, 1)]).toEqual([
      0, 0, 1,
    ]);
    for (const n of ['less', 'lessEqual', 'greater', 'greaterEqual', 'equal', 'notEqual']) {
      expect([B[n]!.da(1, 1, v(n, 1, 1)), B[n]!.db(1, 1, v(n, 1, 1))]).toEqual([0, 0]);
    }
  });

  it('atan2: y = atan2(a, b) with a the ordinate; NaN partials at the origin', () => {
    const s = B.atan2!;
    expect(s.value(1, 0)).toBe(Math.PI / 2);
    expect([s.da(1, 0, Math.PI / 2), s.db(1, 0, Math.PI / 2)]).toEqual([0, -1]);
    expect(s.da(0, 0, 0)).toBeNaN();
  });
});

describe('numerically careful formulas in the tails', () => {
  const U = UNARY_SPECS;
  const d = (s: UnarySpec, x: number) => s.d(x, s.value(x));
  const rel = (got: number, want: number) => Math.abs(got - want) / Math.abs(want);

  it('sigmoid and softplus neither overflow nor lose their tails', () => {
    expect(sigmoid(800)).toBe(1);
    expect(sigmoid(-800)).toBe(0);
    expect(rel(sigmoid(-40), Math.exp(-40) / (1 + Math.exp(-40)))).toBeLessThan(1e-15);
    expect(softplus(1000)).toBe(1000);
    expect(rel(softplus(-40), Math.exp(-40))).toBeLessThan(1e-15);
    expect(rel(softplus(1e-10), Math.LN2 + 5e-11)).toBeLessThan(1e-15);
    // σ'(40) = e^{-40}/(1+e^{-40})² to full relative accuracy, where y(1 − y) would give 0.
    expect(rel(d(U.sigmoid!, 40), Math.exp(-40))).toBeLessThan(1e-14);
    expect(rel(U.softplus!.d2(40, softplus(40)), Math.exp(-40))).toBeLessThan(1e-14);
  });

  it("tanh' keeps relative accuracy where 1 − tanh² cancels, and never overflows", () => {
    expect(rel(d(U.tanh!, 20), 4 * Math.exp(-40))).toBeLessThan(1e-14);
    expect(d(U.tanh!, 1000)).toBe(0);
    expect(d(U.tanh!, 0)).toBe(1);
  });

  it("expm1' keeps e^x where y + 1 would round to 0", () => {
    expect(rel(d(U.expm1!, -40), Math.exp(-40))).toBeLessThan(1e-15);
  });

  it("asin' and atanh' near ±1 use (1 − x)(1 + x)", () => {
    const x = 1 - 2 ** -40;
    // Naive 1 − x·x is off by 2^-41 relative here (x·x rounds); (1 − x)(1 + x) is exact.
    expect(rel(d(U.asin!, x), 1 / Math.sqrt(2 ** -40 * (2 - 2 ** -40)))).toBeLessThan(1e-15);
    expect(rel(d(U.atanh!, x), 1 / (2 ** -40 * (2 - 2 ** -40)))).toBeLessThan(1e-15);
  });
});

describe('finite-difference helpers', () => {
  const rel = (got: number, want: number) => Math.abs(got - want) / Math.abs(want);

  it.each([
    ['exp at 1', (t: number) => Math.exp(1 + t), Math.E],
    ['sin at 2', (t: number) => Math.sin(2 + t), Math.cos(2)],
    ['log at 3', (t: number) => Math.log(3 + t), 1 / 3],
    ['1/(1+x²) at 0.7', (t: number) => 1 / (1 + (0.7 + t) ** 2), (-2 * 0.7) / (1 + 0.49) ** 2],
    ['atan at 5', (t: number) => Math.atan(5 + t), 1 / 26],
    ['x^7 at 1.3', (t: number) => (1.3 + t) ** 7, 7 * 1.3 ** 6],
  ] as const)('richardsonDerivative: %s to 1e-10 relative, with an honest error estimate', (_n, g, want) => {
    const r = richardsonDerivative(g);
    expect(rel(r.value, want)).toBeLessThan(1e-10);
    expect(r.error).toBeGreaterThanOrEqual(0);
    expect(r.error).toBeLessThan(1e-9 * Math.abs(want));
  });

  it('is exact on affine functions and honours h0', () => {
    expect(richardsonDerivative((t) => 3 * t + 2).value).toBeCloseTo(3, 14);
    const seen: number[] = [];
    richardsonDerivative((t) => {
      seen.push(t);
      return Math.sin(t);
    }, 1e-3);
    expect(Math.max(...seen.map(Math.abs))).toBe(1e-3);
  });

  it('rejects a non-positive or non-finite h0', () => {
    for (const h of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => richardsonDerivative(Math.sin, h)).toThrow(RangeError);
    }
  });

  it('reports NaN with infinite error when g is NaN', () => {
    const r = richardsonDerivative(() => Number.NaN);
    expect(r.value).toBeNaN();
    expect(r.error).toBe(Number.POSITIVE_INFINITY);
  });

  it('fdJvp: J(x)·v per component, without touching x or v', () => {
    const f = (x: Float64Array) => Float64Array.of(x[0]! * x[1]!, Math.sin(x[0]!), Math.exp(x[1]!) * x[2]!);
    const x = Float64Array.of(0.3, -1.2, 2.5);
    const v = Float64Array.of(1, 0.5, -2);
    const x0 = x.slice();
    const v0 = v.slice();
    const r = fdJvp(f, x, v);
    const want = [
      v[0]! * x[1]! + x[0]! * v[1]!,
      Math.cos(x[0]!) * v[0]!,
      Math.exp(x[1]!) * x[2]! * v[1]! + Math.exp(x[1]!) * v[2]!,
    ];
    for (let i = 0; i < 3; i++) {
      expect(rel(r.value[i]!, want[i]!)).toBeLessThan(1e-10);
      expect(r.error[i]!).toBeLessThan(1e-9 * Math.abs(want[i]!));
    }
    expect(x).toEqual(x0);
    expect(v).toEqual(v0);
  });

  it('fdJvp copes with an f that mutates its input or reuses its output buffer', () => {
    const out = new Float64Array(2);
    const f = (x: Float64Array) => {
      out[0] = x[0]! ** 2;
      out[1] = x[0]! * x[1]!;
      x.fill(Number.NaN);
      return out;
    };
    const r = fdJvp(f, Float64Array.of(2, 3), Float64Array.of(1, 1));
    expect(rel(r.value[0]!, 4)).toBeLessThan(1e-10);
    expect(rel(r.value[1]!, 5)).toBeLessThan(1e-10);
  });

  it('fdJvp rejects x and v of different lengths', () => {
    expect(() => fdJvp((x) => x, new Float64Array(2), new Float64Array(3))).toThrow(RangeError);
  });
});
