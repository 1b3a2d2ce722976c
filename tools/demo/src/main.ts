/**
 * Wengert demo (`pnpm demo`): a tour of the packages.
 *
 *   1. the gradient of a residual norm ½‖F(u)‖² for the 2D Bratu problem (a small CFD-like PDE),
 *   2. the Jacobian of that residual at a small size, against the analytic one,
 *   3. the sparse Jacobian at a real size (pattern from the tape, 5 colors) driving Newton with a sparse LU,
 *   4. a function recorded once and re-evaluated at new points, with its branch report,
 *   5. second derivatives (HVP, sparse Hessian) and a checkpointed time integration,
 *   6. a quick benchmark summary (the real figures come from `pnpm bench`).
 */
import {
  type ActiveVec,
  add,
  BranchChangeError,
  type CheckpointStats,
  checkJvp,
  checkpointedLoop,
  concat,
  div,
  dot,
  exp,
  gather,
  grad,
  jacobian,
  lt,
  mul,
  pow,
  type Real,
  record,
  slice,
  square,
  sub,
  sum,
  type Value,
  type Vec,
} from '@wengert/core';
import { hessian, hvp, prepareSparseHessian } from '@wengert/higher-order';
import { prepareSparseJacobian, SparseLU } from '@wengert/sparse';
import { runSuite } from '../../bench/src/suite.js';

const LAMBDA = 6;

/**
 * The Bratu residual F(u) = −Δu − λ eᵘ on an N × N interior grid with zero boundary values
 * (BENCHMARKS.md §3), in vector ops. The five-point Laplacian gathers each neighbour from [u, 0]:
 * index N² stands for the boundary. The same code runs on plain arrays (nothing recorded) and
 * on active vectors (recorded).
 */
function bratuResidual(N: number): (u: Vec) => Vec {
  const h = 1 / (N + 1);
  const neighbour = (di: number, dj: number) =>
    Int32Array.from({ length: N * N }, (_, k) => {
      const i = Math.floor(k / N) + di;
      const j = (k % N) + dj;
      return i >= 0 && i < N && j >= 0 && j < N ? i * N + j : N * N;
    });
  const stencil = [neighbour(-1, 0), neighbour(1, 0), neighbour(0, -1), neighbour(0, 1)];
  return (u) => {
    const padded = concat([u, 0]);
    // The op signatures return Value (scalar or vector); with a vector operand the result is a vector.
    let lap = mul(4, u) as Vec;
    for (const idx of stencil) lap = sub(lap, gather(padded, idx)) as Vec;
    return sub(mul(lap, 1 / (h * h)), mul(LAMBDA, exp(u))) as Vec;
  };
}

/** The base point u0[i, j] = x_i (1 − x_i) y_j (1 − y_j). */
function bratuStart(N: number): Float64Array {
  const h = 1 / (N + 1);
  return Float64Array.from({ length: N * N }, (_, k) => {
    const x = (Math.floor(k / N) + 1) * h;
    const y = ((k % N) + 1) * h;
    return x * (1 - x) * y * (1 - y);
  });
}

/** Analytic Jacobian entry (k, l): 4/h² − λ e^{u_k} on the diagonal, −1/h² between grid neighbours. */
function bratuJacobianEntry(N: number, u: Float64Array, k: number, l: number): number {
  const h2 = 1 / (N + 1) ** 2;
  if (k === l) return 4 / h2 - LAMBDA * Math.exp(u[k]!);
  const distance = Math.abs(Math.floor(k / N) - Math.floor(l / N)) + Math.abs((k % N) - (l % N));
  return distance === 1 ? -1 / h2 : 0;
}

/** max |a − b| / max |b|. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return err / scale;
}

const heading = (title: string) => console.log(`\n${title}\n${'─'.repeat(title.length)}`);
const sci = (v: number) => v.toExponential(1);

function residualNormGradient(N: number): void {
  const n = N * N;
  heading(`1. Gradient of ½‖F(u)‖² for the Bratu residual on a ${N} × ${N} grid (n = ${n})`);
  const F = bratuResidual(N);
  const loss = (u: ActiveVec): Real => {
    const r = F(u);
    return mul(0.5, dot(r, r));
  };
  const u0 = bratuStart(N);
  const g = grad(loss)(u0);

  // Check 1, all components: ∇(½‖F‖²) = Jᵀ F, with the analytic J.
  const Fu = F(u0) as Float64Array; // plain arrays in, plain arrays out: nothing is recorded
  const jtf = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    // Column k of J has nonzeros in row k and the rows of k's grid neighbours only.
    for (const l of [k - N, k + N, k - 1, k + 1, k]) {
      if (l >= 0 && l < n) jtf[k] += bratuJacobianEntry(N, u0, l, k) * Fu[l]!;
    }
  }
  console.log(`max|F(u0)| = ${Math.max(...Fu.map(Math.abs))}  (BENCHMARKS.md: 5.8809801099153258)`);
  console.log(`grad(loss)(u0) vs the analytic Jᵀ F: max rel err ${sci(relativeError(g, jtf))}`);

  // Check 2, a few components: directional derivatives along e_k against finite differences.
  for (const k of [0, N + 1, n >> 1]) {
    const ek = new Float64Array(n);
    ek[k] = 1;
    const c = checkJvp(loss, u0, ek);
    console.log(`  ∂loss/∂u[${k}]: AD ${c.ad[0]!.toPrecision(12)}, finite differences ${c.fd[0]!.toPrecision(12)}`);
  }
}

function residualJacobian(N: number): void {
  heading(`2. Jacobian of the Bratu residual at N = ${N}: dense ${N * N} × ${N * N} by jacobian`);
  const u0 = bratuStart(N);
  const J = jacobian(bratuResidual(N))(u0);
  const exact = J.data.map((_, e) => bratuJacobianEntry(N, u0, Math.floor(e / J.cols), e % J.cols));
  const nnz = J.data.reduce((count, v) => count + (v !== 0 ? 1 : 0), 0);
  console.log(
    `nnz = ${nnz} (5N² − 4N = ${5 * N * N - 4 * N}); max error vs analytic / max|J| = ${sci(relativeError(J.data, exact))}`,
  );
  const k = 2 * N + 2; // an interior point: five nonzeros
  const row = Array.from(J.data.subarray(k * J.cols, (k + 1) * J.cols));
  console.log(`row ${k}: ${row.flatMap((v, l) => (v !== 0 ? [`J[${k},${l}] = ${v.toFixed(3)}`] : [])).join(', ')}`);
}

function sparseNewton(N: number): void {
  heading(
    `3. Sparse Jacobian at N = ${N} (${N * N} unknowns): pattern from the tape, colored, then Newton with a sparse LU`,
  );
  const F = bratuResidual(N);
  let u = new Float64Array(N * N);
  let t0 = performance.now();
  const J = prepareSparseJacobian(F, u);
  const prepMs = performance.now() - t0;
  const { plan } = J;
  console.log(
    `plan: ${plan.nnz} nonzeros (5N² − 4N = ${5 * N * N - 4 * N}), ${plan.colCount} colors (${plan.ordering}), ${plan.mode} mode, ` +
      `fingerprint ${plan.fingerprint}; detect + color ${prepMs.toFixed(1)} ms`,
  );
  let A = J.jacobian(u);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < A.rows; i++) {
    for (let k = A.rowPtr[i]!; k < A.rowPtr[i + 1]!; k++) {
      const ref = bratuJacobianEntry(N, u, i, A.colIdx[k]!);
      worst = Math.max(worst, Math.abs(A.values[k]! - ref));
      scale = Math.max(scale, Math.abs(ref));
    }
  }
  console.log(
    `J(0) against the analytic Jacobian: max error / max|J| = ${sci(worst / scale)} ` +
      (J.elementJacobian
        ? '(an element Jacobian: the residual is a stencil, so one pass replays F and writes J entry by entry)'
        : '(the probe checked J·r against a JVP)'),
  );
  const lu = SparseLU.factor(A);
  for (let it = 0; it < 8; it++) {
    const r = J.value(u) as Float64Array;
    const norm = r.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    console.log(`  Newton ${it}: max|F(u)| = ${sci(norm)}`);
    if (norm < 1e-9) break;
    t0 = performance.now();
    A = J.jacobian(u, A);
    const jacMs = performance.now() - t0;
    lu.refactor(A);
    const du = lu.solve(r);
    u = u.map((v, i) => v - du[i]!);
    if (it === 0)
      console.log(
        `    (each step: sparse Jacobian ${jacMs.toFixed(1)} ms in place, LU refactor with the same ordering)`,
      );
  }
  console.log(`u_max = ${u.reduce((m, v) => Math.max(m, v), 0).toFixed(6)} (Bratu, λ = 6: lower branch)`);
}

function recordedFunctionWithBranches(): void {
  heading('4. Record once, evaluate anywhere: pipe pressure drop with a laminar/turbulent branch');
  const RHO = 1000; // water, kg/m³
  const MU = 1e-3; // Pa·s
  /** Darcy–Weisbach pressure drop [Pa/m] for p = [velocity m/s, diameter m]. */
  const pressureDrop = (p: ActiveVec): Real => {
    const v = p.at(0);
    const D = p.at(1);
    const Re = div(mul(RHO, mul(v, D)), MU);
    // An ordinary `if`: lt records the comparison, so a replay can tell when it would flip.
    const friction = lt(Re, 2300) ? div(64, Re) : mul(0.316, pow(Re, -0.25));
    return mul(div(friction, D), mul(0.5 * RHO, mul(v, v)));
  };
  const point = (v: number) => Float64Array.of(v, 0.01);
  const F = record(pressureDrop, point(0.1));
  const { instructions, comparisons } = F.stats();
  console.log(
    `recorded at v = 0.1 m/s, D = 1 cm (Re = 1000, laminar): ${instructions} instructions, ${comparisons} comparison`,
  );

  for (const v of [0.15, 1]) {
    const [value, gradient] = F.valueAndGradient(point(v)) as [number, Float64Array];
    const { changed, first } = F.branchReport;
    console.log(`  at v = ${v} m/s (Re = ${v * 1e4}): Δp/L = ${value.toFixed(2)} Pa/m, ∇ = [${gradient.join(', ')}]`);
    if (first === undefined) {
      const fresh = grad(pressureDrop)(point(v));
      console.log(
        `    ${changed} branch changes: the tape is valid here (same as a fresh grad: ${fresh.every((d, i) => d === gradient[i])})`,
      );
    } else {
      console.log(
        `    ${changed} branch change: comparison #${first.index} '${first.operator}' was ${first.recorded} when recorded;`,
      );
      console.log(
        `    the tape still holds the laminar formula. Recording again: Δp/L = ${record(pressureDrop, point(v)).value(point(v))} Pa/m`,
      );
    }
  }
  try {
    record(pressureDrop, point(0.1), { strict: true }).value(point(1));
  } catch (err) {
    if (!(err instanceof BranchChangeError)) throw err;
    console.log(`  with { strict: true } the replay throws a BranchChangeError instead`);
  }
}

function secondOrderAndMemory(): void {
  heading('5. Second derivatives and long loops: an HVP, a Hessian, a checkpointed time integration');
  // The residual norm again: H·v by one combined forward-over-reverse sweep, checked against the dense Hessian.
  const N = 4;
  const F = bratuResidual(N);
  const loss = (u: ActiveVec): Real => mul(0.5, sum(square(F(u))));
  const u0 = bratuStart(N);
  const v = Float64Array.from({ length: N * N }, (_, i) => Math.sin(i + 1));
  const Hv = hvp(loss, u0, v);
  const H = hessian(loss)(u0);
  const dense = Float64Array.from({ length: N * N }, (_, i) =>
    H.data.subarray(i * N * N, (i + 1) * N * N).reduce((s, h, j) => s + h * v[j]!, 0),
  );
  console.log(
    `hvp(½‖F‖², u0, v) vs the dense Hessian times v (N = ${N}): max rel err ${relativeError(Hv, dense).toExponential(1)}`,
  );
  // The sparse Hessian of the same loss on a 30 × 30 grid: JᵀJ + Σ F_i ∇²F_i has a 13-point pattern.
  const N2 = 30;
  const F2 = bratuResidual(N2);
  const loss2 = (u: ActiveVec): Real => mul(0.5, sum(square(F2(u))));
  const SH = prepareSparseHessian(loss2, bratuStart(N2));
  const Hs = SH.hessian(bratuStart(N2));
  const probe = Float64Array.from({ length: N2 * N2 }, (_, i) => Math.cos(i));
  console.log(
    `sparse Hessian of ½‖F‖² at N = ${N2}: ${Hs.nnz} nonzeros from ${SH.plan.count} HVPs (${SH.plan.method} coloring); ` +
      `H·w vs hvp: max rel err ${relativeError(Hs.matvec(probe), hvp(loss2, bratuStart(N2), probe)).toExponential(1)}`,
  );
  // A heat equation integrated for 5000 steps, differentiated with 20 stored states instead of the whole trajectory.
  const n = 500;
  const steps = 5000;
  const step = (u: Vec, alpha: Value): Vec => {
    const left = concat([0, slice(u, 0, n - 1)]);
    const right = concat([slice(u, 1, n), 0]);
    return add(u, mul(alpha, sub(add(left, right), mul(2, u))));
  };
  const x0 = Float64Array.from({ length: n }, (_, i) => Math.sin((Math.PI * (i + 1)) / (n + 1)));
  const stats = {} as CheckpointStats;
  const ck = grad((u: ActiveVec) =>
    sum(square(checkpointedLoop(step, u, steps, { snapshots: 20, params: 0.25, stats }))),
  )(x0);
  const plainLoss = (u: ActiveVec): Real => {
    let x: Vec = u;
    for (let k = 0; k < steps; k++) x = step(x, 0.25);
    return sum(square(x));
  };
  const plain = grad(plainLoss)(x0);
  const plainBytes = record(plainLoss, x0).stats().usedBytes;
  console.log(
    `checkpointed gradient (${steps} steps, 20 snapshots) vs the plain tape: max rel err ${relativeError(ck, plain).toExponential(1)}; ` +
      `memory ${((stats.peakBytes / plainBytes) * 100).toFixed(2)} % of the plain tape, ${stats.recomputedSteps} steps recomputed`,
  );
}

function benchmarkSummary(): void {
  heading(
    '6. Benchmarks, QUICK mode: reduced sizes, short timings (indicative only; run `pnpm bench` for real figures)',
  );
  for (const r of runSuite({ quick: true })) {
    const versus = r.id.startsWith('core.checkpoint')
      ? 'plain tape'
      : r.id.endsWith('over-grad')
        ? 'gradient'
        : r.id.startsWith('sparse.coloring')
          ? 'ColPack'
          : r.id.startsWith('ho.sparse-hessian')
            ? 'one HVP'
            : 'primal';
    const figure = r.memory
      ? r.bytes!.unit === 'of plain'
        ? `${r.ratio.toExponential(1)} of plain`
        : `${r.ratio.toFixed(1)} ${r.bytes!.unit}`
      : `${r.ratio.toFixed(1)}× ${versus}`;
    const budget =
      r.budget === null
        ? r.id.startsWith('js.')
          ? 'hand-coded JS, for scale'
          : 'reference row, no budget'
        : `budget ${r.budget}${r.memory ? '' : '×'}${r.pass ? '' : ' (over)'}`;
    console.log(`  ${r.id.padEnd(46)} ${r.size.padEnd(22)} ${figure.padStart(14)}   ${budget}`);
  }
  console.log(
    'Ratio = derivative time / the named baseline (plain-JS primal unless stated), both measured just now in this process.',
  );
}

console.log('Wengert demo: exact derivatives of ordinary TypeScript code with @wengert/core');
residualNormGradient(30);
residualJacobian(6);
sparseNewton(100);
recordedFunctionWithBranches();
secondOrderAndMemory();
benchmarkSummary();
