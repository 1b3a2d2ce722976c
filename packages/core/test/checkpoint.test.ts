/**
 * Checkpointing: checkpoint(f) segments and checkpointed loops (binomial / revolve) must give the
 * derivatives of the plain recording (to 1e-14 relative), keep their tapes small, recompute the
 * provably minimal number of steps, compose with nesting, and reject bad input with typed errors.
 */
import { describe, expect, it } from 'vitest';
import {
  type Active,
  type ActiveVec,
  add,
  type CheckpointStats,
  checkpoint,
  checkpointedLoop,
  checkpointedWhile,
  concat,
  DomainError,
  exp,
  grad,
  jacobian,
  jvp,
  mul,
  optimalForwardSteps,
  type Real,
  record,
  ShapeError,
  sin,
  slice,
  square,
  sub,
  sum,
  type Value,
  type Vec,
} from '../src/index.js';

const relErr = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
const maxRel = (a: Float64Array, b: Float64Array) => {
  let m = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / Math.max(scale, 1e-300));
  return m;
};

describe('checkpoint(f)', () => {
  const inner = (x: Value, c: Value): Value => sum(mul(sin(x), exp(mul(c, x))) as Vec);
  const seg = checkpoint(inner, 'inner');
  const withSeg = (x: ActiveVec): Real => mul(seg(x.slice(0, 3), x.at(3)), x.at(0)) as Real;
  const plain = (x: ActiveVec): Real => mul(inner(x.slice(0, 3), x.at(3)), x.at(0)) as Real;
  const x0 = Float64Array.of(0.3, -0.5, 1.2, 0.7);

  it('gives the gradient, JVP and value of the plain function', () => {
    expect(maxRel(grad(withSeg)(x0), grad(plain)(x0))).toBeLessThan(1e-15);
    const v = Float64Array.of(1, -2, 0.5, 1);
    expect(relErr(jvp(withSeg, x0, v)[1] as number, jvp(plain, x0, v)[1] as number)).toBeLessThan(1e-15);
    expect(seg(Float64Array.of(0.1, 0.2), 0.5)).toBe(inner(Float64Array.of(0.1, 0.2), 0.5));
  });

  it('keeps only its inputs and outputs on the tape', () => {
    const big = (x: ActiveVec): Real => {
      let s: Value = x;
      for (let k = 0; k < 50; k++) s = sin(add(s, 0.1));
      return sum(s as Vec);
    };
    const bigSeg = checkpoint((x: Value) => big(x as ActiveVec) as Value);
    const x = new Float64Array(100).map((_, i) => i / 100);
    const plainTape = record(big, x).stats();
    const segTape = record((v: ActiveVec) => bigSeg(v) as Real, x).stats();
    expect(segTape.instructions).toBeLessThan(5);
    expect(segTape.usedBytes * 20).toBeLessThan(plainTape.usedBytes);
    expect(maxRel(grad((v: ActiveVec) => bigSeg(v) as Real)(x), grad(big)(x))).toBeLessThan(1e-14);
  });

  it('composes with nesting: the Hessian through a segment is the Hessian', () => {
    const H1 = jacobian(grad(withSeg))(x0).data;
    const H0 = jacobian(grad(plain))(x0).data;
    expect(maxRel(H1, H0)).toBeLessThan(1e-14);
    // A segment inside an inner derivative that closes over the outer variable: d/da [∂/∂b (b² a)]_{b=1} = 2.
    const sq = checkpoint((y: Value) => mul(y, y));
    expect(grad((a: Active) => grad((b: Active) => mul(sq(b) as Real, a))(1) as Real)(3)).toBe(2);
    // and through the inner variable too: d/da [∂/∂b (b² a)]_{b=a} = d/da 2a² = 4a.
    expect(grad((a: Active) => grad((b: Active) => mul(sq(b) as Real, a))(a) as Real)(3)).toBe(12);
  });

  it('rejects a closure over an active value, naming the problem', () => {
    expect(() =>
      grad((x: Active) => {
        const leaky = checkpoint((y: Value) => mul(y, x));
        return leaky(mul(x, 2)) as Real;
      })(1.5),
    ).toThrow(ShapeError);
  });
});

// ---------------------------------------------------------------------------------------------
// Checkpointed loops

/** Damped nonlinear oscillator, symplectic Euler: state (q, p), params (c, ω²), dt = 1e-3. */
const oscillatorStep = (x: Vec, params: Value): Vec => {
  const xs = x as ActiveVec;
  const q = xs.at(0);
  const pm = xs.at(1);
  const pv = params as ActiveVec;
  const dt = 1e-3;
  const p1 = sub(pm, mul(dt, add(mul(pv.at(1), sin(q)), mul(pv.at(0), pm))));
  return concat([add(q, mul(dt, p1)), p1]);
};

/** Explicit heat step (α = 0.25) with zero boundary values. */
const heatStep = (u: Vec, alpha: Value): Vec => {
  const n = u.length;
  const left = concat([0, slice(u, 0, n - 1)]);
  const right = concat([slice(u, 1, n), 0]);
  return add(u, mul(alpha, sub(add(left, right), mul(2, u))));
};

describe('checkpointedLoop', () => {
  it('nonlinear oscillator, 10^4 steps: gradient w.r.t. state and parameters = plain tape to 1e-14', () => {
    const steps = 10_000;
    const lossCk = (v: ActiveVec): Real => {
      const stats = {} as CheckpointStats;
      const xf = checkpointedLoop(oscillatorStep, v.slice(0, 2), steps, {
        snapshots: 20,
        params: v.slice(2, 4),
        stats,
      });
      return sum(mul(xf, xf));
    };
    const lossPlain = (v: ActiveVec): Real => {
      let x: Vec = v.slice(0, 2);
      for (let k = 0; k < steps; k++) x = oscillatorStep(x, v.slice(2, 4));
      return sum(mul(x, x));
    };
    const v0 = Float64Array.of(1.2, 0, 0.1, 4);
    expect(maxRel(grad(lossCk)(v0), grad(lossPlain)(v0))).toBeLessThan(1e-14);
    // forward mode through the loop as well
    const dir = Float64Array.of(0.3, -1, 2, 0.5);
    expect(relErr(jvp(lossCk, v0, dir)[1] as number, jvp(lossPlain, v0, dir)[1] as number)).toBeLessThan(1e-13);
  });

  it('heat equation, 10^3 states × 200 steps: gradient = plain tape to 1e-14, tape and recomputation as promised', () => {
    const n = 1000;
    const steps = 200;
    const u0 = Float64Array.from(
      { length: n },
      (_, i) => Math.sin((Math.PI * (i + 1)) / (n + 1)) + 0.05 * ((i * 37) % 11),
    );
    const stats = {} as CheckpointStats;
    const lossCk = (u: ActiveVec): Real =>
      sum(square(checkpointedLoop((x, a) => heatStep(x, a), u, steps, { snapshots: 8, params: 0.25, stats })));
    const lossPlain = (u: ActiveVec): Real => {
      let x: Vec = u;
      for (let k = 0; k < steps; k++) x = heatStep(x, 0.25);
      return sum(square(x));
    };
    expect(maxRel(grad(lossCk)(u0), grad(lossPlain)(u0))).toBeLessThan(1e-14);
    expect(stats.recomputedSteps).toBe(optimalForwardSteps(steps, 8) - (steps - 1));
    expect(stats.optimalRecomputedSteps).toBe(optimalForwardSteps(steps, 8));
    expect(stats.peakSnapshots).toBeLessThanOrEqual(8);
    expect(stats.peakSnapshotBytes).toBeLessThanOrEqual(8 * n * 8);
    expect(stats.peakStepTapeBytes).toBeGreaterThan(0);
    expect(stats.peakBytes).toBe(stats.peakSnapshotBytes + stats.peakStepTapeBytes);
    // The enclosing tape holds one loop instruction, not the trajectory.
    const ck = record(lossCk, u0).stats();
    const plain = record(lossPlain, u0).stats();
    expect(ck.instructions).toBeLessThan(10);
    expect(ck.usedBytes + stats.peakSnapshotBytes + stats.peakStepTapeBytes).toBeLessThan(plain.usedBytes / 10);
  });

  it('recomputes exactly the binomial optimum for a table of (steps, snapshots)', () => {
    const step = (x: Vec): Vec => mul(x, 0.999) as Vec;
    for (const [l, s] of [
      [1, 1],
      [10, 1],
      [10, 2],
      [10, 3],
      [100, 5],
      [1000, 10],
      [1000, 1000],
      [5000, 20],
    ] as const) {
      const stats = {} as CheckpointStats;
      grad((x: ActiveVec) => sum(checkpointedLoop(step, x, l, { snapshots: s, stats })))(Float64Array.of(1, 2));
      expect(stats.recomputedSteps, `l = ${l}, s = ${s}`).toBe(Math.max(0, optimalForwardSteps(l, s) - (l - 1)));
    }
    expect(optimalForwardSteps(10, 1)).toBe(45);
    expect(optimalForwardSteps(1000, 1000)).toBe(999);
  });

  it('memoryBudget picks the number of snapshots', () => {
    const stats = {} as CheckpointStats;
    grad((x: ActiveVec) =>
      sum(checkpointedLoop((v) => mul(v, 0.5) as Vec, x, 50, { memoryBudget: 3 * 4 * 8 + 5, stats })),
    )(Float64Array.of(1, 2, 3, 4));
    expect(stats.snapshots).toBe(3);
    expect(stats.recomputedSteps).toBe(optimalForwardSteps(50, 3) - 49);
  });

  it('runs plainly (no tape) on plain inputs, and the values agree', () => {
    const x = Float64Array.of(0.5, -0.25);
    const y = checkpointedLoop(oscillatorStep, x, 100, { params: Float64Array.of(0.1, 4) }) as Float64Array;
    let z: Vec = x;
    for (let k = 0; k < 100; k++) z = oscillatorStep(z, Float64Array.of(0.1, 4));
    expect(Array.from(y)).toEqual(Array.from(z as Float64Array));
    expect(Array.from(x)).toEqual([0.5, -0.25]);
  });

  it('second order through the loop (unrolled under nesting) is right', () => {
    const loss = (x: ActiveVec): Real => sum(square(checkpointedLoop((v) => sin(v) as Vec, x, 5, { snapshots: 2 })));
    const plain = (x: ActiveVec): Real => {
      let v: Vec = x;
      for (let k = 0; k < 5; k++) v = sin(v) as Vec;
      return sum(square(v));
    };
    const x0 = Float64Array.of(0.4, 1.1);
    expect(maxRel(jacobian(grad(loss))(x0).data, jacobian(grad(plain))(x0).data)).toBeLessThan(1e-14);
  });

  it('bad input: snapshots < 1, shape-changing step, non-finite state, closures over active values', () => {
    const x = Float64Array.of(1, 2);
    const g =
      (opts: object, step: (v: Vec, p: Value, k: number) => Vec = (v) => v) =>
      () =>
        grad((v: ActiveVec) => sum(checkpointedLoop(step, v, 3, opts)))(x);
    expect(g({ snapshots: 0 })).toThrow(DomainError);
    expect(g({ snapshots: 1.5 })).toThrow(DomainError);
    expect(g({ memoryBudget: 4 })).toThrow(DomainError);
    expect(g({ snapshots: 2, memoryBudget: 100 })).toThrow(ShapeError);
    expect(g({}, (v) => concat([v, 1]))).toThrow(ShapeError);
    expect(g({}, (v, _p, k) => (k === 2 ? (mul(v, Number.POSITIVE_INFINITY) as Vec) : v))).toThrow(/after step 2/);
    expect(() =>
      grad((a: Active) => sum(checkpointedLoop((v) => mul(v, a) as Vec, Float64Array.of(1, 2), 3)))(2),
    ).toThrow(ShapeError);
    expect(() => checkpointedLoop((v) => v, Float64Array.of(1), -1)).toThrow(DomainError);
    expect(() => checkpointedLoop((v) => v, new Float64Array(0), 1)).toThrow(ShapeError);
  });
});

describe('checkpointedWhile (length not known in advance)', () => {
  it('runs until the condition fails, gives the plain gradient, and recomputes near the optimum', () => {
    const decay = (v: Vec): Vec => mul(v, 0.99) as Vec;
    const stats = {} as CheckpointStats;
    const loss = (x: ActiveVec): Real =>
      sum(square(checkpointedWhile(decay, x, (s) => Math.abs(s[0]!) > 0.1, { snapshots: 6, stats })));
    const x0 = Float64Array.of(1, 3);
    const g = grad(loss)(x0);
    const steps = stats.steps;
    expect(steps).toBe(Math.ceil(Math.log(0.1) / Math.log(0.99)));
    const plain = (x: ActiveVec): Real => {
      let v: Vec = x;
      for (let k = 0; k < steps; k++) v = decay(v);
      return sum(square(v));
    };
    expect(maxRel(g, grad(plain)(x0))).toBeLessThan(1e-14);
    // Online thinning: the user's sweep plus recomputations within 7 % of the offline optimum.
    expect(stats.recomputedSteps + steps - 1).toBeLessThanOrEqual(Math.ceil(1.07 * optimalForwardSteps(steps, 6)));
  });
});
