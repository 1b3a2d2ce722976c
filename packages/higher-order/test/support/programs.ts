/**
 * Test functions with known second derivatives, and random straight-line programs (used by the
 * test files; importable from a script to replay a fast-check counterexample).
 *
 * - Extended Rosenbrock, f(x) = Σ_{i<n-1} 100 (x_{i+1} − x_i²)² + (1 − x_i)², as a scalar loop over
 *   `x.at(i)` and in vector-op form, with its analytic tridiagonal Hessian.
 * - Random polynomials Σ c_t ∏ x_k^{e_tk}, as scalar products of `x.at(k)` or as `prod(gather(x, …))`,
 *   with their exact Hessians.
 * - Random smooth programs mixing every kind of instruction the combined sweep handles: elementwise
 *   unary and binary ops, broadcasting with active scalars and with constants (scalar and vector),
 *   sum / dot / prod / logSumExp reductions, gathers, scatter-adds, concatenations, scalar ops on
 *   elements. Every op is used on a safe, smooth domain (log of 1 + v², division by 1 + v² …), so
 *   finite differences of the gradient are a valid reference.
 */
import {
  type ActiveVec,
  add,
  asinh,
  atan,
  atan2,
  cbrt,
  concat,
  cos,
  div,
  dot,
  erf,
  exp,
  gather,
  hypot,
  log,
  logSumExp,
  mul,
  pow,
  prod,
  type Real,
  reciprocal,
  scatterAdd,
  sigmoid,
  sin,
  softplus,
  sqrt,
  square,
  sub,
  sum,
  tanh,
  type Value,
  type Vec,
} from '@wengert/core';
import fc from 'fast-check';
import { uniform } from './numeric.js';

// ---------------------------------------------------------------------------------------------
// Extended Rosenbrock
// ---------------------------------------------------------------------------------------------

/** Rosenbrock as a scalar loop over elements (one instruction per scalar op). */
export const rosenbrockScalar = (x: ActiveVec): Real => {
  let s: Real = 0;
  for (let i = 0; i < x.length - 1; i++) {
    const xi = x.at(i);
    const t = sub(x.at(i + 1), mul(xi, xi));
    const u = sub(1, xi);
    s = add(s, add(mul(100, mul(t, t)), mul(u, u)));
  }
  return s;
};

/** Rosenbrock with vector ops (one instruction per array op). */
export const rosenbrockVector = (x: ActiveVec): Real => {
  const a = x.slice(0, -1);
  const t = sub(x.slice(1), mul(a, a));
  const u = sub(1, a);
  return sum(add(mul(100, mul(t, t)), mul(u, u)));
};

/** The classical starting point (−1.2, 1, −1.2, 1, …). */
export function rosenbrockStart(n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
}

/** Entries of the analytic Hessian: H_ii and H_{i,i+1} = H_{i+1,i}. */
function rosenbrockDiag(x: ArrayLike<number>, i: number): number {
  const n = x.length;
  return (i < n - 1 ? 1200 * x[i]! * x[i]! - 400 * x[i + 1]! + 2 : 0) + (i > 0 ? 200 : 0);
}
function rosenbrockDiagAbs(x: ArrayLike<number>, i: number): number {
  const n = x.length;
  return (i < n - 1 ? 1200 * x[i]! * x[i]! + Math.abs(400 * x[i + 1]!) + 2 : 0) + (i > 0 ? 200 : 0);
}

/** Analytic dense Hessian (row-major). */
export function rosenbrockHessian(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const H = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    H[i * n + i] = rosenbrockDiag(x, i);
    if (i < n - 1) {
      H[i * n + i + 1] = -400 * x[i]!;
      H[(i + 1) * n + i] = -400 * x[i]!;
    }
  }
  return H;
}

/** Analytic H(x)·v (tridiagonal) and |H|·|v| with every term's magnitude, for scaled tolerances. */
export function rosenbrockHvp(x: ArrayLike<number>, v: ArrayLike<number>): { hv: Float64Array; scale: Float64Array } {
  const n = x.length;
  const hv = new Float64Array(n);
  const scale = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = rosenbrockDiag(x, i) * v[i]!;
    let a = rosenbrockDiagAbs(x, i) * Math.abs(v[i]!);
    if (i < n - 1) {
      s += -400 * x[i]! * v[i + 1]!;
      a += Math.abs(400 * x[i]! * v[i + 1]!);
    }
    if (i > 0) {
      s += -400 * x[i - 1]! * v[i - 1]!;
      a += Math.abs(400 * x[i - 1]! * v[i - 1]!);
    }
    hv[i] = s;
    scale[i] = a;
  }
  return { hv, scale };
}

// ---------------------------------------------------------------------------------------------
// Random polynomials
// ---------------------------------------------------------------------------------------------

export interface Term {
  readonly c: number;
  /** Exponent of each variable. */
  readonly e: readonly number[];
}
export interface Polynomial {
  readonly n: number;
  readonly terms: readonly Term[];
  /** Written with vector ops (prod of a gather) instead of scalar products of elements. */
  readonly vector: boolean;
}

/** Polynomials in 1…5 variables, 1…6 terms, exponents 0…3, at least one term of degree ≥ 2. */
export const polynomialArb: fc.Arbitrary<Polynomial> = fc.integer({ min: 1, max: 5 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    terms: fc
      .array(
        fc.record({
          c: uniform(-2, 2),
          e: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n }),
        }),
        { minLength: 1, maxLength: 6 },
      )
      .filter((ts) => ts.some((t) => t.e.reduce((a, b) => a + b, 0) >= 2)),
    vector: fc.boolean(),
  }),
);

/** The polynomial as a function of active values. */
export function polynomialFn(p: Polynomial): (x: ActiveVec) => Real {
  return (x) => {
    let s: Real = 0;
    for (const { c, e } of p.terms) {
      if (p.vector) {
        const idx: number[] = [];
        e.forEach((k, j) => {
          for (let r = 0; r < k; r++) idx.push(j);
        });
        s = add(s, idx.length === 0 ? c : mul(c, prod(gather(x, idx))));
      } else {
        let t: Real = c;
        e.forEach((k, j) => {
          for (let r = 0; r < k; r++) t = mul(t, x.at(j));
        });
        s = add(s, t);
      }
    }
    return s;
  };
}

/** Exact Hessian of the polynomial at x (row-major), and the same with every term's magnitude. */
export function polynomialHessian(p: Polynomial, x: ArrayLike<number>): { H: Float64Array; absH: Float64Array } {
  const n = p.n;
  const H = new Float64Array(n * n);
  const absH = new Float64Array(n * n);
  for (const { c, e } of p.terms) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        // ∂²/∂x_i∂x_j of ∏ x_k^{e_k}: lower the exponents and collect the factors.
        const ex = e.slice();
        let coef = c;
        coef *= ex[i]!;
        ex[i]!--;
        coef *= ex[j]!;
        ex[j]!--;
        if (coef === 0) continue;
        let m = coef;
        for (let k = 0; k < n; k++) m *= x[k]! ** ex[k]!;
        H[i * n + j] += m;
        absH[i * n + j] += Math.abs(m);
      }
    }
  }
  return { H, absH };
}

// ---------------------------------------------------------------------------------------------
// Random smooth programs
// ---------------------------------------------------------------------------------------------

/** Smooth unary maps ℝ → ℝ, each at most linearly growing (values stay moderate over many steps). */
const UNARY: readonly ((v: Value) => Value)[] = [
  (v) => sin(v),
  (v) => cos(v),
  (v) => tanh(v),
  (v) => atan(v),
  (v) => sigmoid(v),
  (v) => softplus(v),
  (v) => asinh(v),
  (v) => erf(v),
  (v) => exp(sin(v)),
  (v) => log(add(1, square(v))),
  (v) => sqrt(add(0.5, square(v))),
  (v) => cbrt(add(0.5, square(v))),
  (v) => reciprocal(add(1, square(v))),
];

/** Smooth binary maps, each at most linearly growing in its operands. */
const BINARY: readonly ((a: Value, b: Value) => Value)[] = [
  (a, b) => add(a, b),
  (a, b) => sub(a, b),
  (a, b) => mul(a, tanh(b)),
  (a, b) => div(a, add(1, square(b))),
  (a, b) => hypot(a, add(1, square(b))),
  (a, b) => atan2(a, add(2, square(b))),
  (a, b) => pow(add(1.2, square(tanh(a))), tanh(b)),
];

export interface Step {
  readonly kind: number;
  readonly op: number;
  readonly a: number;
  readonly b: number;
  readonly i: number;
  readonly c: number;
  readonly cs: readonly number[];
  readonly idx: readonly number[];
}
export interface Program {
  readonly n: number;
  readonly steps: readonly Step[];
}

const STEP_KINDS = 9;

function stepArb(n: number): fc.Arbitrary<Step> {
  return fc.record({
    kind: fc.integer({ min: 0, max: STEP_KINDS - 1 }),
    op: fc.nat(1000),
    a: fc.nat(1000),
    b: fc.nat(1000),
    i: fc.nat(1000),
    c: uniform(-1.5, 1.5),
    cs: fc.array(uniform(-1.5, 1.5), { minLength: n, maxLength: n }),
    idx: fc.array(fc.integer({ min: 0, max: n - 1 }), { minLength: n, maxLength: n }),
  });
}

/** Programs over n = 1…6 inputs with 1…8 steps. */
export const programArb: fc.Arbitrary<Program> = fc
  .integer({ min: 1, max: 6 })
  .chain((n) => fc.record({ n: fc.constant(n), steps: fc.array(stepArb(n), { minLength: 1, maxLength: 8 }) }));

/**
 * The program as a scalar function: a pool of vectors (length n, starting with x) and scalars;
 * each step appends one; the result is the sum of the last vector plus every scalar made.
 *
 * `replayExact`: leave out `logSumExp`, whose shift m = max v is recorded as a constant of the
 * recording point (correct at any point, but a replay at x1 rounds differently from a fresh
 * recording at x1); log Σ exp(sin v) takes its place. Programs built this way replay bit for bit.
 */
export function programFn(p: Program, replayExact = false): (x: ActiveVec) => Real {
  const n = p.n;
  return (x) => {
    const vecs: Vec[] = [x];
    const scalars: Real[] = [];
    const vec = (k: number) => vecs[k % vecs.length]!;
    const scalar = (k: number): Real => (scalars.length > 0 ? scalars[k % scalars.length]! : x.at(k % n));
    for (const s of p.steps) {
      const a = vec(s.a);
      const b = vec(s.b);
      switch (s.kind) {
        case 0:
          vecs.push(UNARY[s.op % UNARY.length]!(a) as Vec);
          break;
        case 1:
          vecs.push(BINARY[s.op % BINARY.length]!(a, b) as Vec);
          break;
        case 2: {
          // Broadcasting with an active scalar (either side).
          const t = scalar(s.i);
          const forms: (() => Value)[] = [
            () => mul(a, tanh(t)),
            () => add(t, a),
            () => sub(a, t),
            () => div(a, add(1, square(t))),
            () => mul(sin(t), a),
          ];
          vecs.push(forms[s.op % forms.length]!() as Vec);
          break;
        }
        case 3: {
          // Broadcasting with constants: scalar constants and constant vectors, either side.
          const cv = Float64Array.from(s.cs);
          const forms: (() => Value)[] = [
            () => mul(s.c, a),
            () => add(a, s.c),
            () => sub(s.c, a),
            () => mul(a, cv),
            () => sub(cv, a),
            () =>
              div(
                a,
                add(
                  2,
                  cv.map((t) => t * t),
                ),
              ),
            () => pow(add(1.5, tanh(a)), s.c),
          ];
          vecs.push(forms[s.op % forms.length]!() as Vec);
          break;
        }
        case 4: {
          const forms: (() => Real)[] = [
            () => sum(a),
            () => dot(a, b),
            () => prod(add(1.2, tanh(a))),
            () => (replayExact ? log(sum(exp(sin(a)))) : logSumExp(a)),
            () => dot(a, Float64Array.from(s.cs)),
          ];
          scalars.push(forms[s.op % forms.length]!());
          break;
        }
        case 5:
          vecs.push(gather(a, s.idx));
          break;
        case 6:
          vecs.push(scatterAdd(a, s.idx, n));
          break;
        case 7: {
          if (n < 2) {
            vecs.push(concat([a]));
            break;
          }
          const k = 1 + (s.i % (n - 1));
          vecs.push(concat([b.slice(0, k), a.slice(k)]));
          break;
        }
        case 8: {
          // Scalar ops on elements and scalars.
          const u = (a as ActiveVec).at(s.i % n);
          const w = (b as ActiveVec).at(s.op % n);
          const forms: (() => Real)[] = [
            () => mul(u, w),
            () => mul(sin(u), scalar(s.a)),
            () => exp(sin(add(u, mul(s.c, w)))),
            () => div(u, add(1, square(w))),
            // Scalar ops with a constant on either side, feeding nonlinear ones.
            () => reciprocal(add(square(u), 1)),
            () => sin(mul(sub(u, s.c), sub(s.c, w))),
            () => tanh(mul(s.c, add(s.c, u))),
            () => square(div(sub(w, s.c), 2)),
            () => exp(mul(sin(u), s.c)),
          ];
          scalars.push(forms[s.op % forms.length]!());
          break;
        }
      }
    }
    let out: Real = sum(vecs[vecs.length - 1]!);
    for (const t of scalars) out = add(out, t);
    return out;
  };
}
