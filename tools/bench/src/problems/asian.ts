/**
 * Arithmetic-average Asian call, pathwise (BENCHMARKS.md §a.2): plain-JS primal, hand-coded
 * forward tangents, and the Wengert versions vectorized over paths and as scalar loops.
 * Parameters are θ = (S0, σ, r); the gradient is (delta, vega, rho).
 */
import { type ActiveVec, add, exp, max, mul, type Real, sub, sum, type Value, type Vec } from '@wengert/core';

/** Time steps per path. */
export const STEPS = 64;
/** Paths of the full-size problem. */
export const PATHS = 10_000;
const K = 100;
const T = 1;
const DT = T / STEPS;
const SQRT_DT = Math.sqrt(DT);

/** The base point θ0 = (S0, σ, r). */
export const THETA0 = Float64Array.of(100, 0.2, 0.05);
/** Published reference at θ0 for 10^4 paths (hand-coded pathwise tangents of the peers). */
export const REFERENCE = {
  price: 5.8912181145344036,
  gradient: Float64Array.of(0.5895079541, 22.29911059, 24.82179865),
};

/** Plain-JS primal: the scalar loops of the definition over normals Z[p·64 + k] (the baseline). */
export function primal(Z: Float64Array, paths: number, theta: Float64Array): number {
  const [S0, sigma, r] = theta as unknown as [number, number, number];
  const drift = (r - (sigma * sigma) / 2) * DT;
  const vol = sigma * SQRT_DT;
  let total = 0;
  for (let p = 0; p < paths; p++) {
    let S = S0;
    let A = 0;
    for (let k = 0; k < STEPS; k++) {
      S = S * Math.exp(drift + vol * Z[p * STEPS + k]!);
      A += S;
    }
    total += Math.max(A * (1 / STEPS) - K, 0);
  }
  return Math.exp(-r * T) * total * (1 / paths);
}

/** Hand-coded gradient: forward pathwise tangents in the three directions, fused into the primal loop. */
export function handGradient(Z: Float64Array, paths: number, theta: Float64Array): Float64Array {
  const [S0, sigma, r] = theta as unknown as [number, number, number];
  const drift = (r - (sigma * sigma) / 2) * DT;
  const vol = sigma * SQRT_DT;
  let total = 0;
  let dS0 = 0;
  let dSigma = 0;
  let dR = 0;
  for (let p = 0; p < paths; p++) {
    let S = S0;
    let A = 0;
    // Tangents of S and A along S0, σ and r.
    let sS0 = 1;
    let sSigma = 0;
    let sR = 0;
    let aS0 = 0;
    let aSigma = 0;
    let aR = 0;
    for (let k = 0; k < STEPS; k++) {
      const z = Z[p * STEPS + k]!;
      const e = Math.exp(drift + vol * z);
      S *= e;
      sS0 *= e;
      sSigma = sSigma * e + S * (-sigma * DT + SQRT_DT * z);
      sR = sR * e + S * DT;
      A += S;
      aS0 += sS0;
      aSigma += sSigma;
      aR += sR;
    }
    const payoff = A * (1 / STEPS) - K;
    if (payoff > 0) {
      total += payoff;
      dS0 += aS0 * (1 / STEPS);
      dSigma += aSigma * (1 / STEPS);
      dR += aR * (1 / STEPS);
    }
  }
  const disc = Math.exp(-r * T) * (1 / paths);
  return Float64Array.of(disc * dS0, disc * dSigma, disc * dR - T * disc * total);
}

/** Max over the components of |g − ref| / |ref| (the metric of §a.2). */
export function gradientError(g: Float64Array, ref: Float64Array): number {
  let e = 0;
  for (let i = 0; i < ref.length; i++) e = Math.max(e, Math.abs(g[i]! - ref[i]!) / Math.abs(ref[i]!));
  return e;
}

/** Central differences of the primal, step 1e-6 relative to each parameter. */
export function finiteDifferenceGradient(Z: Float64Array, paths: number, theta: Float64Array): Float64Array {
  const g = new Float64Array(3);
  for (let j = 0; j < 3; j++) {
    const h = 1e-6 * Math.abs(theta[j]!);
    const up = theta.slice();
    const down = theta.slice();
    up[j] += h;
    down[j] -= h;
    g[j] = (primal(Z, paths, up) - primal(Z, paths, down)) / (2 * h);
  }
  return g;
}

/** The columns Z[·, k] as separate arrays (what the vectorized version multiplies by). */
export function columns(Z: Float64Array, paths: number): Float64Array[] {
  return Array.from({ length: STEPS }, (_, k) => {
    const c = new Float64Array(paths);
    for (let p = 0; p < paths; p++) c[p] = Z[p * STEPS + k]!;
    return c;
  });
}

/** Drift and volatility per step, from the active σ and r (so the gradient flows through them). */
function driftAndVol(sigma: Real, r: Real): [Real, Real] {
  return [mul(sub(r, mul(0.5, mul(sigma, sigma))), DT), mul(sigma, SQRT_DT)];
}

/** Wengert, vectorized over paths: 64 steps of elementwise ops on vectors of one entry per path. */
export function asianVector(Zcols: readonly Float64Array[]): (theta: ActiveVec) => Real {
  const paths = Zcols[0]!.length;
  return (theta) => {
    const [drift, vol] = driftAndVol(theta.at(1), theta.at(2));
    let S: Value = theta.at(0);
    let A: Value = 0;
    for (const Zk of Zcols) {
      S = mul(S, exp(add(drift, mul(vol, Zk))));
      A = add(A, S);
    }
    const total = sum(max(sub(mul(A, 1 / STEPS), K), 0) as Vec);
    return mul(mul(exp(mul(theta.at(2), -T)), total), 1 / paths);
  };
}

/** Wengert, scalar loops: the primal with active scalars (about 5 recorded ops per path step). */
export function asianScalar(Z: Float64Array, paths: number): (theta: ActiveVec) => Real {
  return (theta) => {
    const S0 = theta.at(0);
    const [drift, vol] = driftAndVol(theta.at(1), theta.at(2));
    let total: Real = 0;
    for (let p = 0; p < paths; p++) {
      let S: Real = S0;
      let A: Real = 0;
      for (let k = 0; k < STEPS; k++) {
        S = mul(S, exp(add(drift, mul(vol, Z[p * STEPS + k]!))));
        A = add(A, S);
      }
      total = add(total, max(sub(mul(A, 1 / STEPS), K), 0));
    }
    return mul(mul(exp(mul(theta.at(2), -T)), total), 1 / paths);
  };
}
