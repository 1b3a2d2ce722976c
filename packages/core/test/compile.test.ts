/**
 * Compiled kernels (`RecordedFunction.compile`, `compile`, `setCompilation`): what gets fused,
 * bitwise equality with the interpreter on the benchmark shapes (Rosenbrock's stencil, the Asian
 * option's broadcast scalars), the fallback when code generation is not allowed, the off switches,
 * debug mode, branch checks on fused values, and the written-out partials against the specs.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { setFunctionConstructorForTests } from '../src/compile/program.js';
import { binaryD, unaryD } from '../src/compile/rules.js';
import {
  type ActiveVec,
  add,
  BINARY_SPECS,
  BranchChangeError,
  compile,
  concat,
  DomainError,
  exp,
  gather,
  isCompilationEnabled,
  log,
  lt,
  max,
  mul,
  NonFiniteError,
  type Real,
  type RecordedFunction,
  record,
  ShapeError,
  setCompilation,
  setDebugNonFinite,
  sin,
  square,
  sub,
  sum,
  UNARY_SPECS,
  type Value,
  type Vec,
} from '../src/index.js';
import { jvpFloat, type Recording, vjpFloat } from '../src/recording.js';
import { giveSweepBuffer, takeSweepBuffer } from '../src/tape/pool.js';
import { heatSteps } from './support/heat.js';
import { asArray, expectBitwise } from './support/numeric.js';

const rosen = (x: ActiveVec): Real => {
  const a = x.slice(0, -1);
  const t = sub(x.slice(1), mul(a, a));
  const u = sub(1, a);
  return sum(add(mul(100, mul(t, t)), mul(u, u)) as Vec);
};

/** The Asian option vectorized over paths (tools/bench), small. */
function asian(paths: number, steps: number) {
  const Z = Array.from({ length: steps }, (_, k) =>
    Float64Array.from({ length: paths }, (_, p) => Math.sin(1 + 7 * p + 13 * k) * 1.5),
  );
  const dt = 1 / steps;
  return (theta: ActiveVec): Real => {
    const sigma = theta.at(1);
    const r = theta.at(2);
    const drift = mul(sub(r, mul(0.5, mul(sigma, sigma))), dt);
    const vol = mul(sigma, Math.sqrt(dt));
    let S: Value = theta.at(0);
    let A: Value = 0;
    for (const Zk of Z) {
      S = mul(S, exp(add(drift, mul(vol, Zk))));
      A = add(A, S);
    }
    const total = sum(max(sub(mul(A, 1 / steps), 100), 0) as Vec);
    return mul(mul(exp(mul(r, -1)), total), 1 / paths);
  };
}

type AnyRecorded = RecordedFunction<Float64Array, number> | RecordedFunction<Float64Array, Float64Array>;

function expectSame(G: AnyRecorded, F: AnyRecorded, x: Float64Array): void {
  const n = F.inputLength;
  const m = F.outputLength;
  expectBitwise(asArray(G.value(x)), asArray(F.value(x)), 'value');
  const V = [0, 1, 2].map((k) => Float64Array.from({ length: n }, (_, i) => (k === 1 && i % 2 ? 0 : Math.cos(i + k))));
  const T1 = F.jvp(x, V);
  G.jvp(x, V).forEach((t, k) => {
    expectBitwise(t, T1[k]!, `jvp[${k}]`);
  });
  const U = [Float64Array.from({ length: m }, (_, i) => 1 + i)];
  expectBitwise(G.vjp(x, U)[0]!, F.vjp(x, U)[0]!, 'vjp');
  if (m === 1) expectBitwise(G.gradient(x) as Float64Array, F.gradient(x) as Float64Array, 'grad');
}

afterEach(() => {
  setCompilation(true);
  setFunctionConstructorForTests(undefined);
  setDebugNonFinite(false);
  vi.restoreAllMocks();
});

describe('RecordedFunction.compile', () => {
  const x0 = Float64Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
  const x1 = x0.map((v, i) => v + 0.001 * ((i % 7) - 3));

  it('fuses vector Rosenbrock into one run whose intermediates stay locals', () => {
    const G = record(rosen, x0).compile();
    expect(G.compiled).toBe(true);
    const s = G.compileStats!;
    expect(s.runs).toBe(1);
    expect(s.fusedInstructions).toBe(8); // 7 elementwise + the sum
    expect(s.locals).toBe(7);
    expect(s.stored).toBe(1);
    // x is read at offsets 0 and 1: its adjoint contributions come in another order, equal up to
    // the first two, and x's adjoint is +0 before the run, so they go straight into the array.
    expect(s.swappedIntervals).toBe(1);
    expect(s.bufferedUses).toBe(0);
    expect(s.compiled && !s.fallback).toBe(true);
    expect(s.analysisMs + s.codegenMs).toBeGreaterThan(0);
    expectSame(G, record(rosen, x0), x1);
  });

  it('buffers the stencil contributions when the input is read again after the run', () => {
    const f = (x: ActiveVec) => add(rosen(x), sum(x));
    const G = record(f, x0).compile();
    G.gradient(x1);
    expect(G.compileStats!.bufferedUses).toBeGreaterThan(0);
    expectSame(G, record(f, x0), x1);
  });

  it('keeps the Asian option bitwise (broadcast scalars summed per use, added in the interpreter order)', () => {
    const f = asian(37, 16);
    const G = record(f, Float64Array.of(100, 0.2, 0.05)).compile();
    const s = G.compileStats!;
    expect(s.runs).toBe(1);
    expect(s.fusedInstructions).toBe(5 * 16 - 1 + 4 + 1);
    expect(s.bufferedUses).toBe(0);
    expectSame(G, record(f, Float64Array.of(100, 0.2, 0.05)), Float64Array.of(101, 0.21, 0.049));
  });

  it('is cached on the function; compile(F) is the same', () => {
    const G = record(rosen, x0);
    expect(compile(G)).toBe(G);
    const stats = G.compileStats;
    G.compile();
    expect(G.compileStats).toBe(stats);
  });

  it('leaves the pooled adjoint buffer zeroed and agrees after interleaved calls', () => {
    const G = record(rosen, x0).compile();
    const F = record(rosen, x0);
    for (const x of [x1, x0, x1]) {
      expectBitwise(G.gradient(x) as Float64Array, F.gradient(x) as Float64Array);
      const [v, g] = G.valueAndGradient(x);
      expect(Object.is(v, F.value(x))).toBe(true);
      expectBitwise(g, F.gradient(x) as Float64Array);
    }
    const size = G.stats().slots;
    const buf = takeSweepBuffer(size);
    expect(buf.every((e) => Object.is(e, 0))).toBe(true);
    giveSweepBuffer(buf, true);
  });

  it('dense Jacobians (forward blocks of 16, reverse blocks beyond the unrolled kernels) are bitwise', () => {
    const f = (x: ActiveVec) => sin(mul(add(mul(x, x), x.at(0)), sub(1, x))) as Vec;
    const G = record(f, x0.subarray(0, 20)).compile();
    const F = record(f, x0.subarray(0, 20));
    for (const mode of ['forward', 'reverse'] as const) {
      expectBitwise(G.jacobian(x1.subarray(0, 20), mode).data, F.jacobian(x1.subarray(0, 20), mode).data, mode);
    }
  });

  it('re-checks comparisons on fused values (they are stored)', () => {
    const f = (x: ActiveVec): Real => {
      const y = add(mul(x, x), 1) as ActiveVec;
      const z = sub(y, x) as ActiveVec;
      return lt(z.at(0), 3) ? sum(z) : sum(y);
    };
    const F = record(f, Float64Array.of(0.5, 1));
    const G = record(f, Float64Array.of(0.5, 1)).compile();
    expect(G.compileStats!.stored).toBeGreaterThan(0);
    expect(Object.is(G.value(Float64Array.of(2, 1)), F.value(Float64Array.of(2, 1)))).toBe(true);
    expect(G.branchChanges).toBe(1);
    expect(F.branchChanges).toBe(1);
  });
});

/** The Bratu residual of tools/bench (vector form): neighbours gathered from u padded with a 0. */
function bratuVector(N: number) {
  const n = N * N;
  const idx = (di: number, dj: number) =>
    Int32Array.from({ length: n }, (_, k) => {
      const i = Math.floor(k / N) + di;
      const j = (k % N) + dj;
      return i >= 0 && i < N && j >= 0 && j < N ? i * N + j : n;
    });
  const nb = [idx(-1, 0), idx(1, 0), idx(0, -1), idx(0, 1)];
  const invH2 = (N + 1) ** 2;
  return (u: ActiveVec): Vec => {
    const padded = concat([u, new Float64Array(1)]);
    let lap: Value = mul(4, u);
    for (const ix of nb) lap = sub(lap, gather(padded, ix));
    return sub(mul(lap, invH2), mul(6, exp(u))) as Vec;
  };
}

describe('gathers inside runs, direct forward and fused gradients', () => {
  const N = 7;
  const u0 = Float64Array.from({ length: N * N }, (_, k) => 0.01 * (k % 5));
  const u1 = u0.map((v, k) => v + 0.003 * ((k % 3) - 1));

  it('fuses the Bratu residual into one run with its four gathers (reverse buffered, bitwise)', () => {
    const f = bratuVector(N);
    const G = record(f, u0).compile();
    const s = G.compileStats!;
    expect(s.runs).toBe(1);
    expect(s.gathers).toBe(4);
    expect(s.fusedInstructions).toBe(13);
    expectSame(G, record(f, u0), u1);
    // The four gathers scatter into one source: their adjoints are buffered, added in tape order.
    expect(s.bufferedUses).toBe(4);
  });

  it('sweeps p = 6 sparse seeds straight from the seeds to the output block (jvpFloat, with out)', () => {
    const f = bratuVector(N);
    const F = record(f, u0);
    const G = record(f, u0).compile();
    const seeds = Array.from({ length: 6 }, (_, c) => Float64Array.from(u0, (_, k) => (k % 6 === c ? 1 : 0)));
    const want = F.jvp(u1, seeds);
    G.jvp(u1, seeds).forEach((t, k) => {
      expectBitwise(t, want[k]!, `jvp[${k}]`);
    });
    expect(G.compileStats!.directForward).toBe(true);
    const rec = (G as unknown as { rec: Recording }).rec;
    const out = new Float64Array(N * N * 6);
    expect(jvpFloat(rec, seeds, out)).toBe(out);
    expectBitwise(out, jvpFloat(rec, seeds));
    expect(() => jvpFloat(rec, seeds, new Float64Array(3))).toThrow(ShapeError);
  });

  it('runs the gradient of vector Rosenbrock as one kernel (value, adjoints, copy and check of x)', () => {
    const x0 = Float64Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
    const G = record(rosen, x0).compile();
    const F = record(rosen, x0);
    expect(G.compileStats!.fusedGradient).toBe(true);
    const x1 = x0.map((v, i) => v + 0.01 * i);
    expectBitwise(G.gradient(x1) as Float64Array, F.gradient(x1) as Float64Array);
    expect(Object.is(G.value(x1), F.value(x1))).toBe(true);
    // Non-finite entries: the same DomainError, naming the first one.
    const bad = x1.slice();
    bad[7] = Number.NaN;
    bad[3] = Number.POSITIVE_INFINITY;
    expect(() => G.gradient(bad)).toThrow(DomainError);
    expect(() => G.gradient(bad)).toThrow(/x\[3\]/);
    // Values whose partials overflow: the exact kernel takes over, still bitwise.
    const big = x1.map((v, i) => (i === 10 ? 1e200 : v));
    expectBitwise(G.gradient(big) as Float64Array, F.gradient(big) as Float64Array);
  });

  it('leaves the tape at its old point after a fused gradient, coherent for every later sweep', () => {
    // Without recorded comparisons the gradient kernel does not copy x into the tape; f(x) is in
    // the output slot (valueAndGradient), and any other sweep replays first.
    const x0 = Float64Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
    const G = record(rosen, x0).compile();
    const F = record(rosen, x0);
    const x1 = x0.map((v, i) => v + 0.01 * i);
    const x2 = x0.map((v, i) => v - 0.02 * i);
    const [v1, g1] = G.valueAndGradient(x1);
    expect(Object.is(v1, F.value(x1))).toBe(true);
    expectBitwise(g1 as Float64Array, F.gradient(x1) as Float64Array);
    // Straight after: the internal sweeps on the recording (no move) see a coherent old point.
    const rec = (G as unknown as { rec: Recording }).rec;
    const ref = (F as unknown as { rec: Recording }).rec;
    F.value(x0);
    const dirs = [Float64Array.from({ length: 40 }, (_, i) => Math.cos(i))];
    expectBitwise(jvpFloat(rec, dirs), jvpFloat(ref, dirs), 'jvp at the old point');
    G.gradient(x2);
    expectSame(G, F, x2);
    expectSame(G, F, x1);
    // With a recorded comparison the kernel copies x: the branch check sees the new point.
    const h = (x: ActiveVec): Real => (lt(x.at(0), 0) ? rosen(x) : mul(rosen(x), 2));
    const H = record(h, x0, { strict: true }).compile();
    expectBitwise(H.gradient(x1) as Float64Array, record(h, x0).gradient(x1) as Float64Array);
    expect(H.compileStats!.fusedGradient).toBe(true);
    expect(() => H.gradient(x0.map((v) => -v))).toThrow(BranchChangeError);
  });

  it('plans the forward sweep’s tangent memory over the runs (K explicit steps: two arenas of n, not K)', () => {
    // u ← u + c (u_left + u_right − 2u), zero boundary: each step gathers the last step's output,
    // so each step is its own run; a step's tangents are dead once the next step has read them.
    const n = 64;
    const K = 12;
    const heat = heatSteps(n, K);
    const x = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 5));
    const G = record(heat, x).compile();
    const F = record(heat, x);
    const rec = (G as unknown as { rec: Recording }).rec;
    const dirs = [0, 1, 2, 3].map((k) => Float64Array.from({ length: n }, (_, i) => Math.cos(i * (k + 1))));
    G.value(x);
    F.value(x);
    const a = jvpFloat(rec, dirs);
    expectBitwise(a, jvpFloat((F as unknown as { rec: Recording }).rec, dirs), 'planned jvp');
    expect(G.compileStats!.tangentArena).toBeGreaterThan(0);
    // Input, and at most a few step-sized places (the concatenation copies are in their own runs).
    expect(G.compileStats!.tangentArena).toBeLessThan(6 * n);
    expect(rec.tape.slots.size).toBeGreaterThan(K * 4 * n);
    expectSame(
      G,
      F,
      x.map((v) => v * 0.5),
    );
    // The reverse sweep plans its adjoints the same way (the mirror image), bit for bit, and hands
    // back a clean buffer.
    const cots = [0, 1].map((k) => Float64Array.from({ length: n }, (_, i) => Math.sin(i * (k + 2))));
    G.value(x);
    F.value(x);
    const g = vjpFloat(rec, cots);
    expectBitwise(g, vjpFloat((F as unknown as { rec: Recording }).rec, cots), 'planned vjp');
    expect(G.compileStats!.adjointArena).toBeGreaterThan(0);
    expect(G.compileStats!.adjointArena).toBeLessThan(6 * n);
    const buf = takeSweepBuffer(G.compileStats!.adjointArena * 2);
    expect(buf.every((v) => v === 0)).toBe(true);
    giveSweepBuffer(buf, true);
  });

  it('runs the Asian option gradient with its value and reverse sweeps in one kernel (scalar tail)', () => {
    const f = asian(37, 16);
    const G = record(f, Float64Array.of(100, 0.2, 0.05)).compile();
    expect(G.compileStats!.fusedGradient).toBe(true);
    const F = record(f, Float64Array.of(100, 0.2, 0.05));
    for (const th of [Float64Array.of(101, 0.21, 0.049), Float64Array.of(80, 0.3, 0.01)]) {
      expectBitwise(G.gradient(th) as Float64Array, F.gradient(th) as Float64Array);
      const [v, g] = G.valueAndGradient(th);
      expect(Object.is(v, F.value(th))).toBe(true);
      expectBitwise(g, F.gradient(th) as Float64Array);
    }
  });
});

describe('kernels too large for V8 to optimize', () => {
  it('are left to the interpreter (the Asian option, 64 steps: reverse q = 2, forward p = 6), bitwise', () => {
    const f = asian(9, 64);
    const th0 = Float64Array.of(100, 0.2, 0.05);
    const th1 = Float64Array.of(101, 0.21, 0.049);
    const G = record(f, th0).compile();
    const F = record(f, th0);
    const U = [Float64Array.of(1), Float64Array.of(-0.5)];
    const want = F.vjp(th1, U);
    G.vjp(th1, U).forEach((a, k) => {
      expectBitwise(a, want[k]!, `vjp[${k}]`);
    });
    // At another point (the interpreter sweeping a run needs its intermediates written out first).
    const th2 = Float64Array.of(99, 0.19, 0.052);
    const D = Array.from({ length: 6 }, (_, k) => Float64Array.of(k % 3 === 0 ? 1 : 0, k % 3 === 1 ? 1 : 0, k / 6));
    const T = F.jvp(th2, D);
    G.jvp(th2, D).forEach((t, k) => {
      expectBitwise(t, T[k]!, `jvp[${k}]`);
    });
    const want0 = F.vjp(th0, U);
    G.vjp(th0, U).forEach((a, k) => {
      expectBitwise(a, want0[k]!, `vjp[${k}] at th0`);
    });
    expect(G.compileStats!.tooLarge).toBeGreaterThanOrEqual(2);
    expectSame(G, F, th1);
  });
});

describe('off switches and fallback', () => {
  const x0 = Float64Array.from({ length: 9 }, (_, i) => 0.3 * i - 1);

  it('{ enabled: false } leaves the interpreter in place', () => {
    const G = record(rosen, x0).compile({ enabled: false });
    expect(G.compiled).toBe(false);
    expect(G.compileStats!.compiled).toBe(false);
    expectSame(G, record(rosen, x0), x0);
    // Compiling later with compilation enabled replaces the disabled program.
    G.compile();
    expect(G.compiled).toBe(true);
  });

  it('setCompilation(false) turns compiled functions off, and back on', () => {
    const G = record(rosen, x0).compile();
    const F = record(rosen, x0);
    const g = G.gradient(x0) as Float64Array;
    setCompilation(false);
    expect(isCompilationEnabled()).toBe(false);
    expect(G.compiled).toBe(false);
    expectSame(
      G,
      F,
      x0.map((v) => v * 0.9),
    );
    setCompilation(true);
    expect(G.compiled).toBe(true);
    expectBitwise(G.gradient(x0) as Float64Array, g);
  });

  it('falls back to the interpreter with one warning when new Function is not allowed', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    setFunctionConstructorForTests(() => {
      throw new EvalError('Refused to evaluate a string as JavaScript (unsafe-eval)');
    });
    const G = record(rosen, x0).compile();
    const G2 = record((x: ActiveVec) => sum(exp(mul(x, x)) as Vec), x0).compile();
    expect(G.compiled).toBe(false);
    expect(G.compileStats!.fallback).toBe(true);
    expect(G2.compileStats!.fallback).toBe(true);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/code generation unavailable.*interpreter/);
    expectSame(
      G,
      record(rosen, x0),
      x0.map((v) => v + 0.25),
    );
  });

  it('debug mode (setDebugNonFinite) runs the interpreter, which names the bad instruction', () => {
    const f = (x: ActiveVec) => sum(log(mul(x, x)) as Vec);
    const G = record(f, Float64Array.of(1, 2)).compile();
    G.gradient(Float64Array.of(1, 2));
    setDebugNonFinite(true);
    let err: unknown;
    try {
      G.gradient(Float64Array.of(0, 2));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NonFiniteError);
    expect((err as NonFiniteError).op).toBe('log');
  });
});

describe('written-out partials equal the specs', () => {
  const points = [
    0,
    -0,
    1,
    -1,
    0.5,
    -2.5,
    1e308,
    -1e-308,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    Number.NaN,
  ];
  const fn = (src: string) => new Function('x', 'y', 'A', 'B', `return ${src};`) as (...a: number[]) => number;

  it('neg, square, exp (unary) and add, sub, mul (binary)', () => {
    for (const [op, name] of [
      [2, 'neg'],
      [3, 'square'],
      [6, 'exp'],
    ] as const) {
      const spec = UNARY_SPECS[name]!;
      const d = fn(unaryD(op, 'x', 'y'));
      for (const x of points) expect(Object.is(d(x, spec.value(x), 0, 0), spec.d(x, spec.value(x)))).toBe(true);
    }
    for (const [op, name] of [
      [64, 'add'],
      [65, 'sub'],
      [66, 'mul'],
    ] as const) {
      const spec = BINARY_SPECS[name]!;
      const da = fn(binaryD(op, 'a', 'A', 'B', 'y'));
      const db = fn(binaryD(op, 'b', 'A', 'B', 'y'));
      for (const a of points) {
        for (const b of points) {
          const y = spec.value(a, b);
          expect(Object.is(da(0, y, a, b), spec.da(a, b, y))).toBe(true);
          expect(Object.is(db(0, y, a, b), spec.db(a, b, y))).toBe(true);
        }
      }
    }
  });

  it('square as x * x, exp as Math.exp (the value kernels use the operators)', () => {
    for (const x of points) {
      expect(Object.is(x * x, UNARY_SPECS.square!.value(x))).toBe(true);
      expect(Object.is(Math.exp(x), UNARY_SPECS.exp!.value(x))).toBe(true);
      expect(Object.is(-x, UNARY_SPECS.neg!.value(x))).toBe(true);
    }
    void square;
  });
});
