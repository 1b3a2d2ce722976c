/**
 * JAX-style function transformations. Each call records f on a fresh tape (its own nesting tag),
 * sweeps it, and releases it. Called inside another differentiation with that differentiation's
 * active values, they return active values, so transforms nest to any depth.
 */

import type { RecordedFunction } from './adfun.js';
import { describeValue, ShapeError } from './errors.js';
import * as F from './ops/functions.js';
import {
  type DenseMatrix,
  genericOf,
  genericOutput,
  inputCount,
  isNested,
  jacobianFloat,
  jvpFloat,
  jvpGeneric,
  outputCount,
  outputValues,
  type Recording,
  recordCall,
  vjpFloat,
  vjpGeneric,
} from './recording.js';
import { requireFinite } from './tape/record.js';
import { Active, ActiveVec, type Real, type Value, type Vec } from './tape/values.js';
import { compileOption, TraceCache, type TransformOptions } from './traced.js';

/** A scalar-valued function of a scalar. */
export type ScalarFn<A extends unknown[]> = (x: Active, ...rest: A) => Real;
/** A scalar-valued function of a vector. */
export type VectorFn<A extends unknown[]> = (x: ActiveVec, ...rest: A) => Real;
/** What a vector-valued function may return. */
export type VectorResult = Real | Vec | readonly Real[];

/** Gradient of a function of a scalar. */
export interface ScalarGrad<A extends unknown[]> {
  (x: number, ...rest: A): number;
  (x: Real, ...rest: A): Real;
}
/** Gradient of a function of a vector. */
export interface VectorGrad<A extends unknown[]> {
  (x: Float64Array, ...rest: A): Float64Array;
  (x: Vec, ...rest: A): Vec;
}

function scalarOutput(rec: Recording, who: string): void {
  if (!rec.outScalar) {
    throw new ShapeError(
      `${who}: f result`,
      'a scalar (number or active scalar)',
      `a vector of length ${outputCount(rec)}`,
    );
  }
}

const ONE = Float64Array.of(1);

function gradOf(rec: Recording, who: string): Value {
  scalarOutput(rec, who);
  if (isNested(rec)) return vjpGeneric(rec, genericOf(rec), 1);
  const g = vjpFloat(rec, [ONE]);
  return rec.inLen === 0 ? g[0]! : g;
}

/**
 * ∇f. `grad(f)(x)` for f of a number returns a number; for f of a Float64Array (f receives an
 * active vector) returns a Float64Array. Extra arguments are passed to f unchanged.
 * `grad(f, { compile: true })` traces f once per input shape and replays compiled kernels at later
 * calls (see `TransformOptions`; `jax.jit(jax.grad(f))`).
 */
export function grad<A extends unknown[]>(f: ScalarFn<A>, options?: TransformOptions): ScalarGrad<A>;
export function grad<A extends unknown[]>(f: VectorFn<A>, options?: TransformOptions): VectorGrad<A>;
// biome-ignore lint/suspicious/noExplicitAny: the overloads above carry the types
export function grad(f: (x: never, ...rest: unknown[]) => Real, options?: TransformOptions): any {
  requireFunction(f, 'grad');
  const traces = tracesFor(f, options, 'grad');
  return (x: Value, ...rest: unknown[]) =>
    traces?.run(x, rest, (F) => scalarTrace(F, 'grad').gradient(x as Float64Array)) ??
    consume(recordCall(f, x, rest, 'grad'), (rec) => gradOf(rec, 'grad'));
}

/** The trace cache of a transform when `options.compile` asks for one. */
function tracesFor(
  f: (x: never, ...rest: unknown[]) => unknown,
  options: unknown,
  who: string,
): TraceCache | undefined {
  return compileOption(options, who) ? new TraceCache(f, who) : undefined;
}

/** F, checked to be scalar-valued (the error `grad` gives for any recording). */
function scalarTrace(F: RecordedFunction, who: string): RecordedFunction {
  if (!F.scalarOutput) {
    throw new ShapeError(
      `${who}: f result`,
      'a scalar (number or active scalar)',
      `a vector of length ${F.outputLength}`,
    );
  }
  return F;
}

/** [f(x), ∇f(x)] from one recording. */
export function valueAndGrad<A extends unknown[]>(
  f: ScalarFn<A>,
  options?: TransformOptions,
): (x: number, ...rest: A) => [number, number];
export function valueAndGrad<A extends unknown[]>(
  f: VectorFn<A>,
  options?: TransformOptions,
): (x: Float64Array, ...rest: A) => [number, Float64Array];
// biome-ignore lint/suspicious/noExplicitAny: the overloads above carry the types
export function valueAndGrad(f: (x: never, ...rest: unknown[]) => Real, options?: TransformOptions): any {
  requireFunction(f, 'valueAndGrad');
  const traces = tracesFor(f, options, 'valueAndGrad');
  return (x: Value, ...rest: unknown[]): [Value, Value] =>
    traces?.run(x, rest, (F) => scalarTrace(F, 'valueAndGrad').valueAndGradient(x as Float64Array) as [Value, Value]) ??
    consume(recordCall(f, x, rest, 'valueAndGrad'), (rec): [Value, Value] => {
      scalarOutput(rec, 'valueAndGrad');
      if (isNested(rec)) {
        const gt = genericOf(rec);
        return [genericOutput(rec, gt), vjpGeneric(rec, gt, 1)];
      }
      return [outputValues(rec)[0]!, gradOf(rec, 'valueAndGrad')];
    });
}

function checkDirection(v: unknown, n: number, scalarInput: boolean, arg: string): void {
  if (scalarInput) {
    if (typeof v === 'number') {
      requireFinite(v, arg);
      return;
    }
    if (v instanceof Active) return;
    throw new ShapeError(arg, 'a number (the input is a scalar)', describeValue(v));
  }
  if (v instanceof Float64Array && v.length === n) {
    requireFinite(v, arg);
    return;
  }
  if (v instanceof ActiveVec && v.length === n) return;
  throw new ShapeError(arg, `a Float64Array of length ${n} (the length of x)`, describeValue(v));
}

function outputShape(rec: Recording, y: Float64Array): number | Float64Array {
  return rec.outScalar ? y[0]! : y;
}

/**
 * Forward mode: [f(x), J(x)·v] (JAX's `jvp`). v has the shape of x. Extra arguments go to f.
 */
export function jvp<A extends unknown[]>(
  f: (x: never, ...rest: A) => VectorResult,
  x: number | Float64Array,
  v: number | Float64Array,
  ...rest: A
): [number | Float64Array, number | Float64Array];
export function jvp<A extends unknown[]>(
  f: (x: never, ...rest: A) => VectorResult,
  x: Value,
  v: Value,
  ...rest: A
): [Value, Value];
export function jvp(
  f: (x: never, ...rest: unknown[]) => VectorResult,
  x: Value,
  v: Value,
  ...rest: unknown[]
): [Value, Value] {
  requireFunction(f, 'jvp');
  return consume(recordCall(f, x, rest, 'jvp'), (rec): [Value, Value] => {
    checkDirection(v, inputCount(rec), rec.inLen === 0, 'jvp: v');
    if (isNested(rec) || v instanceof Active || v instanceof ActiveVec) {
      const gt = genericOf(rec);
      return [genericOutput(rec, gt), jvpGeneric(rec, gt, v)];
    }
    const V = typeof v === 'number' ? Float64Array.of(v) : (v as Float64Array);
    return [outputShape(rec, outputValues(rec)), outputShape(rec, jvpFloat(rec, [V]))];
  });
}

/**
 * Reverse mode: [f(x), pullback] (JAX's `vjp`). `pullback(u)` returns uᵀJ(x) with the shape of x;
 * u has the shape of f(x). The pullback may be called many times (one reverse sweep each).
 */
export function vjp<A extends unknown[]>(
  f: (x: never, ...rest: A) => VectorResult,
  x: number | Float64Array,
  ...rest: A
): [number | Float64Array, (u: number | Float64Array) => number | Float64Array];
// biome-ignore lint/suspicious/noExplicitAny: the overloads above carry the types
export function vjp(f: (x: never, ...rest: unknown[]) => VectorResult, x: Value, ...rest: unknown[]): any {
  requireFunction(f, 'vjp');
  const rec = recordCall(f, x, rest, 'vjp');
  const m = outputCount(rec);
  const nested = isNested(rec);
  const gt = nested ? genericOf(rec) : undefined;
  const value = gt !== undefined ? genericOutput(rec, gt) : outputShape(rec, outputValues(rec));
  const pullback = (u: Value): Value => {
    if (rec.outScalar) {
      if (!(typeof u === 'number' || u instanceof Active))
        throw new ShapeError('vjp pullback: u', 'a number (f returns a scalar)', describeValue(u));
    } else if (!((u instanceof Float64Array || u instanceof ActiveVec) && u.length === m)) {
      throw new ShapeError('vjp pullback: u', `a Float64Array of length ${m} (the length of f(x))`, describeValue(u));
    }
    if (typeof u === 'number' || u instanceof Float64Array) requireFinite(u, 'vjp pullback: u');
    if (gt !== undefined || u instanceof Active || u instanceof ActiveVec)
      return vjpGeneric(rec, gt ?? genericOf(rec), u);
    const U = typeof u === 'number' ? Float64Array.of(u) : (u as Float64Array);
    const g = vjpFloat(rec, [U]);
    return rec.inLen === 0 ? g[0]! : g;
  };
  return [value, pullback];
}

/** A dense Jacobian whose entries are active values (from a jacobian taken inside another differentiation). */
export interface ActiveMatrix {
  readonly rows: number;
  readonly cols: number;
  /** Row-major entries. */
  readonly data: Vec;
}

function jacobianWith(
  f: (x: never, ...rest: unknown[]) => VectorResult,
  mode: 'auto' | 'forward' | 'reverse',
  who: string,
  options: unknown,
) {
  requireFunction(f, who);
  const traces = tracesFor(f, options, who);
  return (x: Value, ...rest: unknown[]): DenseMatrix | ActiveMatrix =>
    traces?.run(x, rest, (F) => F.jacobian(x as Float64Array, mode)) ??
    consume(recordCall(f, x, rest, who), (rec) => jacobianOf(rec, mode));
}

function jacobianOf(rec: Recording, mode: 'auto' | 'forward' | 'reverse'): DenseMatrix | ActiveMatrix {
  {
    if (!isNested(rec)) return jacobianFloat(rec, mode);
    // Nested: rows by generic reverse sweeps, each recorded on the enclosing tape.
    const gt = genericOf(rec);
    const m = outputCount(rec);
    const n = inputCount(rec);
    const rows: Value[] = [];
    for (let i = 0; i < m; i++) {
      const u = new Float64Array(m);
      u[i] = 1;
      rows.push(vjpGeneric(rec, gt, rec.outScalar ? 1 : u));
    }
    return { rows: m, cols: n, data: F.concat(rows) };
  }
}

/** Jacobian of f at x: m × n row-major (m = outputs, n = inputs); forward sweeps when n <= m, else reverse. */
export function jacobian<A extends unknown[]>(
  f: (x: never, ...rest: A) => VectorResult,
  options?: TransformOptions,
): (x: number | Float64Array, ...rest: A) => DenseMatrix;
// biome-ignore lint/suspicious/noExplicitAny: the overloads above carry the types
export function jacobian(f: (x: never, ...rest: unknown[]) => VectorResult, options?: TransformOptions): any {
  return jacobianWith(f, 'auto', 'jacobian', options);
}
/** Jacobian by forward sweeps (columns). */
export function jacfwd<A extends unknown[]>(
  f: (x: never, ...rest: A) => VectorResult,
  options?: TransformOptions,
): (x: number | Float64Array, ...rest: A) => DenseMatrix;
// biome-ignore lint/suspicious/noExplicitAny: the overloads above carry the types
export function jacfwd(f: (x: never, ...rest: unknown[]) => VectorResult, options?: TransformOptions): any {
  return jacobianWith(f, 'forward', 'jacfwd', options);
}
/** Jacobian by reverse sweeps (rows). */
export function jacrev<A extends unknown[]>(
  f: (x: never, ...rest: A) => VectorResult,
  options?: TransformOptions,
): (x: number | Float64Array, ...rest: A) => DenseMatrix;
// biome-ignore lint/suspicious/noExplicitAny: the overloads above carry the types
export function jacrev(f: (x: never, ...rest: unknown[]) => VectorResult, options?: TransformOptions): any {
  return jacobianWith(f, 'reverse', 'jacrev', options);
}

/** Runs body on a recording, then hands the tape's memory back for reuse (results never point into it). */
function consume<R>(rec: Recording, body: (rec: Recording) => R): R {
  try {
    return body(rec);
  } finally {
    rec.tape.recycle();
  }
}

function requireFunction(f: unknown, who: string): void {
  if (typeof f !== 'function') throw new ShapeError(`${who}: f`, 'a function', describeValue(f));
}
