/**
 * The compiled HVP (src/compile-hvp/) against the interpreter, bitwise, on random vector programs
 * (the generator of core's test/compile.prop.test.ts, with scalar outputs: a closing sum, a scalar
 * tail after it, one element of a vector, earlier values read again at the end). Ops are used on
 * any domain: NaN and ±Infinity appear and must match too; points and directions contain 0 and −0,
 * so the zero-tangent and zero-adjoint rules and signed zeros are exercised.
 *
 * Property: hvp(f, x, v) and recordHessian(f, x0).hvp(x1, v) give Object.is-identical entries with
 * compilation on (compiled kernels, cached by structure) and off (the interpreter), for two
 * directions at once, and the sweeps leave the pooled adjoint buffers zeroed. Bounded and seeded.
 */
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
  select,
  setCompilation,
  setDebugNonFinite,
  sigmoid,
  sin,
  sqrt,
  square,
  sub,
  sum,
  tanh,
  type Value,
} from '@wengert/core';
import { giveSweepBuffer, recordCall, takeSweepBuffer } from '@wengert/core/internals';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { hvpCacheSize } from '../src/compile-hvp/key.js';
import { HvpProgram } from '../src/compile-hvp/program.js';
import { hvp, recordHessian } from '../src/index.js';

/** Vector Rosenbrock (as tools/bench): 7 elementwise instructions and a sum. */
const rosen = {
  rosenbrockVector(x: ActiveVec): Real {
    const a = x.slice(0, -1);
    const t = sub(x.slice(1), mul(a, a));
    const u = sub(1, a);
    return sum(add(mul(100, mul(t, t)), mul(u, u)) as ActiveVec);
  },
};

const RUNS = { numRuns: Number(process.env.PROP_RUNS ?? 400), seed: Number(process.env.PROP_SEED ?? 0x4e55) };

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
  k: fc.nat(24),
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
}

const vec = (n: number) => fc.array(num, { minLength: n, maxLength: n }).map((a) => Float64Array.from(a));

const programArb: fc.Arbitrary<Program> = fc.integer({ min: 1, max: 7 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    steps: fc.array(stepArb, { minLength: 3, maxLength: 30 }),
    outKind: fc.nat(3),
    x0: vec(n),
    x1: vec(n),
    dirs: fc.array(vec(n), { minLength: 2, maxLength: 2 }),
  }),
);

/** Runs the program on x; returns its output (a scalar, a vector, or an array of scalars). */
function run(p: Program, x: ActiveVec): Real {
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
    } else if (k === 21 || k === 22) {
      // Bratu's stencil: neighbours gathered from a padded copy (concat with a number), several
      // gathers of one source (duplicates and the pad index among the indices) inside one run
      const v = recent(s.a);
      const m = v.length;
      const padded = concat([v, s.cst]) as ActiveVec;
      const ix = (sh: number) => Array.from({ length: m }, (_, i) => ((i * 7 + sh) % (m + 2)) % (m + 1));
      let lap = mul(s.c % 2 === 0 ? 4 : v.at(0), v);
      for (let g = 0; g < 1 + (s.b % 4); g++) lap = sub(lap, gather(padded, ix(s.d + 3 * g)));
      pushV(k === 21 ? lap : sub(mul(lap, 3), mul(s.cst, exp(v))));
    } else if (k === 23) {
      // a gather of a vector that the run also reads elementwise (its adjoint mixes both uses)
      const v = recent(s.a);
      const w = gather(
        v,
        Array.from({ length: v.length }, (_, i) => (i * (1 + (s.b % 3)) + s.c) % v.length),
      );
      pushV(s.d % 2 === 0 ? mul(w, v) : add(sub(v, w), mul(w, w)));
    } else if (k === 24) {
      // a gather of the input itself, of another length (starts a run of that length)
      const len = 1 + (s.b % 8);
      const w = gather(
        x,
        Array.from({ length: len }, (_, i) => (i + s.c) % x.length),
      ) as ActiveVec;
      pushV(mul(sin(w), w));
    } else {
      // a broadcast of an earlier run output: a vector op with one element of a recent vector
      const v = recent(s.a);
      pushV(mul(v, v.at(s.b % v.length)));
    }
  }
  const last = vecs[vecs.length - 1]!;
  if (p.outKind === 0) return sum(last);
  // A scalar tail after the closing sum, reading an earlier scalar too.
  if (p.outKind === 1) return add(mul(sum(last), scalars[scalars.length - 1]!), square(last.at(0)));
  if (p.outKind === 2) return last.at(last.length - 1);
  // Earlier values read again at the end: their adjoints are not 0 when the runs' reverse begins.
  return add(add(sum(last), sum(mul(x, x))), sum(vecs[Math.min(1, vecs.length - 1)]!));
}

function expectSame(got: Float64Array, want: Float64Array, what: string): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) throw new Error(`${what}[${i}]: compiled ${got[i]}, interpreter ${want[i]}`);
  }
}

/** The pooled sweep buffers of this size come back zeroed (the sweeps' contract). */
function expectCleanBuffers(size: number): void {
  const bufs = [takeSweepBuffer(size), takeSweepBuffer(size)];
  let clean = true;
  for (const b of bufs) for (let i = 0; i < size; i++) if (!Object.is(b[i], 0)) clean = false;
  for (const b of bufs) giveSweepBuffer(b, clean);
  expect(clean).toBe(true);
}

let compiledPrograms = 0;
let forwardKernels = 0;
let bufferedUses = 0;

function compare(p: Program): void {
  const f = (x: ActiveVec) => run(p, x);
  // Interpreter references (compilation off).
  setCompilation(false);
  const want = hvp(f, p.x1, p.dirs) as Float64Array[];
  const Fi = recordHessian(f, p.x0);
  const wantRec = Fi.hvp(p.x1, p.dirs);
  setCompilation(true);
  const rec = recordCall(f, p.x1, [], 'test');
  const size = rec.tape.slots.size;
  const prog = HvpProgram.compile(rec);
  if (prog !== null) {
    compiledPrograms++;
    forwardKernels += prog.stats.forwardKernels;
    bufferedUses += prog.stats.bufferedUses;
  }
  rec.tape.recycle();
  // Compiled: the one-shot hvp (twice: the second call hits the structural cache) and recordHessian.
  for (let rep = 0; rep < 2; rep++) {
    const got = hvp(f, p.x1, p.dirs) as Float64Array[];
    for (const [k, g] of got.entries()) expectSame(g, want[k]!, `hvp dir ${k} (call ${rep})`);
  }
  expectCleanBuffers(size);
  const F = recordHessian(f, p.x0);
  const got = F.hvp(p.x1, p.dirs);
  for (const [k, g] of got.entries()) expectSame(g, wantRec[k]!, `recordHessian hvp dir ${k}`);
  expectCleanBuffers(F.stats().slots);
}

afterEach(() => setCompilation(true));

describe('compiled HVP', () => {
  it('equals the interpreter bitwise on random vector programs', () => {
    compiledPrograms = 0;
    forwardKernels = 0;
    bufferedUses = 0;
    fc.assert(
      fc.property(programArb, (p) => {
        compare(p);
      }),
      RUNS,
    );
    // Most programs have runs: the kernels were exercised, not just the fallback.
    expect(compiledPrograms).toBeGreaterThan(RUNS.numRuns / 4);
    // … including runs whose tangents later instructions read, and reordered (buffered) adjoints.
    expect(forwardKernels).toBeGreaterThan(0);
    expect(bufferedUses).toBeGreaterThan(0);
  }, 60_000);

  it('fuses vector Rosenbrock and caches its kernels by structure', () => {
    const n = 50;
    const x = Float64Array.from({ length: n }, (_, i) => -1.2 + 0.05 * i);
    const v = Float64Array.from({ length: n }, (_, i) => 1 + 0.5 * ((i % 3) - 1));
    const rec = recordCall(rosen.rosenbrockVector, x, [], 'test');
    const prog = HvpProgram.compile(rec);
    rec.tape.recycle();
    expect(prog).not.toBeNull();
    expect(prog!.stats.runs).toBe(1);
    expect(prog!.stats.fusedInstructions).toBe(8);
    // The last run: no tangents need writing (nothing after it reads them).
    expect(prog!.stats.forwardKernels).toBe(0);
    const got = hvp(rosen.rosenbrockVector, x, v);
    const size = hvpCacheSize();
    const again = hvp(rosen.rosenbrockVector, x, v);
    expect(hvpCacheSize()).toBe(size);
    setCompilation(false);
    const want = hvp(rosen.rosenbrockVector, x, v);
    expectSame(got, want, 'rosenbrock');
    expectSame(again, want, 'rosenbrock (cached)');
  });

  it('falls back to the interpreter when compilation is off', () => {
    const f = (x: ActiveVec): Real => sum(mul(sin(x), x));
    const x = Float64Array.of(0.5, -1, 2);
    const v = Float64Array.of(1, 0, -0.5);
    setCompilation(false);
    const before = hvpCacheSize();
    const a = hvp(f, x, v);
    expect(hvpCacheSize()).toBe(before); // no lookup, no compile
    setCompilation(true);
    expectSame(hvp(f, x, v), a, 'sin·x');
  });

  it('tapes that differ only in constants share a program and read their own constants', () => {
    const f =
      (c: number) =>
      (x: ActiveVec): Real =>
        sum(mul(c, mul(sin(x), add(x, c))));
    const x = Float64Array.of(0.5, -1, 2, 0.25);
    const v = Float64Array.of(1, 0, -0.5, 2);
    const got = [3, -0, 7.5].map((c) => hvp(f(c), x, v));
    setCompilation(false);
    [3, -0, 7.5].forEach((c, k) => {
      expectSame(got[k]!, hvp(f(c), x, v), `c = ${c}`);
    });
  });

  it('uses the interpreter in debug mode (setDebugNonFinite)', () => {
    const f = (x: ActiveVec): Real => sum(mul(exp(x), x));
    const x = Float64Array.of(0.5, -1, 2);
    const v = Float64Array.of(1, 0, -0.5);
    const want = hvp(f, x, v);
    setDebugNonFinite(true);
    try {
      expectSame(hvp(f, x, v), want, 'debug');
    } finally {
      setDebugNonFinite(false);
    }
  });

  it('interpreted stretches crossing instruction chunks (65 536 instructions each)', () => {
    // Scalar code before and after a run: the stretches start and end inside chunks.
    const f = (x: ActiveVec): Real => {
      let s: Real = x.at(0);
      for (let i = 0; i < 40_000; i++) s = add(mul(s, 0.999), sin(x.at(i % x.length)));
      const r = sum(mul(exp(mul(x, s)), x));
      let u: Real = r;
      for (let i = 0; i < 40_000; i++) u = add(mul(u, 0.5), mul(x.at(i % x.length), r));
      return u;
    };
    const x = Float64Array.of(0.1, -0.2, 0.3);
    const v = Float64Array.of(1, -0.5, 0.25);
    const rec = recordCall(f, x, [], 'test');
    expect(rec.tape.nInstr).toBeGreaterThan(2 * 65_536);
    expect(HvpProgram.compile(rec)?.stats.runs).toBe(1);
    rec.tape.recycle();
    const got = hvp(f, x, v);
    setCompilation(false);
    expectSame(got, hvp(f, x, v), 'long tape');
  });

  it('the structural cache is bounded', () => {
    for (let n = 2; n < 40; n++) {
      const x = new Float64Array(n).fill(0.3);
      hvp((z: ActiveVec) => sum(mul(exp(z), z)), x, x);
    }
    expect(hvpCacheSize()).toBeLessThanOrEqual(16);
  });
});
