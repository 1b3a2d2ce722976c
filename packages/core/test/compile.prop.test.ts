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
  // Six directions as a sparse Jacobian seeds them (0/1 columns, −0 among the zeros) plus two
  // general ones: the forward kernels for p = 6 (branch-free, with their exact fallback).
  const n = p.x1.length;
  const D6: Float64Array[] = [0, 1, 2, 3].map((k) =>
    Float64Array.from({ length: n }, (_, i) => (i % 4 === k ? 1 : (i + k) % 3 === 0 ? -0 : 0)),
  );
  D6.push(p.dirs[1]!, p.dirs[2]!);
  const J6 = F.jvp(p.x1, D6);
  G.jvp(p.x1, D6).forEach((t, k) => {
    expectBitwise(t, J6[k]!, `jvp6[${k}]`);
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

// ---------------------------------------------------------------------------------------------
// Programs the fused gradient kernel takes: one run of elementwise ops over the input vector
// (slices of it at offsets 0 and 1, broadcast input entries, numbers, constant vectors) closed by
// the sum that is the output. Points include non-finite entries (the same DomainError) and values
// whose partials are not finite (the branch-free kernel hands over to the exact one).

interface FusedProgram {
  readonly n: number;
  readonly sh: number;
  readonly steps: readonly Step[];
  /** A scalar tail after the sum (the Asian option's discounting): none when empty. */
  readonly tail: readonly Step[];
  readonly x0: Float64Array;
  readonly x1: Float64Array;
}

const wild = fc.oneof(
  { weight: 12, arbitrary: num },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY) },
);
const fusedArb: fc.Arbitrary<FusedProgram> = fc.integer({ min: 2, max: 8 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    sh: fc.nat(1),
    steps: fc.array(stepArb, { minLength: 2, maxLength: 16 }),
    tail: fc.oneof(fc.constant([]), fc.array(stepArb, { minLength: 1, maxLength: 5 })),
    x0: vec(n),
    x1: fc.array(wild, { minLength: n, maxLength: n }).map((a) => Float64Array.from(a)),
  }),
);

function runFused(p: FusedProgram, x: ActiveVec): Real {
  const L = p.n - p.sh;
  // Scalars made before the run, for a tail only (a tail reading what the run reads cannot fuse).
  const pre: Real[] = p.tail.length > 0 ? [mul(x.at(0), 0.5), exp(neg(x.at(p.n - 1)))] : [];
  const pool: Value[] = [x.slice(0, L), x.slice(p.sh, p.sh + L)];
  const pick = (r: number): Value => pool[pool.length - 1 - (r % Math.min(pool.length, 4))]!;
  for (const s of p.steps) {
    if (s.k % 3 === 2) {
      pool.push(UNARY[s.b % UNARY.length]!(pick(s.a)));
      continue;
    }
    const a = pick(s.a);
    let b: Value;
    switch (s.c % 5) {
      case 0:
        b = s.cst;
        break;
      case 1:
        b = x.at(s.d % p.n);
        break;
      case 2:
        b = Float64Array.from({ length: L }, (_, i) => (i % 2 === 0 ? s.cst : -0));
        break;
      default:
        b = pick(s.d);
    }
    const f = BINARY[s.b % BINARY.length]!;
    pool.push(s.d % 2 === 0 ? f(a, b) : f(b, a));
  }
  // Scalar tail: mostly linear in the sum (add, sub, neg, products with values made without it),
  // sometimes not (a product of two sum-made values, exp, a division by it).
  let y: Real = sum(pool[pool.length - 1] as Vec);
  const made: Real[] = [y];
  for (const s of p.tail) {
    const other: Real = s.c % 4 === 0 ? s.cst : s.c % 4 === 1 ? x.at(s.d % p.n) : pre[s.c % 2]!;
    const w = made[made.length - 1 - (s.a % made.length)]!;
    switch (s.k % 8) {
      case 0:
        y = add(w, other);
        break;
      case 1:
        y = sub(other, w);
        break;
      case 2:
        y = neg(w);
        break;
      case 3:
      case 4:
        y = mul(s.b % 2 === 0 ? exp(other) : other, w);
        break;
      case 5:
        y = mul(w, made[s.b % made.length]!);
        break;
      case 6:
        y = exp(w);
        break;
      default:
        y = div(other, w);
    }
    made.push(y);
  }
  return y;
}

function outcome(f: () => number | Float64Array): Float64Array | string {
  try {
    const v = f();
    return typeof v === 'number' ? Float64Array.of(v) : v;
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

describe('the fused gradient kernel equals the interpreter bitwise', () => {
  afterEach(() => setCompilation(true));

  it('on random one-run programs with scalar tails (gradient, value after it, DomainError on non-finite points)', () => {
    let fusedCount = 0;
    let withTail = 0;
    let total = 0;
    fc.assert(
      fc.property(fusedArb, (p) => {
        const f = (x: ActiveVec) => runFused(p, x);
        const F = record(f, p.x0);
        const G = record(f, p.x0).compile();
        total++;
        if (G.compileStats!.fusedGradient) fusedCount++;
        if (G.compileStats!.fusedGradient && p.tail.length > 0) withTail++;
        for (const x of [p.x1, p.x0]) {
          const want = outcome(() => F.gradient(x) as Float64Array);
          const got = outcome(() => G.gradient(x) as Float64Array);
          if (typeof want === 'string' || typeof got === 'string') expect(got).toEqual(want);
          else {
            expectBitwise(got, want, 'gradient');
            expect(Object.is(G.valueAndGradient(x)[0], F.value(x))).toBe(true);
          }
        }
      }),
      RUNS,
    );
    // Half the programs have no tail; about half the tails are linear in the sum.
    expect(fusedCount / total).toBeGreaterThan(0.4);
    expect(withTail / total).toBeGreaterThan(0.1);
  });
});

// ---------------------------------------------------------------------------------------------
// Programs the direct forward kernel takes (Bratu's shape): the input padded with numbers, one run
// of gathers (of the padded copy or of the input) and elementwise ops whose last result is the
// output vector. JVPs for p = 1, 3 and 6 (sparse 0/1 seeds), points with non-finite entries.

function runStencil(p: FusedProgram, x: ActiveVec): Vec {
  const n = p.n;
  const padded = concat(p.sh === 0 ? [x, p.x0[0]!] : [p.x0[1]!, x, 0]) as ActiveVec;
  const pool: Value[] = [x];
  const pick = (r: number): Value => pool[pool.length - 1 - (r % Math.min(pool.length, 4))]!;
  for (const s of p.steps) {
    if (s.k % 4 === 3) {
      const src = s.c % 3 === 0 ? x : padded;
      const len = src.length;
      pool.push(
        gather(
          src,
          Array.from({ length: n }, (_, i) => (i * (1 + (s.b % 3)) + s.d) % len),
        ),
      );
      continue;
    }
    if (s.k % 4 === 2) {
      pool.push(UNARY[s.b % UNARY.length]!(pick(s.a)));
      continue;
    }
    const f = BINARY[s.b % BINARY.length]!;
    const b: Value = s.c % 3 === 0 ? s.cst : s.c % 3 === 1 ? x.at(s.d % n) : pick(s.d);
    pool.push(s.d % 2 === 0 ? f(pick(s.a), b) : f(b, pick(s.a)));
  }
  return pool[pool.length - 1] as Vec;
}

describe('the direct forward kernel equals the interpreter bitwise', () => {
  afterEach(() => setCompilation(true));

  it('on random stencil programs (JVP p = 1, 3, 6; non-finite points)', () => {
    let direct = 0;
    let total = 0;
    fc.assert(
      fc.property(fusedArb, (p) => {
        const f = (x: ActiveVec) => runStencil(p, x);
        const F = record(f, p.x0);
        const G = record(f, p.x0).compile();
        if (F.scalarOutput) return;
        const n = p.n;
        const dirs = [1, 3, 6].map((q) =>
          Array.from({ length: q }, (_, k) =>
            Float64Array.from({ length: n }, (_, i) => (q === 6 ? (i % 3 === k % 3 ? 1 : -0) : ((i + k) % 3) - 1)),
          ),
        );
        for (const x of [p.x0, p.x1]) {
          for (const D of dirs) {
            const want = outcome(() => Float64Array.from(F.jvp(x, D).flatMap((t) => [...t])));
            const got = outcome(() => Float64Array.from(G.jvp(x, D).flatMap((t) => [...t])));
            if (typeof want === 'string' || typeof got === 'string') expect(got).toEqual(want);
            else expectBitwise(got, want, `jvp p = ${D.length}`);
          }
        }
        total++;
        if (G.compileStats!.directForward) direct++;
      }),
      RUNS,
    );
    expect(direct / total).toBeGreaterThan(0.5);
  });
});

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

  it('produces runs on most programs, fused gathers on many (the property is not vacuous)', () => {
    let withRuns = 0;
    let withGathers = 0;
    let buffered = 0;
    let total = 0;
    fc.assert(
      fc.property(programArb, (p) => {
        const G = record((x: ActiveVec) => run(p, x) as Vec, p.x0).compile();
        G.vjp(p.x1, [Float64Array.from({ length: G.outputLength }, () => 1)]);
        total++;
        const s = G.compileStats!;
        if (s.runs > 0) withRuns++;
        if (s.gathers > 0) withGathers++;
        if (s.gathers > 0 && s.bufferedUses > 0) buffered++;
      }),
      { ...RUNS, numRuns: 200 },
    );
    expect(withRuns / total).toBeGreaterThan(0.5);
    expect(withGathers / total).toBeGreaterThan(0.25);
    expect(buffered / total).toBeGreaterThan(0.05);
  });
});
