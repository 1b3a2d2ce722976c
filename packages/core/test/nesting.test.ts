/**
 * Nested differentiation: perturbation confusion (Siskind–Pearlmutter), higher derivatives,
 * Hessians by jacobian(grad), forward-over-reverse and reverse-over-forward Hessian-vector
 * products, closures over outer active values, escaped values of released tapes.
 */
import { describe, expect, it } from 'vitest';
import {
  type Active,
  type ActiveVec,
  add,
  concat,
  cos,
  exp,
  grad,
  jacfwd,
  jacobian,
  jacrev,
  jvp,
  mul,
  nestingDepth,
  pow,
  type Real,
  sin,
  square,
  sub,
  sum,
  TapeMismatchError,
  TapeReleasedError,
  type Value,
  type Vec,
  vjp,
  WengertError,
} from '../src/index.js';
import { expectAllClose, expectBitwise, expectClose, f64 } from './support/numeric.js';

type Fn = (x: Active) => Real;
/** d/dx as a function that can itself be differentiated. */
const d =
  (f: Fn): Fn =>
  (x: Active) =>
    grad(f)(x as never) as Real;

describe('perturbation confusion', () => {
  it('Siskind–Pearlmutter: d/dx [x · d/dy (x + y)|_{y=1}] at 1 is exactly 1', () => {
    expect(grad((x: Active) => mul(x, grad((y: Active) => add(x, y))(1)))(1)).toBe(1);
  });

  it('d/dx [d/dy (x·y)|_{y=1}] at 3 is exactly 1', () => {
    expect(grad((x: Active) => grad((y: Active) => mul(x, y))(1))(3)).toBe(1);
  });

  it('the inner derivative treats the outer variable as a constant', () => {
    // d/dy (x·y²) = 2xy; at y = x: 2x², whose derivative is 4x.
    expect(grad((x: Active) => grad((y: Active) => mul(x, square(y)))(x as never))(3)).toBe(12);
    // With the inner input a plain number the outer tape sees only the captured x.
    expect(grad((x: Active) => grad((y: Active) => mul(square(x), y))(5))(3)).toBe(6);
  });
});

describe('higher derivatives', () => {
  it('grad(grad(f)) = f″ for x³, sin, exp(sin x)', () => {
    const cube: Fn = (x) => mul(x, square(x));
    const expSin: Fn = (x) => exp(sin(x));
    for (const x of [-1.3, 0.2, 2.5]) {
      expect(grad(d(cube))(x)).toBe(6 * x);
      expectClose(grad(d((v) => sin(v)))(x) as number, -Math.sin(x), 1e-15, 0, `sin'' at ${x}`);
      const want = Math.exp(Math.sin(x)) * (Math.cos(x) ** 2 - Math.sin(x));
      expectClose(grad(d(expSin))(x) as number, want, 1e-14, 0, `exp(sin)'' at ${x}`);
    }
  });

  it('three deep: grad(grad(grad(x ↦ x⁴)))(2) = 48', () => {
    const p4: Fn = (x) => mul(mul(x, x), mul(x, x));
    expect(grad(d(d(p4)))(2)).toBe(48);
    expect(grad(d(d((x) => pow(x, 4))))(2)).toBe(48);
    // Fourth derivative: 24, fifth: 0.
    expect(grad(d(d(d(p4))))(2)).toBe(24);
    expect(grad(d(d(d(d(p4)))))(2)).toBe(0);
  });

  it('a function nested inside itself: d = f ↦ x ↦ grad(f)(x)', () => {
    const D =
      (f: Fn): Fn =>
      (x) =>
        grad(f)(x as never) as Real;
    const s: Fn = (x) => sin(x);
    expectClose(D(D(D(s)))(0.7 as never) as number, -Math.cos(0.7), 1e-15, 0, "sin'''");
    expectClose(D(D(D(D(s))))(0.7 as never) as number, Math.sin(0.7), 1e-15, 0, "sin''''");
  });

  it('nesting depth is tracked and restored, also after a throw', () => {
    const depths: number[] = [];
    grad((x: Active) => {
      depths.push(nestingDepth());
      return grad((y: Active) => {
        depths.push(nestingDepth());
        return mul(x, y);
      })(x as never);
    })(1);
    expect(depths).toEqual([1, 2]);
    expect(nestingDepth()).toBe(0);
    expect(() =>
      grad((x: Active) =>
        grad((_y: Active): Real => {
          throw new Error('boom');
        })(x as never),
      )(1),
    ).toThrow('boom');
    expect(nestingDepth()).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Hessians
// ---------------------------------------------------------------------------------------------

function rosenbrockScalar(x: ActiveVec): Real {
  let s: Real = 0;
  for (let i = 0; i < x.length - 1; i++) {
    const a = x.at(i);
    s = add(s, add(mul(100, square(sub(x.at(i + 1), square(a)))), square(sub(1, a))));
  }
  return s;
}

function rosenbrockVector(x: ActiveVec): Real {
  const a = x.slice(0, x.length - 1);
  return sum(add(mul(100, square(sub(x.slice(1), square(a)))), square(sub(1, a))) as Vec);
}

/** H_ii = [i<n−1](1200x_i² − 400x_{i+1} + 2) + [i>0]200, H_{i,i+1} = H_{i+1,i} = −400x_i. */
function rosenbrockHessian(x: Float64Array): Float64Array {
  const n = x.length;
  const H = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    let hii = 0;
    if (i < n - 1) hii += 1200 * x[i]! ** 2 - 400 * x[i + 1]! + 2;
    if (i > 0) hii += 200;
    H[i * n + i] = hii;
    if (i < n - 1) {
      H[i * n + i + 1] = -400 * x[i]!;
      H[(i + 1) * n + i] = -400 * x[i]!;
    }
  }
  return H;
}

describe('Rosenbrock Hessian (n = 6)', () => {
  const x0 = f64(-1.2, 1, -1.2, 1, 0.3, -0.7);
  const want = rosenbrockHessian(x0);

  it('jacobian(grad(f)) is the analytic tridiagonal Hessian, zeros exact', () => {
    for (const f of [rosenbrockScalar, rosenbrockVector]) {
      for (const jac of [jacobian, jacfwd, jacrev]) {
        const H = jac(grad(f) as (x: ActiveVec) => Vec)(x0);
        expect([H.rows, H.cols]).toEqual([6, 6]);
        expectAllClose(H.data, want, 1e-13, 1e-12, 'Hessian');
        for (let i = 0; i < 6; i++)
          for (let j = 0; j < 6; j++) if (Math.abs(i - j) > 1) expect(H.data[i * 6 + j], `H[${i}][${j}]`).toBe(0);
      }
    }
  });

  it('forward-over-reverse jvp(grad f, x, v) = Hv, and reverse-over-forward ∇(x ↦ J(x)v) = Hv', () => {
    const v = f64(0.5, -1, 2, 0.25, 1, -3);
    const Hv = new Float64Array(6);
    for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) Hv[i]! += want[i * 6 + j]! * v[j]!;
    for (const f of [rosenbrockScalar, rosenbrockVector]) {
      const [g, fwdRev] = jvp(grad(f) as (x: ActiveVec) => Vec, x0, v);
      expectBitwise(g as Float64Array, grad(f)(x0), 'primal of the nested call = float gradient');
      expectAllClose(fwdRev as Float64Array, Hv, 1e-13, 1e-12, 'forward-over-reverse');
      const revFwd = grad((x: ActiveVec) => jvp(f, x as never, v)[1] as Real)(x0);
      expectAllClose(revFwd, Hv, 1e-13, 1e-12, 'reverse-over-forward');
      const revRev = grad((x: ActiveVec) => sum(mul(grad(f)(x as never) as Vec, v) as Vec))(x0);
      expectAllClose(revRev, Hv, 1e-13, 1e-12, 'reverse-over-reverse');
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Closures, pullbacks, escaped values
// ---------------------------------------------------------------------------------------------

describe('closures over outer active values', () => {
  it('an inner function closing over the outer variable', () => {
    // g(x) = d/dy [x·sin(y)] at y = x = x·cos(x);  g'(x) = cos x − x sin x.
    const g = (x: Active) => grad((y: Active) => mul(x, sin(y)))(x as never) as Real;
    for (const x of [0.3, 2]) {
      expectClose(grad(g)(x), Math.cos(x) - x * Math.sin(x), 1e-15, 1e-16, `at ${x}`);
    }
  });

  it('vectors: an inner gradient closing over an outer active vector', () => {
    // inner: ∇_y <x, y²> = 2 x ∘ y; at y = 1: 2x. Outer: d/dx Σ 2x_i = 2 each.
    const f = (x: ActiveVec) => sum(grad((y: ActiveVec) => sum(mul(x, square(y)) as Vec))(f64(1, 1, 1)) as Vec);
    expectBitwise(grad(f)(f64(3, -1, 2)), [2, 2, 2], 'gradient');
    // inner at y = x: 2x², outer: 4x.
    const g = (x: ActiveVec) => sum(grad((y: ActiveVec) => sum(mul(x, square(y)) as Vec))(x as never) as Vec);
    expectBitwise(grad(g)(f64(3, -1, 2)), [12, -4, 8], 'gradient at y = x');
  });

  it('jvp nested in grad with a closed-over tangent scale', () => {
    // t(x) = d/ds f(x + s·x) = f'(x)·x with f = sin: t' = cos x − x sin x.
    const t = (x: Active) => jvp((y: Active) => sin(y), x as never, x as never)[1] as Real;
    expectClose(grad(t)(1.1), Math.cos(1.1) - 1.1 * Math.sin(1.1), 1e-15, 0, 'active tangent');
  });
});

describe('vjp pullbacks under an outer grad', () => {
  it('vjp taken inside grad: the pullback is differentiable', () => {
    // pullback(1) = 2x, derivative 2.
    expect(grad((x: Active) => vjp((y: Active) => mul(y, y), x as never)[1](1) as Real)(3)).toBe(2);
    // pullback(1) of y ↦ y·sin(y) is sin x + x cos x.
    const g = (x: Active) => vjp((y: Active) => mul(y, sin(y)), x as never)[1](1) as Real;
    expectClose(grad(g)(0.4), 2 * Math.cos(0.4) - 0.4 * Math.sin(0.4), 1e-15, 0, 'derivative of the pullback');
  });

  it('a pullback made outside, called inside grad with an active cotangent, is linear in it', () => {
    const [, pb] = vjp((y: Active) => mul(y, sin(y)), 3);
    expectClose(grad((u: Active) => pb(u as never) as Real)(1), Math.sin(3) + 3 * Math.cos(3), 1e-15, 0, 'd pb(u)/du');
    const [, pbv] = vjp((y: ActiveVec) => concat([mul(y.at(0), y.at(1)), sin(y.at(1))]), f64(2, 0.5));
    const J = jacobian((u: ActiveVec) => pbv(u as never) as never)(f64(1, 1));
    // d(Jᵀu)/du = Jᵀ
    expectAllClose(J.data, [0.5, 0, 2, Math.cos(0.5)], 1e-15, 0, 'Jᵀ');
  });
});

describe('values of a released tape', () => {
  function leak(): Active {
    let leaked: Active | undefined;
    grad((x: Active) => {
      leaked = x;
      return x;
    })(1);
    return leaked!;
  }

  it('combining an escaped value raises TapeReleasedError (a TapeMismatchError) naming the argument', () => {
    const leaked = leak();
    expect(TapeReleasedError.prototype).toBeInstanceOf(TapeMismatchError);
    for (const use of [
      () => add(leaked, 1),
      () => add(1, leaked),
      () => sin(leaked),
      () => grad((y: Active) => mul(y, leaked))(2),
      () => grad((x: Active) => x)(leaked as never),
    ]) {
      let err: unknown;
      try {
        use();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TapeReleasedError);
      expect(err).toBeInstanceOf(TapeMismatchError);
      expect(err).toBeInstanceOf(WengertError);
      expect((err as TapeReleasedError).argument).toMatch(/\w/);
      expect((err as Error).message).toMatch(/released/);
    }
  });

  it('a vector escaped from an inner grad, used in the outer one', () => {
    expect(() =>
      grad((x: ActiveVec) => {
        let inner: ActiveVec | undefined;
        grad((y: ActiveVec) => {
          inner = y;
          return sum(y);
        })(x as never);
        return sum(mul(x, inner!) as Vec);
      })(f64(1, 2)),
    ).toThrow(TapeReleasedError);
    expect(nestingDepth()).toBe(0);
  });
});

describe('nested sweeps through vector pow with an integer exponent', () => {
  const x0 = f64(-0.5, 0.7);
  const v = f64(1, 1);
  const sumCube = (y: ActiveVec) => sum(pow(y, 3) as Vec);
  // The Hessian of Σ y³ is diag(6y) = diag(−3, 4.2).
  const want = [6 * -0.5, 6 * 0.7];

  it('forward-over-reverse and jacobian(grad) are right for negative bases', () => {
    expectAllClose(
      jvp(grad(sumCube) as (x: ActiveVec) => Vec, x0, v)[1] as Float64Array,
      want,
      1e-15,
      0,
      'fwd-over-rev',
    );
    expectAllClose(
      jacrev(grad(sumCube) as (x: ActiveVec) => Vec)(x0).data,
      [want[0]!, 0, 0, want[1]!],
      1e-15,
      0,
      'jacrev',
    );
    // Scalar form, reverse-over-forward: fine.
    expectClose(
      grad((x: Active) => jvp((y: Active) => pow(y, 3), x as never, 1)[1] as Real)(-0.5),
      -3,
      1e-15,
      0,
      'scalar',
    );
  });

  // Regression (fixed): reverse-over-forward and reverse-over-reverse through VECTOR pow(y, 3) with a

  // negative element return NaN for that element (expected −3).
  it('reverse-over-forward and reverse-over-reverse are right for negative bases', () => {
    const revFwd = grad((x: ActiveVec) => jvp(sumCube, x as never, v)[1] as Real)(x0);
    expectAllClose(revFwd, want, 1e-15, 0, 'rev-over-fwd');
    const revRev = grad((x: ActiveVec) => sum(grad(sumCube)(x as never) as Vec))(x0);
    expectAllClose(revRev, want, 1e-15, 0, 'rev-over-rev');
  });
});

describe('jacobians inside another differentiation (active matrices)', () => {
  const f = (y: ActiveVec) => concat([mul(y.at(0), y.at(1)), sin(y.at(1)), square(y.at(0))]);
  const x0 = f64(0.7, -1.3);

  it('grad of the sum of a nested Jacobian, by each Jacobian transform', () => {
    // J = [[y1, y0], [0, cos y1], [2y0, 0]]: Σ J = 3y0 + y1 + cos y1, gradient [3, 1 − sin y1].
    for (const jac of [jacobian, jacfwd, jacrev]) {
      const g = grad((x: ActiveVec) => {
        const J = jac(f)(x as never) as unknown as { rows: number; cols: number; data: Vec };
        expect([J.rows, J.cols]).toEqual([3, 2]);
        return sum(J.data);
      })(x0);
      expectAllClose(g, [3, 1 - Math.sin(-1.3)], 1e-15, 0, jac.name);
    }
  });

  it('third derivatives: jacobian(x ↦ jacobian(grad g)(x)) for g = y0³y1', () => {
    const g = (y: ActiveVec) => mul(mul(y.at(0), y.at(0)), mul(y.at(0), y.at(1)));
    const T = jacobian((x: ActiveVec) => (jacobian(grad(g) as never)(x as never) as unknown as { data: Vec }).data)(x0);
    expect([T.rows, T.cols]).toEqual([4, 2]);
    // Rows: H00 = 6y0y1, H01 = 3y0², H10 = 3y0², H11 = 0; columns: ∂/∂y0, ∂/∂y1.
    expectAllClose(T.data, [6 * -1.3, 6 * 0.7, 6 * 0.7, 0, 6 * 0.7, 0, 0, 0], 1e-14, 0, 'third-order tensor');
  });
});

describe('nested values keep their kinds', () => {
  it('grad inside grad returns an active value of the outer tape (usable in further ops)', () => {
    const outer = grad((x: Active) => {
      const inner = grad((y: Active) => mul(y, y))(x as never) as Value;
      expect(typeof inner).not.toBe('number');
      return add(inner as Real, cos(x));
    })(0.5);
    expectClose(outer, 2 - Math.sin(0.5), 1e-15, 0, 'd/dx (2x + cos x)');
  });
});
