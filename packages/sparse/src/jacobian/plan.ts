/**
 * A sparse-Jacobian plan: everything about computing J that does not depend on the point — the
 * pattern, which sweep direction, the coloring — computed once and reused at every new point
 * (ColPack's and ADOL-C's "prepare" step). It is plain data: `toJSON` gives an object that
 * survives JSON, `fromJSON` rebuilds and re-verifies it (pattern well-formed, fingerprint, coloring
 * valid for the pattern), so a stored or hand-edited plan can never give a wrong Jacobian silently.
 */
import { ShapeError } from '@wengert/core';
import { describeValue } from '@wengert/core/internals';
import { checkColumnColoring, checkRowColoring, checkStarBicoloring } from '../coloring/check.js';
import { columnColoring, rowColoring, starBicoloring } from '../coloring/color.js';
import type { Bicoloring, ColoringOptions } from '../coloring/types.js';
import { PlanMismatchError } from '../errors.js';
import { checkPattern, patternFingerprint, type SparsityPattern } from '../pattern/pattern.js';

/** How the compressed Jacobian is evaluated. */
export type JacobianMode = 'forward' | 'reverse' | 'bidirectional';

/** The JSON form of a plan. */
export interface SparseJacobianPlanData {
  readonly format: 'wengert-sparse-jacobian-plan';
  readonly version: 1;
  readonly mode: JacobianMode;
  readonly pattern: 'global' | 'local';
  readonly rows: number;
  readonly cols: number;
  readonly fingerprint: string;
  readonly rowPtr: readonly number[];
  readonly colIdx: readonly number[];
  /** Forward and bidirectional modes: one color per column (−1 = not seeded, bidirectional only). */
  readonly colColors?: readonly number[];
  /** Reverse and bidirectional modes: one color per row (−1 = not seeded, bidirectional only). */
  readonly rowColors?: readonly number[];
  readonly ordering: string;
}

export class SparseJacobianPlan {
  /** @internal use `planSparseJacobian` or `SparseJacobianPlan.fromJSON`. */
  constructor(
    readonly mode: JacobianMode,
    /** Whether the pattern is valid everywhere (`'global'`) or only at the point it was read (`'local'`). */
    readonly patternKind: 'global' | 'local',
    readonly pattern: SparsityPattern,
    /** 64-bit fingerprint of the pattern (see `patternFingerprint`). */
    readonly fingerprint: string,
    /** Column colors (forward, bidirectional), else undefined. */
    readonly colColors: Int32Array | undefined,
    /** Number of forward products (column seeds). */
    readonly colCount: number,
    /** Row colors (reverse, bidirectional), else undefined. */
    readonly rowColors: Int32Array | undefined,
    /** Number of reverse products (row seeds). */
    readonly rowCount: number,
    /** Ordering that won the coloring. */
    readonly ordering: string,
  ) {}

  get rows(): number {
    return this.pattern.rows;
  }
  get cols(): number {
    return this.pattern.cols;
  }
  /** Structural nonzeros. */
  get nnz(): number {
    return this.pattern.rowPtr[this.pattern.rows]!;
  }
  /** Sweeps (forward directions + reverse directions) one Jacobian costs, without the probe. */
  get products(): number {
    return this.colCount + this.rowCount;
  }

  /** A JSON-safe copy. */
  toJSON(): SparseJacobianPlanData {
    return {
      format: 'wengert-sparse-jacobian-plan',
      version: 1,
      mode: this.mode,
      pattern: this.patternKind,
      rows: this.rows,
      cols: this.cols,
      fingerprint: this.fingerprint,
      rowPtr: Array.from(this.pattern.rowPtr),
      colIdx: Array.from(this.pattern.colIdx),
      ...(this.colColors ? { colColors: Array.from(this.colColors) } : {}),
      ...(this.rowColors ? { rowColors: Array.from(this.rowColors) } : {}),
      ordering: this.ordering,
    };
  }

  /** Rebuilds a plan from its JSON form, verifying everything (typed errors on any inconsistency). */
  static fromJSON(data: unknown): SparseJacobianPlan {
    const who = 'SparseJacobianPlan.fromJSON';
    const d = data as Partial<SparseJacobianPlanData> | null;
    if (d === null || typeof d !== 'object' || d.format !== 'wengert-sparse-jacobian-plan' || d.version !== 1) {
      throw new ShapeError(
        `${who}: data`,
        'a plan object (format wengert-sparse-jacobian-plan, version 1)',
        describeValue(data),
      );
    }
    if (d.mode !== 'forward' && d.mode !== 'reverse' && d.mode !== 'bidirectional') {
      throw new ShapeError(`${who}: data.mode`, "'forward', 'reverse' or 'bidirectional'", describeValue(d.mode));
    }
    const { kind, pattern, fingerprint: fp } = readStoredPattern(d, d.rows, d.cols, who);
    const toI32 = (v: unknown, arg: string): Int32Array => int32Array(v, `${who}: ${arg}`);
    const colColors = d.colColors === undefined ? undefined : toI32(d.colColors, 'data.colColors');
    const rowColors = d.rowColors === undefined ? undefined : toI32(d.rowColors, 'data.rowColors');
    const plan = assemble(d.mode, kind, pattern, fp, colColors, rowColors, String(d.ordering ?? ''));
    verifyColoring(plan, who);
    return plan;
  }
}

/** Counts colors (max + 1), ignoring the neutral color −1. */
function countOf(colors: Int32Array | undefined): number {
  if (colors === undefined) return 0;
  let m = -1;
  for (let i = 0; i < colors.length; i++) if (colors[i]! > m) m = colors[i]!;
  return m + 1;
}

function assemble(
  mode: JacobianMode,
  kind: 'global' | 'local',
  pattern: SparsityPattern,
  fingerprint: string,
  colColors: Int32Array | undefined,
  rowColors: Int32Array | undefined,
  ordering: string,
): SparseJacobianPlan {
  return new SparseJacobianPlan(
    mode,
    kind,
    pattern,
    fingerprint,
    colColors,
    countOf(colColors),
    rowColors,
    countOf(rowColors),
    ordering,
  );
}

/** Throws unless the plan's coloring is valid for its mode and pattern. */
function verifyColoring(plan: SparseJacobianPlan, who: string): void {
  const { pattern, colColors, rowColors } = plan;
  const need = (c: Int32Array | undefined, len: number, arg: string): Int32Array => {
    if (c === undefined || c.length !== len)
      throw new ShapeError(`${who}: data.${arg}`, `${len} colors`, describeValue(c));
    return c;
  };
  const res =
    plan.mode === 'forward'
      ? checkColumnColoring(pattern, need(colColors, pattern.cols, 'colColors'))
      : plan.mode === 'reverse'
        ? checkRowColoring(pattern, need(rowColors, pattern.rows, 'rowColors'))
        : checkStarBicoloring(
            pattern,
            need(rowColors, pattern.rows, 'rowColors'),
            need(colColors, pattern.cols, 'colColors'),
          );
  if (!res.valid)
    throw new ShapeError(`${who}: data (coloring)`, `a valid ${plan.mode} coloring of the pattern`, res.reason);
}

/** Options of `planSparseJacobian`. */
export interface PlanOptions {
  /**
   * `'auto'` (default): forward (column coloring) or reverse (row coloring), whichever needs fewer
   * sweeps; a star bicoloring is tried too when neither reaches its lower bound and it needs fewer
   * products than both. Or force one.
   */
  readonly mode?: 'auto' | JacobianMode;
  readonly coloring?: ColoringOptions;
}

/** Colors a Jacobian pattern and returns the plan. */
export function planSparseJacobian(
  pattern: SparsityPattern,
  options: PlanOptions | undefined,
  kind: 'global' | 'local' = 'global',
): SparseJacobianPlan {
  const who = 'planSparseJacobian';
  checkPattern(pattern, `${who}: pattern`);
  const mode = options?.mode ?? 'auto';
  if (mode !== 'auto' && mode !== 'forward' && mode !== 'reverse' && mode !== 'bidirectional') {
    throw new ShapeError(
      `${who}: options.mode`,
      "'auto', 'forward', 'reverse' or 'bidirectional'",
      describeValue(mode),
    );
  }
  const co = options?.coloring;
  const fp = patternFingerprint(pattern);
  if (mode === 'forward' || mode === 'reverse') {
    const c = mode === 'forward' ? columnColoring(pattern, co) : rowColoring(pattern, co);
    return mode === 'forward'
      ? assemble(mode, kind, pattern, fp, c.colors, undefined, c.ordering)
      : assemble(mode, kind, pattern, fp, undefined, c.colors, c.ordering);
  }
  if (mode === 'bidirectional') return fromBicoloring(pattern, kind, fp, starBicoloring(pattern, co));
  // auto: a column coloring at the row-coloring lower bound cannot be beaten by reverse mode, so
  // the (costly, on large patterns) alternatives are only computed when they could win.
  const col = columnColoring(pattern, co);
  let best = assemble('forward', kind, pattern, fp, col.colors, undefined, col.ordering);
  if (col.count <= maxColumnCount(pattern)) return best;
  const row = rowColoring(pattern, co);
  if (row.count < best.products) best = assemble('reverse', kind, pattern, fp, undefined, row.colors, row.ordering);
  if (best.products > Math.max(col.lowerBound, row.lowerBound)) {
    const bic = starBicoloring(pattern, co);
    if (bic.rowCount + bic.colCount < best.products) best = fromBicoloring(pattern, kind, fp, bic);
  }
  return best;
}

function fromBicoloring(
  pattern: SparsityPattern,
  kind: 'global' | 'local',
  fp: string,
  b: Bicoloring,
): SparseJacobianPlan {
  return assemble('bidirectional', kind, pattern, fp, b.colColors, b.rowColors, b.ordering);
}

/** The row-coloring lower bound (the largest column count), in one pass without a transpose. */
function maxColumnCount(p: SparsityPattern): number {
  const count = new Int32Array(p.cols);
  const nnz = p.rowPtr[p.rows]!;
  let m = p.rows > 0 ? 1 : 0;
  for (let k = 0; k < nnz; k++) {
    const c = ++count[p.colIdx[k]!]!;
    if (c > m) m = c;
  }
  return m;
}

/** An array of integers from a stored plan, as an Int32Array (typed error naming `arg` otherwise). */
export function int32Array(v: unknown, arg: string): Int32Array {
  if (!Array.isArray(v) || !v.every((e) => Number.isInteger(e)))
    throw new ShapeError(arg, 'an array of integers', describeValue(v));
  return Int32Array.from(v as number[]);
}

/**
 * The pattern part of a stored plan (sparse Jacobian or Hessian): pattern kind, CSR arrays checked
 * with `checkPattern`, and the stored fingerprint recomputed (a mismatch is a PlanMismatchError).
 */
export function readStoredPattern(
  d: {
    readonly pattern?: unknown;
    readonly rowPtr?: unknown;
    readonly colIdx?: unknown;
    readonly fingerprint?: unknown;
  },
  rows: unknown,
  cols: unknown,
  who: string,
): { kind: 'global' | 'local'; pattern: SparsityPattern; fingerprint: string } {
  if (d.pattern !== 'global' && d.pattern !== 'local') {
    throw new ShapeError(`${who}: data.pattern`, "'global' or 'local'", describeValue(d.pattern));
  }
  const pattern = {
    rows: rows as number,
    cols: cols as number,
    rowPtr: int32Array(d.rowPtr, `${who}: data.rowPtr`),
    colIdx: int32Array(d.colIdx, `${who}: data.colIdx`),
  };
  checkPattern(pattern, `${who}: data`);
  const fingerprint = patternFingerprint(pattern);
  if (fingerprint !== d.fingerprint) {
    throw new PlanMismatchError(
      `${who}: data.fingerprint`,
      String(d.fingerprint),
      fingerprint,
      'the stored fingerprint does not match the stored pattern',
    );
  }
  return { kind: d.pattern, pattern, fingerprint };
}
