/**
 * Recorded functions: record once, evaluate and differentiate at new points by replay; branch
 * checks for recorded comparisons; masked selects re-evaluated on replay; tape statistics.
 */
import { describe, expect, it } from 'vitest';
import {
  type Active,
  type ActiveVec,
  add,
  BranchChangeError,
  concat,
  exp,
  gather,
  grad,
  jacfwd,
  jacrev,
  jvp,
  less,
  lt,
  maxOf,
  mul,
  type Real,
  record,
  ShapeError,
  scatterAdd,
  select,
  sin,
  square,
  sub,
  sum,
  tanh,
  type Vec,
  vjp,
} from '../src/index.js';
import { expectAllClose, expectBitwise, f64 } from './support/numeric.js';

function rosenbrock(x: ActiveVec): Real {
  let s: Real = 0;
  for (let i = 0; i < x.length - 1; i++) {
    const a = x.at(i);
    s = add(s, add(mul(100, square(sub(x.at(i + 1), square(a)))), square(sub(1, a))));
  }
  return s;
}

/** A vector-valued function mixing most structural ops (no recorded comparisons). */
function mixed(x: ActiveVec): Vec {
  const g = gather(x, [2, 0, 1, 1]);
  const s = scatterAdd(mul(g, x.at(3)) as Vec, [0, 2, 2, 1], 3);
  return concat([sin(s), sum(mul(x, x) as Vec), maxOf(x), exp(tanh(x.at(0)))]);
}

const pointsN = (n: number, k: number) => Float64Array.from({ length: n }, (_, i) => Math.sin(1.7 * i + k) * 1.3);

describe('replay', () => {
  it('gradient(x1) of a recording at x0 is grad(f)(x1), bit for bit', () => {
    const n = 50;
    const rf = record(rosenbrock, pointsN(n, 0));
    for (const k of [1, 2, 3]) {
      const x1 = pointsN(n, k);
      expectBitwise(rf.gradient(x1) as Float64Array, grad(rosenbrock)(x1), `gradient at point ${k}`);
      const [v, g] = rf.valueAndGradient(x1);
      expect(Object.is(v, vjp(rosenbrock, x1)[0])).toBe(true);
      expectBitwise(g as Float64Array, grad(rosenbrock)(x1), 'valueAndGradient');
    }
    expect(rf.inputLength).toBe(n);
    expect(rf.outputLength).toBe(1);
    expect(rf.scalarInput).toBe(false);
    expect(rf.scalarOutput).toBe(true);
  });

  it('value, jvp and vjp (one and several directions), jacobian in every mode', () => {
    const x0 = f64(0.3, -0.8, 1.1, 0.6);
    const x1 = f64(-0.2, 0.4, 0.9, -1.3);
    const rf = record(mixed, x0);
    expect(rf.outputLength).toBe(6);
    expect(rf.branchChanges).toBe(0);
    expectBitwise(rf.value(x1) as Float64Array, vjp(mixed, x1)[0] as Float64Array, 'value');
    const Jf = jacfwd(mixed)(x1);
    const Jr = jacrev(mixed)(x1);
    expectBitwise(rf.jacobian(x1, 'forward').data, Jf.data, 'forward Jacobian');
    expectBitwise(rf.jacobian(x1, 'reverse').data, Jr.data, 'reverse Jacobian');
    expectBitwise(rf.jacobian(x1).data, Jf.data, 'auto (n ≤ m: forward)');
    // One direction
    const v = f64(1, -2, 0.5, 3);
    expectBitwise(rf.jvp(x1, v) as Float64Array, jvp(mixed, x1, v)[1] as Float64Array, 'jvp');
    // Several directions in one sweep: the columns of J
    const E = [0, 1, 2, 3].map((j) => Float64Array.from({ length: 4 }, (_, i) => (i === j ? 1 : 0)));
    const cols = rf.jvp(x1, E);
    expect(cols.length).toBe(4);
    for (let j = 0; j < 4; j++) {
      expectBitwise(
        cols[j]!,
        Array.from({ length: 6 }, (_, i) => Jf.data[i * 4 + j]!),
        `column ${j}`,
      );
    }
    // Several cotangents: the rows of J (and one arbitrary cotangent)
    const U = [0, 1, 2, 3, 4, 5].map((i) => Float64Array.from({ length: 6 }, (_, k) => (k === i ? 1 : 0)));
    const rows = rf.vjp(x1, U);
    for (let i = 0; i < 6; i++) expectBitwise(rows[i]!, Jr.data.subarray(i * 4, i * 4 + 4), `row ${i}`);
    const u = f64(1, 2, -1, 0.5, 0, 3);
    expectBitwise(rf.vjp(x1, u) as Float64Array, vjp(mixed, x1)[1](u) as Float64Array, 'vjp');
    // Mixed directions in one sweep equal the same directions one at a time.
    const many = rf.jvp(x1, [v, E[2]!]);
    expectBitwise(many[0]!, rf.jvp(x1, v) as Float64Array, 'direction 0 of 2');
    expectBitwise(many[1]!, cols[2]!, 'direction 1 of 2');
  });

  it('scalar input and scalar output keep their kinds', () => {
    const f = (x: Active) => mul(x, sin(x));
    const rf = record(f, 0.5);
    expect(rf.scalarInput).toBe(true);
    expect(rf.inputLength).toBe(1);
    expect(rf.value(2)).toBe(2 * Math.sin(2));
    expect(rf.gradient(2)).toBe(grad(f)(2));
    expect(rf.jvp(2, 3)).toBe(jvp(f, 2, 3)[1]);
    expect(rf.vjp(2, 3)).toBe(vjp(f, 2)[1](3));
    expectBitwise(rf.jacobian(2).data, [grad(f)(2)], 'jacobian');
    const rv = record((x: Active) => [x, square(x), 4], 1);
    expectBitwise(rv.value(3) as Float64Array, [3, 9, 4], 'value with a constant output');
    expectBitwise(rv.jacobian(3).data, [1, 6, 0], 'jacobian with a constant output');
  });

  it('calls at different points do not leak state into each other', () => {
    const rf = record(mixed, f64(0.3, -0.8, 1.1, 0.6));
    const a = f64(1, 2, 3, 4);
    const b = f64(-1, 0.5, 0.25, 2);
    const ya = (rf.value(a) as Float64Array).slice();
    const ga = rf.jacobian(a, 'reverse').data.slice();
    rf.value(b);
    rf.jacobian(b, 'forward');
    expectBitwise(rf.value(a) as Float64Array, ya, 'value at a again');
    expectBitwise(rf.jacobian(a, 'reverse').data, ga, 'jacobian at a again');
  });

  it('gradient of a vector-valued recording is a ShapeError', () => {
    const rf = record(mixed, f64(0.3, -0.8, 1.1, 0.6));
    expect(() => rf.gradient(f64(1, 2, 3, 4))).toThrow(ShapeError);
  });
});

// ---------------------------------------------------------------------------------------------
// Branches
// ---------------------------------------------------------------------------------------------

const branchy = (x: ActiveVec): Real => (lt(x.at(0), 0) ? mul(x.at(0), x.at(1)) : add(square(x.at(0)), x.at(1)));

describe('recorded comparisons', () => {
  it('report branchChanges = 1 where the branch flips, 0 where it does not', () => {
    const rf = record(branchy, f64(1, 2));
    expect(rf.stats().comparisons).toBe(1);
    expect(rf.value(f64(3, 4))).toBe(13);
    expect(rf.branchChanges).toBe(0);
    // Flipped: the recorded (x0 ≥ 0) branch is evaluated, and the change is reported.
    const y = rf.value(f64(-1, 2));
    expect(y).toBe(3);
    expect(rf.branchChanges).toBe(1);
    expect(rf.branchReport.changed).toBe(1);
    expect(rf.branchReport.first).toMatchObject({ index: 0, operator: '<', recorded: false });
    // Every evaluation re-checks: back on the recorded side the count is 0 again.
    rf.gradient(f64(0.5, 1));
    expect(rf.branchChanges).toBe(0);
    rf.jacobian(f64(-0.5, 1));
    expect(rf.branchChanges).toBe(1);
  });

  it('count every comparison that changed', () => {
    const f = (x: ActiveVec): Real => {
      let s: Real = 0;
      for (let i = 0; i < x.length; i++) s = add(s, lt(x.at(i), 0) ? x.at(i) : mul(2, x.at(i)));
      return s;
    };
    const rf = record(f, f64(1, -1, 1, -1));
    rf.value(f64(-1, 1, -1, -1));
    expect(rf.branchChanges).toBe(3);
    expect(rf.branchReport.first?.index).toBe(0);
  });

  it('strict: throws BranchChangeError naming the comparison', () => {
    const rf = record(branchy, f64(1, 2), { strict: true });
    expect(rf.value(f64(2, 2))).toBe(6);
    let err: unknown;
    try {
      rf.gradient(f64(-1, 2));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BranchChangeError);
    const b = err as BranchChangeError;
    expect(b.comparison).toBe(0);
    expect(b.operator).toBe('<');
    expect(b.recorded).toBe(false);
    expect(b.position).toBeGreaterThanOrEqual(0);
    expect(b.message).toMatch(/comparison #0 \(</);
    // Still usable on the recorded side afterwards.
    expectBitwise(rf.gradient(f64(2, 2)) as Float64Array, [4, 1], 'gradient after the error');
  });

  it('a select with a less mask re-evaluates on replay: no branch change, right on both sides', () => {
    const f = (x: ActiveVec) => sum(select(less(x, 0), mul(x, x.at(0)), exp(x)) as Vec);
    const rf = record(f, f64(1, -2, 3));
    expect(rf.stats().comparisons).toBe(0);
    for (const x1 of [f64(-1, 2, -3), f64(0.5, 0.5, -0.5), f64(1, -2, 3)]) {
      expect(rf.value(x1)).toBe(vjp(f, x1)[0]);
      expect(rf.branchChanges).toBe(0);
      expectBitwise(rf.gradient(x1) as Float64Array, grad(f)(x1), `gradient at ${x1}`);
    }
    // Analytic check on the flipped side: x = (−1, 2, −3): terms x0·x0, e², x2·x0.
    expectAllClose(rf.gradient(f64(-1, 2, -3)) as Float64Array, [-2 + -3, Math.exp(2), -1], 1e-15, 0, 'analytic');
  });
});

// ---------------------------------------------------------------------------------------------
// Stats
// ---------------------------------------------------------------------------------------------

describe('stats', () => {
  it('count instructions, slots and bytes; scalar Rosenbrock (n = 1000) uses ≤ 24 bytes per instruction', () => {
    const n = 1000;
    const rf = record(
      rosenbrock,
      Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? -1.2 : 1)),
    );
    const s = rf.stats();
    expect(s.instructions).toBeGreaterThan(7 * (n - 1));
    expect(s.slots).toBeGreaterThanOrEqual(s.instructions);
    expect(s.bytes).toBeGreaterThan(0);
    expect(s.usedBytes).toBeGreaterThan(0);
    expect(s.usedBytes).toBeLessThanOrEqual(s.bytes);
    expect(s.comparisons).toBe(0);
    expect(s.usedBytes / s.instructions).toBeLessThanOrEqual(24);
  });

  it('grow with the program', () => {
    const small = record(rosenbrock, f64(1, 2, 3)).stats();
    const large = record(rosenbrock, f64(1, 2, 3, 4, 5, 6)).stats();
    expect(large.instructions).toBeGreaterThan(small.instructions);
    expect(large.usedBytes).toBeGreaterThan(small.usedBytes);
  });
});
