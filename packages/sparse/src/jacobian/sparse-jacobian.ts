/**
 * Compressed sparse Jacobians: record f once, read its pattern from the tape, color it, then at
 * every point evaluate J with one vector-forward sweep over all column colors at once (or one
 * vector-reverse sweep over the row colors, or both for a bicoloring) and decompress into CSR.
 *
 * The seed matrix S (n × p, S[j][c] = 1 when column j has color c) turns J into B = J·S with
 * B[i][c] = J[i][j] for the only column j of row i with color c (that is what the coloring
 * guarantees), so decompression is a gather through a precomputed index map: one pass over the
 * nonzeros, no allocation (Curtis, Powell & Reid 1974; Coleman & Moré 1983).
 *
 * Soundness probe: one extra random direction r rides along in the same sweep; the decompressed J
 * times r must equal the directional derivative J·r. A pattern that misses an entry at this point
 * (a local pattern where another branch is now taken, a plan made for another function) puts that
 * entry's value on the wrong column, and the probe throws instead of returning a wrong Jacobian.
 */
import { ShapeError, TapeReleasedError } from '@wengert/core';
import {
  compileRecording,
  describeValue,
  inputCount,
  jvpFloat,
  moveTo,
  moveToWithLanes,
  outputCount,
  outputValues,
  type Recording,
  recordCall,
  vjpFloat,
} from '@wengert/core/internals';
import type { ColoringOptions } from '../coloring/types.js';
import { jacobianPatternOf, patternMode, requireVectorPoint, type SparsityOptions } from '../detect/sparsity.js';
import { PlanMismatchError, SparsityProbeError } from '../errors.js';
import { type TransposedStructure, transposeStructure } from '../matrix/convert.js';
import { type CscMatrix, cscFromParts } from '../matrix/csc.js';
import { type CooTriplets, type CsrMatrix, csrFromParts } from '../matrix/csr.js';
import { patternFingerprint, patternsEqual } from '../pattern/pattern.js';
import { type PreparedRecovery, prepareBicoloredRecovery } from '../recovery/recover.js';
import { lanePositions } from './lanes.js';
import { type JacobianMode, planSparseJacobian, SparseJacobianPlan, type SparseJacobianPlanData } from './plan.js';

/** Options of `prepareSparseJacobian` and `sparseJacobian`. */
export interface SparseJacobianOptions extends SparsityOptions {
  /** Sweep direction (default `'auto'`, see `PlanOptions.mode`). Ignored when `plan` is given. */
  readonly mode?: 'auto' | JacobianMode;
  /** Coloring options (ordering, seed, improvement pass). Ignored when `plan` is given. */
  readonly coloring?: ColoringOptions;
  /**
   * A plan made before (or its JSON form): coloring is skipped. The pattern is still read from the
   * tape and must equal the plan's, else PlanMismatchError.
   */
  readonly plan?: SparseJacobianPlan | SparseJacobianPlanData;
  /**
   * Run the soundness probe with every compressed Jacobian (default true; costs one extra sweep
   * direction). Not run where J is computed entry by entry (`SparseJacobian.elementJacobian`).
   */
  readonly probe?: boolean;
  /**
   * Compile the recording's runs of vector instructions into fused kernels (core's `compile`,
   * bit-identical results) for the replays and sweeps at new points. Default true; a one-shot
   * `sparseJacobian` compiles only vector code (≥ 64 slots per instruction), where even its single
   * sweep gains.
   */
  readonly compile?: boolean;
  /**
   * Throw BranchChangeError when a comparison recorded on the tape goes the other way at a new
   * point (default true: the Jacobian of the other branch is not this tape's). Only local
   * patterns allow comparisons at all.
   */
  readonly strict?: boolean;
}

/** Relative tolerance of the probe: rounding of a sum of nnz products stays far below it. */
const PROBE_RTOL = 1e-8;
/**
 * And a floor: an entry that cancels to (almost) 0 — d/dx of (g/x)·x — carries rounding of the size of
 * its terms, not of itself, and would otherwise trip the row's relative test (found by the random
 * stencils of test/lanes.test.ts). The floor is this fraction of the larger of the largest row (column)
 * scale of the check and max|f| / max(1, max|x|), the Jacobian's natural size when every entry cancels.
 */
const PROBE_FLOOR = 1e-12;

/** A function recorded once with its sparse-Jacobian plan; values and Jacobians at new points by replay. */
export class SparseJacobian {
  /** The plan (pattern, mode, coloring); `plan.toJSON()` stores it. */
  readonly plan: SparseJacobianPlan;
  /** Number of inputs (columns of J). */
  readonly inputLength: number;
  /** Number of outputs (rows of J). */
  readonly outputLength: number;
  private readonly rec: Recording;
  private readonly probe: boolean;
  private readonly strict: boolean;
  private readonly fwdSeeds: Float64Array[];
  private readonly revSeeds: Float64Array[];
  /** Decompression map: values[k] = compressed[map[k]] (forward and reverse modes). */
  private readonly map: Int32Array;
  private readonly r: Float64Array;
  private readonly w: Float64Array;
  /** Forward mode: the seeds plus the probe direction, and the compressed block they fill (reused). */
  private readonly fwdAll: Float64Array[];
  private readonly fwdBlock: Float64Array;
  /** Bidirectional mode: the prepared Coleman–Verma recovery. */
  private readonly bicolored: PreparedRecovery | undefined;
  /**
   * Forward mode on compiled stencil-shaped code: where core's lane kernel writes each input
   * access's derivative (`lanes.ts`); J then comes from one pass with the replay, no compression.
   */
  private readonly lanes: Int32Array[] | undefined;
  private changed = 0;
  private released = false;

  /** @internal use `prepareSparseJacobian`. */
  constructor(
    rec: Recording,
    plan: SparseJacobianPlan,
    probe: boolean,
    strict: boolean,
    oneShot = false,
    compile = true,
  ) {
    this.rec = rec;
    // Swept at many points: one copy into flat arrays makes every later replay cheaper (as core's
    // record()), and compiled kernels pay off. A one-shot Jacobian of vector code (long runs per
    // instruction) still gains a little in its single sweep (Bratu N = 300: first call 92 → 86–90
    // primals; a fresh kernel starts in V8's interpreter, so most of the fused speed is not seen once);
    // a one-shot of scalar code would only pay for the copy.
    const vectorCode = rec.tape.nInstr * 64 <= rec.tape.slots.size;
    if (!oneShot || (compile && vectorCode)) {
      rec.tape.slots.consolidate();
      rec.tape.consts.consolidate();
      // saveExpensive: exp and friends are stored by the value kernel instead of recomputed by the
      // tangent kernel (measured: about one primal saved per Bratu Jacobian).
      if (compile) compileRecording(rec, { saveExpensive: true });
    }
    this.plan = plan;
    // The lane kernel pays for itself from the second Jacobian on: a one-shot Jacobian (whose tape
    // already holds the values) keeps the compressed sweep, 2 ms (4.7 primals) cheaper at Bratu N = 300.
    this.lanes = plan.mode === 'forward' && !oneShot ? lanePositions(rec, plan.pattern) : undefined;
    this.probe = probe;
    this.strict = strict;
    this.inputLength = inputCount(rec);
    this.outputLength = outputCount(rec);
    const { pattern, mode, colColors, rowColors, colCount, rowCount } = plan;
    const n = pattern.cols;
    const m = pattern.rows;
    // Probe directions: deterministic pseudo-random entries of both signs, away from 0.
    this.r = probeVector(n, 0x9e3779b9);
    this.w = probeVector(m, 0x85ebca6b);
    const withProbe = (count: number): number => count + (probe ? 1 : 0);
    this.fwdSeeds = [];
    this.revSeeds = [];
    if (mode !== 'reverse') {
      for (let c = 0; c < colCount; c++) this.fwdSeeds.push(new Float64Array(n));
      for (let j = 0; j < n; j++) if (colColors![j]! >= 0) this.fwdSeeds[colColors![j]!]![j] = 1;
    }
    if (mode !== 'forward') {
      for (let c = 0; c < rowCount; c++) this.revSeeds.push(new Float64Array(m));
      for (let i = 0; i < m; i++) if (rowColors![i]! >= 0) this.revSeeds[rowColors![i]!]![i] = 1;
    }
    this.fwdAll = probe && mode === 'forward' ? [...this.fwdSeeds, this.r] : this.fwdSeeds;
    this.fwdBlock = new Float64Array(mode === 'forward' ? m * this.fwdAll.length : 0);
    this.bicolored =
      mode === 'bidirectional'
        ? prepareBicoloredRecovery(pattern, {
            rowColors: rowColors!,
            colColors: colColors!,
            rowCount,
            colCount,
            ordering: plan.ordering,
          })
        : undefined;
    const nnz = plan.nnz;
    this.map = new Int32Array(mode === 'bidirectional' ? 0 : nnz);
    const { rowPtr, colIdx } = pattern;
    if (mode === 'forward') {
      const P = withProbe(colCount);
      for (let i = 0; i < m; i++)
        for (let k = rowPtr[i]!; k < rowPtr[i + 1]!; k++) this.map[k] = i * P + colColors![colIdx[k]!]!;
    } else if (mode === 'reverse') {
      const Q = withProbe(rowCount);
      for (let i = 0; i < m; i++)
        for (let k = rowPtr[i]!; k < rowPtr[i + 1]!; k++) this.map[k] = colIdx[k]! * Q + rowColors![i]!;
    }
  }

  /** Returns the tape's memory to the pool; the object cannot be used afterwards. */
  release(): void {
    this.released = true;
    this.rec.tape.recycle();
  }

  private move(x: Float64Array, who: string): void {
    if (this.released) throw new TapeReleasedError(`${who}: this SparseJacobian (released)`);
    this.changed = moveTo(this.rec, x, who, this.strict).changed;
  }

  /** True when compiled kernels run this Jacobian's replays and sweeps. */
  get compiled(): boolean {
    const c = this.rec.compiled;
    return c?.stats.compiled === true && c.usable();
  }

  /**
   * True when J comes from core's lane kernel: a forward-mode plan of compiled stencil-shaped code
   * (the input, constants and concatenations, then one fused run making the output), every input
   * access of a row in the pattern and no two on one column. The kernel replays the values and
   * writes each entry's derivative straight into the CSR values in one pass — bit for bit the
   * compressed sweep's numbers, with no compression (so there is nothing for the probe to check).
   */
  get elementJacobian(): boolean {
    return this.lanes !== undefined && this.compiled;
  }

  /** Recorded comparisons that went the other way at the last point (0 unless strict is off). */
  get branchChanges(): number {
    return this.changed;
  }

  /** f(x) by replay. */
  value(x: Float64Array): Float64Array {
    this.move(x, 'value');
    return outputValues(this.rec);
  }

  /**
   * J(x) in CSR form. With `out` (a matrix this object returned before, or any CsrMatrix with the
   * plan's pattern) the values are written in place and nothing is allocated for the result.
   */
  jacobian(x: Float64Array, out?: CsrMatrix): CsrMatrix {
    const who = 'jacobian';
    const pattern = this.plan.pattern;
    if (
      out !== undefined &&
      !(out.rowPtr === pattern.rowPtr && out.colIdx === pattern.colIdx) &&
      !patternsEqual(out.pattern, pattern)
    ) {
      throw new ShapeError(
        `${who}: out`,
        `a CsrMatrix with the plan's pattern (${pattern.rows} × ${pattern.cols}, nnz ${this.plan.nnz})`,
        describeValue(out),
      );
    }
    const values = out?.values ?? new Float64Array(this.plan.nnz);
    this.evaluateAt(x, values, who);
    return out ?? csrFromParts(pattern, values);
  }

  /**
   * J(x) in CSC form (the structure computed once and shared by every result); with `out` (a
   * matrix this object returned before) the values are written in place without allocating.
   */
  jacobianCsc(x: Float64Array, out?: CscMatrix): CscMatrix {
    const t = this.cscStructure();
    if (out !== undefined && !(out.colPtr === t.ptr && out.rowIdx === t.idx)) {
      throw new ShapeError('jacobianCsc: out', 'a CscMatrix returned by this SparseJacobian', describeValue(out));
    }
    const csr = this.valuesAt(x, 'jacobianCsc');
    const values = out?.values ?? new Float64Array(this.plan.nnz);
    const map = t.map;
    for (let q = 0; q < map.length; q++) values[q] = csr[map[q]!]!;
    return out ?? cscFromParts(this.plan.rows, this.plan.cols, t.ptr, t.idx, values);
  }

  /** J(x) as COO triplets in row-major order (index arrays shared by every result; `out` reused in place). */
  jacobianCoo(x: Float64Array, out?: CooTriplets): CooTriplets {
    const { rowIndex, colIndex } = this.cooIndices();
    if (out !== undefined && !(out.rowIndex === rowIndex && out.colIndex === colIndex)) {
      throw new ShapeError('jacobianCoo: out', 'COO triplets returned by this SparseJacobian', describeValue(out));
    }
    const values = out?.values ?? new Float64Array(this.plan.nnz);
    values.set(this.valuesAt(x, 'jacobianCoo'));
    return out ?? { rowIndex, colIndex, values };
  }

  /** J(x) dense, row-major (rows × cols); with `out` (a Float64Array of that length) written in place. */
  jacobianDense(x: Float64Array, out?: Float64Array): Float64Array {
    const { rows, cols } = this.plan;
    if (out !== undefined && (!(out instanceof Float64Array) || out.length !== rows * cols)) {
      throw new ShapeError('jacobianDense: out', `a Float64Array of length ${rows * cols}`, describeValue(out));
    }
    const csr = this.valuesAt(x, 'jacobianDense');
    const D = out ?? new Float64Array(rows * cols);
    if (out !== undefined) D.fill(0);
    const { rowPtr, colIdx } = this.plan.pattern;
    for (let i = 0; i < rows; i++) for (let k = rowPtr[i]!; k < rowPtr[i + 1]!; k++) D[i * cols + colIdx[k]!] = csr[k]!;
    return D;
  }

  private csc: TransposedStructure | undefined;
  private coo: { rowIndex: Int32Array; colIndex: Int32Array } | undefined;
  private scratch: Float64Array | undefined;

  /** CSR-order values at x in a scratch array owned by this object. */
  private valuesAt(x: Float64Array, who: string): Float64Array {
    this.scratch ??= new Float64Array(this.plan.nnz);
    this.evaluateAt(x, this.scratch, who);
    return this.scratch;
  }

  /**
   * Moves the tape to x and fills values (pattern order) with J(x): by the lane kernel in the same
   * pass when there is one (exact entry by entry: no compression, so no probe), else by the
   * compressed sweeps.
   */
  private evaluateAt(x: Float64Array, values: Float64Array, who: string): void {
    if (this.lanes === undefined) {
      this.move(x, who);
      this.evaluateCurrent(values);
      return;
    }
    if (this.released) throw new TapeReleasedError(`${who}: this SparseJacobian (released)`);
    const r = moveToWithLanes(this.rec, x, who, this.strict, values, this.lanes);
    this.changed = r.changed;
    if (!r.done) this.evaluateCurrent(values);
  }

  private cscStructure(): TransposedStructure {
    const p = this.plan.pattern;
    this.csc ??= transposeStructure(p.rows, p.cols, p.rowPtr, p.colIdx);
    return this.csc;
  }

  private cooIndices(): { rowIndex: Int32Array; colIndex: Int32Array } {
    if (this.coo === undefined) {
      const p = this.plan.pattern;
      const rowIndex = new Int32Array(this.plan.nnz);
      for (let i = 0; i < p.rows; i++) rowIndex.fill(i, p.rowPtr[i]!, p.rowPtr[i + 1]!);
      this.coo = { rowIndex, colIndex: p.colIdx };
    }
    return this.coo;
  }

  /** @internal Fills values (pattern order) with J at the tape's current point (no replay). */
  evaluateCurrent(values: Float64Array): void {
    const { mode, colCount, rowCount } = this.plan;
    const map = this.map;
    if (mode === 'forward') {
      if (this.fwdAll.length === 0) return;
      // The compressed block is reused: the sweep writes it in place.
      const B = jvpFloat(this.rec, this.fwdAll, this.fwdBlock);
      if (this.probe) this.checkForward(values, B, colCount + 1, colCount, map);
      else for (let k = 0; k < values.length; k++) values[k] = B[map[k]!]!;
      return;
    }
    if (mode === 'reverse') {
      const C =
        rowCount + (this.probe ? 1 : 0) > 0
          ? vjpFloat(this.rec, this.probe ? [...this.revSeeds, this.w] : this.revSeeds)
          : new Float64Array(0);
      for (let k = 0; k < values.length; k++) values[k] = C[map[k]!]!;
      if (this.probe) this.checkReverse(values, C, rowCount + 1, rowCount);
      return;
    }
    const B = colCount > 0 ? jvpFloat(this.rec, this.fwdSeeds) : new Float64Array(0);
    const C = rowCount > 0 ? vjpFloat(this.rec, this.revSeeds) : new Float64Array(0);
    this.bicolored!.recover(B, values, C);
    if (this.probe) this.checkForward(values, jvpFloat(this.rec, [this.r]), 1, 0);
  }

  /**
   * Compares J·r, formed from the decompressed values, with the swept JVP stored at column `at`
   * of B (width directions per row). With `map`, the values are decompressed from B in the same
   * pass (forward mode: one sweep over the nonzeros for both).
   */
  private checkForward(values: Float64Array, B: Float64Array, width: number, at: number, map?: Int32Array): void {
    const { rowPtr, colIdx } = this.plan.pattern;
    const r = this.r;
    const rows = this.plan.rows;
    // Per row: the discrepancy beyond the relative tolerance, then the floor from the largest scale.
    this.probeScratch ??= new Float64Array(rows);
    const excess = this.probeScratch;
    let maxScale = 0;
    for (let i = 0; i < rows; i++) {
      let s = 0;
      let a = 0;
      const k0 = rowPtr[i]!;
      const k1 = rowPtr[i + 1]!;
      if (map !== undefined) for (let k = k0; k < k1; k++) values[k] = B[map[k]!]!;
      for (let k = k0; k < k1; k++) {
        const t = values[k]! * r[colIdx[k]!]!;
        s += t;
        a += Math.abs(t);
      }
      const jr = B[i * width + at]!;
      const scale = a + Math.abs(jr);
      excess[i] = Math.abs(s - jr) - PROBE_RTOL * scale;
      if (scale > maxScale) maxScale = scale;
    }
    const floor = PROBE_FLOOR * Math.max(maxScale, this.naturalScale());
    let worst = -1;
    for (let i = 0; i < rows; i++) if (excess[i]! > floor && (worst < 0 || excess[i]! > excess[worst]!)) worst = i;
    if (worst < 0) return;
    // Recompute the worst row's figures for the error.
    let s = 0;
    let a = 0;
    for (let k = rowPtr[worst]!; k < rowPtr[worst + 1]!; k++) {
      const t = values[k]! * r[colIdx[k]!]!;
      s += t;
      a += Math.abs(t);
    }
    const jr = B[worst * width + at]!;
    throw new SparsityProbeError('row', worst, Math.abs(s - jr), PROBE_RTOL * (a + Math.abs(jr)) + floor);
  }

  /** max|f(x)| / max(1, max|x|) at the tape's current point (the probe's floor). */
  private naturalScale(): number {
    const y = outputValues(this.rec);
    let fy = 0;
    for (let i = 0; i < y.length; i++) fy = Math.max(fy, Math.abs(y[i]!));
    const x = this.rec.tape.readRun(this.rec.inSlot, this.inputLength);
    let fx = 1;
    for (let j = 0; j < x.length; j++) fx = Math.max(fx, Math.abs(x[j]!));
    return fy / fx;
  }

  /** Per-row scratch of the forward probe (allocated on first use). */
  private probeScratch: Float64Array | undefined;

  /** Compares wᵀJ (from the decompressed values) with the swept VJP stored at column `at` of C. */
  private checkReverse(values: Float64Array, C: Float64Array, width: number, at: number): void {
    const { rowPtr, colIdx, cols } = this.plan.pattern;
    const w = this.w;
    const s = new Float64Array(cols);
    const a = new Float64Array(cols);
    for (let i = 0; i < this.plan.rows; i++) {
      for (let k = rowPtr[i]!; k < rowPtr[i + 1]!; k++) {
        const t = values[k]! * w[i]!;
        s[colIdx[k]!]! += t;
        a[colIdx[k]!]! += Math.abs(t);
      }
    }
    let maxScale = 0;
    for (let j = 0; j < cols; j++) maxScale = Math.max(maxScale, a[j]! + Math.abs(C[j * width + at]!));
    const floor = PROBE_FLOOR * Math.max(maxScale, this.naturalScale());
    for (let j = 0; j < cols; j++) {
      const wj = C[j * width + at]!;
      const d = Math.abs(s[j]! - wj);
      const tol = PROBE_RTOL * (a[j]! + Math.abs(wj)) + floor;
      if (d > tol) throw new SparsityProbeError('column', j, d, tol);
    }
  }
}

/** Entries ±(0.5 … 1.5) from a fixed-seed generator (reproducible probes). */
function probeVector(n: number, seed: number): Float64Array {
  const v = new Float64Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 4294967296;
    v[i] = (u < 0.5 ? -1 : 1) * (0.5 + 2 * Math.abs(u - 0.5));
  }
  return v;
}

/**
 * Records f at x0, reads its Jacobian pattern, colors it (or checks a given plan against it) and
 * returns a SparseJacobian that evaluates J at new points by replay.
 *
 * @example
 * ```ts
 * const J = prepareSparseJacobian(residual, u0);   // detect + color, once
 * const A = J.jacobian(u1);                         // CSR at a new point
 * J.jacobian(u2, A);                                // in place, no allocation for the result
 * const saved = JSON.stringify(J.plan);             // reuse the coloring in a later run
 * ```
 */
export function prepareSparseJacobian(f: unknown, x0: Float64Array, options?: SparseJacobianOptions): SparseJacobian {
  return prepare(f, x0, options, 'prepareSparseJacobian', false);
}

function prepare(
  f: unknown,
  x0: Float64Array,
  options: SparseJacobianOptions | undefined,
  who: string,
  oneShot: boolean,
): SparseJacobian {
  const mode = patternMode(options, who);
  requireVectorPoint(x0, who);
  const given = options?.plan;
  const plan0 =
    given === undefined ? undefined : given instanceof SparseJacobianPlan ? given : SparseJacobianPlan.fromJSON(given);
  const rec = recordCall(f, x0, [], who);
  try {
    const pattern = jacobianPatternOf(rec, plan0?.patternKind ?? mode, options, who);
    let plan: SparseJacobianPlan;
    if (plan0 !== undefined) {
      if (!patternsEqual(pattern, plan0.pattern)) {
        throw new PlanMismatchError(
          `${who}: options.plan`,
          plan0.fingerprint,
          patternFingerprint(pattern),
          `plan ${plan0.rows} × ${plan0.cols} with ${plan0.nnz} entries, tape ${pattern.rows} × ${pattern.cols} with ${pattern.rowPtr[pattern.rows]} entries`,
        );
      }
      plan = plan0;
    } else
      plan = planSparseJacobian(pattern, { mode: options?.mode ?? 'auto', coloring: options?.coloring ?? {} }, mode);
    return new SparseJacobian(
      rec,
      plan,
      options?.probe ?? true,
      options?.strict ?? true,
      oneShot,
      options?.compile ?? true,
    );
  } catch (e) {
    rec.tape.recycle();
    throw e;
  }
}

/** One sparse Jacobian of f at x (records, detects, colors and evaluates; see `prepareSparseJacobian` to reuse the plan). */
export function sparseJacobian(f: unknown, x: Float64Array, options?: SparseJacobianOptions): CsrMatrix {
  const sj = prepare(f, x, options, 'sparseJacobian', true);
  try {
    // The tape already holds the values at x: evaluate without a replay.
    const values = new Float64Array(sj.plan.nnz);
    sj.evaluateCurrent(values);
    return csrFromParts(sj.plan.pattern, values);
  } finally {
    sj.release();
  }
}
