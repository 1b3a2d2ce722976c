/**
 * `pnpm bench:checkpoint`: the heat-equation checkpointing benchmark (10^3 states, 10^4 steps) for a
 * range of snapshot counts: gradient time / plain-tape gradient time, peak bytes / plain-tape bytes,
 * and recomputed steps against revolve's optimum. Each figure is the median of 3 calls after one
 * warm-up call (the plain-tape gradient is timed the same way, right before).
 */
import { type CheckpointStats, grad } from '@wengert/core';
import * as heat from './problems/heat.js';

const n = 1000;
const steps = Number(process.argv[2] ?? 10_000);
const u0 = heat.initialState(n);

function medianMs(op: () => unknown, reps = 3): number {
  op();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    op();
    ts.push(performance.now() - t0);
  }
  return ts.sort((a, b) => a - b)[Math.floor(reps / 2)]!;
}

const plainGrad = grad(heat.plainLoss(steps));
const plainMs = medianMs(() => plainGrad(u0));
const plainBytes = heat.plainPeakBytes(steps, u0);
console.log(
  `heat equation, ${n} states x ${steps} steps; plain tape: ${plainMs.toFixed(0)} ms, ${(plainBytes / 2 ** 20).toFixed(1)} MiB`,
);
console.log(
  '| snapshots | time / plain | peak bytes / plain | recomputed steps | revolve optimum (first sweep included) |',
);
console.log('|---|---|---|---|---|');
for (const s of [5, 10, 20, 50, 100, 1000]) {
  const stats = {} as CheckpointStats;
  const g = grad(heat.checkpointedLoss(steps, s, stats));
  const ms = medianMs(() => g(u0));
  const { bytes } = heat.checkpointedPeakBytes(steps, s, u0);
  console.log(
    `| ${s} | ${(ms / plainMs).toFixed(2)} | ${(bytes / plainBytes).toExponential(2)} | ${stats.recomputedSteps} | ${stats.optimalRecomputedSteps} |`,
  );
}
