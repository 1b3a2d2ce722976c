/**
 * Traced transforms: `grad(f, { compile: true })` and its siblings record f once per input shape,
 * compile the tape into fused kernels, and replay it at later calls — what `jax.jit(jax.grad(f))`
 * does with its trace cache. A recorded comparison that goes the other way at a new point (the
 * function took another branch) re-traces there; so does a new input length or other extra
 * arguments. Nested calls (x an active value of an enclosing differentiation) are never traced.
 */
import { RecordedFunction } from './adfun.js';
import { BranchChangeError, describeValue, ShapeError } from './errors.js';
import { recordCall } from './recording.js';

/** Options of `grad`, `valueAndGrad`, `jacobian`, `jacfwd` and `jacrev`. */
export interface TransformOptions {
  /**
   * Trace and compile (default false: f is recorded afresh at every call). f is recorded at the
   * first call for each input shape (a number, or a Float64Array of one length) and set of extra
   * arguments, its tape compiled into fused kernels (`RecordedFunction.compile`), and replayed at
   * later calls: on array code one kernel per sweep instead of one pass per operation. As with
   * `record`, control flow that depends on values must go through recorded comparisons (`lt`,
   * `gt`, … in conditions, or `select`): a comparison that goes the other way re-traces at that
   * point, but a branch on a number read out of an active value is invisible to the tape. Extra
   * arguments are constants of the trace: typed arrays are compared by content, anything else
   * by identity, and a change re-traces.
   */
  readonly compile?: boolean;
}

/** Reads and checks a transform's options object. */
export function compileOption(options: unknown, who: string): boolean {
  if (options === undefined) return false;
  if (typeof options !== 'object' || options === null)
    throw new ShapeError(`${who}: options`, 'an object ({ compile?: boolean })', describeValue(options));
  const c = (options as TransformOptions).compile;
  if (c !== undefined && typeof c !== 'boolean')
    throw new ShapeError(`${who}: options.compile`, 'a boolean', describeValue(c));
  return c === true;
}

/** One trace: the compiled recording, the input shape it was made for, its extra arguments. */
interface Trace {
  readonly shape: number;
  readonly rest: readonly unknown[];
  readonly F: RecordedFunction;
}

/** Input shape of x: −1 for a number, n for a Float64Array of length n, undefined otherwise. */
function shapeOf(x: unknown): number | undefined {
  if (typeof x === 'number') return -1;
  if (x instanceof Float64Array) return x.length;
  return undefined;
}

function sameArgument(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (!(a instanceof Float64Array && b instanceof Float64Array) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** Extra arguments as the trace keeps them (typed arrays copied: the caller may change them). */
const keep = (rest: readonly unknown[]): unknown[] => rest.map((r) => (r instanceof Float64Array ? r.slice() : r));

/**
 * The trace cache of one transformed function: `run(x, rest, body)` gives body the compiled
 * recorded function for x's shape and these extra arguments (tracing when needed), and re-traces
 * once when the tape's branch check fails at x. Returns undefined when x is not a plain number or
 * Float64Array (nested differentiation: the caller records as usual).
 */
export class TraceCache {
  private trace: Trace | undefined;

  constructor(
    private readonly f: (x: never, ...rest: unknown[]) => unknown,
    private readonly who: string,
  ) {}

  run<R>(x: unknown, rest: readonly unknown[], body: (F: RecordedFunction) => R): R | undefined {
    const shape = shapeOf(x);
    if (shape === undefined) return undefined;
    const t = this.trace;
    const hit =
      t !== undefined &&
      t.shape === shape &&
      t.rest.length === rest.length &&
      t.rest.every((r, k) => sameArgument(r, rest[k]));
    if (hit) {
      try {
        return body(t.F);
      } catch (e) {
        if (!(e instanceof BranchChangeError)) throw e;
      }
    }
    return body(this.retrace(x, shape, rest));
  }

  private retrace(x: unknown, shape: number, rest: readonly unknown[]): RecordedFunction {
    this.trace = undefined;
    const F = new RecordedFunction(recordCall(this.f, x, rest, this.who), true, this.who).compile();
    this.trace = { shape, rest: keep(rest), F };
    return F;
  }
}
