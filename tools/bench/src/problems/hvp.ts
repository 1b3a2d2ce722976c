/**
 * BENCHMARKS.md problem 4 (hvp-rosenbrock): H(x)·v of extended Rosenbrock at n = 10^5, x0 the
 * classical point, v[i] = 1 + 0.5((i mod 3) − 1); reference: the analytic tridiagonal Hessian.
 */

/** The direction of BENCHMARKS.md §4. */
export function direction(n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => 1 + 0.5 * ((i % 3) - 1));
}

/** H(x)·v with H_ii = [i<n−1](1200 x_i² − 400 x_{i+1} + 2) + [i>0]200, H_{i,i+1} = −400 x_i. */
export function analyticHvp(x: Float64Array, v: Float64Array): Float64Array {
  const n = x.length;
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const hii = (i < n - 1 ? 1200 * x[i]! * x[i]! - 400 * x[i + 1]! + 2 : 0) + (i > 0 ? 200 : 0);
    r[i] = hii * v[i]! + (i < n - 1 ? -400 * x[i]! * v[i + 1]! : 0) + (i > 0 ? -400 * x[i - 1]! * v[i - 1]! : 0);
  }
  return r;
}

/** Hand-coded HVP in one loop (the JS limit for this problem). */
export function handHvp(x: Float64Array, v: Float64Array, r: Float64Array): Float64Array {
  const n = x.length;
  for (let i = 0; i < n; i++) {
    const xi = x[i]!;
    let s = (i > 0 ? 200 : 0) * v[i]!;
    if (i < n - 1) s += (1200 * xi * xi - 400 * x[i + 1]! + 2) * v[i]! - 400 * xi * v[i + 1]!;
    if (i > 0) s -= 400 * x[i - 1]! * v[i - 1]!;
    r[i] = s;
  }
  return r;
}
