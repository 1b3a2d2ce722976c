/**
 * Hessian-vector products and dense Hessians from one recording: a forward tangent sweep along v,
 * then the combined second-order reverse sweep (sweep.ts) — with runs of vector instructions fused
 * into generated kernels (compile-hvp/, bitwise the same) when compilation is on. Inside another
 * differentiation (when the recording captured values of an enclosing tape) they fall back to
 * core's nested forward-over-reverse, `jvp(grad(f), x, v)`, so they compose like every other
 * transform.
 */
import {
  type Active,
  type ActiveVec,
  type DenseMatrix,
  grad,
  jvp,
  type Real,
  ShapeError,
  type TapeStats,
} from '@wengert/core';
import {
  checkBranches,
  describeValue as describeValueOf,
  forwardSweep,
  giveSweepBuffer,
  inputCount,
  isCompilationEnabled,
  isDebugNonFinite,
  moveTo,
  outputCount,
  outputValues,
  type Recording,
  recordCall,
  replayAndTangent,
  requireFinite,
  takeSweepBuffer,
  vjpFloat,
  writeInputs,
} from '@wengert/core/internals';
import { cachedProgram, mayFuse } from './compile-hvp/key.js';
import { HvpProgram } from './compile-hvp/program.js';
import { secondOrderReverse } from './sweep.js';

/**
 * Compiled HVP programs by recording (looked up once per recording: by structure for fresh ones,
 * compiled directly for the recorded functions of `recordHessian`).
 */
const programs = new WeakMap<Recording, HvpProgram | null>();

/**
 * The compiled HVP of rec when it may run now (compilation on, not nested, no debug mode), else
 * undefined. `own`: compile for this recording (reused many times) rather than look up the cache.
 */
function programFor(rec: Recording, own = false): HvpProgram | undefined {
  if (!isCompilationEnabled() || isDebugNonFinite() || rec.tape.hasOuter) return undefined;
  let p = programs.get(rec);
  if (p === undefined) {
    p = !own ? cachedProgram(rec) : mayFuse(rec) ? HvpProgram.compile(rec) : null;
    programs.set(rec, p);
  }
  return p ?? undefined;
}

/** A scalar-valued function of a vector (or of a number). */
export type ScalarFunction = ((x: ActiveVec) => Real) | ((x: Active) => Real);

function checkPoint(x: unknown, who: string): void {
  if (typeof x !== 'number' && (!(x instanceof Float64Array) || x.length === 0)) {
    throw new ShapeError(`${who}: x`, 'a number or a non-empty Float64Array', describeValueOf(x));
  }
  requireFinite(x, `${who}: x`);
}

function direction(v: unknown, n: number, scalar: boolean, arg: string): Float64Array {
  // As core's jvp: a number x takes a number direction, a vector x a Float64Array of its length.
  if (scalar && typeof v !== 'number') throw new ShapeError(arg, 'a number (x is a number)', describeValueOf(v));
  const d = scalar ? Float64Array.of(v as number) : v;
  if (!(d instanceof Float64Array) || d.length !== n) {
    throw new ShapeError(
      arg,
      scalar ? 'a number (x is a number)' : `a Float64Array of length ${n} (the length of x)`,
      describeValueOf(v),
    );
  }
  requireFinite(d, arg);
  return d;
}

export function requireScalarOutput(rec: Recording, who: string): void {
  if (!rec.outScalar) {
    throw new ShapeError(
      `${who}: f result`,
      'a scalar (number or active scalar)',
      `a vector of length ${outputCount(rec)}`,
    );
  }
}

/**
 * @internal H·v on a recording whose values are current; one forward and one second-order reverse
 * sweep — compiled (fused runs, see compile-hvp/) when the recording has vector code and
 * compilation is on, bitwise the same. `own`: the recording is swept many times (recordHessian):
 * its program is compiled for it instead of looked up by structure.
 */
export function hvpOnRecording(rec: Recording, v: Float64Array, own = false, stale = false): Float64Array {
  const t = rec.tape;
  const n = inputCount(rec);
  const size = t.slots.size;
  const out = rec.outSlots[0]!;
  if (out < 0) return new Float64Array(n); // a constant f
  // Pooled buffers: the adjoints first, so they get the clean ones the last call gave back (the
  // tangents can do with a dirty one: the forward sweep writes every slot it reads, so only its
  // inputs need zeros; taken first, they took a clean buffer and left adj2 a 6.4 MB memset at
  // n = 10^5 vector Rosenbrock).
  const adj = takeSweepBuffer(size);
  const adj2 = takeSweepBuffer(size);
  const dot = takeSweepBuffer(size, false);
  for (const info of t.inputs) dot.fill(0, info.slot, info.slot + (info.len || 1));
  for (let j = 0; j < n; j++) dot[rec.inSlot + j] = v[j]!;
  adj[out] = 1;
  const program = programFor(rec, own);
  if (program === undefined || !program.run(t, dot, adj, adj2)) {
    // Stale values (only the inputs written): values and tangents in one pass over the tape.
    if (stale) replayAndTangent(t, dot);
    else forwardSweep(t, dot, 1);
    secondOrderReverse(t, dot, adj, adj2, true);
  }
  const res = adj2.slice(rec.inSlot, rec.inSlot + n);
  // Cleared as it went: only the independent variables' entries are left, so both buffers go back clean.
  for (const info of t.inputs) {
    adj.fill(0, info.slot, info.slot + (info.len || 1));
    adj2.fill(0, info.slot, info.slot + (info.len || 1));
  }
  giveSweepBuffer(dot);
  giveSweepBuffer(adj, true);
  giveSweepBuffer(adj2, true);
  return res;
}

/**
 * H(x)·v for a scalar-valued f: one forward sweep along v and one combined second-order reverse
 * sweep over a single recording. `v` may be an array of directions (one sweep pair each).
 */
export function hvp(f: (x: ActiveVec) => Real, x: Float64Array, v: Float64Array): Float64Array;
export function hvp(f: (x: ActiveVec) => Real, x: Float64Array, v: readonly Float64Array[]): Float64Array[];
export function hvp(f: (x: Active) => Real, x: number, v: number): number;
export function hvp(
  f: ScalarFunction,
  x: number | Float64Array,
  v: number | Float64Array | readonly Float64Array[],
): number | Float64Array | Float64Array[] {
  const who = 'hvp';
  if (typeof f !== 'function') throw new ShapeError(`${who}: f`, 'a function', describeValueOf(f));
  checkPoint(x, who);
  const scalar = typeof x === 'number';
  const n = scalar ? 1 : (x as Float64Array).length;
  const many = Array.isArray(v);
  if (many && scalar) throw new ShapeError(`${who}: v`, 'a number (x is a number)', describeValueOf(v));
  const dirs = many
    ? (v as readonly Float64Array[]).map((d, k) => direction(d, n, false, `${who}: v[${k}]`))
    : [direction(v, n, scalar, `${who}: v`)];
  const rec = recordCall(f, x, [], who);
  try {
    requireScalarOutput(rec, who);
    const res = dirs.map((d) => hvpOnRecording(rec, d));
    if (many) return res;
    return scalar ? res[0]![0]! : res[0]!;
  } finally {
    rec.tape.recycle();
  }
}

/** Dense Hessian of a scalar-valued f at x (n HVPs with the unit vectors on one recording). */
export function hessian(f: (x: ActiveVec) => Real): (x: Float64Array) => DenseMatrix {
  if (typeof f !== 'function') throw new ShapeError('hessian: f', 'a function', describeValueOf(f));
  return (x) => {
    checkPoint(x, 'hessian');
    if (typeof x === 'number') throw new ShapeError('hessian: x', 'a Float64Array', 'a number (use hvp(f, x, 1))');
    const rec = recordCall(f, x, [], 'hessian');
    try {
      requireScalarOutput(rec, 'hessian');
      return denseHessian(rec);
    } finally {
      rec.tape.recycle();
    }
  };
}

function denseHessian(rec: Recording): DenseMatrix {
  const n = inputCount(rec);
  const H = new Float64Array(n * n);
  const e = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    e.fill(0);
    e[j] = 1;
    const col = hvpOnRecording(rec, e);
    for (let i = 0; i < n; i++) H[i * n + j] = col[i]!;
  }
  return { rows: n, cols: n, data: H };
}

/** A scalar function recorded once; values, gradients, HVPs and Hessians at new points by replay. */
export class RecordedHessian {
  private readonly rec: Recording;
  private readonly strict: boolean;
  private changed = 0;
  /** Number of inputs. */
  readonly inputLength: number;

  /** @internal use `recordHessian`. */
  constructor(rec: Recording, strict = false) {
    this.rec = rec;
    this.strict = strict;
    // Swept many times: one copy into a flat array makes every replay cheaper (as core's record()).
    rec.tape.slots.consolidate();
    rec.tape.consts.consolidate();
    this.inputLength = inputCount(rec);
  }

  private at(x: Float64Array, who: string): void {
    // As core's recorded functions: a recorded comparison that flips is counted (strict: thrown).
    this.changed = moveTo(this.rec, x, who, this.strict).changed;
  }

  /** Recorded comparisons that went the other way at the last point (0: the tape represents f there). */
  get branchChanges(): number {
    return this.changed;
  }

  /** f(x). */
  value(x: Float64Array): number {
    this.at(x, 'value');
    return outputValues(this.rec)[0]!;
  }
  /** ∇f(x). */
  gradient(x: Float64Array): Float64Array {
    this.at(x, 'gradient');
    return vjpFloat(this.rec, [Float64Array.of(1)]);
  }
  /** H(x)·v (or one product per direction). */
  hvp(x: Float64Array, v: Float64Array): Float64Array;
  hvp(x: Float64Array, v: readonly Float64Array[]): Float64Array[];
  hvp(x: Float64Array, v: Float64Array | readonly Float64Array[]): Float64Array | Float64Array[] {
    const n = this.inputLength;
    const many = Array.isArray(v);
    const dirs = many
      ? (v as readonly Float64Array[]).map((d, k) => direction(d, n, false, `hvp: v[${k}]`))
      : [direction(v, n, false, 'hvp: v')];
    if (dirs.length > 0 && programFor(this.rec, true) === undefined && !isDebugNonFinite()) {
      // Interpreted (scalar) tapes: the replay at x rides along with the first direction's tangent
      // sweep (one pass over the tape instead of two), then the branches are checked as in `at`.
      writeInputs(this.rec, x, 'hvp');
      const res = dirs.map((d, k) => hvpOnRecording(this.rec, d, true, k === 0));
      this.changed = checkBranches(this.rec.tape, this.strict).changed;
      return many ? res : res[0]!;
    }
    this.at(x, 'hvp');
    const res = dirs.map((d) => hvpOnRecording(this.rec, d, true));
    return many ? res : res[0]!;
  }
  /** Dense Hessian at x. */
  hessian(x: Float64Array): DenseMatrix {
    this.at(x, 'hessian');
    return denseHessian(this.rec);
  }
  /** Tape size. */
  stats(): TapeStats {
    return this.rec.tape.stats();
  }
}

/**
 * Records a scalar-valued f of a vector at x0 for repeated HVPs / Hessians (no re-running user code).
 * With `{ strict: true }` a recorded comparison that flips at a new point throws BranchChangeError.
 */
export function recordHessian(
  f: (x: ActiveVec) => Real,
  x0: Float64Array,
  options: { readonly strict?: boolean } = {},
): RecordedHessian {
  if (typeof f !== 'function') throw new ShapeError('recordHessian: f', 'a function', describeValueOf(f));
  checkPoint(x0, 'recordHessian');
  const rec = recordCall(f, x0, [], 'recordHessian');
  requireScalarOutput(rec, 'recordHessian');
  return new RecordedHessian(rec, options.strict === true);
}

/** Forward-over-reverse through core's nested transforms (for use inside another differentiation). */
export function nestedHvp(f: (x: ActiveVec) => Real, x: Float64Array, v: Float64Array): Float64Array {
  return jvp(grad(f) as never, x as never, v as never)[1] as Float64Array;
}
