/**
 * Gradient checks: AD derivatives against central differences with Richardson (Ridders)
 * extrapolation, reported per component, and the dot-product identity <u, J v> = <Jᵀ u, v>.
 * f is evaluated for the differences by recording it afresh at every point (so the reference is
 * the function itself, never a replayed tape).
 */
import { fdJvp } from './check/finite-differences.js';
import { describeValue, ShapeError } from './errors.js';
import { outputValues, recordCall } from './recording.js';
import type { Real, Vec } from './tape/values.js';
import { jvp, vjp } from './transforms.js';

/** Result of comparing AD derivatives with finite differences. */
export interface CheckReport {
  /** True when every component is within tolerance. */
  readonly ok: boolean;
  /** Derivative by AD. */
  readonly ad: Float64Array;
  /** Derivative by finite differences. */
  readonly fd: Float64Array;
  /** Ridders' estimate of the finite-difference error, per component. */
  readonly fdError: Float64Array;
  /** |ad − fd| per component. */
  readonly absError: Float64Array;
  /** |ad − fd| / max(|fd|, 1) per component. */
  readonly relError: Float64Array;
  readonly maxAbsError: number;
  readonly maxRelError: number;
}

/** Options of the checks. */
export interface CheckOptions {
  /** Initial finite-difference step (default 0.05, shrunk by the extrapolation). */
  readonly h0?: number;
  /** Largest relative error accepted per component (default 1e-6). */
  readonly tolerance?: number;
  /**
   * Which input components checkGradient / checkVjp compare (default: all). Finite differences cost
   * one extrapolation per component, so large inputs are best checked on a sample.
   */
  readonly components?: readonly number[];
}

/** A function the checks accept: of an active scalar or vector, returning a scalar, vector or array of scalars. */
export type AnyFn = (x: never) => Real | Vec | readonly Real[];

/** f(x) as a Float64Array, from a fresh recording. */
function evaluate(f: AnyFn, x: number | Float64Array): Float64Array {
  const rec = recordCall(f, x, [], 'check');
  const y = outputValues(rec);
  rec.tape.recycle();
  return y;
}

function asVector(x: unknown, arg: string): Float64Array {
  if (typeof x === 'number') return Float64Array.of(x);
  if (x instanceof Float64Array) return x;
  throw new ShapeError(arg, 'a number or a Float64Array', describeValue(x));
}

function report(ad: Float64Array, fd: Float64Array, fdError: Float64Array, tolerance: number): CheckReport {
  const n = ad.length;
  const absError = new Float64Array(n);
  const relError = new Float64Array(n);
  let maxAbsError = 0;
  let maxRelError = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.abs(ad[i]! - fd[i]!);
    absError[i] = e;
    relError[i] = e / Math.max(Math.abs(fd[i]!), 1);
    if (!(e <= maxAbsError)) maxAbsError = e;
    if (!(relError[i]! <= maxRelError)) maxRelError = relError[i]!;
  }
  return { ok: maxRelError <= tolerance, ad, fd, fdError, absError, relError, maxAbsError, maxRelError };
}

/** Finite-difference directional derivative of f at x along v. */
function fdDirectional(f: AnyFn, x: Float64Array, v: Float64Array, scalarInput: boolean, h0: number) {
  return fdJvp((xt) => evaluate(f, scalarInput ? xt[0]! : xt), x, v, h0);
}

/** Checks ∇f(x) of a scalar-valued f component by component. */
export function checkGradient(f: AnyFn, x: number | Float64Array, options: CheckOptions = {}): CheckReport {
  const xv = asVector(x, 'checkGradient: x');
  const scalarInput = typeof x === 'number';
  const idx = componentList(options.components, xv.length, 'checkGradient: options.components');
  const [, pullback] = vjp(f, x);
  const all = asVector(pullback(1), 'gradient');
  const ad = Float64Array.from(idx, (j) => all[j]!);
  const fd = new Float64Array(idx.length);
  const fdError = new Float64Array(idx.length);
  idx.forEach((j, c) => {
    const e = new Float64Array(xv.length);
    e[j] = 1;
    const est = fdDirectional(f, xv, e, scalarInput, options.h0 ?? 0.05);
    if (est.value.length !== 1) {
      throw new ShapeError('checkGradient: f result', 'a scalar', `a vector of length ${est.value.length}`);
    }
    fd[c] = est.value[0]!;
    fdError[c] = est.error[0]!;
  });
  return report(ad, fd, fdError, options.tolerance ?? 1e-6);
}

/** The components to check: all of 0‥n−1, or the given ones (validated). */
function componentList(components: readonly number[] | undefined, n: number, arg: string): number[] {
  if (components === undefined) return Array.from({ length: n }, (_, j) => j);
  if (!Array.isArray(components)) throw new ShapeError(arg, 'an array of component indices', describeValue(components));
  return components.map((j, i) => {
    if (!(Number.isInteger(j) && j >= 0 && j < n)) {
      throw new ShapeError(`${arg}[${i}]`, `an integer index in [0, ${n})`, describeValue(j));
    }
    return j;
  });
}

/** Checks J(x)·v against the finite-difference directional derivative. */
export function checkJvp(
  f: AnyFn,
  x: number | Float64Array,
  v: number | Float64Array,
  options: CheckOptions = {},
): CheckReport {
  const xv = asVector(x, 'checkJvp: x');
  const vv = asVector(v, 'checkJvp: v');
  if (vv.length !== xv.length)
    throw new ShapeError('checkJvp: v', `length ${xv.length} (the length of x)`, `length ${vv.length}`);
  const [, t] = jvp(f, x, v);
  const ad = asVector(t, 'jvp');
  const est = fdDirectional(f, xv, vv, typeof x === 'number', options.h0 ?? 0.05);
  return report(ad, est.value, est.error, options.tolerance ?? 1e-6);
}

/** Checks uᵀJ(x) component by component (uᵀ J e_j by finite differences). */
export function checkVjp(
  f: AnyFn,
  x: number | Float64Array,
  u: number | Float64Array,
  options: CheckOptions = {},
): CheckReport {
  const xv = asVector(x, 'checkVjp: x');
  const uv = asVector(u, 'checkVjp: u');
  const [y, pullback] = vjp(f, x);
  const m = typeof y === 'number' ? 1 : y.length;
  if (uv.length !== m) throw new ShapeError('checkVjp: u', `length ${m} (the length of f(x))`, `length ${uv.length}`);
  const idx = componentList(options.components, xv.length, 'checkVjp: options.components');
  const all = asVector(pullback(u), 'vjp');
  const ad = Float64Array.from(idx, (j) => all[j]!);
  const fd = new Float64Array(idx.length);
  const fdError = new Float64Array(idx.length);
  idx.forEach((j, c) => {
    const e = new Float64Array(xv.length);
    e[j] = 1;
    const est = fdDirectional(f, xv, e, typeof x === 'number', options.h0 ?? 0.05);
    let s = 0;
    let err = 0;
    for (let i = 0; i < m; i++) {
      s += uv[i]! * est.value[i]!;
      err += Math.abs(uv[i]!) * est.error[i]!;
    }
    fd[c] = s;
    fdError[c] = err;
  });
  return report(ad, fd, fdError, options.tolerance ?? 1e-6);
}

/** |<u, J v> − <Jᵀ u, v>| relative to the magnitudes involved: the forward and reverse sweeps agree. */
export function checkAdjoint(
  f: AnyFn,
  x: number | Float64Array,
  u: number | Float64Array,
  v: number | Float64Array,
): number {
  const [, jv] = jvp(f, x, v);
  const [, pullback] = vjp(f, x);
  const jtu = asVector(pullback(u), 'vjp');
  const uv = asVector(u, 'u');
  const vv = asVector(v, 'v');
  const jvv = asVector(jv, 'jvp');
  let a = 0;
  let b = 0;
  let scale = 0;
  for (let i = 0; i < uv.length; i++) {
    a += uv[i]! * jvv[i]!;
    scale += Math.abs(uv[i]! * jvv[i]!);
  }
  for (let j = 0; j < vv.length; j++) {
    b += jtu[j]! * vv[j]!;
    scale += Math.abs(jtu[j]! * vv[j]!);
  }
  return Math.abs(a - b) / Math.max(scale, Number.MIN_VALUE);
}
