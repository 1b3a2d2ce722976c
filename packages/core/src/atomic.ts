/**
 * Atomics (block ops) and custom rules. A block op (a factorization, a solve, an ODE integration)
 * enters the tape as ONE instruction whose rules the definer supplies: value, JVP, VJP, and
 * optionally differentiable versions of those (so derivatives of derivatives work through it),
 * a sparsity pattern and a second-order rule. A sweep that needs a rule the atomic lacks throws
 * MissingRuleError naming the atomic and the rule.
 */
import { describeValue, MissingRuleError, ShapeError } from './errors.js';
import { constantRun } from './ops/functions.js';
import type { GenericOps } from './ops/spec.js';
import { OP_ATOMIC } from './ops/table.js';
import { runIn, slotIn, targetTapeOf } from './tape/record.js';
import { E_AUX, E_OUT, type Tape } from './tape/tape.js';
import { Active, ActiveVec, type Value } from './tape/values.js';

/** A plain (inactive) operand or result of an atomic: a number or a Float64Array. */
export type Plain = number | Float64Array;

/** What a value rule returns: the outputs, and optionally state the other rules reuse. */
export interface AtomicResult<S> {
  readonly outputs: readonly Plain[];
  readonly state?: S;
}

/** Definition of a block op. Inputs and outputs keep their kind (scalar or vector) and lengths per call. */
export interface AtomicDefinition<S = unknown> {
  /** Name used in errors and tape dumps. */
  readonly name: string;
  /** Computes the outputs from plain inputs (never mutate them). */
  value(inputs: readonly Plain[]): AtomicResult<S>;
  /** Tangents of the outputs given tangents of the inputs (zero for constant inputs). */
  jvp?(inputs: readonly Plain[], outputs: readonly Plain[], tangents: readonly Plain[], state: S): readonly Plain[];
  /** Cotangents of the inputs given cotangents of the outputs. */
  vjp?(inputs: readonly Plain[], outputs: readonly Plain[], cotangents: readonly Plain[], state: S): readonly Plain[];
  /**
   * Differentiable VJP, written with the ops in G (they accept active values): used when the
   * atomic's derivative is itself differentiated (nested grad, Hessians).
   */
  vjpGeneric?(
    G: AtomicOps,
    inputs: readonly Value[],
    outputs: readonly Value[],
    cotangents: readonly Value[],
  ): readonly Value[];
  /** Differentiable JVP (nested forward mode). */
  jvpGeneric?(
    G: AtomicOps,
    inputs: readonly Value[],
    outputs: readonly Value[],
    tangents: readonly Value[],
  ): readonly Value[];
  /**
   * Jacobian sparsity: for output element i (outputs flattened, scalars count 1) the list of input
   * elements (inputs flattened) it depends on. Without it a sparsity sweep treats the atomic as dense.
   */
  sparsity?(inputLengths: readonly number[], outputLengths: readonly number[]): readonly (readonly number[])[];
}

/** The ops an atomic's differentiable rules may use: the elementwise ops plus the structural ones. */
export interface AtomicOps extends GenericOps {
  sum(v: Value): Value;
  dot(a: Value, b: Value): Value;
  concat(parts: readonly Value[]): Value;
  gather(v: Value, idx: Int32Array | readonly number[]): Value;
  scatterAdd(v: Value, idx: Int32Array | readonly number[], n: number): Value;
  /** Calls another (or the same) atomic. */
  call(def: AtomicDefinition<unknown>, inputs: readonly Value[]): readonly Value[];
}

/** A recorded call: which definition, where its operands and results sit. */
export interface AtomicCallRecord {
  readonly def: AtomicDefinition<unknown>;
  /** Input start slots and lengths (0 = scalar). */
  readonly inSlots: Int32Array;
  readonly inLens: Int32Array;
  /** Output lengths (0 = scalar); outputs sit back to back in the instruction's output run. */
  readonly outLens: Int32Array;
  /** State returned by the last value evaluation. */
  state: unknown;
}

export function plainLength(v: unknown, arg: string): number {
  if (typeof v === 'number') return 0;
  if (v instanceof Float64Array && v.length > 0) return v.length;
  throw new ShapeError(arg, 'a number or a non-empty Float64Array', describeValue(v));
}

/** Total slots of a list of lengths where 0 means one scalar slot. */
export function flatLength(lens: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < lens.length; i++) n += lens[i] || 1;
  return n;
}

export function requireRule<T>(rule: T | undefined, def: AtomicDefinition<unknown>, name: string): T {
  if (rule === undefined) throw new MissingRuleError(def.name, name);
  return rule;
}

/**
 * Calls an atomic on operands (plain or active). With no active operand it just computes; otherwise it
 * records one atomic instruction on the innermost tape and returns active outputs (views of its run).
 */
export function callAtomic(def: AtomicDefinition<unknown>, inputs: readonly Value[]): Value[] {
  if (!Array.isArray(inputs)) throw new ShapeError('inputs', 'an array of operands', describeValue(inputs));
  const t = targetTapeOf(inputs, `${def.name} inputs`);
  const plainIn: Plain[] = inputs.map((v, i) => {
    if (v instanceof Active || v instanceof ActiveVec) return v.value;
    plainLength(v, `${def.name} inputs[${i}]`);
    return v as Plain;
  });
  const res = def.value(plainIn);
  const outs = checkOutputs(def, res);
  if (t === null) return outs.slice();
  return recordAtomic(t, def, inputs, outs, res.state);
}

export function checkOutputs(def: AtomicDefinition<unknown>, res: AtomicResult<unknown>): readonly Plain[] {
  if (!res || !Array.isArray(res.outputs) || res.outputs.length === 0) {
    throw new ShapeError(`${def.name}.value result`, '{ outputs: [number | Float64Array, …] }', describeValue(res));
  }
  res.outputs.forEach((o, i) => {
    plainLength(o, `${def.name}.value outputs[${i}]`);
  });
  return res.outputs;
}

function recordAtomic(
  t: Tape,
  def: AtomicDefinition<unknown>,
  inputs: readonly Value[],
  outs: readonly Plain[],
  state: unknown,
): Value[] {
  const nIn = inputs.length;
  const inSlots = new Int32Array(nIn);
  const inLens = new Int32Array(nIn);
  inputs.forEach((v, i) => {
    if (typeof v === 'number') {
      inSlots[i] = constantRun(t, Float64Array.of(v));
      inLens[i] = 0;
    } else if (v instanceof Active) {
      inSlots[i] = slotIn(t, v);
      inLens[i] = 0;
    } else if (v instanceof ActiveVec) {
      inSlots[i] = runIn(t, v);
      inLens[i] = v.length;
    } else {
      inSlots[i] = constantRun(t, v as Float64Array);
      inLens[i] = (v as Float64Array).length;
    }
  });
  const outLens = Int32Array.from(outs, (o) => (typeof o === 'number' ? 0 : o.length));
  // One scalar output is a scalar slot (length 0), as every other scalar-valued instruction.
  const total = outLens.length === 1 && outLens[0] === 0 ? 0 : flatLength(outLens);
  const r = t.pushExt(OP_ATOMIC, total);
  const call: AtomicCallRecord = { def, inSlots, inLens, outLens, state };
  t.extSet(r, E_AUX, t.atomics.push(call) - 1);
  const out = t.extGet(r, E_OUT);
  writeOutputs(t, out, outLens, outs);
  const result: Value[] = [];
  let o = out;
  for (let k = 0; k < outLens.length; k++) {
    const l = outLens[k]!;
    result.push(l === 0 ? new Active(t, o) : new ActiveVec(t, o, l));
    o += l || 1;
  }
  return result;
}

/** Writes plain outputs into the run starting at slot out (checking kinds and lengths on replay). */
export function writeOutputs(
  t: Tape,
  out: number,
  outLens: Int32Array,
  outs: readonly Plain[],
  defName = 'atomic',
): void {
  const S = t.slots;
  const B = S.buffer(out);
  let o = S.offset(out);
  for (let k = 0; k < outLens.length; k++) {
    const l = outLens[k]!;
    const v = outs[k];
    if (l === 0) {
      if (typeof v !== 'number')
        throw new ShapeError(`${defName} outputs[${k}]`, 'a number (as when recorded)', describeValue(v));
      B[o++] = v;
    } else {
      if (!(v instanceof Float64Array) || v.length !== l) {
        throw new ShapeError(`${defName} outputs[${k}]`, `Float64Array(${l}) (as when recorded)`, describeValue(v));
      }
      B.set(v, o);
      o += l;
    }
  }
}

/** Reads the plain inputs of a recorded call from the tape's current values. */
export function readInputs(t: Tape, call: AtomicCallRecord): Plain[] {
  const res: Plain[] = [];
  for (let i = 0; i < call.inSlots.length; i++) {
    const s = call.inSlots[i]!;
    const l = call.inLens[i]!;
    res.push(l === 0 ? t.slots.read(s) : t.slots.copyRun(s, l));
  }
  return res;
}

/** Reads the plain outputs of a recorded call whose run starts at slot out. */
export function readOutputs(t: Tape, call: AtomicCallRecord, out: number): Plain[] {
  const res: Plain[] = [];
  let o = out;
  for (let k = 0; k < call.outLens.length; k++) {
    const l = call.outLens[k]!;
    res.push(l === 0 ? t.slots.read(o) : t.slots.copyRun(o, l));
    o += l || 1;
  }
  return res;
}

/**
 * Defines a block op. The returned function takes an array of operands (numbers, Float64Arrays,
 * active values) and returns its outputs in an array.
 */
export function defineAtomic<S>(def: AtomicDefinition<S>): (inputs: readonly Value[]) => Value[] {
  if (typeof def !== 'object' || def === null || typeof def.value !== 'function' || typeof def.name !== 'string') {
    throw new ShapeError('def', 'an object with a name and a value(inputs) function', describeValue(def));
  }
  const d = def as AtomicDefinition<unknown>;
  return (inputs) => callAtomic(d, inputs);
}
