/**
 * `npx tsx --conditions=@wengert/source tools/bench/src/compile-table.ts [--quick] [--json FILE]`:
 * compiled kernels (issue 7) against the interpreter and the plain-JS primal, in one process.
 *
 * Rows (ratio = derivative time / plain-JS primal time, both timed here):
 * - `core.rosenbrock.vector.grad.compiled`: F = record(vector Rosenbrock, x0).compile() once (not
 *   timed), then F.gradient(x1) — replay + reverse sweep through the fused kernels;
 * - `core.rosenbrock.vector.grad.recorded`: the same recorded function without compile (interpreter);
 * - `core.asian.vector.grad.compiled` / `.recorded`: the same for the Asian option, vectorized over paths;
 * - the JVP (p = 1) of the compiled Rosenbrock, for the forward kernels;
 * - `sparse.bratu.N300.repeat.compiled` / `.interpreted` (and `.no-probe`): a prepared SparseJacobian of
 *   the vector Bratu residual (gathers of a padded copy inside the run) at a new point — replay,
 *   5 + 1 (probe) forward directions, decompression — with `compile` on (the default) and off; the
 *   ratio is to the plain-JS residual, as the suite's `sparse.bratu.N300.repeat`.
 * Compile time (analysis + code generation, ms) is printed next to each compiled row. Every compiled
 * result is checked bitwise against the interpreter's before timing.
 */
import { writeFileSync } from 'node:fs';
import { type RecordedFunction, record } from '@wengert/core';
import { prepareSparseJacobian } from '@wengert/sparse';
import { heatPlain, heatSteps } from '../../../packages/core/test/support/heat.js';
import { FULL_TIMING, measure, QUICK_TIMING, type Timing } from './harness.js';
import * as asian from './problems/asian.js';
import * as bratu from './problems/bratu.js';
import { splitmixNormals } from './problems/normals.js';
import * as rosen from './problems/rosenbrock.js';

const quick = process.argv.includes('--quick');
const jsonAt = process.argv.indexOf('--json');
const timing = quick ? QUICK_TIMING : FULL_TIMING;

interface Row {
  readonly id: string;
  readonly size: string;
  readonly ratio: number;
  readonly budget: number | null;
  readonly ms: number;
  readonly baselineMs: number;
  readonly compileMs?: number;
  readonly detail: Record<string, unknown>;
}

const rows: Row[] = [];

function bitwiseEqual(a: Float64Array | number, b: Float64Array | number): boolean {
  const A = typeof a === 'number' ? Float64Array.of(a) : a;
  const B = typeof b === 'number' ? Float64Array.of(b) : b;
  if (A.length !== B.length) return false;
  for (let i = 0; i < A.length; i++) if (!Object.is(A[i], B[i])) return false;
  return true;
}

function row(
  id: string,
  size: string,
  budget: number | null,
  base: Timing,
  t: Timing,
  compileMs: number | undefined,
  detail: Record<string, unknown>,
): void {
  const ratio = t.ms / base.ms;
  rows.push({ id, size, ratio, budget, ms: t.ms, baselineMs: base.ms, compileMs, detail });
  const c = compileMs === undefined ? '' : `, compile ${compileMs.toFixed(1)} ms`;
  console.log(`${id}: ${t.ms.toPrecision(3)} ms, primal ${base.ms.toPrecision(3)} ms, ratio ${ratio.toFixed(2)}${c}`);
}

function compileMsOf(F: RecordedFunction): number {
  const s = F.compileStats!;
  return s.analysisMs + s.codegenMs;
}

// ---------------------------------------------------------------------------------------------
// Rosenbrock, vector form

{
  const n = quick ? 100_000 : 1_000_000;
  const x0 = rosen.startPoint(n);
  const x1 = rosen.secondPoint(x0);
  const interp = record(rosen.rosenbrockVector, x0);
  const F = record(rosen.rosenbrockVector, x0).compile();
  const s = F.compileStats!;
  console.log(`Rosenbrock n = ${n}: ${JSON.stringify(s)}`);
  const g = F.gradient(x1) as Float64Array;
  if (!bitwiseEqual(g, interp.gradient(x1) as Float64Array)) throw new Error('rosenbrock: compiled gradient differs');
  const err = rosen.gradientError(g, rosen.analyticGradient(x1));
  const v = x1.map((_, i) => Math.cos(i));
  if (!bitwiseEqual(F.jvp(x1, v), interp.jvp(x1, v))) throw new Error('rosenbrock: compiled jvp differs');
  const base = measure(() => rosen.primal(x1), timing);
  const detail = { n, error: err, stats: s };
  row(
    'core.rosenbrock.vector.grad.compiled',
    String(n),
    2,
    base,
    measure(() => F.gradient(x1), timing),
    compileMsOf(F),
    detail,
  );
  row(
    'core.rosenbrock.vector.grad.recorded',
    String(n),
    null,
    base,
    measure(() => interp.gradient(x1), timing),
    undefined,
    { n },
  );
  row(
    'core.rosenbrock.vector.jvp.compiled',
    String(n),
    null,
    base,
    measure(() => F.jvp(x1, v), timing),
    compileMsOf(F),
    { n },
  );
  row(
    'core.rosenbrock.vector.jvp.recorded',
    String(n),
    null,
    base,
    measure(() => interp.jvp(x1, v), timing),
    undefined,
    { n },
  );
}

// ---------------------------------------------------------------------------------------------
// Asian option, vectorized over paths

{
  const paths = quick ? 2_000 : asian.PATHS;
  const Z = splitmixNormals(paths * asian.STEPS);
  const theta = asian.THETA0;
  const f = asian.asianVector(asian.columns(Z, paths));
  const interp = record(f, theta);
  const F = record(f, theta).compile();
  const s = F.compileStats!;
  console.log(`Asian ${paths} x ${asian.STEPS}: ${JSON.stringify(s)}`);
  const theta1 = Float64Array.of(101, 0.21, 0.049);
  const g = F.gradient(theta1) as Float64Array;
  if (!bitwiseEqual(g, interp.gradient(theta1) as Float64Array)) throw new Error('asian: compiled gradient differs');
  const size = `${paths}x${asian.STEPS}`;
  const base = measure(() => asian.primal(Z, paths, theta1), timing);
  const err = asian.gradientError(g, asian.handGradient(Z, paths, theta1));
  row(
    'core.asian.vector.grad.compiled',
    size,
    2,
    base,
    measure(() => F.gradient(theta1), timing),
    compileMsOf(F),
    {
      paths,
      errorVsHand: err,
      stats: s,
    },
  );
  row(
    'core.asian.vector.grad.recorded',
    size,
    null,
    base,
    measure(() => interp.gradient(theta1), timing),
    undefined,
    {
      paths,
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Sparse Jacobian of the Bratu residual (gathers inside the run), plan reused

{
  const N = quick ? 100 : 300;
  const u0 = bratu.bratuPoint(N);
  const u1 = bratu.bratuPoint(N, 1.5);
  const Fv = new Float64Array(N * N);
  const f = bratu.bratuVector(N);
  const R = record(f, u0).compile();
  const s = R.compileStats!;
  console.log(`Bratu N = ${N}: ${JSON.stringify(s)}`);
  const base = measure(() => bratu.bratuPlain(N, u1, Fv), timing);
  const size = `N=${N} (n=${N * N})`;
  for (const probe of [true, false]) {
    const sj = prepareSparseJacobian(f, u0, { probe });
    const si = prepareSparseJacobian(f, u0, { probe, compile: false });
    if (!sj.compiled || si.compiled) throw new Error('bratu: compile option not honoured');
    const A = sj.jacobian(u1);
    const B = si.jacobian(u1);
    if (!bitwiseEqual(A.values, B.values)) throw new Error('bratu: compiled Jacobian differs');
    const id = `sparse.bratu.N300.repeat${probe ? '' : '.no-probe'}`;
    row(
      `${id}.compiled`,
      size,
      probe ? 3 : null,
      base,
      measure(() => sj.jacobian(u1, A), timing),
      compileMsOf(R),
      {
        N,
        colors: sj.plan.colCount,
        probe,
        stats: s,
      },
    );
    row(
      `${id}.interpreted`,
      size,
      null,
      base,
      measure(() => si.jacobian(u1, B), timing),
      undefined,
      { N, probe },
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Memory planning: JVP (p = 4) of K explicit heat-equation steps (each step gathers the last
// step's output, so each is its own run); tangents in a planned arena against the tape-sized array.

{
  const n = quick ? 20_000 : 100_000;
  const K = 40;
  const p = 4;
  const heat = heatSteps(n, K);
  const x = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 50));
  const dirs = Array.from({ length: p }, (_, k) => Float64Array.from({ length: n }, (_, i) => Math.cos(i * (k + 1))));
  const planned = record(heat, x).compile();
  const unplanned = record(heat, x).compile({ planMemory: false });
  const interp = record(heat, x);
  const ref = interp.jvp(x, dirs);
  for (const F of [planned, unplanned]) {
    const got = F.jvp(x, dirs);
    if (!got.every((g, k) => bitwiseEqual(g, ref[k]!))) throw new Error('heat: compiled JVP differs');
  }
  const slots = (interp as unknown as { rec: { tape: { slots: { size: number } } } }).rec.tape.slots.size;
  const arena = planned.compileStats!.tangentArena;
  console.log(`Heat n = ${n}, K = ${K}: tangent arena ${arena} slots (× ${p}) vs tape ${slots} slots`);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const base = measure(() => heatPlain(n, K, x, a, b), timing);
  const size = `n=${n}, K=${K}, p=${p}`;
  const detail = {
    n,
    K,
    p,
    tangentArenaSlots: arena,
    tapeSlots: slots,
    arenaMB: (arena * p * 8) / 2 ** 20,
    tapeMB: (slots * p * 8) / 2 ** 20,
  };
  row(
    'core.heat.jvp4.planned',
    size,
    null,
    base,
    measure(() => planned.jvp(x, dirs), timing),
    compileMsOf(planned),
    detail,
  );
  row(
    'core.heat.jvp4.unplanned',
    size,
    null,
    base,
    measure(() => unplanned.jvp(x, dirs), timing),
    compileMsOf(unplanned),
    detail,
  );
  row(
    'core.heat.jvp4.interpreted',
    size,
    null,
    base,
    measure(() => interp.jvp(x, dirs), timing),
    undefined,
    detail,
  );
  // The reverse sweep (q = 2 cotangents) plans its adjoints the same way.
  const cots = dirs.slice(0, 2);
  const rref = interp.vjp(x, cots);
  for (const F of [planned, unplanned]) {
    const got = F.vjp(x, cots);
    if (!got.every((g, k) => bitwiseEqual(g, rref[k]!))) throw new Error('heat: compiled VJP differs');
  }
  const adjArena = planned.compileStats!.adjointArena;
  console.log(`Heat: adjoint arena ${adjArena} slots (× 2) vs tape ${slots} slots`);
  const rdetail = { n, K, q: 2, adjointArenaSlots: adjArena, tapeSlots: slots };
  const rsize = `n=${n}, K=${K}, q=2`;
  const vjpRow = (id: string, F: RecordedFunction, compiled: boolean) =>
    row(
      id,
      rsize,
      null,
      base,
      measure(() => F.vjp(x, cots), timing),
      compiled ? compileMsOf(F) : undefined,
      rdetail,
    );
  vjpRow('core.heat.vjp2.planned', planned, true);
  vjpRow('core.heat.vjp2.unplanned', unplanned, true);
  vjpRow('core.heat.vjp2.interpreted', interp, false);
}

console.log('\n| benchmark | size | ratio | budget | compile ms |');
console.log('|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.id} | ${r.size} | ${r.ratio.toFixed(2)} | ${r.budget ?? '–'} | ${r.compileMs === undefined ? '–' : r.compileMs.toFixed(1)} |`,
  );
}
if (jsonAt > 0) writeFileSync(process.argv[jsonAt + 1]!, JSON.stringify(rows, null, 2));
