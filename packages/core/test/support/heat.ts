/**
 * K explicit steps of a 1D reaction–diffusion scheme on n points with zero boundary,
 *   u ← u + 0.2 (u_left + u_right − 2 sin u),
 * written with vector ops the way a user would (neighbours by gathers of a zero-padded copy), so each
 * step gathers the last step's output and is its own fused run: the memory-planning test of core's
 * compiled sweeps (compile.test.ts) and its benchmark (tools/bench compile-table.ts). Not a test file.
 */
import { type ActiveVec, add, concat, gather, mul, sin, sub, type Vec } from '../../src/index.js';

/** The K-step map u0 ↦ u_K with vector ops. */
export function heatSteps(n: number, K: number): (u0: ActiveVec) => Vec {
  const left = Int32Array.from({ length: n }, (_, i) => (i > 0 ? i - 1 : n));
  const right = Int32Array.from({ length: n }, (_, i) => (i < n - 1 ? i + 1 : n));
  const zero = new Float64Array(1);
  return (u0) => {
    let u: Vec = u0;
    for (let k = 0; k < K; k++) {
      const pad = concat([u, zero]);
      u = add(u, mul(0.2, sub(add(gather(pad, left), gather(pad, right)), mul(2, sin(u)))));
    }
    return u;
  };
}

/** The same in plain JS (the benchmark's baseline), ping-ponging between a and b; returns u_K. */
export function heatPlain(n: number, K: number, u0: Float64Array, a: Float64Array, b: Float64Array): Float64Array {
  a.set(u0);
  let u = a;
  let w = b;
  for (let k = 0; k < K; k++) {
    for (let i = 0; i < n; i++) {
      const l = i > 0 ? u[i - 1]! : 0;
      const r = i < n - 1 ? u[i + 1]! : 0;
      w[i] = u[i]! + 0.2 * (l + r - 2 * Math.sin(u[i]!));
    }
    [u, w] = [w, u];
  }
  return u;
}
