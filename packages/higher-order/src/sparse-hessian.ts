/**
 * Sparse Hessians: the Hessian pattern read from the tape (nonlinear interactions), a symmetric
 * coloring of it, and one Hessian-vector product per color, decompressed into CSR.
 *
 * With a star coloring (Coleman & Moré 1984; Gebremedhin, Tarafdar, Manne & Pothen 2007) every
 * nonzero H[i][j] is read directly from one product H·s_c: the star condition guarantees that for
 * each pair i–j, row i meets only column j in color(j), or row j meets only column i in color(i),
 * so one of the two mirror positions can be read off without interference.
 * An acyclic coloring needs fewer colors but recovers by substitution along the two-colored trees
 * (Gebremedhin, Tarafdar, Pothen & Walther 2009, INFORMS J. Computing 21(2)). The plan (pattern,
 * coloring) is computed once and reused at new points; it is plain data with a fingerprint.
 */
import { ShapeError } from '@wengert/core';
import { describeValue, inputCount, moveTo, type Recording, recordCall } from '@wengert/core/internals';
import {
  acyclicColoring,
  type ColoringOptions,
  type CsrMatrix,
  checkAcyclicColoring,
  checkStarColoring,
  PlanMismatchError,
  type PreparedRecovery,
  patternFingerprint,
  patternsEqual,
  prepareAcyclicRecovery,
  prepareStarRecovery,
  type SparsityOptions,
  type SparsityPattern,
  starColoring,
} from '@wengert/sparse';
import {
  csrFromParts,
  hessianPatternOf,
  int32Array,
  patternMode,
  readStoredPattern,
  requireVectorPoint,
} from '@wengert/sparse/internals';
import { hvpOnRecording, requireScalarOutput } from './hvp.js';

/** Which symmetric coloring recovers the Hessian. */
export type HessianColoring = 'star' | 'acyclic';

/** JSON form of a sparse-Hessian plan. */
export interface SparseHessianPlanData {
  readonly format: 'wengert-sparse-hessian-plan';
  readonly version: 1;
  readonly method: HessianColoring;
  readonly pattern: 'global' | 'local';
  readonly n: number;
  readonly fingerprint: string;
  readonly rowPtr: readonly number[];
  readonly colIdx: readonly number[];
  readonly colors: readonly number[];
  readonly ordering: string;
}

/** Pattern and coloring of a sparse Hessian (computed once, reused at every point). */
export class SparseHessianPlan {
  /** @internal use `prepareSparseHessian` or `SparseHessianPlan.fromJSON`. */
  constructor(
    readonly method: HessianColoring,
    readonly patternKind: 'global' | 'local',
    /** The full symmetric Hessian pattern (both triangles). */
    readonly pattern: SparsityPattern,
    readonly fingerprint: string,
    readonly colors: Int32Array,
    /** Number of colors = HVPs per Hessian. */
    readonly count: number,
    readonly ordering: string,
  ) {}

  get n(): number {
    return this.pattern.rows;
  }
  get nnz(): number {
    return this.pattern.rowPtr[this.pattern.rows]!;
  }

  toJSON(): SparseHessianPlanData {
    return {
      format: 'wengert-sparse-hessian-plan',
      version: 1,
      method: this.method,
      pattern: this.patternKind,
      n: this.n,
      fingerprint: this.fingerprint,
      rowPtr: Array.from(this.pattern.rowPtr),
      colIdx: Array.from(this.pattern.colIdx),
      colors: Array.from(this.colors),
      ordering: this.ordering,
    };
  }

  /** Rebuilds and re-verifies a plan (pattern well-formed and symmetric, fingerprint, coloring valid). */
  static fromJSON(data: unknown): SparseHessianPlan {
    const who = 'SparseHessianPlan.fromJSON';
    const d = data as Partial<SparseHessianPlanData> | null;
    if (d === null || typeof d !== 'object' || d.format !== 'wengert-sparse-hessian-plan' || d.version !== 1) {
      throw new ShapeError(
        `${who}: data`,
        'a plan object (format wengert-sparse-hessian-plan, version 1)',
        describeValue(data),
      );
    }
    if (d.method !== 'star' && d.method !== 'acyclic')
      throw new ShapeError(`${who}: data.method`, "'star' or 'acyclic'", describeValue(d.method));
    const { kind, pattern, fingerprint: fp } = readStoredPattern(d, d.n, d.n, who);
    const colors = int32Array(d.colors, `${who}: data.colors`);
    if (colors.length !== pattern.rows)
      throw new ShapeError(`${who}: data.colors`, `${pattern.rows} colors`, `${colors.length}`);
    const check = d.method === 'star' ? checkStarColoring(pattern, colors) : checkAcyclicColoring(pattern, colors);
    if (!check.valid)
      throw new ShapeError(`${who}: data.colors`, `a valid ${d.method} coloring of the pattern`, check.reason);
    let count = 0;
    for (const c of colors) count = Math.max(count, c + 1);
    return new SparseHessianPlan(d.method, kind, pattern, fp, colors, count, String(d.ordering ?? ''));
  }
}

/** Options of `prepareSparseHessian` / `sparseHessian`. */
export interface SparseHessianOptions extends SparsityOptions {
  /**
   * `'auto'` (default): star coloring (direct recovery), unless an acyclic coloring needs fewer
   * colors, then acyclic (substitution). Or force one.
   */
  readonly method?: 'auto' | HessianColoring;
  /** Ordering options of the coloring. */
  readonly coloring?: ColoringOptions;
  /** Output: the full symmetric matrix (default) or one triangle. */
  readonly triangle?: 'full' | 'lower' | 'upper';
  /** A plan made before (or its JSON form): coloring is skipped; the pattern must match. */
  readonly plan?: SparseHessianPlan | SparseHessianPlanData;
  /** Throw BranchChangeError when a recorded comparison flips at a new point (default true). */
  readonly strict?: boolean;
}

/** A scalar function recorded once with its sparse-Hessian plan; Hessians at new points by replay. */
export class SparseHessian {
  readonly plan: SparseHessianPlan;
  /** Pattern of the returned matrices (the full pattern or the requested triangle). */
  readonly outputPattern: SparsityPattern;
  private readonly rec: Recording;
  private readonly strict: boolean;
  private readonly recovery: PreparedRecovery;
  private readonly seeds: Float64Array[];
  /** Triangle output: full-pattern positions of the kept entries (undefined for the full matrix). */
  private readonly keep: Int32Array | undefined;
  private readonly full: Float64Array;
  private readonly B: Float64Array;
  private changed = 0;

  /** @internal use `prepareSparseHessian`. */
  constructor(rec: Recording, plan: SparseHessianPlan, triangle: 'full' | 'lower' | 'upper', strict: boolean) {
    this.rec = rec;
    rec.tape.slots.consolidate();
    rec.tape.consts.consolidate();
    this.plan = plan;
    this.strict = strict;
    const { pattern, colors, count } = plan;
    const n = pattern.rows;
    this.recovery =
      plan.method === 'star'
        ? prepareStarRecovery(pattern, colors, count)
        : prepareAcyclicRecovery(pattern, colors, count);
    this.seeds = Array.from({ length: count }, () => new Float64Array(n));
    for (let j = 0; j < n; j++) this.seeds[colors[j]!]![j] = 1;
    this.full = new Float64Array(plan.nnz);
    this.B = new Float64Array(n * count);
    if (triangle === 'full') {
      this.outputPattern = pattern;
      this.keep = undefined;
    } else {
      const rowPtr = new Int32Array(n + 1);
      const cols: number[] = [];
      const keep: number[] = [];
      for (let i = 0; i < n; i++) {
        for (let k = pattern.rowPtr[i]!; k < pattern.rowPtr[i + 1]!; k++) {
          const j = pattern.colIdx[k]!;
          if (triangle === 'lower' ? j <= i : j >= i) {
            cols.push(j);
            keep.push(k);
          }
        }
        rowPtr[i + 1] = cols.length;
      }
      this.outputPattern = { rows: n, cols: n, rowPtr, colIdx: Int32Array.from(cols) };
      this.keep = Int32Array.from(keep);
    }
  }

  /** Recorded comparisons that flipped at the last point (0 unless strict is off). */
  get branchChanges(): number {
    return this.changed;
  }

  /** H(x) in CSR form (the full matrix or the chosen triangle); with `out`, written in place. */
  hessian(x: Float64Array, out?: CsrMatrix): CsrMatrix {
    const who = 'hessian';
    const op = this.outputPattern;
    if (
      out !== undefined &&
      !(out.rowPtr === op.rowPtr && out.colIdx === op.colIdx) &&
      !patternsEqual(out.pattern, op)
    ) {
      throw new ShapeError(
        `${who}: out`,
        `a CsrMatrix with the plan's pattern (${op.rows} × ${op.cols}, nnz ${op.rowPtr[op.rows]})`,
        describeValue(out),
      );
    }
    this.changed = moveTo(this.rec, x, who, this.strict).changed;
    const values = out?.values ?? new Float64Array(op.rowPtr[op.rows]!);
    this.evaluateCurrent(values);
    return out ?? csrFromParts(op, values);
  }

  /** @internal H at the tape's current point into values (output-pattern order). */
  evaluateCurrent(values: Float64Array): void {
    const { count } = this.plan;
    const B = this.B;
    for (let c = 0; c < count; c++) {
      const hs = hvpOnRecording(this.rec, this.seeds[c]!);
      for (let i = 0; i < hs.length; i++) B[i * count + c] = hs[i]!;
    }
    if (this.keep === undefined) {
      this.recovery.recover(B, values);
      return;
    }
    this.recovery.recover(B, this.full);
    const keep = this.keep;
    for (let k = 0; k < keep.length; k++) values[k] = this.full[keep[k]!]!;
  }

  /** Returns the tape's memory to the pool; the object must not be used afterwards. */
  release(): void {
    this.rec.tape.recycle();
  }
}

/** Colors a symmetric Hessian pattern. */
function planFor(
  pattern: SparsityPattern,
  kind: 'global' | 'local',
  method: 'auto' | HessianColoring,
  co: ColoringOptions | undefined,
): SparseHessianPlan {
  const fp = patternFingerprint(pattern);
  const star = method === 'acyclic' ? undefined : starColoring(pattern, co);
  // Acyclic needs at most as many colors as star; it is only worth its substitution when it saves some.
  const acyclic =
    method === 'star' || (star !== undefined && star.count <= star.lowerBound)
      ? undefined
      : acyclicColoring(pattern, co);
  const useAcyclic = acyclic !== undefined && (star === undefined || acyclic.count < star.count);
  const c = useAcyclic ? acyclic! : star!;
  return new SparseHessianPlan(useAcyclic ? 'acyclic' : 'star', kind, pattern, fp, c.colors, c.count, c.ordering);
}

/**
 * Records a scalar f at x0, reads its Hessian pattern, colors it (or checks a given plan against
 * it), and returns a SparseHessian that evaluates H at new points with one HVP per color.
 *
 * @example
 * ```ts
 * const H = prepareSparseHessian(energy, x0);   // pattern + star/acyclic coloring, once
 * const A = H.hessian(x1);                      // CSR, full symmetric
 * H.hessian(x2, A);                             // in place
 * ```
 */
export function prepareSparseHessian(f: unknown, x0: Float64Array, options?: SparseHessianOptions): SparseHessian {
  const who = 'prepareSparseHessian';
  const mode = patternMode(options, who);
  requireVectorPoint(x0, who);
  const method = options?.method ?? 'auto';
  if (method !== 'auto' && method !== 'star' && method !== 'acyclic') {
    throw new ShapeError(`${who}: options.method`, "'auto', 'star' or 'acyclic'", describeValue(method));
  }
  const triangle = options?.triangle ?? 'full';
  if (triangle !== 'full' && triangle !== 'lower' && triangle !== 'upper') {
    throw new ShapeError(`${who}: options.triangle`, "'full', 'lower' or 'upper'", describeValue(triangle));
  }
  const given = options?.plan;
  const plan0 =
    given === undefined ? undefined : given instanceof SparseHessianPlan ? given : SparseHessianPlan.fromJSON(given);
  const rec = recordCall(f, x0, [], who);
  try {
    requireScalarOutput(rec, who);
    const pattern = hessianPatternOf(rec, plan0?.patternKind ?? mode, options, who);
    if (inputCount(rec) !== pattern.rows) throw new ShapeError(`${who}: x0`, 'a vector input', describeValue(x0));
    let plan: SparseHessianPlan;
    if (plan0 !== undefined) {
      if (!patternsEqual(pattern, plan0.pattern)) {
        throw new PlanMismatchError(
          `${who}: options.plan`,
          plan0.fingerprint,
          patternFingerprint(pattern),
          `plan n = ${plan0.n} with ${plan0.nnz} entries, tape n = ${pattern.rows} with ${pattern.rowPtr[pattern.rows]} entries`,
        );
      }
      plan = plan0;
    } else plan = planFor(pattern, mode, method, options?.coloring);
    return new SparseHessian(rec, plan, triangle, options?.strict ?? true);
  } catch (e) {
    rec.tape.recycle();
    throw e;
  }
}

/** One sparse Hessian of a scalar f at x (see `prepareSparseHessian` to reuse the plan). */
export function sparseHessian(f: unknown, x: Float64Array, options?: SparseHessianOptions): CsrMatrix {
  const sh = prepareSparseHessian(f, x, options);
  try {
    const op = sh.outputPattern;
    const values = new Float64Array(op.rowPtr[op.rows]!);
    sh.evaluateCurrent(values);
    return csrFromParts(op, values);
  } finally {
    sh.release();
  }
}
