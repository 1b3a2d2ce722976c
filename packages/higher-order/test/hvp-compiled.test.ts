/**
 * The compiled HVP (src/compile-hvp/) against the interpreter, bitwise, on random vector programs
 * (core's generator, test/support/vector-programs.ts, with scalar outputs: a closing sum, a scalar
 * tail after it, one element of a vector, earlier values read again at the end). Ops are used on
 * any domain: NaN and ±Infinity appear and must match too; points and directions contain 0 and −0,
 * so the zero-tangent and zero-adjoint rules and signed zeros are exercised.
 *
 * Property: hvp(f, x, v) and recordHessian(f, x0).hvp(x1, v) give Object.is-identical entries with
 * compilation on (compiled kernels, cached by structure) and off (the interpreter), for two
 * directions at once, and the sweeps leave the pooled adjoint buffers zeroed. Bounded and seeded.
 */
import {
  type ActiveVec,
  add,
  exp,
  mul,
  type Real,
  setCompilation,
  setDebugNonFinite,
  sin,
  square,
  sub,
  sum,
} from '@wengert/core';
import { giveSweepBuffer, recordCall, takeSweepBuffer } from '@wengert/core/internals';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type Program, programArb, runSteps } from '../../core/test/support/vector-programs.js';
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

/** Runs the program on x; returns its scalar output. */
function run(p: Program, x: ActiveVec): Real {
  const { vecs, scalars } = runSteps(p, x);
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
