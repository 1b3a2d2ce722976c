/**
 * The differentiable functions users call. Each accepts plain numbers and Float64Arrays (computed
 * directly, nothing recorded) and active scalars and vectors (recorded on the innermost tape among
 * the operands). Binary ops broadcast a scalar against a vector; two vectors must have equal length.
 */
import { DomainError, describeValue, ShapeError } from '../errors.js';
import { binaryValue, unaryValue } from '../sweeps/rules.js';
import { runIn, slotIn, targetTape, targetTapeOf } from '../tape/record.js';
import { A_CONST, B_CONST, E_A, E_AUX, E_AUX2, E_B, E_C, E_OUT, type Tape } from '../tape/tape.js';
import { Active, ActiveVec, type Real, type Value, type Vec } from '../tape/values.js';
import { evalBinaryRun, evalUnaryRun } from './kernels.js';
import {
  BCAST_A,
  BCAST_B,
  BCAST_C,
  binarySpec,
  OP_ADD,
  OP_CONCAT,
  OP_CONST_RUN,
  OP_DIV,
  OP_DOT,
  OP_GATHER,
  OP_MUL,
  OP_PROD,
  OP_RMAX,
  OP_RMIN,
  OP_SCATTER_ADD,
  OP_SELECT,
  OP_SQUARE,
  OP_SUB,
  OP_SUM,
  opcode,
} from './table.js';

// ---------------------------------------------------------------------------------------------
// Operand plumbing

function badOperand(arg: string, v: unknown): never {
  throw new ShapeError(arg, 'a number, a Float64Array or an active value', describeValue(v));
}

/** Length of an operand: 0 for scalars. */
function lengthOf(v: Value, arg: string): number {
  if (typeof v === 'number' || v instanceof Active) return 0;
  if (v instanceof ActiveVec) return v.length;
  if (v instanceof Float64Array) {
    if (v.length === 0) throw new ShapeError(arg, 'a non-empty Float64Array', 'Float64Array(0)');
    return v.length;
  }
  return badOperand(arg, v);
}

/** Copies a constant vector onto the tape as a run; returns its first slot. */
export function constantRun(t: Tape, x: Float64Array): number {
  const r = t.pushExt(OP_CONST_RUN, x.length);
  const s = t.extGet(r, E_OUT);
  t.slots.buffer(s).set(x, t.slots.offset(s));
  return s;
}

/** Slot (or constant index, with isConst) of an operand on tape t. */
interface Resolved {
  index: number;
  isConst: boolean;
  len: number;
}
/**
 * Resolves an operand on tape t. A constant vector goes to the constant pool when `pooled` (the
 * instruction reads constants through its A_CONST/B_CONST flags: no slots, no adjoints), else it is
 * copied into a constant run of slots.
 */
function resolve(t: Tape, v: Value, len: number, pooled = false): Resolved {
  if (typeof v === 'number') return { index: t.constant(v), isConst: true, len: 0 };
  if (v instanceof Active) return { index: slotIn(t, v), isConst: false, len: 0 };
  if (v instanceof ActiveVec) return { index: runIn(t, v), isConst: false, len };
  const x = v as Float64Array;
  if (!pooled) return { index: constantRun(t, x), isConst: false, len };
  const k = t.consts.pushRun(x.length);
  t.consts.buffer(k).set(x, t.consts.offset(k));
  return { index: k, isConst: true, len };
}

function bufOf(t: Tape, r: Resolved): Float64Array {
  return r.isConst ? t.consts.buffer(r.index) : t.slots.buffer(r.index);
}
function offOf(t: Tape, r: Resolved): number {
  return r.isConst ? t.consts.offset(r.index) : t.slots.offset(r.index);
}

// ---------------------------------------------------------------------------------------------
// Generic elementwise recording

/** Applies unary op to any operand. */
export function applyUnary(op: number, x: Value): Value {
  if (typeof x === 'number') return unaryValue(op, x);
  if (x instanceof Active) {
    const t = x.tape;
    if (!t.open) targetTape(x, 0, 'x');
    return new Active(t, t.pushSimple(op, x.slot, 0, unaryValue(op, t.read(x.slot))));
  }
  const n = lengthOf(x, 'x');
  if (x instanceof Float64Array) {
    const y = new Float64Array(n);
    evalUnaryRun(op, y, 0, x, 0, n);
    return y;
  }
  const t = targetTape(x, 0, 'x')!;
  const xs = runIn(t, x as ActiveVec);
  const r = t.pushExt(op, n);
  t.extSet(r, E_A, xs);
  const ys = t.extGet(r, E_OUT);
  const S = t.slots;
  evalUnaryRun(op, S.buffer(ys), S.offset(ys), S.buffer(xs), S.offset(xs), n);
  return new ActiveVec(t, ys, n);
}

/** Applies binary op to any operands (broadcasting scalars). */
export function applyBinary(op: number, a: Value, b: Value): Value {
  if (typeof a === 'number') {
    if (typeof b === 'number') return binaryValue(op, a, b);
    if (b instanceof Active && b.tape.open) {
      const t = b.tape;
      return new Active(t, t.pushSimple(op | A_CONST, t.constant(a), b.slot, binaryValue(op, a, t.slots.read(b.slot))));
    }
  } else if (a instanceof Active && a.tape.open) {
    const t = a.tape;
    if (typeof b === 'number') {
      return new Active(t, t.pushSimple(op | B_CONST, a.slot, t.constant(b), binaryValue(op, t.slots.read(a.slot), b)));
    }
    if (b instanceof Active && b.tape === t) {
      return new Active(
        t,
        t.pushSimple(op, a.slot, b.slot, binaryValue(op, t.slots.read(a.slot), t.slots.read(b.slot))),
      );
    }
  }
  return binarySlow(op, a, b);
}

function binarySlow(op: number, a: Value, b: Value): Value {
  const la = lengthOf(a, 'a');
  const lb = lengthOf(b, 'b');
  if (la !== 0 && lb !== 0 && la !== lb) {
    throw new ShapeError('b', `a scalar or a vector of length ${la} (the length of a)`, `a vector of length ${lb}`);
  }
  const n = la || lb;
  const t = targetTape(a, b, 'a', 'b');
  const spec = binarySpec(op);
  if (t === null) {
    // Both constant: plain computation.
    if (n === 0) return spec.value(a as number, b as number);
    const y = new Float64Array(n);
    const A = typeof a === 'number' ? Float64Array.of(a) : (a as Float64Array);
    const B = typeof b === 'number' ? Float64Array.of(b) : (b as Float64Array);
    evalBinaryRun(op, y, 0, A, 0, la ? 1 : 0, B, 0, lb ? 1 : 0, n);
    return y;
  }
  const ra = resolve(t, a, la, true);
  const rb = resolve(t, b, lb, true);
  const flags = (ra.isConst ? A_CONST : 0) | (rb.isConst ? B_CONST : 0);
  if (n === 0) {
    const va = ra.isConst ? (a as number) : t.slots.read(ra.index);
    const vb = rb.isConst ? (b as number) : t.slots.read(rb.index);
    return new Active(t, t.pushSimple(op | flags, ra.index, rb.index, spec.value(va, vb)));
  }
  const r = t.pushExt(op | flags, n);
  t.extSet(r, E_A, ra.index);
  t.extSet(r, E_B, rb.index);
  t.extSet(r, E_AUX, (la === 0 ? BCAST_A : 0) | (lb === 0 ? BCAST_B : 0));
  const ys = t.extGet(r, E_OUT);
  evalBinaryRun(
    op,
    t.slots.buffer(ys),
    t.slots.offset(ys),
    bufOf(t, ra),
    offOf(t, ra),
    la ? 1 : 0,
    bufOf(t, rb),
    offOf(t, rb),
    lb ? 1 : 0,
    n,
  );
  return new ActiveVec(t, ys, n);
}

// ---------------------------------------------------------------------------------------------
// Arithmetic (hand-written fast paths for the ops scalar code uses most)

// The four arithmetic ops below are the inner loop of scalar code: each handles active/active,
// active/number and number/active inline (value computed here, one simple instruction pushed) and
// leaves everything else (vectors, nesting, errors) to applyBinary. Their values must equal the op
// specs' values bit for bit; test/table.test.ts checks that.

/** a + b (elementwise, broadcasting). */
export function add(a: number, b: number): number;
export function add(a: Real, b: Real): Real;
export function add(a: Float64Array, b: number | Float64Array): Float64Array;
export function add(a: number, b: Float64Array): Float64Array;
export function add(a: Vec, b: Value): Vec;
export function add(a: Value, b: Vec): Vec;
export function add(a: Value, b: Value): Value;
export function add(a: Value, b: Value): Value {
  if (a instanceof Active) {
    const t = a.tape;
    if (t.open) {
      if (b instanceof Active) {
        if (b.tape === t) return new Active(t, t.pushSimple(OP_ADD, a.slot, b.slot, t.read(a.slot) + t.read(b.slot)));
      } else if (typeof b === 'number') {
        return new Active(t, t.pushSimple(OP_ADD | B_CONST, a.slot, t.constant(b), t.read(a.slot) + b));
      }
    }
  } else if (typeof a === 'number') {
    if (typeof b === 'number') return a + b;
    if (b instanceof Active && b.tape.open) {
      const t = b.tape;
      return new Active(t, t.pushSimple(OP_ADD | A_CONST, t.constant(a), b.slot, a + t.read(b.slot)));
    }
  }
  return applyBinary(OP_ADD, a, b);
}

/** a − b. */
export function sub(a: number, b: number): number;
export function sub(a: Real, b: Real): Real;
export function sub(a: Float64Array, b: number | Float64Array): Float64Array;
export function sub(a: number, b: Float64Array): Float64Array;
export function sub(a: Vec, b: Value): Vec;
export function sub(a: Value, b: Vec): Vec;
export function sub(a: Value, b: Value): Value;
export function sub(a: Value, b: Value): Value {
  if (a instanceof Active) {
    const t = a.tape;
    if (t.open) {
      if (b instanceof Active) {
        if (b.tape === t) return new Active(t, t.pushSimple(OP_SUB, a.slot, b.slot, t.read(a.slot) - t.read(b.slot)));
      } else if (typeof b === 'number') {
        return new Active(t, t.pushSimple(OP_SUB | B_CONST, a.slot, t.constant(b), t.read(a.slot) - b));
      }
    }
  } else if (typeof a === 'number') {
    if (typeof b === 'number') return a - b;
    if (b instanceof Active && b.tape.open) {
      const t = b.tape;
      return new Active(t, t.pushSimple(OP_SUB | A_CONST, t.constant(a), b.slot, a - t.read(b.slot)));
    }
  }
  return applyBinary(OP_SUB, a, b);
}

/** a · b. `mul(x, x)` records `square(x)` (same value, one operand). */
export function mul(a: number, b: number): number;
export function mul(a: Real, b: Real): Real;
export function mul(a: Float64Array, b: number | Float64Array): Float64Array;
export function mul(a: number, b: Float64Array): Float64Array;
export function mul(a: Vec, b: Value): Vec;
export function mul(a: Value, b: Vec): Vec;
export function mul(a: Value, b: Value): Value;
export function mul(a: Value, b: Value): Value {
  if (a instanceof Active) {
    const t = a.tape;
    if (t.open) {
      if (b instanceof Active) {
        if (b.tape === t) {
          const sa = a.slot;
          const sb = b.slot;
          const va = t.read(sa);
          return new Active(
            t,
            sa === sb ? t.pushSimple(OP_SQUARE, sa, 0, va * va) : t.pushSimple(OP_MUL, sa, sb, va * t.read(sb)),
          );
        }
      } else if (typeof b === 'number') {
        return new Active(t, t.pushSimple(OP_MUL | B_CONST, a.slot, t.constant(b), t.read(a.slot) * b));
      }
    }
  } else if (typeof a === 'number') {
    if (typeof b === 'number') return a * b;
    if (b instanceof Active && b.tape.open) {
      const t = b.tape;
      return new Active(t, t.pushSimple(OP_MUL | A_CONST, t.constant(a), b.slot, a * t.read(b.slot)));
    }
  } else if (
    a instanceof ActiveVec &&
    b instanceof ActiveVec &&
    a.tape === b.tape &&
    a.slot === b.slot &&
    a.length === b.length
  ) {
    return applyUnary(OP_SQUARE, a);
  }
  return applyBinary(OP_MUL, a, b);
}

/** a / b. */
export function div(a: number, b: number): number;
export function div(a: Real, b: Real): Real;
export function div(a: Float64Array, b: number | Float64Array): Float64Array;
export function div(a: number, b: Float64Array): Float64Array;
export function div(a: Vec, b: Value): Vec;
export function div(a: Value, b: Vec): Vec;
export function div(a: Value, b: Value): Value;
export function div(a: Value, b: Value): Value {
  if (a instanceof Active) {
    const t = a.tape;
    if (t.open) {
      if (b instanceof Active) {
        if (b.tape === t) return new Active(t, t.pushSimple(OP_DIV, a.slot, b.slot, t.read(a.slot) / t.read(b.slot)));
      } else if (typeof b === 'number') {
        return new Active(t, t.pushSimple(OP_DIV | B_CONST, a.slot, t.constant(b), t.read(a.slot) / b));
      }
    }
  } else if (typeof a === 'number') {
    if (typeof b === 'number') return a / b;
    if (b instanceof Active && b.tape.open) {
      const t = b.tape;
      return new Active(t, t.pushSimple(OP_DIV | A_CONST, t.constant(a), b.slot, a / t.read(b.slot)));
    }
  }
  return applyBinary(OP_DIV, a, b);
}

function binaryFn(name: string) {
  const op = opcode(name);
  function f(a: number, b: number): number;
  function f(a: Real, b: Real): Real;
  function f(a: Float64Array, b: number | Float64Array): Float64Array;
  function f(a: number, b: Float64Array): Float64Array;
  function f(a: Vec, b: Value): Vec;
  function f(a: Value, b: Vec): Vec;
  function f(a: Value, b: Value): Value;
  function f(a: Value, b: Value): Value {
    return applyBinary(op, a, b);
  }
  return f;
}

function unaryFn(name: string) {
  const op = opcode(name);
  function f(x: number): number;
  function f(x: Real): Real;
  function f(x: Float64Array): Float64Array;
  function f(x: Vec): Vec;
  function f(x: Value): Value;
  function f(x: Value): Value {
    return applyUnary(op, x);
  }
  return f;
}

/** a^b: real exponents; with an integer-valued exponent negative bases are fine; x^y with both active works for x > 0. */
export const pow = binaryFn('pow');
/** atan2(a, b) = angle of the point (b, a). */
export const atan2 = binaryFn('atan2');
/** sqrt(a² + b²) without overflow; derivative 0 at the origin by convention. */
export const hypot = binaryFn('hypot');
/** Elementwise minimum; at ties the first argument gets the derivative. */
export const min = binaryFn('min');
/** Elementwise maximum; at ties the first argument gets the derivative. */
export const max = binaryFn('max');
/** 1 where a < b, else 0 (a mask for `select`; zero derivative). */
export const less = binaryFn('less');
/** 1 where a <= b, else 0. */
export const lessEqual = binaryFn('lessEqual');
/** 1 where a > b, else 0. */
export const greater = binaryFn('greater');
/** 1 where a >= b, else 0. */
export const greaterEqual = binaryFn('greaterEqual');
/** 1 where a == b, else 0. */
export const equal = binaryFn('equal');
/** 1 where a != b, else 0. */
export const notEqual = binaryFn('notEqual');

/** −x. */
export const neg = unaryFn('neg');
/** x² (recorded as one op; `mul(x, x)` records it too). */
export const square = unaryFn('square');
/** 1/x. */
export const reciprocal = unaryFn('reciprocal');
/** √x (derivative +∞ at 0). */
export const sqrt = unaryFn('sqrt');
/** ∛x. */
export const cbrt = unaryFn('cbrt');
/** eˣ. */
export const exp = unaryFn('exp');
/** eˣ − 1, accurate near 0. */
export const expm1 = unaryFn('expm1');
/** Natural logarithm. */
export const log = unaryFn('log');
/** log(1 + x), accurate near 0. */
export const log1p = unaryFn('log1p');
/** Base-2 logarithm. */
export const log2 = unaryFn('log2');
/** Base-10 logarithm. */
export const log10 = unaryFn('log10');
/** Sine. */
export const sin = unaryFn('sin');
/** Cosine. */
export const cos = unaryFn('cos');
/** Tangent. */
export const tan = unaryFn('tan');
/** Arcsine. */
export const asin = unaryFn('asin');
/** Arccosine. */
export const acos = unaryFn('acos');
/** Arctangent. */
export const atan = unaryFn('atan');
/** Hyperbolic sine. */
export const sinh = unaryFn('sinh');
/** Hyperbolic cosine. */
export const cosh = unaryFn('cosh');
/** Hyperbolic tangent. */
export const tanh = unaryFn('tanh');
/** Inverse hyperbolic sine. */
export const asinh = unaryFn('asinh');
/** Inverse hyperbolic cosine. */
export const acosh = unaryFn('acosh');
/** Inverse hyperbolic tangent. */
export const atanh = unaryFn('atanh');
/** |x|; derivative 0 at 0 by convention. */
export const abs = unaryFn('abs');
/** sign(x) ∈ {−1, 0, 1}; derivative 0. */
export const sign = unaryFn('sign');
/** Error function (Cody's approximations, ~1e-16). */
export const erf = unaryFn('erf');
/** Complementary error function, accurate in the tail. */
export const erfc = unaryFn('erfc');
/** Standard normal CDF Φ(x). */
export const normalCdf = unaryFn('normalCdf');
/** Inverse standard normal CDF Φ⁻¹(p). */
export const normalInv = unaryFn('normalInv');
export const floor = unaryFn('floor');
/** Ceiling (derivative 0). */
export const ceil = unaryFn('ceil');
/** Round half away from zero, like C (derivative 0). */
export const round = unaryFn('round');
/** Truncation toward zero (derivative 0). */
export const trunc = unaryFn('trunc');
/** log(1 + e^x), computed stably. */
export const softplus = unaryFn('softplus');
/**
 * The value of x with derivative 0, recorded as an instruction (so a replay at a new point recomputes
 * it). `stopGradient` instead returns the current plain value, a constant of the tape.
 */
export const detach = unaryFn('detach');
/** 1 / (1 + e^−x), computed stably. */
export const sigmoid = unaryFn('sigmoid');

/** min(max(x, lo), hi): the max/min tie conventions apply at the bounds (x = lo gives derivative 1 w.r.t. x). */
export function clamp(x: number, lo: number, hi: number): number;
export function clamp(x: Real, lo: Real, hi: Real): Real;
export function clamp(x: Vec, lo: Value, hi: Value): Vec;
export function clamp(x: Value, lo: Value, hi: Value): Value;
export function clamp(x: Value, lo: Value, hi: Value): Value {
  return min(max(x, lo), hi);
}

// ---------------------------------------------------------------------------------------------
// Comparisons that branch (recorded, checked on replay)

const CMP_OPS = ['<', '<=', '>', '>=', '==', '!='] as const;
/** Comparison operators by code (recorded comparisons store the code). */
export const COMPARISON_OPERATORS: readonly string[] = CMP_OPS;

function compareNumbers(code: number, x: number, y: number): boolean {
  switch (code) {
    case 0:
      return x < y;
    case 1:
      return x <= y;
    case 2:
      return x > y;
    case 3:
      return x >= y;
    case 4:
      return x === y;
    default:
      return x !== y;
  }
}

export { compareNumbers };

function compare(code: number, a: Real, b: Real): boolean {
  if (typeof a === 'number' && typeof b === 'number') return compareNumbers(code, a, b);
  if (!(typeof a === 'number' || a instanceof Active)) return badCompare('a', a);
  if (!(typeof b === 'number' || b instanceof Active)) return badCompare('b', b);
  const t = targetTape(a, b, 'a', 'b')!;
  const ra = resolve(t, a, 0);
  const rb = resolve(t, b, 0);
  const va = ra.isConst ? (a as number) : t.slots.read(ra.index);
  const vb = rb.isConst ? (b as number) : t.slots.read(rb.index);
  const result = compareNumbers(code, va, vb);
  t.recordComparison(code | (ra.isConst ? A_CONST : 0) | (rb.isConst ? B_CONST : 0), ra.index, rb.index, result);
  return result;
}
function badCompare(arg: string, v: unknown): never {
  throw new ShapeError(arg, 'a number or an active scalar (use less/greater … masks for vectors)', describeValue(v));
}

/** a < b as a boolean for `if`; on a tape the comparison is recorded and re-checked on replay. */
export function lt(a: Real, b: Real): boolean {
  return compare(0, a, b);
}
/** a <= b (recorded). */
export function le(a: Real, b: Real): boolean {
  return compare(1, a, b);
}
/** a > b (recorded). */
export function gt(a: Real, b: Real): boolean {
  return compare(2, a, b);
}
/** a >= b (recorded). */
export function ge(a: Real, b: Real): boolean {
  return compare(3, a, b);
}
/** a == b (recorded). */
export function eq(a: Real, b: Real): boolean {
  return compare(4, a, b);
}
/** a != b (recorded). */
export function ne(a: Real, b: Real): boolean {
  return compare(5, a, b);
}

// ---------------------------------------------------------------------------------------------
// select

/**
 * Elementwise `cond ? a : b`. A boolean (or number) cond picks one branch once (the choice is not
 * recorded as an instruction); a mask value (from `less`, `greater` …) is recorded, so replay at new
 * inputs re-evaluates the choice. The derivative flows to the chosen branch only.
 */
export function select(cond: boolean | Real, a: Real, b: Real): Real;
export function select(cond: boolean | Value, a: Vec, b: Value): Vec;
export function select(cond: boolean | Value, a: Value, b: Vec): Vec;
export function select(cond: boolean | Value, a: Value, b: Value): Value;
export function select(cond: boolean | Value, a: Value, b: Value): Value {
  if (typeof cond === 'boolean') return cond ? a : b;
  if (typeof cond === 'number') return cond !== 0 ? a : b;
  const lc = lengthOf(cond, 'cond');
  const la = lengthOf(a, 'a');
  const lb = lengthOf(b, 'b');
  const n = Math.max(lc, la, lb);
  for (const [arg, l] of [
    ['cond', lc],
    ['a', la],
    ['b', lb],
  ] as const) {
    if (l !== 0 && l !== n) throw new ShapeError(arg, `a scalar or a vector of length ${n}`, `a vector of length ${l}`);
  }
  const t = targetTapeOf([cond, a, b], 'select');
  if (t === null) {
    const y = new Float64Array(n);
    const at = (v: Value, i: number) => (typeof v === 'number' ? v : (v as Float64Array)[i]!);
    for (let i = 0; i < n; i++) y[i] = at(cond, i) !== 0 ? at(a, i) : at(b, i);
    return n === 0 ? y[0]! : y;
  }
  const rc = resolve(t, cond, lc);
  if (rc.isConst) throw new ShapeError('cond', 'a mask value', describeValue(cond));
  const ra = resolve(t, a, la, true);
  const rb = resolve(t, b, lb, true);
  const r = t.pushExt(OP_SELECT | (ra.isConst ? A_CONST : 0) | (rb.isConst ? B_CONST : 0), n);
  t.extSet(r, E_A, ra.index);
  t.extSet(r, E_B, rb.index);
  t.extSet(r, E_C, rc.index);
  t.extSet(r, E_AUX, (la === 0 ? BCAST_A : 0) | (lb === 0 ? BCAST_B : 0) | (lc === 0 ? BCAST_C : 0));
  const ys = t.extGet(r, E_OUT);
  evalSelect(t, r, n);
  return n === 0 ? new Active(t, ys) : new ActiveVec(t, ys, n);
}

/** Evaluates select record r (n = 0 for scalar) from the tape's current values. */
export function evalSelect(t: Tape, r: number, n: number): void {
  const S = t.slots;
  const C = t.consts;
  const ys = t.extGet(r, E_OUT);
  const ia = t.extGet(r, E_A);
  const ib = t.extGet(r, E_B);
  const ic = t.extGet(r, E_C);
  const bc = t.extGet(r, E_AUX);
  const flags = extCode(t, r);
  const A = flags & A_CONST ? C.buffer(ia) : S.buffer(ia);
  const ao = flags & A_CONST ? C.offset(ia) : S.offset(ia);
  const B = flags & B_CONST ? C.buffer(ib) : S.buffer(ib);
  const bo = flags & B_CONST ? C.offset(ib) : S.offset(ib);
  const M = S.buffer(ic);
  const mo = S.offset(ic);
  const Y = S.buffer(ys);
  const yo = S.offset(ys);
  const sa = bc & BCAST_A ? 0 : 1;
  const sb = bc & BCAST_B ? 0 : 1;
  const sm = bc & BCAST_C ? 0 : 1;
  const len = n === 0 ? 1 : n;
  for (let i = 0; i < len; i++) Y[yo + i] = M[mo + i * sm] !== 0 ? A[ao + i * sa]! : B[bo + i * sb]!;
}

/** The code (with flags) of the instruction that owns extension record r (kept in E_AUX2). */
function extCode(t: Tape, r: number): number {
  return t.extGet(r, E_AUX2);
}

// ---------------------------------------------------------------------------------------------
// Reductions, gathers, concatenation

function vecOperand(v: Value, arg: string): number {
  if (v instanceof ActiveVec || v instanceof Float64Array) return lengthOf(v, arg);
  throw new ShapeError(arg, 'a Float64Array or an active vector', describeValue(v));
}

function reduction(op: number, v: Value, arg: string, plain: (x: Float64Array) => number): Real {
  const n = vecOperand(v, arg);
  if (v instanceof Float64Array) return plain(v);
  const t = targetTape(v, 0, arg)!;
  const s = runIn(t, v as ActiveVec);
  const r = t.pushExt(op, 0);
  t.extSet(r, E_A, s);
  t.extSet(r, E_B, n);
  const out = t.extGet(r, E_OUT);
  t.slots.write(out, plain(t.slots.buffer(s).subarray(t.slots.offset(s), t.slots.offset(s) + n)));
  return new Active(t, out);
}

/** Sum of the elements, left to right. */
export function sum(v: Float64Array): number;
export function sum(v: Vec): Real;
export function sum(v: Vec): Real {
  return reduction(OP_SUM, v, 'v', plainSum);
}
/** Product of the elements, left to right. */
export function prod(v: Vec): Real {
  return reduction(OP_PROD, v, 'v', plainProd);
}
/** Largest element; the derivative goes to the first maximal element. */
export function maxOf(v: Vec): Real {
  return reduction(OP_RMAX, v, 'v', (x) => x[argExtreme(x, 0, x.length, true)]!);
}
/** Smallest element; the derivative goes to the first minimal element. */
export function minOf(v: Vec): Real {
  return reduction(OP_RMIN, v, 'v', (x) => x[argExtreme(x, 0, x.length, false)]!);
}

export function plainSum(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return s;
}
export function plainProd(x: Float64Array): number {
  let s = 1;
  for (let i = 0; i < x.length; i++) s *= x[i]!;
  return s;
}
/** Index (relative to o) of the first maximal (or minimal) element of x[o‥o+n); NaN counts as extreme. */
export function argExtreme(x: Float64Array, o: number, n: number, isMax: boolean): number {
  let k = 0;
  let best = x[o]!;
  for (let i = 1; i < n; i++) {
    const v = x[o + i]!;
    if (isMax ? v > best : v < best) {
      best = v;
      k = i;
    }
    if (v !== v && best === best) {
      best = v;
      k = i;
    }
  }
  return k;
}

/** Inner product Σ a[i] b[i], left to right. */
export function dot(a: Vec, b: Vec): Real {
  const n = vecOperand(a, 'a');
  const nb = vecOperand(b, 'b');
  if (nb !== n) throw new ShapeError('b', `a vector of length ${n} (the length of a)`, `a vector of length ${nb}`);
  const t = targetTape(a, b, 'a', 'b');
  if (t === null) return plainDot(a as Float64Array, 0, b as Float64Array, 0, n);
  const ra = resolve(t, a, n);
  const rb = resolve(t, b, n);
  const r = t.pushExt(OP_DOT, 0);
  t.extSet(r, E_A, ra.index);
  t.extSet(r, E_B, rb.index);
  t.extSet(r, E_C, n);
  const out = t.extGet(r, E_OUT);
  const S = t.slots;
  t.slots.write(out, plainDot(S.buffer(ra.index), S.offset(ra.index), S.buffer(rb.index), S.offset(rb.index), n));
  return new Active(t, out);
}
export function plainDot(a: Float64Array, ao: number, b: Float64Array, bo: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[ao + i]! * b[bo + i]!;
  return s;
}

function indexArray(idx: Int32Array | readonly number[], bound: number, arg: string): Int32Array {
  const out = Int32Array.from(idx as ArrayLike<number>);
  for (let i = 0; i < out.length; i++) {
    const k = out[i]!;
    if (k < 0 || k >= bound || k !== (idx as ArrayLike<number>)[i]) {
      throw new DomainError(
        `${arg}[${i}]`,
        `an integer index in [0, ${bound})`,
        describeValue((idx as ArrayLike<number>)[i]),
      );
    }
  }
  if (out.length === 0) throw new ShapeError(arg, 'a non-empty index array', 'an empty index array');
  return out;
}

/** out[i] = v[idx[i]] (stencils, meshes). The index array is copied. */
export function gather(v: Vec, idx: Int32Array | readonly number[]): Vec {
  const n = vecOperand(v, 'v');
  const ix = indexArray(idx, n, 'idx');
  if (v instanceof Float64Array) {
    const y = new Float64Array(ix.length);
    for (let i = 0; i < ix.length; i++) y[i] = v[ix[i]!]!;
    return y;
  }
  const t = targetTape(v, 0, 'v')!;
  const s = runIn(t, v as ActiveVec);
  const r = t.pushExt(OP_GATHER, ix.length);
  t.extSet(r, E_A, s);
  t.extSet(r, E_B, n);
  t.extSet(r, E_AUX, t.indexArrays.push(ix) - 1);
  evalGather(t, r);
  return new ActiveVec(t, t.extGet(r, E_OUT), ix.length);
}

/** out = zeros(n); out[idx[i]] += v[i] in order i = 0, 1, … (assembly). The index array is copied. */
export function scatterAdd(v: Vec, idx: Int32Array | readonly number[], n: number): Vec {
  const m = vecOperand(v, 'v');
  if (!(Number.isInteger(n) && n > 0)) throw new DomainError('n', 'a positive integer length', describeValue(n));
  const ix = indexArray(idx, n, 'idx');
  if (ix.length !== m)
    throw new ShapeError('idx', `an index array of length ${m} (the length of v)`, `length ${ix.length}`);
  if (v instanceof Float64Array) {
    const y = new Float64Array(n);
    for (let i = 0; i < m; i++) y[ix[i]!] += v[i]!;
    return y;
  }
  const t = targetTape(v, 0, 'v')!;
  const s = runIn(t, v as ActiveVec);
  const r = t.pushExt(OP_SCATTER_ADD, n);
  t.extSet(r, E_A, s);
  t.extSet(r, E_B, m);
  t.extSet(r, E_AUX, t.indexArrays.push(ix) - 1);
  evalScatterAdd(t, r);
  return new ActiveVec(t, t.extGet(r, E_OUT), n);
}

export function evalGather(t: Tape, r: number): void {
  const S = t.slots;
  const ys = t.extGet(r, E_OUT);
  const xs = t.extGet(r, E_A);
  const ix = t.indexArrays[t.extGet(r, E_AUX)]!;
  const Y = S.buffer(ys);
  const yo = S.offset(ys);
  const X = S.buffer(xs);
  const xo = S.offset(xs);
  for (let i = 0; i < ix.length; i++) Y[yo + i] = X[xo + ix[i]!]!;
}

export function evalScatterAdd(t: Tape, r: number): void {
  const S = t.slots;
  const ys = t.extGet(r, E_OUT);
  const n = t.extGet(r, 2 /* E_LEN */);
  const xs = t.extGet(r, E_A);
  const ix = t.indexArrays[t.extGet(r, E_AUX)]!;
  const Y = S.buffer(ys);
  const yo = S.offset(ys);
  const X = S.buffer(xs);
  const xo = S.offset(xs);
  Y.fill(0, yo, yo + n);
  for (let i = 0; i < ix.length; i++) Y[yo + ix[i]!] += X[xo + i]!;
}

/** Concatenates scalars and vectors into one vector (also builds a vector from scalars). */
export function concat(parts: readonly Value[]): Vec {
  if (!Array.isArray(parts) || parts.length === 0)
    throw new ShapeError('parts', 'a non-empty array of values', describeValue(parts));
  const lens = parts.map((p, i) => lengthOf(p, `parts[${i}]`));
  const n = lens.reduce((s, l) => s + (l === 0 ? 1 : l), 0);
  const t = targetTapeOf(parts, 'parts');
  if (t === null) {
    const y = new Float64Array(n);
    let o = 0;
    parts.forEach((p) => {
      if (typeof p === 'number') y[o++] = p;
      else {
        y.set(p as Float64Array, o);
        o += (p as Float64Array).length;
      }
    });
    return y;
  }
  const list = new Int32Array(parts.length * 2);
  parts.forEach((p, i) => {
    const l = lens[i]!;
    const rp = resolve(t, typeof p === 'number' ? Float64Array.of(p) : p, l === 0 && typeof p === 'number' ? 1 : l);
    list[2 * i] = rp.index;
    list[2 * i + 1] = typeof p === 'number' ? 1 : l;
  });
  const r = t.pushExt(OP_CONCAT, n);
  t.extSet(r, E_AUX, t.lists.push(list) - 1);
  evalConcat(t, r);
  return new ActiveVec(t, t.extGet(r, E_OUT), n);
}

export function evalConcat(t: Tape, r: number): void {
  const S = t.slots;
  const ys = t.extGet(r, E_OUT);
  const list = t.lists[t.extGet(r, E_AUX)]!;
  const Y = S.buffer(ys);
  let o = S.offset(ys);
  for (let i = 0; i < list.length; i += 2) {
    const s = list[i]!;
    const l = list[i + 1]!;
    if (l === 0) Y[o++] = S.read(s);
    else {
      const xo = S.offset(s);
      // set() copies like memmove (source and target may share a buffer).
      Y.set(S.buffer(s).subarray(xo, xo + l), o);
      o += l;
    }
  }
}

/** Builds a vector from scalars (alias of concat for readability). */
export function stack(values: readonly Real[]): Vec {
  return concat(values);
}

/** Elements [start, end) of a vector: a view for active vectors, `subarray` for plain arrays. */
export function slice(v: Vec, start: number, end?: number): Vec {
  if (v instanceof ActiveVec) return v.slice(start, end);
  if (v instanceof Float64Array) return v.subarray(start, end);
  throw new ShapeError('v', 'a Float64Array or an active vector', describeValue(v));
}

/** The current value with derivatives cut (a plain number or Float64Array). */
export function stopGradient(v: Real): number;
export function stopGradient(v: Vec): Float64Array;
export function stopGradient(v: Value): number | Float64Array;
export function stopGradient(v: Value): number | Float64Array {
  if (v instanceof Active) return v.value;
  if (v instanceof ActiveVec) return v.value;
  if (typeof v === 'number' || v instanceof Float64Array) return v;
  return badOperand('v', v);
}

/** log Σ exp(v_i), stable: m + log Σ exp(v_i − m) with m = max v treated as a constant (exact softmax gradient). */
export function logSumExp(v: Vec | readonly Real[]): Real {
  const vec = Array.isArray(v) ? concat(v as Real[]) : (v as Vec);
  // The shift m = max v is detached (zero derivative, exact softmax gradient) but recorded, so a
  // replay at a new point shifts by the new maximum and stays overflow-free.
  const m = detach(maxOf(vec));
  const mv = typeof m === 'number' ? m : m.value;
  if (!Number.isFinite(mv)) return mv === -Infinity ? -Infinity : mv;
  return add(m, log(sum(exp(sub(vec, m)) as Vec)));
}

/** Length of a vector operand, 0 for a scalar (exported for other modules of core). */
export function operandLength(v: Value, arg: string): number {
  return lengthOf(v, arg);
}
