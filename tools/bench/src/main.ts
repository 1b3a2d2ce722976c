/**
 * `pnpm bench [--quick] [--passes N] [--only SUBSTRING] [--json FILE]`: runs the benchmark suite
 * (problems of BENCHMARKS.md, budgets of DESIGN.md) and prints one table. --json writes
 * `[{ id, ratio, budget, detail }]` for the budgeted rows. The exit code is 1 when a derivative is
 * wrong; budget misses are reported, not fatal.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatTable } from './report.js';
import { runSuite, suiteSizes } from './suite.js';

const { values } = parseArgs({
  options: {
    json: { type: 'string' },
    only: { type: 'string' },
    passes: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
const quick = values.quick === true;
// BENCHMARKS.md runs the suite three times and keeps the median: the machine is noisy.
const passes = values.passes === undefined ? (quick ? 1 : 3) : Number(values.passes);
if (!(Number.isInteger(passes) && passes >= 1))
  throw new Error(`--passes: expected a positive integer, got ${values.passes}`);
const sizes = suiteSizes(quick);

console.log(`Wengert benchmarks (Node ${process.version})`);
console.log(
  quick
    ? 'QUICK smoke run: reduced sizes, 3 short samples, 1 pass. Ratios are indicative only; run `pnpm bench` for the real figures.'
    : `Full size, ${passes} pass(es): medians of 7 samples after >= 200 ms warm-up, median over passes.`,
);
console.log(`Rosenbrock n = ${sizes.rosenbrock}; Asian option ${sizes.asianPaths} paths x 64 steps.\n`);

const started = performance.now();
const results = runSuite({ quick, passes, only: values.only, log: (line) => console.log(line) });
console.log(`\n${formatTable(results)}\n`);
console.log(
  [
    'ratio   = derivative ms per call / plain-JS primal ms per call, the primal timed right before in this process.',
    'B/op    = tape usedBytes / instructions (scalar-loop recording); B/elem = tape usedBytes / vector elements',
    '          written (vector Rosenbrock: n + 7 (n - 1) + 1). Memory rows show that figure as their ratio.',
    'ref     = hand-coded JS derivative, no budget: what a careful programmer gets by hand.',
    'max rel err: the metric of BENCHMARKS.md against the analytic / hand-coded gradient (ref rows: against central differences).',
  ].join('\n'),
);
console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);

if (values.json !== undefined) {
  const json = results
    .filter((r) => r.budget !== null)
    .map((r) => ({
      id: r.id,
      ratio: r.ratio,
      budget: r.budget,
      detail: {
        unit: r.memory ? r.bytes!.unit : 'x primal',
        pass: r.pass,
        quick,
        size: r.size,
        ms: r.ms,
        baselineMs: r.baselineMs,
        error: r.error,
        tolerance: r.tolerance,
        tapeBytes: r.bytes,
        ...r.detail,
      },
    }));
  writeFileSync(values.json, `${JSON.stringify(json, null, 2)}\n`);
  console.log(`wrote ${values.json}`);
}
if (results.some((r) => !r.correct)) process.exitCode = 1;
