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
  type ActiveVec,
  add,
  concat,
  div,
  exp,
  gather,
  mul,
  neg,
  type Real,
  record,
  setCompilation,
  sub,
  sum,
  type Value,
  type Vec,
} from '../src/index.js';
import { giveSweepBuffer, takeSweepBuffer } from '../src/tape/pool.js';
import { expectBitwise } from './support/numeric.js';
import { propSeed } from './support/prop-seed.js';
import {
  BINARY,
  num,
  type Program,
  programArb,
  runSteps,
  type Step,
  stepArb,
  UNARY,
  vec,
} from './support/vector-programs.js';

const RUNS = { numRuns: Number(process.env.PROP_RUNS ?? 1500), seed: propSeed(0xc0de) };

/** Runs the program on x; returns its output (a scalar, a vector, or an array of scalars). */
function run(p: Program, x: ActiveVec): Value | readonly Real[] {
  const { vecs, scalars } = runSteps(p, x);
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
    expect(withTail / total).toBeGreaterThan(0.05); // about 0.15; 0.1 with some seeds
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
