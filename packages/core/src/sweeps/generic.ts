/**
 * Generic sweeps: the same value, tangent and adjoint sweeps, but computed with the public,
 * differentiable ops instead of float arithmetic. They run when a tape's inputs stand for values
 * of an enclosing tape (nested differentiation): the results are then active values of the
 * enclosing tape, so the outer derivative sees how the inner derivative depends on its inputs.
 * This is what makes grad(grad(f)), jacobian(grad(f)), reverse-over-reverse and forward-over-
 * reverse work to any depth with one mechanism, and keeps perturbations of different levels apart.
 *
 * Cost: one public op call per instruction (recorded on the outer tape), so nesting costs a few
 * times the float sweeps; the float sweeps stay free of any nesting overhead.
 */
import { type AtomicCallRecord, type AtomicOps, callAtomic, requireRule } from '../atomic.js';
import { MissingRuleError } from '../errors.js';
import * as F from '../ops/functions.js';
import {
  BCAST_A,
  BCAST_B,
  BCAST_C,
  binarySpec,
  OP_ATOMIC,
  OP_CONCAT,
  OP_CONST_RUN,
  OP_DOT,
  OP_GATHER,
  OP_INPUT,
  OP_INPUT_RUN,
  OP_PROD,
  OP_RMAX,
  OP_RMIN,
  OP_SCATTER_ADD,
  OP_SELECT,
  OP_SUM,
  opName,
  unarySpec,
} from '../ops/table.js';
import { A_CONST, B_CONST, E_A, E_AUX, E_B, E_C, EXT, type Instr, listInstructions, type Tape } from '../tape/tape.js';
import { Active, ActiveVec, type Real, type Value, type Vec } from '../tape/values.js';

/** The differentiable ops, as rules (op specs' dGeneric, atomics' generic rules) see them. */
export const G: AtomicOps = {
  add: F.add,
  sub: F.sub,
  mul: F.mul,
  div: F.div,
  neg: F.neg,
  square: F.square,
  reciprocal: F.reciprocal,
  sqrt: F.sqrt,
  cbrt: F.cbrt,
  exp: F.exp,
  log: F.log,
  pow: F.pow,
  sin: F.sin,
  cos: F.cos,
  tan: F.tan,
  sinh: F.sinh,
  cosh: F.cosh,
  tanh: F.tanh,
  abs: F.abs,
  sign: F.sign,
  sigmoid: F.sigmoid,
  hypot: F.hypot,
  less: F.less,
  lessEqual: F.lessEqual,
  greater: F.greater,
  greaterEqual: F.greaterEqual,
  equal: F.equal,
  sum: (v) => F.sum(v as Vec),
  dot: (a, b) => F.dot(a as Vec, b as Vec),
  concat: (parts) => F.concat(parts),
  gather: (v, idx) => F.gather(v as Vec, idx),
  scatterAdd: (v, idx, n) => F.scatterAdd(v as Vec, idx, n),
  call: (def, inputs) => callAtomic(def, inputs),
};

const zeroVec = (n: number) => new Float64Array(n);

function isZero(v: Value | undefined): boolean {
  return v === undefined || v === 0;
}

/** Generic view of a tape: values (and later tangents or adjoints) per instruction. */
export class GenericTape {
  readonly t: Tape;
  readonly ins: Instr[];
  readonly outs: Int32Array;
  /** Generic value of each instruction's output. */
  readonly vals: Value[];

  /** inputValues[k]: the generic value of input k (its outer source, or its plain value). */
  constructor(t: Tape, inputValues: readonly Value[]) {
    this.t = t;
    this.ins = listInstructions(t);
    this.outs = Int32Array.from(this.ins, (x) => x.out);
    this.vals = new Array(this.ins.length);
    for (let k = 0; k < this.ins.length; k++) this.vals[k] = this.evaluate(k, inputValues);
  }

  /** Index of the instruction whose output run holds slot s. */
  producer(s: number): number {
    let lo = 0;
    let hi = this.outs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.outs[mid]! <= s) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Generic value of slot s (a scalar). */
  scalar(s: number, from: Value[] = this.vals): Real {
    const k = this.producer(s);
    const v = from[k]!;
    const ins = this.ins[k]!;
    if (ins.len === 0) return v as Real;
    const i = s - ins.out;
    return v instanceof ActiveVec ? v.at(i) : (v as Float64Array)[i]!;
  }

  /** Generic value of the run [s, s + len). */
  run(s: number, len: number, from: Value[] = this.vals): Vec {
    const k = this.producer(s);
    const v = from[k]!;
    const ins = this.ins[k]!;
    if (ins.out === s && ins.len === len) return v as Vec;
    const o = s - ins.out;
    return v instanceof ActiveVec ? v.slice(o, o + len) : (v as Float64Array).subarray(o, o + len);
  }

  private operand(code: number, flag: number, index: number, len: number, bcast: boolean): Value {
    if (code & flag) return bcast || len === 0 ? this.t.consts.read(index) : this.t.consts.copyRun(index, len);
    if (bcast || len === 0) return this.scalar(index);
    return this.run(index, len);
  }

  private evaluate(k: number, inputValues: readonly Value[]): Value {
    const t = this.t;
    const ins = this.ins[k]!;
    const code = ins.code;
    const op = code & 0xff;
    if (!(code & EXT)) {
      if (op === OP_INPUT) return inputValues[ins.a]!;
      if (op < 64) return F.applyUnary(op, this.scalar(ins.a));
      return F.applyBinary(
        op,
        this.operand(code, A_CONST, ins.a, 0, true),
        this.operand(code, B_CONST, ins.b, 0, true),
      );
    }
    const r = ins.a;
    const n = ins.len;
    const ea = t.extGet(r, E_A);
    const eb = t.extGet(r, E_B);
    const aux = t.extGet(r, E_AUX);
    if (op < 64) return F.applyUnary(op, this.run(ea, n));
    if (op < 128) {
      return F.applyBinary(
        op,
        this.operand(code, A_CONST, ea, n, (aux & BCAST_A) !== 0),
        this.operand(code, B_CONST, eb, n, (aux & BCAST_B) !== 0),
      );
    }
    switch (op) {
      case OP_INPUT_RUN:
        return inputValues[aux]!;
      case OP_CONST_RUN:
        return t.slots.copyRun(ins.out, n);
      case OP_SELECT: {
        const ec = t.extGet(r, E_C);
        const mask = aux & BCAST_C || n === 0 ? this.scalar(ec) : this.run(ec, n);
        return F.select(
          mask,
          this.operand(code, A_CONST, ea, n, (aux & BCAST_A) !== 0),
          this.operand(code, B_CONST, eb, n, (aux & BCAST_B) !== 0),
        );
      }
      case OP_SUM:
        return F.sum(this.run(ea, eb));
      case OP_PROD:
        return F.prod(this.run(ea, eb));
      case OP_RMAX:
        return F.maxOf(this.run(ea, eb));
      case OP_RMIN:
        return F.minOf(this.run(ea, eb));
      case OP_DOT: {
        const m = t.extGet(r, E_C);
        return F.dot(this.run(ea, m), this.run(eb, m));
      }
      case OP_GATHER:
        return F.gather(this.run(ea, eb), t.indexArrays[aux]!);
      case OP_SCATTER_ADD:
        return F.scatterAdd(this.run(ea, eb), t.indexArrays[aux]!, n);
      case OP_CONCAT: {
        const list = t.lists[aux]!;
        const parts: Value[] = [];
        for (let i = 0; i < list.length; i += 2)
          parts.push(list[i + 1] === 0 ? this.scalar(list[i]!) : this.run(list[i]!, list[i + 1]!));
        return F.concat(parts);
      }
      case OP_ATOMIC: {
        const call = t.atomics[aux]!;
        const outs = callAtomic(call.def, this.atomicInputs(call));
        return outs.length === 1 && call.outLens[0] === 0 ? outs[0]! : F.concat(outs);
      }
    }
    throw new Error(`generic sweep: unexpected opcode ${op}`);
  }

  private atomicInputs(call: AtomicCallRecord, from: Value[] = this.vals): Value[] {
    const res: Value[] = [];
    for (let i = 0; i < call.inSlots.length; i++) {
      const l = call.inLens[i]!;
      res.push(l === 0 ? this.scalar(call.inSlots[i]!, from) : this.run(call.inSlots[i]!, l, from));
    }
    return res;
  }

  private atomicOutputs(call: AtomicCallRecord, k: number, from: Value[]): Value[] {
    const v = from[k]!;
    const res: Value[] = [];
    let o = 0;
    for (let m = 0; m < call.outLens.length; m++) {
      const l = call.outLens[m]!;
      if (call.outLens.length === 1 && l === 0) res.push(v);
      else if (l === 0) res.push(v instanceof ActiveVec ? v.at(o) : (v as Float64Array)[o]!);
      else res.push(v instanceof ActiveVec ? v.slice(o, o + l) : (v as Float64Array).subarray(o, o + l));
      o += l || 1;
    }
    return res;
  }

  // -------------------------------------------------------------------------------------------
  // Tangents

  /**
   * Generic tangents: inputTangents[k] is the tangent of input k (undefined = zero). Returns the
   * tangent of every instruction output (undefined = zero).
   */
  tangents(inputTangents: readonly (Value | undefined)[]): (Value | undefined)[] {
    const t = this.t;
    const tan: (Value | undefined)[] = new Array(this.ins.length);
    const tScalar = (s: number): Real | undefined => {
      const k = this.producer(s);
      const v = tan[k];
      if (v === undefined) return undefined;
      const ins = this.ins[k]!;
      if (ins.len === 0) return v as Real;
      const i = s - ins.out;
      return v instanceof ActiveVec ? v.at(i) : (v as Float64Array)[i]!;
    };
    const tRun = (s: number, len: number): Vec | undefined => {
      const k = this.producer(s);
      if (tan[k] === undefined) return undefined;
      return this.run(s, len, tan as Value[]);
    };
    const tOperand = (code: number, flag: number, index: number, len: number, bcast: boolean) =>
      code & flag ? undefined : bcast || len === 0 ? tScalar(index) : tRun(index, len);
    for (let k = 0; k < this.ins.length; k++) {
      const ins = this.ins[k]!;
      const code = ins.code;
      const op = code & 0xff;
      const y = this.vals[k]!;
      if (!(code & EXT)) {
        if (op === OP_INPUT) tan[k] = inputTangents[ins.a];
        else if (op < 64) {
          const tx = tScalar(ins.a);
          tan[k] = isZero(tx) ? undefined : F.mul(unarySpec(op).dGeneric(G, this.scalar(ins.a), y), tx!);
        } else {
          const a = this.operand(code, A_CONST, ins.a, 0, true);
          const b = this.operand(code, B_CONST, ins.b, 0, true);
          tan[k] = binaryTangent(
            op,
            a,
            b,
            y,
            tOperand(code, A_CONST, ins.a, 0, true),
            tOperand(code, B_CONST, ins.b, 0, true),
          );
        }
        continue;
      }
      const r = ins.a;
      const n = ins.len;
      const ea = t.extGet(r, E_A);
      const eb = t.extGet(r, E_B);
      const aux = t.extGet(r, E_AUX);
      if (op < 64) {
        const tx = tRun(ea, n);
        tan[k] = tx === undefined ? undefined : F.mul(unarySpec(op).dGeneric(G, this.run(ea, n), y), tx);
        continue;
      }
      if (op < 128) {
        const ba = (aux & BCAST_A) !== 0;
        const bb = (aux & BCAST_B) !== 0;
        const tv = binaryTangent(
          op,
          this.operand(code, A_CONST, ea, n, ba),
          this.operand(code, B_CONST, eb, n, bb),
          y,
          tOperand(code, A_CONST, ea, n, ba),
          tOperand(code, B_CONST, eb, n, bb),
        );
        // A tangent of broadcast scalars only is a scalar: widen it to the run.
        tan[k] = tv === undefined ? undefined : widen(tv, n);
        continue;
      }
      switch (op) {
        case OP_INPUT_RUN:
          tan[k] = inputTangents[aux];
          break;
        case OP_CONST_RUN:
          tan[k] = undefined;
          break;
        case OP_SELECT: {
          const ec = t.extGet(r, E_C);
          const mask = aux & BCAST_C || n === 0 ? this.scalar(ec) : this.run(ec, n);
          const ta = tOperand(code, A_CONST, ea, n, (aux & BCAST_A) !== 0) ?? 0;
          const tb = tOperand(code, B_CONST, eb, n, (aux & BCAST_B) !== 0) ?? 0;
          tan[k] = isZero(ta) && isZero(tb) ? undefined : widen(F.select(mask, ta, tb), n);
          break;
        }
        case OP_SUM: {
          const tx = tRun(ea, eb);
          tan[k] = tx === undefined ? undefined : F.sum(tx);
          break;
        }
        case OP_PROD: {
          const tx = tRun(ea, eb);
          tan[k] = tx === undefined ? undefined : F.dot(prodPartials(this.run(ea, eb)), tx);
          break;
        }
        case OP_RMAX:
        case OP_RMIN: {
          const x = this.run(ea, eb);
          const vals = F.stopGradient(x);
          const i = F.argExtreme(vals, 0, eb, op === OP_RMAX);
          tan[k] = tScalar(ea + i);
          break;
        }
        case OP_DOT: {
          const m = t.extGet(r, E_C);
          const ta = tRun(ea, m);
          const tb = tRun(eb, m);
          let s: Value | undefined;
          if (ta !== undefined) s = F.dot(ta, this.run(eb, m));
          if (tb !== undefined) s = s === undefined ? F.dot(this.run(ea, m), tb) : F.add(s, F.dot(this.run(ea, m), tb));
          tan[k] = s;
          break;
        }
        case OP_GATHER: {
          const tx = tRun(ea, eb);
          tan[k] = tx === undefined ? undefined : F.gather(tx, t.indexArrays[aux]!);
          break;
        }
        case OP_SCATTER_ADD: {
          const tx = tRun(ea, eb);
          tan[k] = tx === undefined ? undefined : F.scatterAdd(tx, t.indexArrays[aux]!, n);
          break;
        }
        case OP_CONCAT: {
          const list = t.lists[aux]!;
          const parts: Value[] = [];
          let any = false;
          for (let i = 0; i < list.length; i += 2) {
            const l = list[i + 1]!;
            const tp = l === 0 ? tScalar(list[i]!) : tRun(list[i]!, l);
            if (tp !== undefined) any = true;
            parts.push(tp ?? (l === 0 ? 0 : zeroVec(l)));
          }
          tan[k] = any ? F.concat(parts) : undefined;
          break;
        }
        case OP_ATOMIC: {
          const call = t.atomics[aux]!;
          const rule = call.def.jvpGeneric;
          if (rule === undefined) throw new MissingRuleError(call.def.name, 'differentiable jvp (jvpGeneric)');
          const tin: Value[] = [];
          for (let i = 0; i < call.inSlots.length; i++) {
            const l = call.inLens[i]!;
            tin.push((l === 0 ? tScalar(call.inSlots[i]!) : tRun(call.inSlots[i]!, l)) ?? (l === 0 ? 0 : zeroVec(l)));
          }
          const touts = rule(G, this.atomicInputs(call), this.atomicOutputs(call, k, this.vals), tin);
          tan[k] = touts.length === 1 && call.outLens[0] === 0 ? touts[0] : F.concat(touts);
          break;
        }
      }
    }
    return tan;
  }

  // -------------------------------------------------------------------------------------------
  // Adjoints

  /**
   * Generic adjoints. `seed(add)` places the output cotangents by calling add(slot, len, value).
   * Returns a reader for the adjoint of any run or scalar slot (zeros where nothing flowed).
   */
  adjoints(seed: (add: (s: number, len: number, v: Value) => void) => void): AdjointReader {
    const t = this.t;
    const acc = new Accumulator(this);
    seed((s, len, v) => acc.add(s, len, v));
    for (let k = this.ins.length - 1; k >= 0; k--) {
      const ins = this.ins[k]!;
      const code = ins.code;
      const op = code & 0xff;
      if (op === OP_INPUT || op === OP_INPUT_RUN || op === OP_CONST_RUN) continue;
      const g = acc.take(k);
      if (g === undefined) continue;
      const y = this.vals[k]!;
      if (!(code & EXT)) {
        if (op < 64) {
          acc.add(ins.a, 0, F.mul(g, unarySpec(op).dGeneric(G, this.scalar(ins.a), y)));
        } else {
          const a = this.operand(code, A_CONST, ins.a, 0, true);
          const b = this.operand(code, B_CONST, ins.b, 0, true);
          const [da, db] = binarySpec(op).dGeneric(G, a, b, y);
          if (!(code & A_CONST)) acc.add(ins.a, 0, F.mul(g, da));
          if (!(code & B_CONST)) acc.add(ins.b, 0, F.mul(g, db));
        }
        continue;
      }
      const r = ins.a;
      const n = ins.len;
      const ea = t.extGet(r, E_A);
      const eb = t.extGet(r, E_B);
      const aux = t.extGet(r, E_AUX);
      if (op < 64) {
        acc.add(ea, n, F.mul(g, unarySpec(op).dGeneric(G, this.run(ea, n), y)));
        continue;
      }
      if (op < 128) {
        const ba = (aux & BCAST_A) !== 0;
        const bb = (aux & BCAST_B) !== 0;
        const a = this.operand(code, A_CONST, ea, n, ba);
        const b = this.operand(code, B_CONST, eb, n, bb);
        const [da, db] = binarySpec(op).dGeneric(G, a, b, y);
        if (!(code & A_CONST)) acc.add(ea, ba ? 0 : n, reduceTo(F.mul(g, da), ba, n));
        if (!(code & B_CONST)) acc.add(eb, bb ? 0 : n, reduceTo(F.mul(g, db), bb, n));
        continue;
      }
      switch (op) {
        case OP_SELECT: {
          const ec = t.extGet(r, E_C);
          const mask = aux & BCAST_C || n === 0 ? this.scalar(ec) : this.run(ec, n);
          const ba = (aux & BCAST_A) !== 0 || n === 0;
          const bb = (aux & BCAST_B) !== 0 || n === 0;
          if (!(code & A_CONST)) acc.add(ea, ba ? 0 : n, reduceTo(F.select(mask, g, 0), ba, n));
          if (!(code & B_CONST)) acc.add(eb, bb ? 0 : n, reduceTo(F.select(mask, 0, g), bb, n));
          break;
        }
        case OP_SUM:
          acc.add(ea, eb, F.mul(g, ones(eb)));
          break;
        case OP_PROD:
          acc.add(ea, eb, F.mul(g, prodPartials(this.run(ea, eb))));
          break;
        case OP_RMAX:
        case OP_RMIN: {
          const vals = F.stopGradient(this.run(ea, eb));
          acc.add(ea + F.argExtreme(vals, 0, eb, op === OP_RMAX), 0, g);
          break;
        }
        case OP_DOT: {
          const m = t.extGet(r, E_C);
          acc.add(ea, m, F.mul(g, this.run(eb, m)));
          acc.add(eb, m, F.mul(g, this.run(ea, m)));
          break;
        }
        case OP_GATHER:
          acc.add(ea, eb, F.scatterAdd(g as Vec, t.indexArrays[aux]!, eb));
          break;
        case OP_SCATTER_ADD:
          acc.add(ea, eb, F.gather(g as Vec, t.indexArrays[aux]!));
          break;
        case OP_CONCAT: {
          const list = t.lists[aux]!;
          let o = 0;
          for (let i = 0; i < list.length; i += 2) {
            const l = list[i + 1]!;
            acc.add(list[i]!, l, l === 0 ? elementOf(g as Vec, o) : F.slice(g as Vec, o, o + l));
            o += l || 1;
          }
          break;
        }
        case OP_ATOMIC: {
          const call = t.atomics[aux]!;
          const rule = requireRule(call.def.vjpGeneric, call.def, 'differentiable vjp (vjpGeneric)');
          const outs = this.atomicOutputs(call, k, this.vals);
          const cots = this.atomicOutputs(call, k, Object.assign([], { [k]: g }) as Value[]);
          const gin = rule(G, this.atomicInputs(call), outs, cots);
          for (let i = 0; i < call.inSlots.length; i++) acc.add(call.inSlots[i]!, call.inLens[i]!, gin[i]!);
          break;
        }
        default:
          throw new Error(`generic reverse: unexpected ${opName(op)}`);
      }
    }
    return acc;
  }
}

function widen(v: Value, n: number): Value {
  if (n === 0) return v;
  if (typeof v === 'number' || v instanceof Active) return F.mul(v, ones(n));
  return v;
}

function ones(n: number): Float64Array {
  return new Float64Array(n).fill(1);
}

function elementOf(v: Vec, i: number): Real {
  return v instanceof ActiveVec ? v.at(i) : v[i]!;
}

/** For a broadcast scalar operand the adjoint is the sum over the run. */
function reduceTo(v: Value, toScalar: boolean, n: number): Value {
  if (!toScalar || n === 0) return v;
  if (typeof v === 'number' || v instanceof Active) return F.mul(v, n);
  return F.sum(v as Vec);
}

function binaryTangent(
  op: number,
  a: Value,
  b: Value,
  y: Value,
  ta: Value | undefined,
  tb: Value | undefined,
): Value | undefined {
  const za = isZero(ta);
  const zb = isZero(tb);
  if (za && zb) return undefined;
  const [da, db] = binarySpec(op).dGeneric(G, a, b, y);
  if (zb) return F.mul(da, ta!);
  if (za) return F.mul(db, tb!);
  return F.add(F.mul(da, ta!), F.mul(db, tb!));
}

/** ∂(Π x)/∂x_i = Π_{j≠i} x_j as a vector, from prefix and suffix products (exact with zeros). */
function prodPartials(x: Vec): Vec {
  const n = x.length;
  const el = (i: number) => elementOf(x, i);
  const prefix: Real[] = [1];
  for (let i = 0; i < n - 1; i++) prefix.push(F.mul(prefix[i]!, el(i)));
  const parts: Real[] = new Array(n);
  let suffix: Real = 1;
  for (let i = n - 1; i >= 0; i--) {
    parts[i] = F.mul(prefix[i]!, suffix);
    suffix = F.mul(suffix, el(i));
  }
  return F.concat(parts);
}

/** Reads generic adjoints after a generic reverse sweep. */
export interface AdjointReader {
  /** Adjoint of scalar slot s (0 when nothing flowed). */
  scalar(s: number): Real;
  /** Adjoint of the run [s, s + len). */
  run(s: number, len: number): Vec;
}

/**
 * Accumulates generic adjoint contributions per producing instruction. Contributions to a whole
 * run add up as vectors; contributions to single elements or sub-runs are kept apart and only
 * assembled (one concatenation) when the run's adjoint is needed, so scalar code over the elements
 * of a vector stays linear in its length.
 */
class Accumulator implements AdjointReader {
  private readonly gt: GenericTape;
  private readonly whole: (Value | undefined)[];
  private readonly parts: (Map<number, { len: number; v: Value }[]> | undefined)[];

  constructor(gt: GenericTape) {
    this.gt = gt;
    this.whole = new Array(gt.ins.length);
    this.parts = new Array(gt.ins.length);
  }

  add(s: number, len: number, v: Value): void {
    if (v === 0) return;
    const k = this.gt.producer(s);
    const ins = this.gt.ins[k]!;
    if (ins.len === 0 || (ins.out === s && ins.len === len)) {
      const w = this.whole[k];
      this.whole[k] = w === undefined ? v : F.add(w, v);
      return;
    }
    let m = this.parts[k];
    if (m === undefined) {
      m = new Map();
      this.parts[k] = m;
    }
    const o = s - ins.out;
    const list = m.get(o);
    if (list === undefined) m.set(o, [{ len, v }]);
    else list.push({ len, v });
  }

  /** The assembled adjoint of instruction k's output (undefined if nothing flowed). */
  take(k: number): Value | undefined {
    const ins = this.gt.ins[k]!;
    const m = this.parts[k];
    let w = this.whole[k];
    if (m === undefined) return w;
    const n = ins.len;
    // Element-wise contributions: one vector built from scalars and zeros, then sub-runs padded.
    const elems: Real[] = new Array(n).fill(0);
    let anyElem = false;
    const runs: { o: number; len: number; v: Value }[] = [];
    for (const [o, list] of m) {
      for (const c of list) {
        if (c.len === 0) {
          elems[o] = elems[o] === 0 ? (c.v as Real) : F.add(elems[o]!, c.v as Real);
          anyElem = true;
        } else runs.push({ o, len: c.len, v: c.v });
      }
    }
    if (anyElem) {
      const e = F.concat(elems);
      w = w === undefined ? e : F.add(w, e);
    }
    for (const c of runs) {
      const padded: Value[] = [];
      if (c.o > 0) padded.push(zeroVec(c.o));
      padded.push(c.v);
      if (c.o + c.len < n) padded.push(zeroVec(n - c.o - c.len));
      const e = padded.length === 1 ? c.v : F.concat(padded);
      w = w === undefined ? e : F.add(w, e);
    }
    this.whole[k] = w;
    this.parts[k] = undefined;
    return w;
  }

  scalar(s: number): Real {
    const k = this.gt.producer(s);
    const ins = this.gt.ins[k]!;
    const w = this.take(k);
    if (w === undefined) return 0;
    if (ins.len === 0) return w as Real;
    return elementOf(widen(w, ins.len) as Vec, s - ins.out);
  }

  run(s: number, len: number): Vec {
    const k = this.gt.producer(s);
    const ins = this.gt.ins[k]!;
    const w = this.take(k);
    if (w === undefined) return zeroVec(len);
    const v = widen(w, ins.len) as Vec;
    if (ins.out === s && ins.len === len) return v;
    return F.slice(v, s - ins.out, s - ins.out + len);
  }
}
