/**
 * Random straight-line programs through the public API.
 *
 * A program is a list of 5–40 steps over an active input vector of length 3–6: scalar ops on
 * elements (`x.at(i)`), vector ops on slices, broadcasts with active scalars and constants,
 * reductions, gathers and scatter-adds, concatenations, masked selects, clamps and recorded
 * comparisons (`lt(a, b) ? … : …`). Every op is used on a safe domain (log of 1 + v², sqrt of
 * 0.5 + v² …), so values stay finite. It returns a vector of 1–4 outputs.
 *
 * Properties:
 * (a) jacfwd equals jacrev (1e-12 relative to the Jacobian's scale);
 * (b) the dot-product identity <u, J v> = <Jᵀu, v> (checkAdjoint ≤ 1e-12);
 * (c) the Jacobian against Ridders finite differences (fdJvp on each column, 1e-6 relative),
 *     for programs whose kinks (max, abs, masks, branches …) are not within reach of the stencil;
 * (d) a recorded function replayed at a new point gives bitwise the values and Jacobians of a fresh
 *     recording there (when no recorded comparison changed);
 * (e) determinism: the same derivative twice is bitwise identical;
 * (f) the vector form and the element-by-element scalar form of the same elementwise program give
 *     bitwise identical values and derivatives.
 *
 * Runs are bounded and seeded.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ActiveVec,
  checkAdjoint,
  concat,
  dot,
  fdJvp,
  grad,
  jacfwd,
  jacrev,
  jvp,
  log,
  mul,
  type Real,
  record,
  sum,
  type Value,
  type Vec,
  vjp,
} from '../src/index.js';
import { expectBitwise, maxAbs } from './support/numeric.js';
import {
  allValuesFn,
  BINARY,
  BINARY_NO_NEG_POW,
  freshTrace,
  type Kink2,
  minOver,
  numOf,
  type Program,
  programArb,
  programFn,
  type RunOptions,
  smallDouble,
  type Trace,
  UNARY,
} from './support/programs.js';
import { propSeed } from './support/prop-seed.js';

/** Bounded and seeded; PROP_RUNS / PROP_SEED override them for a deeper local search. */
const RUNS = {
  numRuns: Number(process.env.PROP_RUNS ?? 150),
  seed: propSeed(0x5eed5),
  endOnFailure: true,
} as const;
/** Per-test timeout, scaled for deeper local runs. */
const TIMEOUT = Math.max(30_000, RUNS.numRuns * 100);

/** Programs whose values stay moderate at x0 (the catalogue is safe, but products can grow). */
function tame(p: Program, at: Float64Array = p.x0): Trace {
  const tr = freshTrace();
  const [y] = vjp(programFn(p, tr), at);
  const yv = typeof y === 'number' ? [y] : Array.from(y);
  fc.pre(tr.maxMag <= 1e4 && yv.every(Number.isFinite));
  return tr;
}

/**
 * Programs that are well conditioned at x0: atan2 and hypot kept away from the origin, where their
 * partials grow like 1/r and a derivative that is a cancelling sum of such terms carries roundoff
 * far above 1e-12 of its size (forward and reverse mode then legitimately differ in those digits).
 */
function wellConditioned(p: Program): Trace {
  const tr = tame(p);
  fc.pre(tr.singular >= 0.05);
  return tr;
}

function outputLength(p: Program): number {
  const [y] = vjp(programFn(p), p.x0);
  return typeof y === 'number' ? 1 : y.length;
}

/**
 * Largest |∂v/∂x_j| over every intermediate value v (≥ 1: the input is one): the size of the terms
 * a derivative is a sum of, and so the scale of its roundoff.
 */
function derivativeScale(p: Program): number {
  return maxAbs(jacfwd(allValuesFn(p) as never)(p.x0).data);
}

function l1(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]!);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

describe('random programs', { timeout: TIMEOUT }, () => {
  it('(a) jacfwd equals jacrev to 1e-12 relative', () => {
    fc.assert(
      fc.property(programArb, (p) => {
        wellConditioned(p);
        const f = programFn(p);
        const Jf = jacfwd(f as never)(p.x0);
        const Jr = jacrev(f as never)(p.x0);
        expect(Jf.rows).toBe(Jr.rows);
        expect(Jf.cols).toBe(p.n);
        expect(Jr.cols).toBe(p.n);
        // Relative to the Jacobian, or to the intermediate derivatives when the outputs cancel.
        const scale = Math.max(maxAbs(Jf.data), derivativeScale(p));
        for (let i = 0; i < Jf.data.length; i++) {
          const e = Math.abs(Jf.data[i]! - Jr.data[i]!);
          if (!(e <= 1e-12 * scale)) {
            throw new Error(`J[${i}]: forward ${Jf.data[i]} vs reverse ${Jr.data[i]} (scale ${scale})`);
          }
        }
      }),
      RUNS,
    );
  });

  it('(b) <u, J v> = <Jᵀu, v> (checkAdjoint ≤ 1e-12)', () => {
    let seen = 0;
    let strict = 0;
    fc.assert(
      fc.property(programArb, (p) => {
        seen++;
        wellConditioned(p);
        const f = programFn(p);
        const m = outputLength(p);
        const u = p.u.slice(0, m);
        const [, jv] = jvp(f as never, p.x0, p.v);
        const [, pullback] = vjp(f as never, p.x0);
        const jtu = pullback(u) as Float64Array;
        const Jv = jv as Float64Array;
        let a = 0;
        let b = 0;
        let mag = 0;
        for (let i = 0; i < m; i++) {
          a += u[i]! * Jv[i]!;
          mag += Math.abs(u[i]! * Jv[i]!);
        }
        for (let j = 0; j < p.n; j++) b += jtu[j]! * p.v[j]!;
        // The sweeps sum terms of size up to |u|·|v|·(intermediate derivatives): roundoff is relative to that.
        const terms = l1(u) * l1(p.v) * derivativeScale(p);
        expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12 * terms);
        // checkAdjoint normalizes by |u_i (Jv)_i| + |(Jᵀu)_j v_j|; where outputs are differences that
        // cancel (|Jv| far below the terms) that scale is itself roundoff, so it is checked elsewhere.
        if (mag >= 1e-2 * terms) {
          strict++;
          expect(checkAdjoint(f as never, p.x0, u, p.v)).toBeLessThanOrEqual(1e-12);
        }
      }),
      RUNS,
    );
    // Not vacuous: most programs get the strict check (about 0.55 with the default seed; 0.49 with
    // another, so the bound leaves room).
    expect(strict / seen).toBeGreaterThan(0.4);
  });

  it('(c) the Jacobian matches finite differences (fdJvp per column) to 1e-6 relative', () => {
    const H0 = 1e-4;
    let seen = 0;
    let checked = 0;
    fc.assert(
      fc.property(programArb, (p) => {
        seen++;
        const tr = tame(p);
        // The stencil (±H0 along a unit vector) must not reach a kink or jump of any op.
        fc.pre(tr.margin >= 2e-2);
        const f = programFn(p);
        const J = jacfwd(f as never)(p.x0);
        const evaluate = (x: Float64Array) => {
          const [y] = vjp(f as never, x);
          return typeof y === 'number' ? Float64Array.of(y) : y;
        };
        for (let j = 0; j < p.n; j++) {
          const e = new Float64Array(p.n);
          e[j] = 1;
          const est = fdJvp(evaluate, p.x0, e, H0);
          const col = Float64Array.from({ length: J.rows }, (_, i) => J.data[i * J.cols + j]!);
          const scale = Math.max(1, maxAbs(col), maxAbs(est.value));
          for (let i = 0; i < J.rows; i++) {
            const err = Math.abs(col[i]! - est.value[i]!);
            if (!(err <= 1e-6 * scale)) {
              throw new Error(`J[${i}][${j}] = ${col[i]}, finite differences ${est.value[i]} (±${est.error[i]})`);
            }
          }
        }
        checked++;
      }),
      RUNS,
    );
    // Guard against a filter that lets (almost) nothing through (about a third passes).
    expect(checked).toBe(RUNS.numRuns);
    expect(checked / seen).toBeGreaterThan(0.2);
  });

  it('(d) replay at a new point is bitwise a fresh recording there (when no branch changed)', () => {
    let seen = 0;
    let compared = 0;
    let withSelects = 0;
    fc.assert(
      fc.property(programArb, (p) => {
        seen++;
        const tr = tame(p);
        tame(p, p.x1);
        const f = programFn(p);
        const rf = record(f, p.x0);
        const y1 = rf.value(p.x1);
        // Only recorded comparisons (lt … ?:) can change; masked selects are re-evaluated.
        if (rf.branchChanges > 0) expect(tr.branches).toBeGreaterThanOrEqual(rf.branchChanges);
        fc.pre(rf.branchChanges === 0);
        const [fresh] = vjp(f as never, p.x1);
        expectBitwise(y1 as Float64Array, fresh as Float64Array, 'replayed value');
        const Jf = jacfwd(f as never)(p.x1);
        const Jr = jacrev(f as never)(p.x1);
        expectBitwise(rf.jacobian(p.x1, 'forward').data, Jf.data, 'replayed forward Jacobian');
        expect(rf.branchChanges).toBe(0);
        expectBitwise(rf.jacobian(p.x1, 'reverse').data, Jr.data, 'replayed reverse Jacobian');
        // And back at x0: the replay reproduces the recording itself.
        expectBitwise(rf.value(p.x0) as Float64Array, vjp(f as never, p.x0)[0] as Float64Array, 'value at x0');
        compared++;
        if (tr.selects > 0) withSelects++;
      }),
      RUNS,
    );
    expect(compared / seen).toBeGreaterThan(0.5);
    // Masked selects re-evaluate on replay: those programs must be among the compared ones.
    expect(withSelects).toBeGreaterThan(RUNS.numRuns / 4);
  });

  it('(e) derivatives are deterministic: two runs are bitwise identical', () => {
    fc.assert(
      fc.property(programArb, (p) => {
        tame(p);
        const f = programFn(p);
        const m = outputLength(p);
        const u = p.u.slice(0, m);
        const g = (x: ActiveVec) => {
          const y = f(x);
          return dot(Array.isArray(y) ? concat(y as Real[]) : (y as Vec), u);
        };
        expectBitwise(grad(g)(p.x0), grad(g)(p.x0), 'grad');
        expectBitwise(jacrev(f as never)(p.x0).data, jacrev(f as never)(p.x0).data, 'jacrev');
        expectBitwise(jacfwd(f as never)(p.x0).data, jacfwd(f as never)(p.x0).data, 'jacfwd');
        const t1 = jvp(f as never, p.x0, p.v)[1] as Float64Array;
        const t2 = jvp(f as never, p.x0, p.v)[1] as Float64Array;
        expectBitwise(t1, t2, 'jvp');
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// (g) nested (generic) sweeps against the float sweeps and each other
// ---------------------------------------------------------------------------------------------

/**
 * Second order three ways (all through the generic sweeps) for g = <u, f(x)>:
 * forward-over-reverse jvp(∇g, x, v), reverse-over-reverse ∇<∇g, v>, reverse-over-forward
 * ∇(x ↦ jvp(g, x, v)); they must agree, the primal of the nested call must be the float gradient,
 * and Hv must match finite differences of ∇g where no kink is in reach.
 */
function secondOrderProperty(options: RunOptions) {
  return fc.property(programArb, (p) => {
    const tr = freshTrace();
    const f = programFn(p, tr, options);
    const [y] = vjp(f as never, p.x0);
    fc.pre(tr.maxMag <= 1e3 && tr.singular >= 0.05 && Array.from(y as Float64Array).every(Number.isFinite));
    const u = p.u.slice(0, (y as Float64Array).length);
    const g = (x: ActiveVec) => {
      const o = f(x);
      return dot(Array.isArray(o) ? concat(o as Real[]) : (o as Vec), u);
    };
    const g0 = grad(g)(p.x0);
    const [gNested, hv] = jvp((x: ActiveVec) => grad(g)(x), p.x0, p.v) as [Float64Array, Float64Array];
    const gs = Math.max(1, maxAbs(g0));
    for (let i = 0; i < p.n; i++) {
      if (!(Math.abs(gNested[i]! - g0[i]!) <= 1e-12 * gs)) throw new Error(`nested ∇g ${gNested} vs float ∇g ${g0}`);
    }
    const hvRR = grad((x: ActiveVec) => dot(grad(g)(x), p.v))(p.x0);
    const hvRF = grad((x: ActiveVec) => jvp(g as never, x, p.v)[1] as Real)(p.x0);
    const hs = Math.max(1, maxAbs(hv));
    for (let i = 0; i < p.n; i++) {
      if (!(Math.abs(hv[i]! - hvRR[i]!) <= 1e-10 * hs)) throw new Error(`fwd-over-rev ${hv} vs rev-over-rev ${hvRR}`);
      if (!(Math.abs(hv[i]! - hvRF[i]!) <= 1e-10 * hs)) throw new Error(`fwd-over-rev ${hv} vs rev-over-fwd ${hvRF}`);
    }
    if (tr.margin >= 2e-2) {
      const est = fdJvp((x) => grad(g)(x), p.x0, p.v, 1e-4);
      const s = Math.max(1, maxAbs(est.value));
      for (let i = 0; i < p.n; i++) {
        if (!(Math.abs(hv[i]! - est.value[i]!) <= 1e-6 * s))
          throw new Error(`Hv ${hv} vs finite differences ${est.value}`);
      }
    }
  });
}

describe('(g) nested sweeps', { timeout: TIMEOUT }, () => {
  it('second order three ways agree, with the float gradient and with finite differences', () => {
    // The integer power pow(a, 3) is written a·a² here; with pow itself see the it.fails below.
    fc.assert(secondOrderProperty({ binary: BINARY_NO_NEG_POW }), RUNS);
  });

  // Regression (fixed): reverse-over-forward and reverse-over-reverse through a VECTOR pow(a, 3) with a

  // negative element give NaN (forward-over-reverse and the scalar form are right).
  it('second order three ways agree with pow(a, 3) on bases of any sign', () => {
    fc.assert(secondOrderProperty({}), RUNS);
  });
});

// ---------------------------------------------------------------------------------------------
// (f) vector form vs scalar form
// ---------------------------------------------------------------------------------------------

interface EwStep {
  readonly kind: number;
  readonly op: number;
  readonly src: number;
  readonly cst: number;
}

const ewArb = fc.record({
  n: fc.integer({ min: 1, max: 6 }),
  steps: fc.array(fc.record({ kind: fc.nat(3), op: fc.nat(1 << 16), src: fc.nat(1 << 16), cst: smallDouble(-2, 2) }), {
    minLength: 1,
    maxLength: 25,
  }),
  seed: fc.array(smallDouble(-1.5, 1.5), { minLength: 6, maxLength: 6 }),
  useSlices: fc.boolean(),
});

/**
 * An elementwise program: every step maps values of the pool elementwise (unary ops, binary ops
 * between two pool values, with a number, or with a constant vector). `lift` turns the input into
 * pool values and `cv` makes the constant-vector operand, so the same program runs on whole vectors
 * or on one element at a time.
 */
function runElementwise<T extends Value>(steps: readonly EwStep[], input: T, cv: (c: number) => Value, tr: Trace): T[] {
  const pool: Value[] = [input];
  for (const s of steps) {
    const a = pool[pool.length - 1 - (s.src % Math.min(pool.length, 5))]!;
    const b = pool[(s.src >>> 3) % pool.length]!;
    const bin = BINARY[s.op % BINARY.length]!;
    const un = UNARY[s.op % UNARY.length]!;
    const mark = (k: Kink2 | undefined, l: Value, r: Value) => {
      if (k) tr.margin = Math.min(tr.margin, minOver(numOf(l), numOf(r), k));
    };
    switch (s.kind) {
      case 0:
        if (un.kink) mark((p) => un.kink!(p), a, 0);
        pool.push(un.f(a));
        break;
      case 1:
        mark(bin.kink, a, b);
        pool.push(bin.f(a, b));
        break;
      case 2:
        mark(bin.kink, a, s.cst);
        pool.push(s.op % 2 === 0 ? bin.f(a, s.cst) : bin.f(s.cst, a));
        break;
      default: {
        const c = cv(s.cst);
        mark(bin.kink, a, c);
        pool.push(s.op % 2 === 0 ? bin.f(a, c) : bin.f(c, a));
      }
    }
  }
  return pool.slice(-2) as T[];
}

describe('(f) vector form vs scalar form', { timeout: TIMEOUT }, () => {
  // Regression (fixed): a dead (unused) vector product with a non-finite operand poisons the gradient: the
  // float reverse sweep's fast paths for vector mul (vector·vector and vector·broadcast scalar) compute adj +=
  // g·b without skipping g = 0, so 0·NaN = NaN reaches the other operand.
  it('a dead vector product with a NaN operand leaves the gradient alone, as the scalar form does', () => {
    const x0 = Float64Array.of(-1, 2);
    const scalarForm = grad((x: ActiveVec) => {
      for (let i = 0; i < x.length; i++) mul(x.at(i), log(x.at(i)));
      return sum(x);
    })(x0);
    expect(Array.from(scalarForm)).toEqual([1, 1]);
    const vectorVector = grad((x: ActiveVec) => {
      mul(x, log(x));
      return sum(x);
    })(x0);
    const scalarBroadcast = grad((x: ActiveVec) => {
      mul(x.at(1), log(x));
      return sum(x);
    })(x0);
    expect(Array.from(vectorVector)).toEqual([1, 1]);
    expect(Array.from(scalarBroadcast)).toEqual([1, 1]);
  });

  it('elementwise programs give bitwise identical values, gradients and Jacobians', () => {
    fc.assert(
      fc.property(ewArb, ({ n, steps, seed, useSlices }) => {
        const x0 = Float64Array.from(seed.slice(0, n));
        const cvec = (c: number) => Float64Array.from({ length: n }, (_, i) => c + 0.125 * i);
        const tr = freshTrace();
        // Vector form: the whole vector at once (optionally through a slice view of a longer input).
        const vectorForm = (x: ActiveVec): Vec => {
          const xv = useSlices ? concat([0.5, x, 0.5]) : x;
          const input = useSlices ? (xv as ActiveVec).slice(1, 1 + n) : xv;
          const [p, q] = runElementwise(steps, input as Value, cvec, tr);
          return concat([p!, q ?? p!]) as Vec;
        };
        // Scalar form: the same steps, element by element through x.at(i).
        const scalarForm = (x: ActiveVec): Vec => {
          const firsts: Value[] = [];
          const seconds: Value[] = [];
          for (let i = 0; i < n; i++) {
            const [p, q] = runElementwise(steps, x.at(i) as Value, (c) => c + 0.125 * i, freshTrace());
            firsts.push(p!);
            seconds.push(q ?? p!);
          }
          return concat([...firsts, ...seconds]);
        };
        const [yv] = vjp(vectorForm as never, x0);
        fc.pre(tr.maxMag <= 1e6 && Array.from(yv as Float64Array).every(Number.isFinite));
        const [ys] = vjp(scalarForm as never, x0);
        expectBitwise(ys as Float64Array, yv as Float64Array, 'values');
        expectBitwise(jacrev(scalarForm as never)(x0).data, jacrev(vectorForm as never)(x0).data, 'jacrev');
        expectBitwise(jacfwd(scalarForm as never)(x0).data, jacfwd(vectorForm as never)(x0).data, 'jacfwd');
        const gs = grad((x: ActiveVec) => sum(scalarForm(x)))(x0);
        const gv = grad((x: ActiveVec) => sum(vectorForm(x)))(x0);
        // The sums differ in order (one sum of the concatenation either way), so the seeds are equal.
        expectBitwise(gs, gv, 'grad of the sum');
      }),
      { ...RUNS, numRuns: 200 },
    );
  });
});
