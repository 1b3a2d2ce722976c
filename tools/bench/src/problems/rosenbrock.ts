/**
 * Rosenbrock (BENCHMARKS.md §a.1): the plain-JS primal, the hand-coded gradient, the analytic
 * reference, and the two Wengert formulations (a scalar loop and vector ops).
 */
import { type ActiveVec, add, mul, type Real, sub, sum, type Vec } from '@wengert/core';

/** The classical start point: −1.2 at even i, 1 at odd i. */
export function startPoint(n: number): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = i % 2 === 0 ? -1.2 : 1;
  return x;
}

/** The second point (re-using a tape): x1[i] = x0[i] + 0.001 ((i mod 7) − 3). */
export function secondPoint(x0: Float64Array): Float64Array {
  return x0.map((v, i) => v + 0.001 * ((i % 7) - 3));
}

/** f(x0) of the reference implementation (sequential sum), by n. */
export const REFERENCE_VALUE: Readonly<Record<number, number>> = {
  1000: 253616.0000000023,
  10000: 2540516.000000027,
  100000: 25409515.999977216,
  1000000: 254099515.99774352,
};

/** Plain-JS primal: the sequential loop of the definition (the baseline of every ratio). */
export function primal(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length - 1; i++) {
    const t = x[i + 1]! - x[i]! * x[i]!;
    const u = 1 - x[i]!;
    s += 100 * t * t + u * u;
  }
  return s;
}

/** Hand-coded gradient: one fused loop, as a careful programmer would write it. Writes into g. */
export function handGradient(x: Float64Array, g: Float64Array): Float64Array {
  g.fill(0);
  for (let i = 0; i < x.length - 1; i++) {
    const xi = x[i]!;
    const t = x[i + 1]! - xi * xi;
    g[i] += -400 * xi * t - 2 * (1 - xi);
    g[i + 1] += 200 * t;
  }
  return g;
}

/** The analytic gradient formula of BENCHMARKS.md, written term by term (the error reference). */
export function analyticGradient(x: Float64Array): Float64Array {
  const n = x.length;
  const g = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let gi = 0;
    if (i < n - 1) gi += -400 * x[i]! * (x[i + 1]! - x[i]! * x[i]!) - 2 * (1 - x[i]!);
    if (i > 0) gi += 200 * (x[i]! - x[i - 1]! * x[i - 1]!);
    g[i] = gi;
  }
  return g;
}

/** The metric of BENCHMARKS.md: max_i |g_i − ref_i| / max_i |ref_i|. */
export function gradientError(g: Float64Array, ref: Float64Array): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    err = Math.max(err, Math.abs(g[i]! - ref[i]!));
    scale = Math.max(scale, Math.abs(ref[i]!));
  }
  return err / scale;
}

/**
 * Checks a gradient against central differences (h = 1e-6) on `count` components spread over the
 * index range, with the metric above restricted to them. Only the two terms that contain x_i are
 * differenced: differencing the whole sum (≈ 2.5e8 at n = 10^6) would drown the derivative in
 * rounding error.
 */
export function finiteDifferenceError(x: Float64Array, g: Float64Array, count = 50, h = 1e-6): number {
  const n = x.length;
  const term = (xi: number, xj: number) => 100 * (xj - xi * xi) ** 2 + (1 - xi) ** 2;
  // Terms i−1 (x_{i−1}, x_i) and i (x_i, x_{i+1}) as functions of x_i.
  const local = (i: number, v: number) => (i > 0 ? term(x[i - 1]!, v) : 0) + (i < n - 1 ? term(v, x[i + 1]!) : 0);
  let err = 0;
  let scale = 0;
  for (let c = 0; c < count; c++) {
    const i = Math.round((c * (n - 1)) / (count - 1));
    const fd = (local(i, x[i]! + h) - local(i, x[i]! - h)) / (2 * h);
    err = Math.max(err, Math.abs(g[i]! - fd));
    scale = Math.max(scale, Math.abs(fd));
  }
  return err / scale;
}

/** Wengert, scalar style: the primal loop with one recorded operation per arithmetic operation (8 per term). */
export function rosenbrockScalar(x: ActiveVec): Real {
  let s: Real = 0;
  for (let i = 0; i < x.length - 1; i++) {
    const xi = x.at(i);
    const t = sub(x.at(i + 1), mul(xi, xi));
    const u = sub(1, xi);
    s = add(s, add(mul(mul(100, t), t), mul(u, u)));
  }
  return s;
}

/** Wengert, vector style: 7 elementwise instructions over n − 1 elements and one sum. */
export function rosenbrockVector(x: ActiveVec): Real {
  const a = x.slice(0, -1);
  const t = sub(x.slice(1), mul(a, a));
  const u = sub(1, a);
  return sum(add(mul(100, mul(t, t)), mul(u, u)) as Vec);
}

/**
 * Vector elements written when recording `rosenbrockVector` at length n: the input copied onto the
 * tape (n), seven elementwise results of n − 1 elements, and the sum (1). Slices are views.
 */
export function vectorElementsWritten(n: number): number {
  return n + 7 * (n - 1) + 1;
}
