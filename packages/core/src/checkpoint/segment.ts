/**
 * `checkpoint(f)`: a segment whose internals are not kept on the enclosing tape (like
 * jax.checkpoint / torch.utils.checkpoint). The segment enters the tape as one atomic instruction
 * holding only its inputs and outputs; a sweep that needs its derivative records f afresh from the
 * saved inputs, sweeps that short tape and releases it. Memory drops from the segment's whole tape
 * to its inputs and outputs, at the price of one more evaluation of f per sweep.
 *
 * The rules run f through the transforms, so the segment composes with nesting: under an enclosing
 * differentiation the (differentiable) rules are recorded like any other code.
 */
import { type AtomicDefinition, callAtomic, type Plain } from '../atomic.js';
import { describeValue, ShapeError } from '../errors.js';
import * as F from '../ops/functions.js';
import { jvpFloat, type Recording, recordCall, vjpFloat } from '../recording.js';
import { Active, ActiveVec, type Value, type Vec } from '../tape/values.js';
import { jvp, vjp } from '../transforms.js';

/** Lengths of the arguments (0 = scalar). */
function lengthsOf(args: readonly Value[]): number[] {
  return args.map((a) => (typeof a === 'number' || a instanceof Active ? 0 : a.length));
}

/** The packed function: one vector holding all arguments, unpacked into views. */
function packed(f: (...args: Value[]) => Value, lens: readonly number[]) {
  return (x: ActiveVec): Value => {
    const args: Value[] = [];
    let o = 0;
    for (const l of lens) {
      if (l === 0) args.push(x.at(o++));
      else {
        args.push(x.slice(o, o + l));
        o += l;
      }
    }
    return f(...args);
  };
}

function packPlain(values: readonly Plain[], lens: readonly number[]): Float64Array {
  const n = lens.reduce((s, l) => s + (l || 1), 0);
  const x = new Float64Array(n);
  let o = 0;
  values.forEach((v, i) => {
    if (lens[i] === 0) x[o++] = v as number;
    else {
      x.set(v as Float64Array, o);
      o += lens[i]!;
    }
  });
  return x;
}

function unpackPlain(x: Float64Array, lens: readonly number[]): Plain[] {
  const res: Plain[] = [];
  let o = 0;
  for (const l of lens) {
    if (l === 0) res.push(x[o++]!);
    else {
      res.push(x.slice(o, o + l));
      o += l;
    }
  }
  return res;
}

function unpackValue(x: Value, lens: readonly number[]): Value[] {
  const res: Value[] = [];
  let o = 0;
  for (const l of lens) {
    if (l === 0) res.push(x instanceof ActiveVec ? x.at(o) : (x as Float64Array)[o]!);
    else res.push(F.slice(x as Vec, o, o + l));
    o += l || 1;
  }
  return res;
}

function asPlainOutput(v: unknown, who: string): Plain {
  if (typeof v === 'number' || (v instanceof Float64Array && v.length > 0)) return v;
  if (v instanceof Active || v instanceof ActiveVec) {
    throw new ShapeError(
      `${who} result`,
      'a value computed from the arguments only',
      'an active value (f closes over a value being differentiated: pass it as an argument)',
    );
  }
  throw new ShapeError(`${who} result`, 'a number or a non-empty Float64Array', describeValue(v));
}

/** Runs body on a fresh recording of the packed segment, then releases its tape. */
function withRecording<R>(fp: (x: ActiveVec) => Value, x: Float64Array, who: string, body: (rec: Recording) => R): R {
  const rec = recordCall(fp, x, [], who);
  try {
    return body(rec);
  } finally {
    rec.tape.recycle();
  }
}

/**
 * Wraps f so that, inside a differentiation, it is recorded as one instruction and re-recorded
 * from its saved inputs when a derivative sweep reaches it. f takes numbers/vectors (any number of
 * arguments) and returns a scalar or a vector; everything it differentiates must come in through
 * its arguments (a closure over an active value is reported as an error).
 */
export function checkpoint<A extends Value[], R extends Value>(
  f: (...args: A) => R,
  name = f.name || 'segment',
): (...args: A) => R {
  if (typeof f !== 'function') throw new ShapeError('checkpoint: f', 'a function', describeValue(f));
  const who = `checkpoint(${name})`;
  const g = f as unknown as (...args: Value[]) => Value;
  const def: AtomicDefinition<undefined> = {
    name: who,
    value: (inputs) => ({ outputs: [asPlainOutput(g(...inputs), who)] }),
    vjp: (inputs, _outputs, [ybar]) => {
      const lens = lengthsOf(inputs);
      return withRecording(packed(g, lens), packPlain(inputs, lens), who, (rec) => {
        const u = typeof ybar === 'number' ? Float64Array.of(ybar) : (ybar as Float64Array);
        return unpackPlain(vjpFloat(rec, [u]), lens);
      });
    },
    jvp: (inputs, _outputs, tangents) => {
      const lens = lengthsOf(inputs);
      return withRecording(packed(g, lens), packPlain(inputs, lens), who, (rec) => {
        const t = jvpFloat(rec, [packPlain(tangents, lens)]);
        return [rec.outScalar ? t[0]! : t];
      });
    },
    // Under an enclosing differentiation: the same rules through the (nesting-aware) transforms.
    vjpGeneric: (_G, inputs, _outputs, [ybar]) => {
      const lens = lengthsOf(inputs);
      const [, pullback] = vjp(packed(g, lens) as never, F.concat(inputs) as never);
      return unpackValue((pullback as (u: Value) => Value)(ybar!), lens);
    },
    jvpGeneric: (_G, inputs, _outputs, tangents) => {
      const lens = lengthsOf(inputs);
      const [, t] = jvp(packed(g, lens) as never, F.concat(inputs) as never, F.concat(tangents) as never);
      return [t as Value];
    },
  };
  const d = def as AtomicDefinition<unknown>;
  return ((...args: A): R => {
    const anyActive = args.some((a) => a instanceof Active || a instanceof ActiveVec);
    if (!anyActive) return f(...args);
    return callAtomic(d, args)[0] as R;
  }) as (...args: A) => R;
}
