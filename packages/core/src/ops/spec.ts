/**
 * Op specs: every elementwise operation of the tape is defined once, here-shaped: its value, its
 * partial derivatives as plain-number functions (used by the fast sweeps), the same partials as a
 * differentiable expression (used when a derivative is itself differentiated), second partials
 * (room for second-order sweeps) and the structural facts the sparsity sweeps need.
 */
import type { Value } from '../tape/values.js';

/**
 * The differentiable operations a generic rule may use. Every function accepts numbers, active
 * scalars, `Float64Array`s and active vectors (elementwise, with scalar broadcasting) and records
 * on the right tape, so a rule written with them can be differentiated again.
 */
export interface GenericOps {
  add(a: Value, b: Value): Value;
  sub(a: Value, b: Value): Value;
  mul(a: Value, b: Value): Value;
  div(a: Value, b: Value): Value;
  neg(a: Value): Value;
  square(a: Value): Value;
  reciprocal(a: Value): Value;
  sqrt(a: Value): Value;
  cbrt(a: Value): Value;
  exp(a: Value): Value;
  log(a: Value): Value;
  pow(a: Value, b: Value): Value;
  sin(a: Value): Value;
  cos(a: Value): Value;
  tan(a: Value): Value;
  sinh(a: Value): Value;
  cosh(a: Value): Value;
  tanh(a: Value): Value;
  abs(a: Value): Value;
  sign(a: Value): Value;
  sigmoid(a: Value): Value;
  hypot(a: Value, b: Value): Value;
  /** 1 where a < b, else 0 (zero derivative). */
  less(a: Value, b: Value): Value;
  /** 1 where a <= b, else 0 (zero derivative). */
  lessEqual(a: Value, b: Value): Value;
  /** 1 where a > b, else 0 (zero derivative). */
  greater(a: Value, b: Value): Value;
  /** 1 where a >= b, else 0 (zero derivative). */
  greaterEqual(a: Value, b: Value): Value;
  /** 1 where a == b, else 0 (zero derivative). */
  equal(a: Value, b: Value): Value;
}

/**
 * Derivative class of an op, for sparsity and for skipping work:
 * - `zero`: piecewise constant, derivative 0 wherever it exists (floor, sign, comparisons);
 * - `linear`: first derivative constant, second derivative 0 (neg, add);
 * - `nonlinear`: everything else.
 */
export type DerivativeClass = 'zero' | 'linear' | 'nonlinear';

/** A closed interval [lo, hi] of finite numbers. */
export type Interval = readonly [number, number];

/** A one-argument elementwise op. */
export interface UnarySpec {
  readonly arity: 1;
  /** Public name, equal to the exported function name (`"sin"`). */
  readonly name: string;
  /** y = f(x). */
  readonly value: (x: number) => number;
  /** dy/dx at x, given y = f(x) (so exp can return y). */
  readonly d: (x: number, y: number) => number;
  /** d²y/dx² at x, given y (room for second-order sweeps). */
  readonly d2: (x: number, y: number) => number;
  /** dy/dx as a differentiable expression (for nested derivatives). */
  readonly dGeneric: (G: GenericOps, x: Value, y: Value) => Value;
  readonly derivative: DerivativeClass;
  /** Where random test points are drawn: the function is smooth on this interval (kinks excluded by `avoid`). */
  readonly domain: Interval;
  /** Points (kinks, jumps) that property tests keep a distance of 1e-3 from. */
  readonly avoid?: readonly number[];
  /** Documented convention at non-smooth points, shown in the README. */
  readonly convention?: string;
}

/** A two-argument elementwise op. */
export interface BinarySpec {
  readonly arity: 2;
  readonly name: string;
  readonly value: (a: number, b: number) => number;
  /** ∂y/∂a at (a, b), given y = f(a, b). */
  readonly da: (a: number, b: number, y: number) => number;
  /** ∂y/∂b at (a, b), given y. */
  readonly db: (a: number, b: number, y: number) => number;
  /** Second partials ∂²y/∂a², ∂²y/∂a∂b, ∂²y/∂b² (room for second-order sweeps). */
  readonly d2: (a: number, b: number, y: number) => readonly [number, number, number];
  /** [∂y/∂a, ∂y/∂b] as differentiable expressions. */
  readonly dGeneric: (G: GenericOps, a: Value, b: Value, y: Value) => readonly [Value, Value];
  readonly derivative: DerivativeClass;
  /** Which second partials can be non-zero: [aa, ab, bb] (Hessian sparsity). */
  readonly nonlinear: readonly [boolean, boolean, boolean];
  /** Intervals random test points are drawn from. */
  readonly domain: { readonly a: Interval; readonly b: Interval };
  /** Test points must satisfy this (e.g. away from a == b for max, away from the origin for atan2). */
  readonly admissible?: (a: number, b: number) => boolean;
  readonly convention?: string;
}

export type OpSpec = UnarySpec | BinarySpec;
