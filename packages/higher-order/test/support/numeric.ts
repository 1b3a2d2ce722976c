/**
 * Numeric helpers and reference derivatives shared by the test files (not a test file itself:
 * vitest only picks up `*.test.ts`). They throw plain Errors with readable messages, so they work
 * inside fast-check properties and in scripts replaying a counterexample.
 */
import { type ActiveVec, fdJvp, grad, jvp, type Real } from '@wengert/core';
import fc from 'fast-check';

/** Largest |a[i]| (0 for an empty array). */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** Largest |got[i] − want[i]|. */
export function maxDiff(got: ArrayLike<number>, want: ArrayLike<number>): number {
  sameLength(got, want, 'maxDiff');
  let m = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i]! - want[i]!);
    m = d > m || d !== d ? d : m;
  }
  return m;
}

function sameLength(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  if (got.length !== want.length) throw new Error(`${what}: length ${got.length}, want ${want.length}`);
}

/** Throws unless |got − want| ≤ tol (NaN never passes unless both are NaN). */
export function expectWithin(got: number, want: number, tol: number, what = 'value'): void {
  if (Object.is(got, want)) return;
  const err = Math.abs(got - want);
  if (!(err <= tol)) throw new Error(`${what}: got ${got}, want ${want} (|Δ| = ${err}, allowed ${tol})`);
}

/**
 * Componentwise |got[i] − want[i]| ≤ rtol·scale[i] + atol, where scale[i] is the magnitude the
 * reference is built from (Σ|terms|, so cancellation in the reference does not tighten the test).
 */
export function expectScaled(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  scale: ArrayLike<number>,
  rtol: number,
  atol: number,
  what = 'array',
): void {
  sameLength(got, want, what);
  for (let i = 0; i < want.length; i++) expectWithin(got[i]!, want[i]!, rtol * scale[i]! + atol, `${what}[${i}]`);
}

/** Normwise: max|got − want| ≤ rtol·max(max|want|, floor). */
export function expectNormwise(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  rtol: number,
  floor = 0,
  what = 'array',
) {
  sameLength(got, want, what);
  const allowed = rtol * Math.max(maxAbs(want), floor);
  const err = maxDiff(got, want);
  if (!(err <= allowed)) {
    throw new Error(
      `${what}: max |Δ| = ${err} > ${allowed} (rtol ${rtol}); got [${Array.from(got).join(', ')}], want [${Array.from(want).join(', ')}]`,
    );
  }
}

/** Throws unless the arrays are identical bit for bit (Object.is per entry). */
export function expectBitwise(got: ArrayLike<number>, want: ArrayLike<number>, what = 'array'): void {
  sameLength(got, want, what);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) {
      throw new Error(`${what}[${i}]: got ${got[i]}, want ${want[i]} (not bitwise identical)`);
    }
  }
}

/** uᵀw. */
export function dotPlain(u: ArrayLike<number>, w: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < u.length; i++) s += u[i]! * w[i]!;
  return s;
}

/** Σ|u_i w_i| (the magnitude a computed uᵀw is rounded against). */
export function dotAbs(u: ArrayLike<number>, w: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < u.length; i++) s += Math.abs(u[i]! * w[i]!);
  return s;
}

/** Deep copy of a test input, for "not mutated" checks. */
export function snapshot<T>(v: T): T {
  if (v instanceof Float64Array) return v.slice() as T;
  if (Array.isArray(v)) return v.map((e) => snapshot(e)) as T;
  return v;
}

/**
 * Reference H·v through core's generic sweeps: forward mode over core's reverse mode, JAX's
 * `jvp(grad(f), (x,), (v,))`. Independent of @wengert/higher-order's combined sweep.
 */
export function nestedHvp(f: (x: ActiveVec) => Real, x: Float64Array, v: Float64Array): Float64Array {
  return jvp(grad(f) as never, x as never, v as never)[1] as unknown as Float64Array;
}

/**
 * Reference H·v by finite differences of core's gradient: Ridders-extrapolated central differences
 * of x ↦ ∇f(x) along v (core's `fdJvp`). Ridders' tableau sometimes stops on a poor entry (its own
 * error estimate then says so); such components are redone from other initial steps and the
 * estimate with the smallest error estimate is kept.
 */
export function fdHvp(f: (x: ActiveVec) => Real, x: Float64Array, v: Float64Array): Float64Array {
  const g = (y: Float64Array) => grad(f)(y);
  const best = fdJvp(g, x, v, 0.05);
  const value = best.value.slice();
  const error = best.error.slice();
  const scale = Math.max(1, maxAbs(value));
  for (const h0 of [0.01, 0.2, 0.002]) {
    if (error.every((e) => e <= 1e-9 * scale)) break;
    const r = fdJvp(g, x, v, h0);
    for (let i = 0; i < value.length; i++) {
      if (r.error[i]! < error[i]!) {
        value[i] = r.value[i]!;
        error[i] = r.error[i]!;
      }
    }
  }
  return value;
}

/**
 * Doubles in [lo, hi], spread uniformly (fc.double alone picks uniformly among representable
 * doubles, so most draws would be tiny numbers near 0).
 */
export function uniform(lo: number, hi: number): fc.Arbitrary<number> {
  const steps = 2 ** 31 - 1;
  return fc.integer({ min: 0, max: steps }).map((k) => Math.min(hi, lo + ((hi - lo) * k) / steps));
}

/** A Float64Array of length n with entries uniform in [lo, hi]. */
export function vecArb(n: number, lo: number, hi: number): fc.Arbitrary<Float64Array> {
  return fc.array(uniform(lo, hi), { minLength: n, maxLength: n }).map((a) => Float64Array.from(a));
}

/** Row-major n×n matrix times vector. */
export function matVec(H: ArrayLike<number>, n: number, v: ArrayLike<number>): Float64Array {
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += H[i * n + j]! * v[j]!;
    r[i] = s;
  }
  return r;
}

/** |H|·|v| (row magnitudes of a matrix–vector product). */
export function matVecAbs(H: ArrayLike<number>, n: number, v: ArrayLike<number>): Float64Array {
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.abs(H[i * n + j]! * v[j]!);
    r[i] = s;
  }
  return r;
}
