/**
 * The JAX-style transforms (grad, valueAndGrad, jvp, vjp, jacobian, jacfwd, jacrev) on functions
 * with known derivatives: the extended Rosenbrock function, the 2-D Bratu residual, logSumExp,
 * selects and masks, and the documented conventions at non-smooth points.
 */
import { describe, expect, it } from 'vitest';
import {
  type Active,
  type ActiveVec,
  abs,
  add,
  clamp,
  concat,
  defineAtomic,
  div,
  exp,
  gather,
  grad,
  greater,
  jacfwd,
  jacobian,
  jacrev,
  jvp,
  less,
  logSumExp,
  MissingRuleError,
  max,
  min,
  mul,
  pow,
  type Real,
  select,
  sin,
  slice,
  square,
  stopGradient,
  sub,
  sum,
  type Vec,
  valueAndGrad,
  vjp,
} from '../src/index.js';
import { expectAllClose, expectBitwise, expectClose, f64 } from './support/numeric.js';

// ---------------------------------------------------------------------------------------------
// Extended Rosenbrock
// ---------------------------------------------------------------------------------------------

/** f(x) = Σ_{i<n−1} 100 (x_{i+1} − x_i²)² + (1 − x_i)², written with scalar ops on elements. */
function rosenbrockScalar(x: ActiveVec): Real {
  let s: Real = 0;
  for (let i = 0; i < x.length - 1; i++) {
    const a = x.at(i);
    const b = x.at(i + 1);
    s = add(s, add(mul(100, square(sub(b, square(a)))), square(sub(1, a))));
  }
  return s;
}

/** The same function with vector ops on slices. */
function rosenbrockVector(x: ActiveVec): Real {
  const a = x.slice(0, x.length - 1);
  const b = x.slice(1);
  return sum(add(mul(100, square(sub(b, square(a)))), square(sub(1, a))) as Vec);
}

function classicalPoint(n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
}

/** g_i = [i<n−1](−400 x_i (x_{i+1} − x_i²) − 2(1 − x_i)) + [i>0] 200 (x_i − x_{i−1}²). */
function rosenbrockGradient(x: Float64Array): Float64Array {
  const n = x.length;
  const g = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (i < n - 1) g[i]! += -400 * x[i]! * (x[i + 1]! - x[i]! ** 2) - 2 * (1 - x[i]!);
    if (i > 0) g[i]! += 200 * (x[i]! - x[i - 1]! ** 2);
  }
  return g;
}

function rosenbrockValue(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length - 1; i++) s += 100 * (x[i + 1]! - x[i]! ** 2) ** 2 + (1 - x[i]!) ** 2;
  return s;
}

describe('extended Rosenbrock (n = 1000)', () => {
  const n = 1000;
  const x0 = classicalPoint(n);
  const want = rosenbrockGradient(x0);

  it('has the classical gradient at x0: g_0 = −215.6, g_1 = 792, …', () => {
    expectClose(want[0]!, -215.6, 1e-15, 0, 'analytic g_0');
    for (const [name, f] of [
      ['scalar loop', rosenbrockScalar],
      ['vector ops', rosenbrockVector],
    ] as const) {
      const g = grad(f)(x0);
      expect(g).toBeInstanceOf(Float64Array);
      expect(g.length).toBe(n);
      expectClose(g[0]!, -215.6, 1e-13, 0, `${name}: g_0`);
      expectAllClose(g, want, 1e-13, 1e-12, `${name}: gradient`);
    }
  });

  it('scalar and vector forms agree bit for bit, and valueAndGrad gives f(x0) = 253616', () => {
    const [vs, gs] = valueAndGrad(rosenbrockScalar)(x0);
    const [vv, gv] = valueAndGrad(rosenbrockVector)(x0);
    // 500 terms 100·0.44² + 2.2² = 24.2 and 499 terms 100·2.2² = 484.
    expectClose(vs, 253616, 1e-13, 0, 'value (scalar)');
    expectClose(vv, 253616, 1e-13, 0, 'value (vector)');
    expectClose(vs, rosenbrockValue(x0), 1e-15, 0, 'value vs plain evaluation');
    expectBitwise(gs, gv, 'scalar vs vector gradient');
    expectBitwise(gs, grad(rosenbrockScalar)(x0), 'valueAndGrad vs grad');
  });

  it('is right at other points too, and reverse equals forward (jvp along e_j)', () => {
    const x = Float64Array.from({ length: n }, (_, i) => Math.sin(0.37 * i) * 1.5);
    const g = grad(rosenbrockVector)(x);
    expectAllClose(g, rosenbrockGradient(x), 1e-13, 1e-12, 'gradient at x');
    for (const j of [0, 1, 500, n - 1]) {
      const e = new Float64Array(n);
      e[j] = 1;
      const [y, t] = jvp(rosenbrockScalar, x, e);
      expectClose(y as number, rosenbrockValue(x), 1e-14, 0, 'jvp value');
      expectClose(t as number, g[j]!, 1e-14, 1e-12, `jvp e_${j}`);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Bratu 2-D
// ---------------------------------------------------------------------------------------------

const N = 10;
const h = 1 / (N + 1);
const LAMBDA = 6;

/** Neighbour index arrays on the N×N interior grid; index N² is the zero boundary. */
const neighbours = (() => {
  const idx = (i: number, j: number) => (i < 0 || j < 0 || i >= N || j >= N ? N * N : i * N + j);
  const mk = (di: number, dj: number) =>
    Int32Array.from({ length: N * N }, (_, k) => idx(Math.floor(k / N) + di, (k % N) + dj));
  return [mk(-1, 0), mk(1, 0), mk(0, -1), mk(0, 1)];
})();

/** F[k] = (4u_k − Σ neighbours)/h² − λ e^{u_k}, vector ops and gathers. */
function bratuVector(u: ActiveVec): Vec {
  const padded = concat([u, 0]);
  const nb = neighbours.map((ix) => gather(padded, ix));
  const lap = sub(mul(4, u), add(add(nb[0]!, nb[1]!), add(nb[2]!, nb[3]!)));
  return sub(div(lap, h * h), mul(LAMBDA, exp(u))) as Vec;
}

/** The same residual with scalar ops on elements. */
function bratuScalar(u: ActiveVec): Real[] {
  const at = (k: number): Real => (k === N * N ? 0 : u.at(k));
  return Array.from({ length: N * N }, (_, k) => {
    const s = add(
      add(at(neighbours[0]![k]!), at(neighbours[1]![k]!)),
      add(at(neighbours[2]![k]!), at(neighbours[3]![k]!)),
    );
    return sub(div(sub(mul(4, u.at(k)), s), h * h), mul(LAMBDA, exp(u.at(k))));
  });
}

describe('Bratu 2-D residual Jacobian (N = 10)', () => {
  const u0 = Float64Array.from({ length: N * N }, (_, k) => 0.1 * Math.sin(k) + 0.05 * (k % 7));

  function expectAnalytic(J: { rows: number; cols: number; data: Float64Array }, what: string): void {
    expect(J.rows).toBe(N * N);
    expect(J.cols).toBe(N * N);
    for (let k = 0; k < N * N; k++) {
      const nb = new Set(neighbours.map((ix) => ix[k]!));
      for (let l = 0; l < N * N; l++) {
        const got = J.data[k * N * N + l]!;
        if (l === k) expectClose(got, 4 / (h * h) - LAMBDA * Math.exp(u0[k]!), 1e-13, 0, `${what}: J[${k}][${k}]`);
        else if (nb.has(l)) expectClose(got, -1 / (h * h), 1e-13, 0, `${what}: J[${k}][${l}]`);
        else if (got !== 0) throw new Error(`${what}: J[${k}][${l}] = ${got}, expected exactly 0`);
      }
    }
  }

  it('vector form: jacobian, jacfwd and jacrev give the analytic five-point Jacobian', () => {
    const J = jacobian(bratuVector)(u0);
    expectAnalytic(J, 'jacobian');
    expectBitwise(jacfwd(bratuVector)(u0).data, J.data, 'jacfwd vs jacobian (n = m: forward)');
    expectAnalytic(jacrev(bratuVector)(u0), 'jacrev');
  });

  it('scalar form gives the same Jacobian (to roundoff) and the same residual (bitwise)', () => {
    const Js = jacrev(bratuScalar)(u0);
    expectAnalytic(Js, 'scalar jacrev');
    expectAllClose(Js.data, jacfwd(bratuVector)(u0).data, 1e-14, 0, 'scalar vs vector Jacobian');
    const [ys] = vjp(bratuScalar, u0);
    const [yv] = vjp(bratuVector, u0);
    expectBitwise(ys as Float64Array, yv as Float64Array, 'residual');
  });
});

// ---------------------------------------------------------------------------------------------
// Shapes, extra arguments, mode choice
// ---------------------------------------------------------------------------------------------

describe('jvp / vjp shapes', () => {
  it('scalar → scalar', () => {
    const [y, t] = jvp((x: Active) => mul(x, sin(x)), 2, 3);
    expect(y).toBe(2 * Math.sin(2));
    expectClose(t as number, 3 * (Math.sin(2) + 2 * Math.cos(2)), 1e-14, 0, 'tangent');
    const [y2, pb] = vjp((x: Active) => mul(x, sin(x)), 2);
    expect(y2).toBe(y);
    const g = pb(3);
    expect(typeof g).toBe('number');
    expectClose(g as number, t as number, 1e-15, 0, 'cotangent');
  });

  it('scalar → vector (array of scalars and concat)', () => {
    for (const f of [(x: Active) => [x, mul(x, 2), 7], (x: Active) => concat([x, mul(x, 2), 7])]) {
      const [y, t] = jvp(f, 3, 2);
      expectBitwise(y as Float64Array, [3, 6, 7], 'value');
      expectBitwise(t as Float64Array, [2, 4, 0], 'tangent');
      const [, pb] = vjp(f, 3);
      expect(pb(f64(1, 1, 1))).toBe(3);
    }
  });

  it('vector → scalar', () => {
    const f = (x: ActiveVec) => mul(x.at(0), x.at(1));
    const [y, t] = jvp(f, f64(2, 5), f64(1, 10));
    expect(y).toBe(10);
    expect(t).toBe(5 + 20);
    const [, pb] = vjp(f, f64(2, 5));
    expectBitwise(pb(2) as Float64Array, [10, 4], 'cotangent');
  });

  it('vector → vector, several pullbacks from one recording', () => {
    const f = (x: ActiveVec) => mul(x, sum(x));
    const x0 = f64(1, 2, 3);
    const [y, t] = jvp(f, x0, f64(1, 0, 0));
    expectBitwise(y as Float64Array, [6, 12, 18], 'value');
    expectBitwise(t as Float64Array, [7, 2, 3], 'tangent');
    const [, pb] = vjp(f, x0);
    expectBitwise(pb(f64(1, 0, 0)) as Float64Array, [7, 1, 1], 'row 0');
    expectBitwise(pb(f64(0, 0, 1)) as Float64Array, [3, 3, 9], 'row 2');
    expectBitwise(pb(f64(1, 0, 0)) as Float64Array, [7, 1, 1], 'row 0 again');
  });

  it('grad of a vector input returns a Float64Array, of a scalar input a number', () => {
    expect(grad((x: Active) => square(x))(3)).toBe(6);
    const g = grad((x: ActiveVec) => sum(square(x) as Vec))(f64(1, 2));
    expect(g).toBeInstanceOf(Float64Array);
    expectBitwise(g, [2, 4], 'grad');
  });
});

describe('extra arguments are passed to f unchanged', () => {
  const opts = { scale: 3, label: 'ab' };
  const f = (x: ActiveVec, k: number, o: typeof opts) => mul(sum(x), k * o.scale + o.label.length);

  it('grad, valueAndGrad, jvp, vjp, jacobian, jacfwd, jacrev', () => {
    const x0 = f64(1, 2);
    expectBitwise(grad(f)(x0, 2, opts), [8, 8], 'grad');
    const [v, g] = valueAndGrad(f)(x0, 2, opts);
    expect(v).toBe(24);
    expectBitwise(g, [8, 8], 'valueAndGrad');
    expect(jvp(f, x0, f64(1, 1), 2, opts)).toEqual([24, 16]);
    const [y, pb] = vjp(f, x0, 2, opts);
    expect(y).toBe(24);
    expectBitwise(pb(1) as Float64Array, [8, 8], 'vjp');
    for (const jac of [jacobian, jacfwd, jacrev]) expectBitwise(jac(f)(x0, 2, opts).data, [8, 8], 'jacobian');
    expect(grad((x: Active, a: number, b: string) => mul(x, a + b.length))(2, 3, 'ab')).toBe(5);
  });
});

describe('jacobian picks forward or reverse sweeps', () => {
  // An atomic with only a forward rule: forward sweeps work, reverse sweeps raise MissingRuleError.
  const double = defineAtomic({
    name: 'doubleFwdOnly',
    value: ([x]) => ({ outputs: [(x as Float64Array).map((e) => 2 * e)] }),
    jvp: (_in, _out, [t]) => [(t as Float64Array).map((e) => 2 * e)],
  });

  it('forward when n ≤ m, reverse when n > m (same results as jacfwd/jacrev)', () => {
    const square2 = (x: ActiveVec) => double([x])[0] as Vec; // n = m = 2
    expectBitwise(jacobian(square2)(f64(1, 2)).data, [2, 0, 0, 2], 'n = m uses forward');
    expectBitwise(jacfwd(square2)(f64(1, 2)).data, [2, 0, 0, 2], 'jacfwd');
    expect(() => jacrev(square2)(f64(1, 2))).toThrow(MissingRuleError);
    const wide = (x: ActiveVec) => sum(double([x])[0] as Vec); // n = 2 > m = 1: reverse
    expect(() => jacobian(wide)(f64(1, 2))).toThrow(MissingRuleError);
    expectBitwise(jacfwd(wide)(f64(1, 2)).data, [2, 2], 'jacfwd of the wide function');
  });

  it('both modes give the same Jacobian for ordinary functions, tall and wide', () => {
    const tall = (x: ActiveVec) => concat([mul(x, x.at(0)), sin(x), sum(x)]);
    const wide = (x: ActiveVec) => [mul(x.at(0), x.at(3)), sum(square(x) as Vec)];
    for (const f of [tall, wide] as const) {
      const x0 = f64(0.3, -1.2, 2, 0.7);
      const J = jacobian(f as (x: ActiveVec) => Vec)(x0);
      expectAllClose(jacfwd(f as (x: ActiveVec) => Vec)(x0).data, J.data, 1e-15, 0, 'jacfwd');
      expectAllClose(jacrev(f as (x: ActiveVec) => Vec)(x0).data, J.data, 1e-15, 0, 'jacrev');
    }
    expect(jacobian(tall)(f64(1, 2, 3, 4)).rows).toBe(9);
    expect(jacobian(wide)(f64(1, 2, 3, 4)).cols).toBe(4);
  });

  it('a scalar input gives an m × 1 Jacobian', () => {
    const J = jacobian((x: Active) => [x, square(x)])(3);
    expect([J.rows, J.cols]).toEqual([2, 1]);
    expectBitwise(J.data, [1, 6], 'J');
  });
});

// ---------------------------------------------------------------------------------------------
// logSumExp, select, conventions
// ---------------------------------------------------------------------------------------------

function softmax(x: Float64Array): Float64Array {
  const m = Math.max(...x);
  const e = x.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

describe('logSumExp', () => {
  it('has the softmax as gradient', () => {
    const x = f64(0.5, -1, 2, 0.25);
    const [v, g] = valueAndGrad((y: ActiveVec) => logSumExp(y))(x);
    expectClose(v, Math.log(x.reduce((s, e) => s + Math.exp(e), 0)), 1e-15, 0, 'value');
    expectAllClose(g, softmax(x), 1e-15, 0, 'gradient');
  });

  it('is stable at large inputs ([1000, 1000.5]) and very negative ones', () => {
    const [v, g] = valueAndGrad((y: ActiveVec) => logSumExp(y))(f64(1000, 1000.5));
    expectClose(v, 1000.5 + Math.log1p(Math.exp(-0.5)), 1e-15, 0, 'value');
    expectAllClose(g, softmax(f64(0, 0.5)), 1e-15, 0, 'gradient');
    const [w, h2] = valueAndGrad((y: ActiveVec) => logSumExp([y.at(0), y.at(1)]))(f64(-1000, -1000.5));
    expectClose(w, -1000 + Math.log1p(Math.exp(-0.5)), 1e-15, 0, 'value (array of scalars)');
    expectAllClose(h2, softmax(f64(0, -0.5)), 1e-15, 0, 'gradient (array of scalars)');
    for (const e of [...g, ...h2]) expect(Number.isFinite(e)).toBe(true);
  });

  it('sums to one along the gradient (the log-partition identity)', () => {
    const x = Float64Array.from({ length: 50 }, (_, i) => Math.cos(i) * 30);
    const g = grad((y: ActiveVec) => logSumExp(y))(x);
    expectClose(
      g.reduce((a, b) => a + b, 0),
      1,
      1e-14,
      0,
      'Σ softmax',
    );
  });
});

describe('select and masks', () => {
  it('the derivative flows to the chosen branch only (vector mask)', () => {
    const f = (x: ActiveVec) => sum(select(less(x, 0), mul(x, 3), square(x)) as Vec);
    expectBitwise(grad(f)(f64(-1, 2, -3, 0.5)), [3, 4, 3, 1], 'grad');
    const J = jacobian((x: ActiveVec) => select(greater(x, 1), x, 0))(f64(0, 2));
    expectBitwise(J.data, [0, 0, 0, 1], 'constant branch');
  });

  it('scalar masks, broadcast branches, and plain boolean conditions', () => {
    // Scalar mask choosing between a vector and a broadcast active scalar.
    const f = (x: ActiveVec) => sum(select(less(x.at(0), x.at(1)), x.slice(2), x.at(0)) as Vec);
    expectBitwise(grad(f)(f64(1, 2, 5, 6)), [0, 0, 1, 1], 'mask true: the vector branch');
    expectBitwise(grad(f)(f64(3, 2, 5, 6)), [2, 0, 0, 0], 'mask false: the broadcast scalar, twice');
    // A boolean picks a branch once; nothing is recorded for it.
    expect(grad((x: Active) => select(true, mul(x, 2), x) as Real)(1)).toBe(2);
    expect(grad((x: Active) => select(0, mul(x, 2), x) as Real)(1)).toBe(1);
  });

  it('masks have zero derivative', () => {
    expectBitwise(grad((x: ActiveVec) => sum(less(x, 1) as Vec))(f64(0, 2)), [0, 0], 'less');
  });
});

describe('conventions at non-smooth points', () => {
  it('d|x|/dx at 0 is 0 (±1 elsewhere)', () => {
    expect(grad((x: Active) => abs(x))(0)).toBe(0);
    expect(grad((x: Active) => abs(x))(-0)).toBe(0);
    expect(grad((x: Active) => abs(x))(-2)).toBe(-1);
    expectBitwise(grad((x: ActiveVec) => sum(abs(x) as Vec))(f64(0, -1, 1)), [0, -1, 1], 'vector');
  });

  it('max and min at ties give the derivative to the first argument', () => {
    expect(grad((x: Active) => max(x, x))(3)).toBe(1);
    expect(grad((x: Active) => min(x, x))(3)).toBe(1);
    expectBitwise(grad((x: ActiveVec) => max(x.at(0), x.at(1)))(f64(2, 2)), [1, 0], 'max tie');
    expectBitwise(grad((x: ActiveVec) => min(x.at(0), x.at(1)))(f64(2, 2)), [1, 0], 'min tie');
    expectBitwise(grad((x: ActiveVec) => max(x.at(1), x.at(0)))(f64(2, 2)), [0, 1], 'max tie, swapped');
    expectBitwise(
      grad((x: ActiveVec) => sum(max(x.slice(0, 2), x.slice(2)) as Vec))(f64(1, 5, 1, 4)),
      [1, 1, 0, 0],
      'vector',
    );
  });

  it('clamp: derivative 1 w.r.t. x at both bounds, the bound gets it outside', () => {
    const g = (x: number) => grad((v: ActiveVec) => clamp(v.at(0), v.at(1), v.at(2)))(f64(x, 0, 1));
    expectBitwise(g(0), [1, 0, 0], 'x = lo');
    expectBitwise(g(1), [1, 0, 0], 'x = hi');
    expectBitwise(g(0.5), [1, 0, 0], 'inside');
    expectBitwise(g(-1), [0, 1, 0], 'below');
    expectBitwise(g(2), [0, 0, 1], 'above');
  });

  it('pow with an integer exponent works on negative bases', () => {
    expect(pow(-2, 3)).toBe(-8);
    expect(grad((x: Active) => pow(x, 3))(-2)).toBe(12);
    expect(grad((x: Active) => pow(x, 2))(-3)).toBe(-6);
    expect(grad((x: Active) => pow(x, -1))(-2)).toBe(-0.25);
    expect(grad((x: Active) => pow(x, 0))(-2)).toBe(0);
    expect(grad((x: Active) => pow(x, 0))(0)).toBe(0);
    expectBitwise(grad((x: ActiveVec) => sum(pow(x, 3) as Vec))(f64(-2, -1, 0.5)), [12, 3, 0.75], 'vector');
    // ∂/∂b for a negative base is NaN (a^b is undefined for nearby non-integer b), as documented.
    expect(grad((b: Active) => pow(-2, b))(3)).toBeNaN();
  });

  it('stopGradient blocks the derivative', () => {
    expect(grad((x: Active) => mul(x, stopGradient(x)))(3)).toBe(3);
    expect(grad((x: Active) => stopGradient(square(x)))(3)).toBe(0);
    const g = grad((x: ActiveVec) => sum(mul(x, stopGradient(x)) as Vec))(f64(1, -2));
    expectBitwise(g, [1, -2], 'vector');
    expect(stopGradient(f64(1, 2))).toBeInstanceOf(Float64Array);
    expect(grad((x: ActiveVec) => sum(slice(x, 0, 1)))(f64(4, 5))).toEqual(f64(1, 0));
  });
});
