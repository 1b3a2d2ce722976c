/**
 * Atomics (block ops with user rules) and custom rules: a 2×2 linear solve used under grad,
 * jacobian and nesting against finite differences; missing rules; customVjp and customJvp in
 * forward, reverse and nested mode; replay of an atomic inside a recorded function.
 */
import { describe, expect, it } from 'vitest';
import {
  type Active,
  type ActiveVec,
  type AtomicOps,
  add,
  concat,
  customJvp,
  customVjp,
  defineAtomic,
  div,
  dot,
  exp,
  fdJvp,
  grad,
  jacfwd,
  jacobian,
  jacrev,
  jvp,
  log,
  MissingRuleError,
  mul,
  type Plain,
  type Real,
  record,
  sigmoid,
  sin,
  sqrt,
  square,
  sum,
  type Value,
  type Vec,
  vjp,
} from '../src/index.js';
import { expectAllClose, expectBitwise, expectClose, f64, maxAbs } from './support/numeric.js';

// ---------------------------------------------------------------------------------------------
// solve2x2: x = A⁻¹ b and det A, with A row-major [a, b; c, d]
// ---------------------------------------------------------------------------------------------

interface SolveState {
  /** A⁻¹, row-major. */
  readonly inv: Float64Array;
}

function inverse(A: Float64Array): Float64Array {
  const det = A[0]! * A[3]! - A[1]! * A[2]!;
  return f64(A[3]! / det, -A[1]! / det, -A[2]! / det, A[0]! / det);
}
function matVec(M: Float64Array, v: Float64Array): Float64Array {
  return f64(M[0]! * v[0]! + M[1]! * v[1]!, M[2]! * v[0]! + M[3]! * v[1]!);
}
function matTVec(M: Float64Array, v: Float64Array): Float64Array {
  return f64(M[0]! * v[0]! + M[2]! * v[1]!, M[1]! * v[0]! + M[3]! * v[1]!);
}
/** The cofactor matrix of A (∂det/∂A). */
function cofactor(A: Float64Array): Float64Array {
  return f64(A[3]!, -A[2]!, -A[1]!, A[0]!);
}

let valueCalls = 0;

const solveDef = {
  name: 'solve2x2',
  value(inputs: readonly Plain[]) {
    valueCalls++;
    const A = inputs[0] as Float64Array;
    const b = inputs[1] as Float64Array;
    const inv = inverse(A);
    const det = A[0]! * A[3]! - A[1]! * A[2]!;
    return { outputs: [matVec(inv, b), det], state: { inv } satisfies SolveState };
  },
  // dx = A⁻¹(db − dA x), d det = <cof A, dA>
  jvp(inputs: readonly Plain[], outputs: readonly Plain[], tangents: readonly Plain[], state: SolveState) {
    const x = outputs[0] as Float64Array;
    const dA = tangents[0] as Float64Array;
    const db = tangents[1] as Float64Array;
    const r = f64(db[0]! - (dA[0]! * x[0]! + dA[1]! * x[1]!), db[1]! - (dA[2]! * x[0]! + dA[3]! * x[1]!));
    const cof = cofactor(inputs[0] as Float64Array);
    const ddet = cof[0]! * dA[0]! + cof[1]! * dA[1]! + cof[2]! * dA[2]! + cof[3]! * dA[3]!;
    return [matVec(state.inv, r), ddet];
  },
  // b̄ = A⁻ᵀ x̄,  Ā = −b̄ xᵀ + det̄ · cof A
  vjp(inputs: readonly Plain[], outputs: readonly Plain[], cot: readonly Plain[], state: SolveState) {
    const x = outputs[0] as Float64Array;
    const xbar = cot[0] as Float64Array;
    const detbar = cot[1] as number;
    const bbar = matTVec(state.inv, xbar);
    const cof = cofactor(inputs[0] as Float64Array);
    const Abar = f64(
      -bbar[0]! * x[0]! + detbar * cof[0]!,
      -bbar[0]! * x[1]! + detbar * cof[1]!,
      -bbar[1]! * x[0]! + detbar * cof[2]!,
      -bbar[1]! * x[1]! + detbar * cof[3]!,
    );
    return [Abar, bbar];
  },
  // The same rules written with the differentiable ops (nested derivatives).
  vjpGeneric(G: AtomicOps, inputs: readonly Value[], outputs: readonly Value[], cot: readonly Value[]) {
    const [A] = inputs;
    const [x] = outputs;
    const [xbar, detbar] = cot;
    const At = G.gather(A!, [0, 2, 1, 3]);
    const bbar = G.call(solveAtomicDef, [At, xbar!])[0]!;
    const outer = G.mul(G.gather(bbar, [0, 0, 1, 1]), G.gather(x!, [0, 1, 0, 1]));
    const cof = G.mul(G.gather(A!, [3, 2, 1, 0]), f64(1, -1, -1, 1));
    return [G.add(G.neg(outer), G.mul(detbar!, cof)), bbar];
  },
  jvpGeneric(G: AtomicOps, inputs: readonly Value[], outputs: readonly Value[], tangents: readonly Value[]) {
    const [A] = inputs;
    const [x] = outputs;
    const [dA, db] = tangents;
    const prod = G.mul(dA!, G.gather(x!, [0, 1, 0, 1]));
    const dAx = G.add(G.gather(prod, [0, 2]), G.gather(prod, [1, 3]));
    const dx = G.call(solveAtomicDef, [A!, G.sub(db!, dAx)])[0]!;
    const cof = G.mul(G.gather(A!, [3, 2, 1, 0]), f64(1, -1, -1, 1));
    return [dx, G.dot(cof, dA!)];
  },
};
const solveAtomicDef = solveDef as unknown as Parameters<AtomicOps['call']>[0];
const solve2x2 = defineAtomic(solveDef as never);

/** p = [A (4), b (2)] ↦ [x (2), det]. */
function solveOf(p: ActiveVec): Vec {
  const [x, det] = solve2x2([p.slice(0, 4), p.slice(4, 6)]);
  return concat([x!, det!]);
}
/** A scalar objective through the solve: |x|² + sin(det). */
function objective(p: ActiveVec): Real {
  const [x, det] = solve2x2([p.slice(0, 4), p.slice(4, 6)]);
  return add(dot(x as Vec, x as Vec), sin(det as Real));
}

const p0 = f64(2, 0.5, -0.3, 1.5, 1, -2);
const p1 = f64(1.2, -0.4, 0.7, 2.2, -0.5, 0.8);

function fdJacobian(f: (x: Float64Array) => Float64Array, x: Float64Array): Float64Array[] {
  return Array.from(x, (_, j) => {
    const e = new Float64Array(x.length);
    e[j] = 1;
    return fdJvp(f, x, e).value;
  });
}

describe('solve2x2 atomic', () => {
  it('computes x = A⁻¹b and det A, plainly and on a tape', () => {
    const [x, det] = solve2x2([p0.subarray(0, 4), p0.subarray(4, 6)]);
    expectAllClose(matVec(f64(2, 0.5, -0.3, 1.5), x as Float64Array), [1, -2], 1e-15, 0, 'A x = b');
    expect(det).toBe(2 * 1.5 + 0.5 * 0.3);
    const [y] = vjp(solveOf, p0);
    expectBitwise(y as Float64Array, [...(x as Float64Array), det as number], 'recorded value');
  });

  it('jacobian (forward and reverse) matches finite differences', () => {
    const Jf = jacfwd(solveOf)(p0);
    const Jr = jacrev(solveOf)(p0);
    expect([Jf.rows, Jf.cols]).toEqual([3, 6]);
    expectAllClose(Jr.data, Jf.data, 1e-14, 1e-15, 'forward vs reverse');
    expectAllClose(jacobian(solveOf)(p0).data, Jr.data, 0, 0, 'auto (n > m: reverse)');
    const fd = fdJacobian((p) => vjp(solveOf, p)[0] as Float64Array, p0);
    for (let j = 0; j < 6; j++) {
      for (let i = 0; i < 3; i++) expectClose(Jf.data[i * 6 + j]!, fd[j]![i]!, 1e-8, 1e-10, `J[${i}][${j}]`);
    }
  });

  it('grad of an objective through it matches finite differences', () => {
    const g = grad(objective)(p0);
    const fd = fdJacobian((p) => Float64Array.of(vjp(objective, p)[0] as number), p0);
    expectAllClose(
      g,
      fd.map((c) => c[0]!),
      1e-8,
      1e-10,
      'gradient',
    );
    expectClose(jvp(objective, p0, f64(1, 0, 0, 0, 0, 0))[1] as number, g[0]!, 1e-14, 1e-15, 'jvp along e_0');
  });

  it('nested: the Hessian of the objective (vjpGeneric, jvpGeneric) matches finite differences of grad', () => {
    const fdH = fdJacobian((p) => grad(objective)(p), p0);
    const scale = Math.max(...fdH.map(maxAbs));
    for (const H of [jacfwd(grad(objective))(p0), jacrev(grad(objective))(p0)]) {
      for (let i = 0; i < 6; i++)
        for (let j = 0; j < 6; j++) expectClose(H.data[i * 6 + j]!, fdH[j]![i]!, 1e-7, 1e-9 * scale, `H[${i}][${j}]`);
    }
    // forward-over-forward through jvpGeneric
    const v = f64(0.3, -1, 0.5, 2, 1, -0.25);
    const [, hv] = jvp((p: ActiveVec) => jvp(objective, p as never, v)[1] as Real, p0, v);
    let want = 0;
    for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) want += v[i]! * fdH[j]![i]! * v[j]!;
    expectClose(hv as number, want, 1e-7, 1e-9 * scale, 'vᵀHv');
  });

  it('replays inside a recorded function at a new point (fresh state per point)', () => {
    const rf = record(objective, p0);
    const before = valueCalls;
    expect(Object.is(rf.value(p1), vjp(objective, p1)[0])).toBe(true);
    expect(valueCalls).toBeGreaterThan(before); // the value rule ran again on replay
    expectBitwise(rf.gradient(p1) as Float64Array, grad(objective)(p1), 'gradient at p1');
    const rj = record(solveOf, p0);
    expectBitwise(rj.jacobian(p1, 'forward').data, jacfwd(solveOf)(p1).data, 'forward Jacobian at p1');
    expectBitwise(rj.jacobian(p1, 'reverse').data, jacrev(solveOf)(p1).data, 'reverse Jacobian at p1');
    // And back: nothing of p1 is left over.
    expectBitwise(rf.gradient(p0) as Float64Array, grad(objective)(p0), 'gradient at p0');
  });
});

describe('an atomic with one scalar output under nesting', () => {
  /** y = x² as an atomic with scalar input and output, with every rule including the generic ones. */
  const sq = defineAtomic({
    name: 'sq',
    value: (inputs: readonly Plain[]) => ({ outputs: [(inputs[0] as number) ** 2] }),
    jvp: (inputs: readonly Plain[], _o: readonly Plain[], t: readonly Plain[]) => [
      2 * (inputs[0] as number) * (t[0] as number),
    ],
    vjp: (inputs: readonly Plain[], _o: readonly Plain[], c: readonly Plain[]) => [
      2 * (inputs[0] as number) * (c[0] as number),
    ],
    jvpGeneric: (G: AtomicOps, inputs: readonly Value[], _o: readonly Value[], t: readonly Value[]) => [
      G.mul(G.mul(2, inputs[0]!), t[0]!),
    ],
    vjpGeneric: (G: AtomicOps, inputs: readonly Value[], _o: readonly Value[], c: readonly Value[]) => [
      G.mul(G.mul(2, inputs[0]!), c[0]!),
    ],
  });
  const f = (y: Active) => sq([y])[0] as Real;

  it('first derivatives, and an atomic of the OUTER variable inside an inner grad, work', () => {
    expect(grad(f)(3)).toBe(6);
    expect(jvp(f, 3, 1)[1]).toBe(6);
    expect(grad((x: Active) => grad((y: Active) => mul(sq([x])[0] as Real, y))(1))(3)).toBe(6);
  });

  // Regression (fixed): the generic (nested) sweeps mishandle an atomic whose only output is a scalar: the

  // instruction is recorded with an output run of length 1 (recordAtomic: pushExt(OP_ATOMIC, flatLength([0])

  // = 1)) while GenericTape keeps that output's value/tangent/adjoint as a scalar.
  it('second derivatives through it: reverse-over-reverse', () => {
    expect(grad((x: Active) => grad(f)(x as never) as Real)(3)).toBe(2);
  });
  it('second derivatives through it: forward-over-reverse returns numbers', () => {
    expect(jvp(grad(f) as never, 3, 1)).toEqual([6, 2]);
  });
  it('second derivatives through it: reverse-over-forward and forward-over-forward', () => {
    expect(grad((x: Active) => jvp(f, x as never, 1)[1] as Real)(3)).toBe(2);
    expect(jvp((x: Active) => jvp(f, x as never, 1)[1] as Real, 3, 1)).toEqual([6, 2]);
  });
  it('an inner grad through it closing over the outer variable', () => {
    expect(grad((x: Active) => grad((y: Active) => mul(sq([y])[0] as Real, x))(1))(3)).toBe(2);
  });
});

describe('missing rules', () => {
  const valueOnly = {
    name: 'twice',
    value: (inputs: readonly Plain[]) => ({ outputs: [(inputs[0] as Float64Array).map((e) => 2 * e)] }),
  };
  const twiceNoVjp = defineAtomic({
    ...valueOnly,
    jvp: (_i: readonly Plain[], _o: readonly Plain[], t: readonly Plain[]) => [
      (t[0] as Float64Array).map((e) => 2 * e),
    ],
  });
  const twiceNoJvp = defineAtomic({
    ...valueOnly,
    vjp: (_i: readonly Plain[], _o: readonly Plain[], c: readonly Plain[]) => [
      (c[0] as Float64Array).map((e) => 2 * e),
    ],
  });

  function thrown(f: () => unknown): unknown {
    try {
      f();
    } catch (e) {
      return e;
    }
    throw new Error('expected a throw');
  }

  it('no vjp under grad: MissingRuleError naming the op and the rule', () => {
    const e = thrown(() => grad((x: ActiveVec) => sum(twiceNoVjp([x])[0] as Vec))(f64(1, 2))) as MissingRuleError;
    expect(e).toBeInstanceOf(MissingRuleError);
    expect(e.op).toBe('twice');
    expect(e.rule).toBe('vjp');
    expect(e.message).toContain('twice');
    // Its forward rule still works.
    expectBitwise(
      jvp((x: ActiveVec) => twiceNoVjp([x])[0] as Vec, f64(1, 2), f64(1, 0))[1] as Float64Array,
      [2, 0],
      'jvp',
    );
  });

  it('no jvp under jvp: MissingRuleError naming the op and the rule', () => {
    const e = thrown(() => jvp((x: ActiveVec) => twiceNoJvp([x])[0] as Vec, f64(1, 2), f64(1, 0))) as MissingRuleError;
    expect(e).toBeInstanceOf(MissingRuleError);
    expect(e.op).toBe('twice');
    expect(e.rule).toBe('jvp');
    expectBitwise(grad((x: ActiveVec) => sum(twiceNoJvp([x])[0] as Vec))(f64(1, 2)), [2, 2], 'grad');
  });

  it('no differentiable rule under nesting: MissingRuleError naming it', () => {
    const e = thrown(() =>
      jacobian(grad((x: ActiveVec) => sum(square(twiceNoJvp([x])[0] as Vec) as Vec)))(f64(1, 2)),
    ) as MissingRuleError;
    expect(e).toBeInstanceOf(MissingRuleError);
    expect(e.op).toBe('twice');
    expect(e.rule).toMatch(/vjpGeneric/);
  });
});

// ---------------------------------------------------------------------------------------------
// customVjp / customJvp
// ---------------------------------------------------------------------------------------------

describe('customVjp', () => {
  /** Identity whose gradient is clipped to [−1, 1] (gradient clipping). */
  const clipGrad = customVjp(
    (x: Value) => x,
    (_xs, _y, ybar) => [
      typeof ybar === 'number'
        ? Math.max(-1, Math.min(1, ybar))
        : (ybar as Float64Array).map((g) => Math.max(-1, Math.min(1, g))),
    ],
    'clipGrad',
  );

  it('a clipped-gradient identity: value unchanged, gradient clipped', () => {
    expect(grad((x: Active) => mul(3, clipGrad(x) as Real))(2)).toBe(1);
    expect(grad((x: Active) => mul(-0.5, clipGrad(x) as Real))(2)).toBe(-0.5);
    expect(vjp((x: Active) => clipGrad(x) as Real, 2)[0]).toBe(2);
    const g = grad((x: ActiveVec) => dot(clipGrad(x) as Vec, f64(5, -0.25, -7)))(f64(1, 2, 3));
    expectBitwise(g, [1, -0.25, -1], 'vector');
  });

  it('forward mode through a customVjp raises MissingRuleError', () => {
    expect(() => jvp((x: Active) => clipGrad(x) as Real, 1, 1)).toThrow(MissingRuleError);
  });

  /** log(1 + eˣ), stable for large |x|, with the rule ȳ·σ(x) written with core ops (so it nests). */
  const log1pexp = customVjp(
    (x: Value) => {
      const v = x as number;
      return v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v));
    },
    (xs, _y, ybar) => [mul(ybar, sigmoid(xs[0]!))],
    'log1pexp',
  );

  it('a numerically stable log1pexp: right where the naive form overflows', () => {
    for (const x of [-800, -30, -1, 0, 1, 30, 800]) {
      const [v, g] = [vjp((t: Active) => log1pexp(t) as Real, x)[0], grad((t: Active) => log1pexp(t) as Real)(x)];
      expect(Number.isFinite(v)).toBe(true);
      expectClose(g, 1 / (1 + Math.exp(-x)), 1e-15, 1e-300, `σ(${x})`);
    }
    expect(vjp((t: Active) => log1pexp(t) as Real, 800)[0]).toBe(800);
    // The naive formula loses it at 800: e⁸⁰⁰ = ∞ and the chain rule gives 0 (or NaN), not σ(800) = 1.
    const naive = grad((t: Active) => log(add(1, exp(t))))(800);
    expect(Math.abs(naive - 1) < 0.5).toBe(false);
  });

  // Regression (fixed): nested derivatives through an atomic with ONE SCALAR output (every scalar customVjp /

  // customJvp) are broken: the atomic instruction is recorded with an output run of length 1 (flatLength([0])

  // = 1) but the generic sweeps store its value/tangent/adjoint as a scalar, so the adjoint is assembled as a

  // length-1 vector.
  it('its rule is differentiable: the second derivative is σ(x)(1 − σ(x))', () => {
    for (const x of [-3, 0.5, 4]) {
      const s = 1 / (1 + Math.exp(-x));
      const d2 = grad((t: Active) => grad((u: Active) => log1pexp(u) as Real)(t as never) as Real)(x);
      expectClose(d2, s * (1 - s), 1e-14, 1e-300, `second derivative at ${x}`);
    }
  });
});

describe('customJvp', () => {
  /** ‖v‖ with the tangent <v, v̇>/‖v‖, and 0 at the origin (where sqrt would give NaN). */
  const safeNorm = customJvp(
    (v: Value) => Math.sqrt((v as Float64Array).reduce((s, e) => s + e * e, 0)),
    (xs, y, xdots) => {
      const yv = typeof y === 'number' ? y : (y as Active).value;
      return yv === 0 ? 0 : div(dot(xs[0] as Vec, xdots[0] as Vec), y);
    },
    'safeNorm',
  );

  const x0 = f64(3, -4, 12);

  it('forward mode uses the rule', () => {
    const [y, t] = jvp((v: ActiveVec) => safeNorm(v) as Real, x0, f64(1, 0, 0));
    expect(y).toBe(13);
    expectClose(t as number, 3 / 13, 1e-15, 0, 'tangent');
  });

  it('reverse mode transposes it, matching the forward Jacobian', () => {
    const g = grad((v: ActiveVec) => safeNorm(v) as Real)(x0);
    expectAllClose(g, [3 / 13, -4 / 13, 12 / 13], 1e-15, 0, 'gradient');
    const f = (v: ActiveVec) => concat([safeNorm(v) as Real, mul(2, safeNorm(v) as Real)]);
    expectAllClose(jacrev(f)(x0).data, jacfwd(f)(x0).data, 1e-15, 0, 'jacrev vs jacfwd');
  });

  it('the rule handles the singular point: gradient 0 at the origin, where sqrt(Σv²) gives NaN', () => {
    expectBitwise(grad((v: ActiveVec) => safeNorm(v) as Real)(f64(0, 0, 0)), [0, 0, 0], 'gradient at 0');
    expect(Array.from(grad((v: ActiveVec) => sqrt(dot(v, v)))(f64(0, 0, 0))).every(Number.isNaN)).toBe(true);
  });

  it('nested: the Hessian of ‖v‖ is (I − v̂v̂ᵀ)/‖v‖, in both modes', () => {
    const want = new Float64Array(9);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) want[i * 3 + j] = ((i === j ? 1 : 0) - (x0[i]! * x0[j]!) / 169) / 13;
    const g = grad((v: ActiveVec) => safeNorm(v) as Real);
    expectAllClose(jacfwd(g)(x0).data, want, 1e-13, 1e-16, 'jacfwd(grad)');
    expectAllClose(jacrev(g)(x0).data, want, 1e-13, 1e-16, 'jacrev(grad)');
  });

  const cube = customJvp(
    (x: Value) => (x as number) ** 3,
    (xs, _y, xd) => mul(mul(3, square(xs[0] as Real)), xd[0] as Real),
    'cube',
  );

  it('a scalar customJvp in forward and reverse mode', () => {
    expect(jvp((x: Active) => cube(x) as Real, 2, 1)[1]).toBe(12);
    expect(grad((x: Active) => cube(x) as Real)(2)).toBe(12);
    expect(grad((x: Active) => mul(sin(x), cube(x) as Real))(0)).toBe(0);
    expectBitwise(
      grad((x: ActiveVec) => add(cube(x.at(0)) as Real, cube(x.at(1)) as Real))(f64(1, -2)),
      [3, 12],
      'two calls',
    );
  });

  // Regression (fixed): same scalar-output atomic bug as above, through customJvp: grad(grad(cube))(2) throws

  // ShapeError (vector of length 1), and jvp(x => jvp(cube, x, 1)[1], 2, 1) throws because the generic

  // tangent of the scalar output is read as element [0] of an active scalar (undefined)..
  it('a scalar customJvp differentiated twice: 6x', () => {
    expect(grad((x: Active) => grad((y: Active) => cube(y) as Real)(x as never) as Real)(2)).toBe(12);
    expect(jvp((x: Active) => jvp((y: Active) => cube(y) as Real, x as never, 1)[1] as Real, 2, 1)[1]).toBe(12);
  });
});
