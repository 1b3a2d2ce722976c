/**
 * The checkpointing benchmark of the core issue on checkpointing: an explicit heat-equation step on
 * n states with zero boundary values, u_{k+1} = u_k + α (u_{k−1} − 2 u_k + u_{k+1}) (α = 0.25, stable),
 * iterated nSteps times; loss = Σ u_final². The gradient w.r.t. u_0 is taken twice: on the plain
 * tape (every step recorded) and through `checkpointedLoop` with s snapshots.
 */
import {
  type ActiveVec,
  add,
  type CheckpointStats,
  checkpointedLoop,
  concat,
  grad,
  mul,
  type Real,
  record,
  slice,
  square,
  sub,
  sum,
  type Value,
  type Vec,
} from '@wengert/core';

export const ALPHA = 0.25;

/** One explicit step (vector ops: two shifted copies, one stencil, one update). */
export function heatStep(u: Vec, alpha: Value): Vec {
  const n = u.length;
  const left = concat([0, slice(u, 0, n - 1)]);
  const right = concat([slice(u, 1, n), 0]);
  return add(u, mul(alpha, sub(add(left, right), mul(2, u))));
}

/** Initial state: a smooth bump plus a ripple, so the gradient is not trivial. */
export function initialState(n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => {
    const x = (i + 1) / (n + 1);
    return Math.sin(Math.PI * x) + 0.1 * Math.sin(17 * Math.PI * x);
  });
}

/** Loss with every step on the tape. */
export function plainLoss(nSteps: number) {
  return (u0: ActiveVec): Real => {
    let u: Vec = u0;
    for (let k = 0; k < nSteps; k++) u = heatStep(u, ALPHA);
    return sum(square(u));
  };
}

/** Loss with the loop checkpointed (s snapshots); stats are filled in by the sweeps. */
export function checkpointedLoss(nSteps: number, snapshots: number, stats: CheckpointStats) {
  return (u0: ActiveVec): Real =>
    sum(square(checkpointedLoop((u) => heatStep(u, ALPHA), u0, nSteps, { snapshots, stats })));
}

/** Peak bytes of the plain tape: the whole recording. */
export function plainPeakBytes(nSteps: number, u0: Float64Array): number {
  return record(plainLoss(nSteps), u0).stats().usedBytes;
}

/**
 * Peak bytes with checkpointing: the enclosing tape (one loop instruction), the snapshots held at
 * once and the largest single-step tape of the reverse sweep, all alive at the same time.
 */
export function checkpointedPeakBytes(
  nSteps: number,
  snapshots: number,
  u0: Float64Array,
): { bytes: number; stats: CheckpointStats } {
  const stats = {} as CheckpointStats;
  const f = checkpointedLoss(nSteps, snapshots, stats);
  const outer = record(f, u0).stats().usedBytes;
  grad(f)(u0);
  return { bytes: outer + stats.peakSnapshotBytes + stats.peakStepTapeBytes, stats };
}
