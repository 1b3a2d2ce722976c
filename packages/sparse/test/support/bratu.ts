/**
 * The 2D Bratu residual of the project's benchmark problem "sparse-jac-bratu2d" (BENCHMARKS.md
 * problem 3; tools/bench re-exports it), written the way a user would: vector ops with gathers for the neighbours (vector form) and a scalar loop (scalar
 * form). N × N interior grid, h = 1/(N+1), unknown k = i*N + j, zero Dirichlet boundary:
 *   lap = 4 u[k] − [i>0] u[k−N] − [i<N−1] u[k+N] − [j>0] u[k−1] − [j<N−1] u[k+1]
 *   F[k] = lap / h² − λ exp(u[k])
 */
import { type ActiveVec, concat, exp, gather, mul, type Real, stack, sub } from '@wengert/core';

export const LAMBDA = 6;

/** Neighbour index arrays into [u, 0]: a missing neighbour points at the padding zero (index n). */
export function neighbourIndices(N: number): Int32Array[] {
  const n = N * N;
  const up = new Int32Array(n);
  const down = new Int32Array(n);
  const left = new Int32Array(n);
  const right = new Int32Array(n);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      const k = i * N + j;
      up[k] = i > 0 ? k - N : n;
      down[k] = i < N - 1 ? k + N : n;
      left[k] = j > 0 ? k - 1 : n;
      right[k] = j < N - 1 ? k + 1 : n;
    }
  }
  return [up, down, left, right];
}

/** F(u) with vector ops (the order of the subtractions as in the problem statement). */
export function bratuVector(N: number): (u: ActiveVec) => ActiveVec {
  const h = 1 / (N + 1);
  const invH2 = 1 / (h * h);
  const lap = laplacian(N);
  return (u) => sub(mul(lap(u), invH2), mul(LAMBDA, exp(u))) as ActiveVec;
}

/** u ↦ 4u − Σ neighbours (zero boundary), by gathers into [u, 0], subtracted in the problem's order. */
export function laplacian(N: number): (u: ActiveVec) => ActiveVec {
  const [up, down, left, right] = neighbourIndices(N);
  const zero = new Float64Array(1);
  return (u) => {
    const padded = concat([u, zero]);
    let lap = mul(4, u);
    lap = sub(lap, gather(padded, up!));
    lap = sub(lap, gather(padded, down!));
    lap = sub(lap, gather(padded, left!));
    lap = sub(lap, gather(padded, right!));
    return lap as ActiveVec;
  };
}

/** F(u) with one scalar op at a time. */
export function bratuScalar(N: number): (u: ActiveVec) => ActiveVec {
  const h = 1 / (N + 1);
  const invH2 = 1 / (h * h);
  return (u) => {
    const F: Real[] = [];
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) {
        const k = i * N + j;
        let lap: Real = mul(4, u.at(k));
        if (i > 0) lap = sub(lap, u.at(k - N));
        if (i < N - 1) lap = sub(lap, u.at(k + N));
        if (j > 0) lap = sub(lap, u.at(k - 1));
        if (j < N - 1) lap = sub(lap, u.at(k + 1));
        F.push(sub(mul(lap, invH2), mul(LAMBDA, exp(u.at(k)))));
      }
    }
    return stack(F) as ActiveVec;
  };
}

/** The plain-JS residual (the benchmark's baseline) into out. */
export function bratuPlain(N: number, u: Float64Array, out: Float64Array): void {
  const h = 1 / (N + 1);
  const invH2 = 1 / (h * h);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      const k = i * N + j;
      let lap = 4 * u[k]!;
      if (i > 0) lap -= u[k - N]!;
      if (i < N - 1) lap -= u[k + N]!;
      if (j > 0) lap -= u[k - 1]!;
      if (j < N - 1) lap -= u[k + 1]!;
      out[k] = lap * invH2 - LAMBDA * Math.exp(u[k]!);
    }
  }
}

/** The benchmark's base point u[i*N+j] = x_i(1−x_i) y_j(1−y_j). */
export function bratuPoint(N: number, scale = 1): Float64Array {
  const h = 1 / (N + 1);
  const u = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    const x = (i + 1) * h;
    for (let j = 0; j < N; j++) {
      const y = (j + 1) * h;
      u[i * N + j] = scale * x * (1 - x) * y * (1 - y);
    }
  }
  return u;
}

/** The analytic Jacobian entry (i, j) of F at u (dense accessor for checks). */
export function bratuJacobianEntry(N: number, u: Float64Array, r: number, c: number): number {
  const h = 1 / (N + 1);
  const invH2 = 1 / (h * h);
  if (r === c) return 4 * invH2 - LAMBDA * Math.exp(u[r]!);
  const ir = Math.floor(r / N);
  const jr = r % N;
  const ic = Math.floor(c / N);
  const jc = c % N;
  return Math.abs(ir - ic) + Math.abs(jr - jc) === 1 ? -invH2 : 0;
}

/** The 5-point pattern's rows (sorted column lists), for comparisons. */
export function fivePointRows(N: number): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      const k = i * N + j;
      const r: number[] = [];
      if (i > 0) r.push(k - N);
      if (j > 0) r.push(k - 1);
      r.push(k);
      if (j < N - 1) r.push(k + 1);
      if (i < N - 1) r.push(k + N);
      rows.push(r);
    }
  }
  return rows;
}
