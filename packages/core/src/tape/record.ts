/**
 * Recording scope and nesting tags.
 *
 * Every differentiation call opens its own tape (its tag) on a stack and closes it when it returns.
 * An operation records on the innermost tape among its operands' tapes; an operand of an enclosing
 * (outer) tape is captured into the inner tape as an independent variable that remembers its
 * source, so the inner derivative treats it as a constant while the outer derivative still sees
 * how the inner result depends on it (see sweeps/generic.ts). A value whose tape is closed is
 * rejected: that is how perturbation confusion and escaped values are caught.
 */
import { DomainError, describeValue, ShapeError, TapeMismatchError, TapeReleasedError } from '../errors.js';
import { OP_INPUT, OP_INPUT_RUN } from '../ops/table.js';
import { E_OUT, Tape } from './tape.js';
import { Active, ActiveVec, type Value } from './values.js';

const stack: Tape[] = [];

/** Opens a new tape nested inside whatever is recording now. */
export function beginTape(): Tape {
  const t = new Tape(stack.length);
  stack.push(t);
  return t;
}

/** Closes t (which must be the innermost open tape). Values of t are unusable afterwards. */
export function endTape(t: Tape): void {
  const i = stack.lastIndexOf(t);
  if (i < 0) return;
  // Close t and anything a throwing user function left open inside it.
  for (let j = stack.length - 1; j >= i; j--) stack[j]!.open = false;
  stack.length = i;
}

/** Runs body with a fresh tape open; closes it whatever happens. */
export function withTape<R>(body: (t: Tape) => R): R {
  const t = beginTape();
  try {
    return body(t);
  } finally {
    endTape(t);
  }
}

/** Number of tapes recording now (the nesting depth). */
export function nestingDepth(): number {
  return stack.length;
}

function tapeOfOperand(v: Active | ActiveVec, arg: string): Tape {
  const t = v.tape;
  if (!t.open) throw new TapeReleasedError(arg);
  return t;
}

/**
 * The tape an operation on these operands records on: the innermost (highest-level) open tape
 * among the active operands, or null if none is active.
 */
export function targetTape(a: Value, b: Value, argA = 'a', argB = 'b'): Tape | null {
  const ta = a instanceof Active || a instanceof ActiveVec ? tapeOfOperand(a, argA) : null;
  const tb = b instanceof Active || b instanceof ActiveVec ? tapeOfOperand(b, argB) : null;
  if (ta === null) return tb;
  if (tb === null || tb === ta) return ta;
  if (ta.level === tb.level) {
    throw new TapeMismatchError(
      `${argA} and ${argB}: expected active values of one tape or of nested differentiations, ` +
        `received values of two unrelated tapes (#${ta.id} and #${tb.id})`,
    );
  }
  return ta.level > tb.level ? ta : tb;
}

/** targetTape over a list of operands. */
export function targetTapeOf(values: readonly Value[], arg: string): Tape | null {
  let t: Tape | null = null;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(v instanceof Active || v instanceof ActiveVec)) continue;
    const tv = tapeOfOperand(v, `${arg}[${i}]`);
    if (t === null || tv === t) t = tv;
    else if (tv.level === t.level) {
      throw new TapeMismatchError(
        `${arg}[${i}]: expected active values of one tape or of nested differentiations, ` +
          `received values of two unrelated tapes (#${t.id} and #${tv.id})`,
      );
    } else if (tv.level > t.level) t = tv;
  }
  return t;
}

/**
 * The slot of an active scalar as seen by tape t: its own slot, or the slot of its capture into t
 * (t must be nested inside the value's tape).
 */
export function slotIn(t: Tape, v: Active): number {
  if (v.tape === t) return v.slot;
  return captureInto(t, v, v.slot, 0);
}

/** Start slot of an active vector as seen by tape t (capturing it if it belongs to an outer tape). */
export function runIn(t: Tape, v: ActiveVec): number {
  if (v.tape === t) return v.slot;
  return captureInto(t, v, v.slot, v.length);
}

function captureInto(t: Tape, v: Active | ActiveVec, slot: number, len: number): number {
  const src = v.tape;
  if (!src.open) throw new TapeReleasedError('operand');
  if (src.level >= t.level) {
    throw new TapeMismatchError(
      `operand: expected a value of tape #${t.id} or of a tape enclosing it, received a value of tape #${src.id}`,
    );
  }
  const key = `${src.id}:${slot}:${len}`;
  const k = t.captures.get(key);
  if (k !== undefined) return t.inputs[k]!.slot;
  const s = len === 0 ? addScalarInput(t, src.read(slot), v) : addRunInput(t, src.readRun(slot, len), v);
  t.captures.set(key, t.inputs.length - 1);
  return s;
}

/** Declares a scalar independent variable of t with value x; returns its slot. */
export function addScalarInput(t: Tape, x: number, source?: Value): number {
  const k = t.inputs.length;
  const slot = t.pushSimple(OP_INPUT, k, 0, x);
  t.inputs.push({ slot, len: 0, source });
  if (source !== undefined) t.hasOuter = true;
  return slot;
}

/** Declares a run of independent variables of t holding a copy of x; returns its first slot. */
export function addRunInput(t: Tape, x: Float64Array, source?: Value): number {
  const k = t.inputs.length;
  const r = t.pushExt(OP_INPUT_RUN, x.length);
  const slot = t.extGet(r, E_OUT);
  t.extSet(r, 6 /* E_AUX */, k);
  t.slots.buffer(slot).set(x, t.slots.offset(slot));
  t.inputs.push({ slot, len: x.length, source });
  if (source !== undefined) t.hasOuter = true;
  return slot;
}

/**
 * Makes the independent variables of t from a caller's argument: a number or active scalar gives
 * an active scalar, a Float64Array or active vector gives an active vector. Active arguments of an
 * enclosing tape become inputs that remember their source (nesting).
 */
export function declareInput(t: Tape, x: unknown, arg: string): Active | ActiveVec {
  if (typeof x === 'number') {
    return new Active(t, addScalarInput(t, x));
  }
  if (x instanceof Float64Array) {
    if (x.length === 0) throw new ShapeError(arg, 'a non-empty Float64Array', 'Float64Array(0)');
    return new ActiveVec(t, addRunInput(t, x), x.length);
  }
  if (x instanceof Active) {
    if (!x.tape.open) throw new TapeReleasedError(arg);
    return new Active(t, addScalarInput(t, x.value, x));
  }
  if (x instanceof ActiveVec) {
    if (!x.tape.open) throw new TapeReleasedError(arg);
    return new ActiveVec(t, addRunInput(t, x.value, x), x.length);
  }
  throw new ShapeError(arg, 'a number or a Float64Array', describeValue(x));
}

/** Throws DomainError unless every entry of x is finite. */
export function requireFinite(x: number | Float64Array, arg: string): void {
  if (typeof x === 'number') {
    if (!Number.isFinite(x)) throw new DomainError(arg, 'a finite number', `number ${x}`);
    return;
  }
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (!Number.isFinite(v)) throw new DomainError(`${arg}[${i}]`, 'a finite number', `number ${v}`);
  }
}
