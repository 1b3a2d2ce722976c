/**
 * Recorded functions (CppAD's ADFun idea): record f once at a point, then evaluate and
 * differentiate it at many points without re-running user code. Branches taken while recording
 * are re-checked at every new point; when one would now go the other way the function says so.
 */
import { type CompileOptions, type CompileStats, compileRecording } from './compile/program.js';
import { describeValue, ShapeError } from './errors.js';
import {
  type DenseMatrix,
  fusedGradient,
  inputCount,
  jacobianFloat,
  jvpFloat,
  moveTo,
  outputCount,
  outputValues,
  type Recording,
  recordCall,
  vjpFloat,
} from './recording.js';
import type { BranchReport } from './sweeps/replay.js';
import { requireFinite } from './tape/record.js';
import type { TapeStats } from './tape/tape.js';
import type { Active, ActiveVec, Real, Value, Vec } from './tape/values.js';

/** Options of `record`. */
export interface RecordOptions {
  /**
   * Throw BranchChangeError when a comparison recorded on the tape goes the other way at a new
   * point (default false: the result is returned and `branchChanges` counts the changes).
   */
  readonly strict?: boolean;
}

/** A plain input or output: a number or a Float64Array. */
export type PlainValue = number | Float64Array;

/**
 * A function recorded once and evaluated/differentiated at new points by replaying its tape.
 * `X` is the input kind (number or Float64Array), `Y` the output kind.
 */
export class RecordedFunction<X extends PlainValue = PlainValue, Y extends PlainValue = PlainValue> {
  private readonly rec: Recording;
  private readonly strict: boolean;
  /** Number of inputs (1 for a scalar input). */
  readonly inputLength: number;
  /** Number of outputs (1 for a scalar output). */
  readonly outputLength: number;
  /** True when the function takes a number (not a Float64Array). */
  readonly scalarInput: boolean;
  /** True when the function returns a scalar. */
  readonly scalarOutput: boolean;
  private lastBranches: BranchReport = { changed: 0 };

  /**
   * @internal use `record`. `alias`: the name errors about x give instead of the method's (a traced
   * transform's, e.g. `grad`, whose user never called `gradient`).
   */
  constructor(
    rec: Recording,
    strict: boolean,
    private readonly alias?: string,
  ) {
    this.rec = rec;
    // Swept many times from now on: one copy into flat arrays makes every later sweep cheaper.
    rec.tape.slots.consolidate();
    rec.tape.consts.consolidate();
    this.strict = strict;
    this.inputLength = inputCount(rec);
    this.outputLength = outputCount(rec);
    this.scalarInput = rec.inLen === 0;
    this.scalarOutput = rec.outScalar;
  }

  /**
   * How many recorded comparisons went the other way at the last point evaluated (0 = the
   * tape represents f there). See `branchReport` for the first one.
   */
  get branchChanges(): number {
    return this.lastBranches.changed;
  }
  /** The last branch check in full. */
  get branchReport(): BranchReport {
    return this.lastBranches;
  }

  /** Tape size. */
  stats(): TapeStats {
    return this.rec.tape.stats();
  }

  /**
   * Compiles the tape into fused kernels (runs of elementwise vector instructions become one loop
   * per sweep; intermediates inside a run stay in registers) and uses them for every later call.
   * Results stay bitwise those of the interpreter. Compiling again returns at once (the kernels are
   * cached on the function); `{ enabled: false }` leaves the interpreter in place. Returns this.
   */
  compile(options: CompileOptions = {}): this {
    if (typeof options !== 'object' || options === null)
      throw new ShapeError('compile: options', 'an object', describeValue(options));
    compileRecording(this.rec, options);
    return this;
  }

  /** True when compiled kernels run this function's sweeps (compiled, and compilation is on). */
  get compiled(): boolean {
    const c = this.rec.compiled;
    return c?.stats.compiled === true && c.usable();
  }

  /** What `compile` did and cost (undefined before it was called). */
  get compileStats(): CompileStats | undefined {
    return this.rec.compiled?.stats;
  }

  /** Moves the tape to x: writes the inputs, replays the values, re-checks the branches. */
  private at(x: PlainValue, who: string): void {
    this.lastBranches = moveTo(this.rec, x, this.alias ?? who, this.strict);
  }

  private shapeOut(y: Float64Array): number | Float64Array {
    return this.scalarOutput ? y[0]! : y;
  }

  private vector(v: unknown, n: number, scalar: boolean, arg: string): Float64Array {
    if (scalar && typeof v === 'number') {
      requireFinite(v, arg);
      return Float64Array.of(v);
    }
    if (v instanceof Float64Array && v.length === n) {
      requireFinite(v, arg);
      return v;
    }
    throw new ShapeError(arg, scalar ? 'a number' : `a Float64Array of length ${n}`, describeValue(v));
  }

  /** f(x). */
  value(x: X): Y {
    this.at(x, 'value');
    return this.shapeOut(outputValues(this.rec)) as Y;
  }

  /** ∇f(x) for a scalar-valued f (value replay + one reverse sweep). */
  gradient(x: X): X {
    if (!this.scalarOutput) {
      throw new ShapeError(
        'gradient',
        'a scalar-valued recorded function',
        `one with ${this.outputLength} outputs (use jacobian or vjp)`,
      );
    }
    const fused = fusedGradient(this.rec, x, this.alias ?? 'gradient', this.strict);
    if (fused !== undefined) {
      this.lastBranches = fused[1];
      return fused[0] as X;
    }
    this.at(x, 'gradient');
    const g = vjpFloat(this.rec, [Float64Array.of(1)]);
    return (this.scalarInput ? g[0]! : g) as X;
  }

  /** [f(x), ∇f(x)] for a scalar-valued f. */
  valueAndGradient(x: X): [number, X] {
    const g = this.gradient(x);
    return [outputValues(this.rec)[0]!, g];
  }

  /** J(x)·v, or for an array of directions all of them in one forward sweep. */
  jvp(x: X, v: X): Y;
  jvp(x: X, v: readonly Float64Array[]): Float64Array[];
  jvp(x: X, v: PlainValue | readonly Float64Array[]): PlainValue | Float64Array[] {
    const n = this.inputLength;
    const many = Array.isArray(v);
    const V = many
      ? (v as readonly Float64Array[]).map((d, k) => this.vector(d, n, false, `jvp: v[${k}]`))
      : [this.vector(v, n, this.scalarInput, 'jvp: v')];
    if (V.length === 0) throw new ShapeError('jvp: v', 'at least one direction', 'an empty array');
    this.at(x, 'jvp');
    const T = jvpFloat(this.rec, V);
    const p = V.length;
    const m = this.outputLength;
    const res = V.map((_, k) => {
      const y = new Float64Array(m);
      for (let i = 0; i < m; i++) y[i] = T[i * p + k]!;
      return y;
    });
    return many ? res : this.shapeOut(res[0]!);
  }

  /** uᵀJ(x), or for an array of cotangents all of them in one reverse sweep. */
  vjp(x: X, u: Y): X;
  vjp(x: X, u: readonly Float64Array[]): Float64Array[];
  vjp(x: X, u: PlainValue | readonly Float64Array[]): PlainValue | Float64Array[] {
    const m = this.outputLength;
    const many = Array.isArray(u);
    const U = many
      ? (u as readonly Float64Array[]).map((d, k) => this.vector(d, m, false, `vjp: u[${k}]`))
      : [this.vector(u, m, this.scalarOutput, 'vjp: u')];
    if (U.length === 0) throw new ShapeError('vjp: u', 'at least one cotangent', 'an empty array');
    this.at(x, 'vjp');
    const A = vjpFloat(this.rec, U);
    const q = U.length;
    const n = this.inputLength;
    const res = U.map((_, k) => {
      const g = new Float64Array(n);
      for (let j = 0; j < n; j++) g[j] = A[j * q + k]!;
      return g;
    });
    if (many) return res;
    return this.scalarInput ? res[0]![0]! : res[0]!;
  }

  /** Dense Jacobian at x (m × n row-major): forward sweeps when n <= m, else reverse; or forced. */
  jacobian(x: X, mode: 'auto' | 'forward' | 'reverse' = 'auto'): DenseMatrix {
    if (mode !== 'auto' && mode !== 'forward' && mode !== 'reverse') {
      throw new ShapeError('jacobian: mode', '"auto", "forward" or "reverse"', describeValue(mode));
    }
    this.at(x, 'jacobian');
    return jacobianFloat(this.rec, mode);
  }
}

/**
 * Records f at x0 (a number or Float64Array) and returns a function that can be evaluated and
 * differentiated at other points by replaying the tape. f receives an active scalar or vector
 * and returns a scalar, a vector or an array of scalars.
 */
export function record(f: (x: Active) => Real, x0: number, options?: RecordOptions): RecordedFunction<number, number>;
export function record(
  f: (x: Active) => Vec | readonly Real[],
  x0: number,
  options?: RecordOptions,
): RecordedFunction<number, Float64Array>;
export function record(
  f: (x: ActiveVec) => Real,
  x0: Float64Array,
  options?: RecordOptions,
): RecordedFunction<Float64Array, number>;
export function record(
  f: (x: ActiveVec) => Vec | readonly Real[],
  x0: Float64Array,
  options?: RecordOptions,
): RecordedFunction<Float64Array, Float64Array>;
export function record(
  f: (x: ActiveVec) => Value | readonly Real[],
  x0: Float64Array,
  options?: RecordOptions,
): RecordedFunction<Float64Array>;
export function record(
  f: (x: Active) => Value | readonly Real[],
  x0: number,
  options?: RecordOptions,
): RecordedFunction<number>;
export function record(
  f: (x: never) => unknown,
  x0: number | Float64Array,
  options: RecordOptions = {},
): RecordedFunction {
  if (typeof options !== 'object' || options === null)
    throw new ShapeError('record: options', 'an object', describeValue(options));
  const rec = recordCall(f, x0, [], 'record');
  return new RecordedFunction(rec, options.strict === true);
}

/**
 * Compiles a recorded function into fused kernels (see `RecordedFunction.compile`) and returns it.
 */
export function compile<F extends RecordedFunction>(F: F, options: CompileOptions = {}): F {
  if (!(F instanceof RecordedFunction))
    throw new ShapeError('compile: F', 'a RecordedFunction (from record)', describeValue(F));
  return F.compile(options);
}
