/**
 * Compiled kernels against the interpreter, bitwise, on random vector programs.
 *
 * A program is a list of steps over an active input vector of length 1–7, built to make long runs
 * of elementwise vector instructions: unary and binary ops on vectors of one length whose operands
 * are earlier results (the same one twice, too), slices at offsets, broadcast active scalars,
 * numbers (0 and −0 among them) and constant vectors, with sums, dots, gathers, concatenations,
 * selects and scalar ops in between. Ops are used on any domain: NaN and ±Infinity appear and must
 * match too, and inputs, directions and cotangents contain 0 and −0, so the zero-tangent and
 * zero-adjoint rules (and signed zeros) are exercised.
 *
 * Property: record(f, x0) (interpreter) and record(f, x0).compile() give Object.is-identical values,
 * JVPs (p = 1 and 3), VJPs (q = 1 and 2) and gradients at a new point, and the compiled reverse
 * sweep leaves the pooled adjoint buffer zeroed. Runs are bounded and seeded.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Active,
  ActiveVec,
  abs,
  add,
  atan2,
  concat,
  div,
  dot,
  exp,
  expm1,
  floor,
  gather,
  greater,
  hypot,
  log,
  max,
  min,
  mul,
  neg,
  pow,
  type Real,
  reciprocal,
  record,
  select,
  setCompilation,
  sigmoid,
  sin,
  sqrt,
  square,
  sub,
  sum,
  tanh,
  type Value,
  type Vec,
} from '../src/index.js';
import { giveSweepBuffer, takeSweepBuffer } from '../src/tape/pool.js';
import { expectBitwise } from './support/numeric.js';

const RUNS = { numRuns: Number(process.env.PROP_RUNS ?? 1500), seed: Number(process.env.PROP_SEED ?? 0xc0de) };

const UNARY: readonly ((v: Value) => Value)[] = [
  neg,
  square,
  exp,
  sin,
  log,
  sqrt,
  tanh,
  abs,
  reciprocal,
  sigmoid,
  floor,
  expm1,
];
const BINARY: readonly ((a: Value, b: Value) => Value)[] = [
  add,
  sub,
  mul,
  add,
  sub,
  mul,
  div,
  pow,
  min,
  max,
  atan2,
  hypot,
];

/** Special values: signed zeros, ±1, and a few ordinary numbers. */
const SPECIAL = [0, -0, 1, -1, 0.5, -2, 3];
const num = fc.oneof(
  fc.constantFrom(...SPECIAL),
  fc.integer({ min: -3 * 2 ** 10, max: 3 * 2 ** 10 }).map((i) => i / 2 ** 10),
);

interface Step {
  readonly k: number;
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly d: number;
  readonly cst: number;
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  k: fc.nat(20),
  a: fc.nat(1 << 16),
  b: fc.nat(1 << 16),
  c: fc.nat(1 << 16),
  d: fc.nat(1 << 16),
  cst: num,
});

interface Program {
  readonly n: number;
  readonly steps: readonly Step[];
  readonly outKind: number;
  readonly x0: Float64Array;
  readonly x1: Float64Array;
  readonly dirs: Float64Array[];
  readonly cots: Float64Array[];
}

const vec = (n: number) => fc.array(num, { minLength: n, maxLength: n }).map((a) => Float64Array.from(a));

const programArb: fc.Arbitrary<Program> = fc.integer({ min: 1, max: 7 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    steps: fc.array(stepArb, { minLength: 3, maxLength: 30 }),
    outKind: fc.nat(3),
    x0: vec(n),
    x1: vec(n),
    dirs: fc.array(vec(n), { minLength: 3, maxLength: 3 }),
    cots: fc.array(vec(16), { minLength: 2, maxLength: 2 }),
  }),
);

/** Runs the program on x; returns its output (a scalar, a vector, or an array of scalars). */
function run(p: Program, x: ActiveVec): Value | readonly Real[] {
  const vecs: ActiveVec[] = [x];
  const scalars: Real[] = [x.at(0)];
  const recent = (r: number): ActiveVec => vecs[vecs.length - 1 - (r % Math.min(vecs.length, 3))]!;
  const scalar = (r: number): Real => {
    if (r % 3 === 0) {
      const v = recent(r >>> 2);
      return v.at((r >>> 4) % v.length);
    }
    return scalars[scalars.length - 1 - ((r >>> 2) % scalars.length)]!;
  };
  /** An operand of length n: a pool vector, a slice at an offset, or a gather when none is long enough. */
  const ofLength = (r: number, n: number): ActiveVec => {
    for (let t = 0; t < vecs.length; t++) {
      const w = vecs[vecs.length - 1 - ((r + t) % vecs.length)]!;
      if (w.length === n) return w;
      if (w.length > n) {
        const s = (r >>> 3) % (w.length - n + 1);
        return w.slice(s, s + n);
      }
    }
    const w = recent(r);
    return gather(
      w,
      Array.from({ length: n }, (_, i) => (i + r) % w.length),
    ) as ActiveVec;
  };
  const constVec = (n: number, c: number) =>
    Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? c : i % 3 === 1 ? -0 : c * 0.5 + i));
  const pushV = (v: Value): void => {
    if (v instanceof ActiveVec) vecs.push(v);
    else if (v instanceof Active) scalars.push(v);
  };
  for (const s of p.steps) {
    const k = s.k;
    if (k < 9) {
      // binary vector op
      const f = BINARY[s.b % BINARY.length]!;
      const a = recent(s.a);
      let b: Value;
      switch (s.c % 6) {
        case 0:
          b = a;
          break;
        case 1:
        case 5:
          b = ofLength(s.d, a.length);
          break;
        case 2:
          b = scalar(s.d);
          break;
        case 3:
          b = s.cst;
          break;
        default:
          b = constVec(a.length, s.cst);
      }
      pushV(s.d % 2 === 0 ? f(a, b) : f(b, a));
    } else if (k < 13) {
      pushV(UNARY[s.b % UNARY.length]!(recent(s.a)));
    } else if (k === 13) {
      // a slice view at an offset (not an instruction)
      const v = recent(s.a);
      if (v.length >= 2) {
        const st = s.b % v.length;
        vecs.push(v.slice(st, st + 1 + (s.c % (v.length - st))));
      }
    } else if (k === 14) {
      const v = recent(s.a);
      scalars.push(s.b % 2 === 0 ? sum(v) : dot(v, ofLength(s.d, v.length)));
    } else if (k === 15) {
      const v = recent(s.a);
      vecs.push(
        gather(
          v,
          Array.from({ length: 1 + (s.c % 6) }, (_, i) => (s.b + 3 * i) % v.length),
        ) as ActiveVec,
      );
    } else if (k === 16) {
      const parts: Value[] = [recent(s.a), scalar(s.b)];
      if (s.c % 2 === 0) parts.push(s.cst);
      if (s.c % 3 === 0) parts.push(recent(s.d));
      vecs.push(concat(parts) as ActiveVec);
    } else if (k === 17) {
      const f = BINARY[s.b % BINARY.length]!;
      scalars.push(f(scalar(s.a), s.c % 2 === 0 ? scalar(s.d) : s.cst) as Real);
    } else if (k === 18) {
      const v = recent(s.a);
      const w = ofLength(s.d, v.length);
      pushV(select(greater(v, w), v, s.c % 2 === 0 ? w : s.cst));
    } else if (k === 20) {
      // a stencil (Rosenbrock's pattern): one vector read at offsets 1 and 0 by consecutive ops
      const v = recent(s.a);
      if (v.length >= 2) {
        const lo = v.slice(0, v.length - 1);
        const t = sub(v.slice(1), square(lo));
        pushV(mul(t, sub(s.cst, lo)));
      }
    } else {
      // a broadcast of an earlier run output: a vector op with one element of a recent vector
      const v = recent(s.a);
      pushV(mul(v, v.at(s.b % v.length)));
    }
  }
  const last = vecs[vecs.length - 1]!;
  if (p.outKind === 0) return sum(last);
  if (p.outKind === 1) return last;
  if (p.outKind === 2) return [scalars[scalars.length - 1]!, last.at(0), sum(last)];
  // Earlier values read again at the end: their adjoints are not 0 when the runs' reverse begins.
  return [sum(last), sum(x), sum(vecs[Math.min(1, vecs.length - 1)]!)];
}

function asArray(v: number | Float64Array): Float64Array {
  return typeof v === 'number' ? Float64Array.of(v) : v;
}

function compare(p: Program, saveExpensive = false): void {
  const f = (x: ActiveVec) => run(p, x) as Vec;
  const F = record(f, p.x0);
  const G = record(f, p.x0).compile({ saveExpensive });
  expect(G.compiled).toBe(true);
  const m = F.outputLength;
  expectBitwise(asArray(G.value(p.x1)), asArray(F.value(p.x1)), 'value');
  expectBitwise(asArray(G.jvp(p.x1, p.dirs[0]!)), asArray(F.jvp(p.x1, p.dirs[0]!)), 'jvp');
  const J3 = F.jvp(p.x1, p.dirs);
  G.jvp(p.x1, p.dirs).forEach((t, k) => {
    expectBitwise(t, J3[k]!, `jvp[${k}]`);
  });
  const U = p.cots.map((u) => Float64Array.from({ length: m }, (_, i) => u[i % u.length]!));
  expectBitwise(G.vjp(p.x1, [U[0]!])[0]!, F.vjp(p.x1, [U[0]!])[0]!, 'vjp');
  const A2 = F.vjp(p.x1, U);
  G.vjp(p.x1, U).forEach((a, k) => {
    expectBitwise(a, A2[k]!, `vjp[${k}]`);
  });
  if (G.scalarOutput) {
    expectBitwise(G.gradient(p.x1) as Float64Array, F.gradient(p.x1) as Float64Array, 'gradient');
    // The compiled reverse sweep leaves the pooled adjoint buffer zeroed (the interpreter's contract).
    const size = G.stats().slots;
    const buf = takeSweepBuffer(size);
    let clean = true;
    for (let i = 0; i < size; i++) if (!Object.is(buf[i], 0)) clean = false;
    giveSweepBuffer(buf, clean);
    expect(clean).toBe(true);
  }
}

describe('compiled kernels equal the interpreter bitwise', () => {
  afterEach(() => setCompilation(true));

  it('on random vector programs (value, JVP p = 1 and 3, VJP q = 1 and 2, gradient)', () => {
    fc.assert(
      fc.property(programArb, (p) => {
        compare(p);
      }),
      RUNS,
    );
  });

  it('with saveExpensive (expensive intermediates stored by the value sweep, loaded by the others)', () => {
    fc.assert(
      fc.property(programArb, (p) => {
        compare(p, true);
      }),
      { ...RUNS, numRuns: Math.ceil(RUNS.numRuns / 3) },
    );
  });

  it('produces runs on most programs (the property is not vacuous)', () => {
    let withRuns = 0;
    let total = 0;
    fc.assert(
      fc.property(programArb, (p) => {
        const G = record((x: ActiveVec) => run(p, x) as Vec, p.x0).compile();
        total++;
        if (G.compileStats!.runs > 0) withRuns++;
      }),
      { ...RUNS, numRuns: 100 },
    );
    expect(withRuns / total).toBeGreaterThan(0.5);
  });
});
