/**
 * One recorded call of a user function and the sweeps over it. Both ways in (the JAX-style
 * transforms and the recorded functions) are thin layers over this module.
 */
import type { CompiledSweeps } from './compile/program.js';
import { DomainError, describeValue, ShapeError } from './errors.js';
import * as F from './ops/functions.js';
import { forwardSweep } from './sweeps/forward.js';
import { GenericTape } from './sweeps/generic.js';
import { isDebugNonFinite, scanAdjoints, scanTangents, scanValues } from './sweeps/nonfinite.js';
import { type BranchReport, checkBranches, replayValues } from './sweeps/replay.js';
import { reverseSweep } from './sweeps/reverse.js';
import { giveSweepBuffer, takeSweepBuffer } from './tape/pool.js';
import { beginTape, declareInput, endTape, requireFinite, runIn, slotIn } from './tape/record.js';
import type { Tape } from './tape/tape.js';
import { Active, ActiveVec, type Real, type Value, type Vec } from './tape/values.js';

/** A row-major dense matrix. */
export interface DenseMatrix {
  readonly rows: number;
  readonly cols: number;
  /** Row-major entries: entry (i, j) is data[i * cols + j]. */
  readonly data: Float64Array;
}

/** What a recorded function returned, as slots of its tape. */
export interface Recording {
  readonly tape: Tape;
  /** The differentiated argument inside the tape. */
  readonly input: Active | ActiveVec;
  /** Its slot and length (0 for a scalar). */
  readonly inSlot: number;
  readonly inLen: number;
  /** Output: scalar or vector. */
  readonly outScalar: boolean;
  /** Output slots, -1 where the output entry is a constant. */
  readonly outSlots: Int32Array;
  /** Values of constant output entries. */
  readonly outConsts: Float64Array;
  /** Set when the output is one whole active vector (its run). */
  readonly outRun: { slot: number; len: number } | undefined;
  /** Fused kernels attached by `compileRecording`: moveTo, jvpFloat and vjpFloat use them. */
  compiled?: CompiledSweeps | undefined;
}

/**
 * The compiled sweeps of rec when they may run now; otherwise undefined, after making every slot's
 * value current for the interpreter (a compiled replay leaves fused intermediates unwritten).
 */
function compiledSweeps(rec: Recording): CompiledSweeps | undefined {
  const c = rec.compiled;
  if (c === undefined) return undefined;
  if (c.usable() && !isDebugNonFinite()) return c;
  c.materialize();
  return undefined;
}

/** Inputs a transform accepts: number, Float64Array, or (when nested) active values. */
export type Input = number | Float64Array | Active | ActiveVec;

function checkInput(x: unknown, arg: string): void {
  if (typeof x === 'number' || x instanceof Float64Array) {
    requireFinite(x, arg);
    return;
  }
  if (x instanceof Active || x instanceof ActiveVec) return;
  throw new ShapeError(arg, 'a number or a Float64Array', describeValue(x));
}

/** Runs f on a fresh tape with x as its independent variable; closes the tape afterwards. */
export function recordCall(f: unknown, x: unknown, rest: readonly unknown[], who: string): Recording {
  if (typeof f !== 'function') throw new ShapeError(`${who}: f`, 'a function', describeValue(f));
  checkInput(x, `${who}: x`);
  const t = beginTape();
  try {
    const input = declareInput(t, x, `${who}: x`);
    const out = (f as (x: unknown, ...r: readonly unknown[]) => unknown)(input, ...rest);
    return normalizeOutput(t, input, out, who);
  } finally {
    endTape(t);
  }
}

const NO_CONSTANTS = new Float64Array(0);

function normalizeOutput(t: Tape, input: Active | ActiveVec, out: unknown, who: string): Recording {
  const inSlot = input.slot;
  const inLen = input instanceof ActiveVec ? input.length : 0;
  const base = { tape: t, input, inSlot, inLen };
  if (typeof out === 'number') {
    return {
      ...base,
      outScalar: true,
      outSlots: Int32Array.of(-1),
      outConsts: Float64Array.of(out),
      outRun: undefined,
    };
  }
  if (out instanceof Active) {
    return {
      ...base,
      outScalar: true,
      outSlots: Int32Array.of(slotIn(t, out)),
      outConsts: new Float64Array(1),
      outRun: undefined,
    };
  }
  if (out instanceof ActiveVec) {
    const slot = runIn(t, out);
    const len = out.length;
    // A run's slots are consecutive: the explicit list is built only if some caller asks for it
    // (the sweeps use outRun directly), which matters for the many short tapes of checkpointing.
    let slots: Int32Array | undefined;
    return {
      ...base,
      outScalar: false,
      get outSlots(): Int32Array {
        if (slots === undefined) slots = Int32Array.from({ length: len }, (_, i) => slot + i);
        return slots;
      },
      outConsts: NO_CONSTANTS,
      outRun: { slot, len },
    };
  }
  if (out instanceof Float64Array) {
    return {
      ...base,
      outScalar: false,
      outSlots: new Int32Array(out.length).fill(-1),
      outConsts: out.slice(),
      outRun: undefined,
    };
  }
  if (Array.isArray(out)) {
    const slots = new Int32Array(out.length);
    const consts = new Float64Array(out.length);
    out.forEach((v, i) => {
      if (typeof v === 'number') {
        slots[i] = -1;
        consts[i] = v;
      } else if (v instanceof Active) slots[i] = slotIn(t, v);
      else throw new ShapeError(`${who}: f result[${i}]`, 'a number or an active scalar', describeValue(v));
    });
    return { ...base, outScalar: false, outSlots: slots, outConsts: consts, outRun: undefined };
  }
  throw new ShapeError(
    `${who}: f result`,
    'a number, an active scalar, a Float64Array, an active vector or an array of scalars',
    describeValue(out),
  );
}

/** Number of outputs. */
export function outputCount(rec: Recording): number {
  return rec.outRun !== undefined ? rec.outRun.len : rec.outSlots.length;
}

/** Input dimension (1 for a scalar input). */
export function inputCount(rec: Recording): number {
  return rec.inLen || 1;
}

/** True when derivatives must be expressed on an enclosing tape (nested call). */
export function isNested(rec: Recording): boolean {
  return rec.tape.hasOuter;
}

/** Current output values. */
export function outputValues(rec: Recording): Float64Array {
  if (rec.outRun !== undefined) return rec.tape.readRun(rec.outRun.slot, rec.outRun.len);
  const m = rec.outSlots.length;
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const s = rec.outSlots[i]!;
    y[i] = s < 0 ? rec.outConsts[i]! : rec.tape.read(s);
  }
  return y;
}

/**
 * Reverse sweep with q cotangent directions U (each of length m). Returns q input cotangents
 * (each of length n) as one slot-major block: result[j*q + k].
 */
export function vjpFloat(rec: Recording, U: readonly Float64Array[]): Float64Array {
  const q = U.length;
  const t = rec.tape;
  const debug = isDebugNonFinite();
  // All fused runs after the input: the adjoints live in a planned arena, not a tape-sized array.
  const planned = debug ? undefined : compiledSweeps(rec)?.reversePlanned(U);
  if (planned !== undefined) return planned;
  const adj = takeSweepBuffer(t.slots.size * q);
  if (rec.outRun !== undefined) {
    const { slot, len } = rec.outRun;
    for (let k = 0; k < q; k++) {
      const u = U[k]!;
      for (let i = 0; i < len; i++) adj[(slot + i) * q + k] += u[i]!;
    }
  } else {
    for (let i = 0; i < rec.outSlots.length; i++) {
      const s = rec.outSlots[i]!;
      if (s < 0) continue;
      for (let k = 0; k < q; k++) adj[s * q + k] += U[k]![i]!;
    }
  }
  // Clearing keeps the buffer reusable without a memset; the non-finite scan needs every adjoint kept.
  const compiled = compiledSweeps(rec);
  if (compiled !== undefined) compiled.reverse(adj, q, true);
  else reverseSweep(t, adj, q, !debug);
  if (debug) {
    scanValues(t);
    scanAdjoints(t, adj, q);
  }
  const n = inputCount(rec);
  const res = adj.slice(rec.inSlot * q, (rec.inSlot + n) * q);
  if (debug) return res;
  for (const info of t.inputs) adj.fill(0, info.slot * q, (info.slot + (info.len || 1)) * q);
  giveSweepBuffer(adj, true);
  return res;
}

/**
 * Forward sweep with p tangent directions V (each of length n). Returns p output tangents (each of
 * length m) as one block: result[i*p + k]. With `out` (length m·p) the block is written there and
 * out is returned: a caller sweeping many times (a sparse Jacobian) saves a fresh m·p array per
 * call, which costs more than the copy (fresh pages).
 */
export function jvpFloat(rec: Recording, V: readonly Float64Array[], out?: Float64Array): Float64Array {
  const p = V.length;
  const t = rec.tape;
  if (out !== undefined && out.length !== outputCount(rec) * p)
    throw new ShapeError('jvpFloat: out', `a Float64Array of length ${outputCount(rec) * p}`, describeValue(out));
  // Input, constants, one run making the output: the kernel reads the seeds and writes the block.
  const compiled = compiledSweeps(rec);
  const direct = compiled?.forwardDirect(V, out);
  if (direct !== undefined) return direct;
  // All fused runs after the input: the tangents live in a planned arena, not a tape-sized array.
  const planned = compiled?.forwardPlanned(V, out);
  if (planned !== undefined) return planned;
  // Not zeroed: the sweep writes every computed slot; only the independent variables need zeros.
  const dot = takeSweepBuffer(t.slots.size * p, false);
  for (const info of t.inputs) dot.fill(0, info.slot * p, (info.slot + (info.len || 1)) * p);
  const n = inputCount(rec);
  // One direction at a time, with a running index: about 3× faster than j-then-k with V[k]![j]!.
  const o = rec.inSlot * p;
  for (let k = 0; k < p; k++) {
    const v = V[k]!;
    for (let j = 0, d = o + k; j < n; j++, d += p) dot[d] = v[j]!;
  }
  if (compiled !== undefined) compiled.forward(dot, p);
  else forwardSweep(t, dot, p);
  if (isDebugNonFinite()) {
    scanValues(t);
    scanTangents(t, dot, p);
  }
  const m = outputCount(rec);
  const res = out ?? new Float64Array(m * p);
  if (rec.outRun !== undefined) res.set(dot.subarray(rec.outRun.slot * p, (rec.outRun.slot + m) * p));
  else {
    if (out !== undefined) res.fill(0);
    for (let i = 0; i < m; i++) {
      const s = rec.outSlots[i]!;
      if (s < 0) continue;
      for (let k = 0; k < p; k++) res[i * p + k] = dot[s * p + k]!;
    }
  }
  giveSweepBuffer(dot);
  return res;
}

/** Dense Jacobian (m × n), by forward sweeps when n <= m, else reverse sweeps, in blocks. */
export function jacobianFloat(rec: Recording, mode: 'auto' | 'forward' | 'reverse', block = 16): DenseMatrix {
  const m = outputCount(rec);
  const n = inputCount(rec);
  const J = new Float64Array(m * n);
  const useForward = mode === 'forward' || (mode === 'auto' && n <= m);
  if (useForward) {
    for (let j0 = 0; j0 < n; j0 += block) {
      const p = Math.min(block, n - j0);
      const V = Array.from({ length: p }, (_, k) => {
        const v = new Float64Array(n);
        v[j0 + k] = 1;
        return v;
      });
      const T = jvpFloat(rec, V);
      for (let i = 0; i < m; i++) for (let k = 0; k < p; k++) J[i * n + j0 + k] = T[i * p + k]!;
    }
  } else {
    for (let i0 = 0; i0 < m; i0 += block) {
      const q = Math.min(block, m - i0);
      const U = Array.from({ length: q }, (_, k) => {
        const u = new Float64Array(m);
        u[i0 + k] = 1;
        return u;
      });
      const A = vjpFloat(rec, U);
      for (let j = 0; j < n; j++) for (let k = 0; k < q; k++) J[(i0 + k) * n + j] = A[j * q + k]!;
    }
  }
  return { rows: m, cols: n, data: J };
}

// ---------------------------------------------------------------------------------------------
// Nested (generic) versions: results are values of the enclosing tape.

function inputValues(t: Tape): Value[] {
  return t.inputs.map((info) => info.source ?? (info.len === 0 ? t.read(info.slot) : t.readRun(info.slot, info.len)));
}

/** Generic view of a recording, for nested use. */
export function genericOf(rec: Recording): GenericTape {
  return new GenericTape(rec.tape, inputValues(rec.tape));
}

/** Output as a generic value (scalar or vector) of the enclosing tape. */
export function genericOutput(rec: Recording, gt: GenericTape): Value {
  const parts: Real[] = [];
  for (let i = 0; i < rec.outSlots.length; i++) {
    const s = rec.outSlots[i]!;
    parts.push(s < 0 ? rec.outConsts[i]! : gt.scalar(s));
  }
  if (rec.outScalar) return parts[0]!;
  if (rec.outRun !== undefined) return gt.run(rec.outRun.slot, rec.outRun.len);
  return F.concat(parts);
}

/** Generic VJP: the input cotangent for output cotangent u (a generic value shaped like the output). */
export function vjpGeneric(rec: Recording, gt: GenericTape, u: Value): Value {
  const acc = gt.adjoints((add) => {
    if (rec.outScalar) {
      const s = rec.outSlots[0]!;
      if (s >= 0) add(s, 0, u);
      return;
    }
    if (rec.outRun !== undefined) {
      add(rec.outRun.slot, rec.outRun.len, u);
      return;
    }
    for (let i = 0; i < rec.outSlots.length; i++) {
      const s = rec.outSlots[i]!;
      if (s >= 0) add(s, 0, u instanceof ActiveVec ? u.at(i) : (u as Float64Array)[i]!);
    }
  });
  return rec.inLen === 0 ? acc.scalar(rec.inSlot) : acc.run(rec.inSlot, rec.inLen);
}

/** Generic JVP: the output tangent for input tangent v. */
export function jvpGeneric(rec: Recording, gt: GenericTape, v: Value): Value {
  const t = rec.tape;
  const tin: (Value | undefined)[] = t.inputs.map((info) => (info.slot === rec.inSlot ? v : undefined));
  const tan = gt.tangents(tin);
  const parts: Real[] = [];
  for (let i = 0; i < rec.outSlots.length; i++) {
    const s = rec.outSlots[i]!;
    if (s < 0) {
      parts.push(0);
      continue;
    }
    const k = gt.producer(s);
    const tv = tan[k];
    if (tv === undefined) parts.push(0);
    else {
      const ins = gt.ins[k]!;
      parts.push(
        ins.len === 0
          ? (tv as Real)
          : tv instanceof ActiveVec
            ? tv.at(s - ins.out)
            : typeof tv === 'number'
              ? tv
              : (tv as Float64Array)[s - ins.out]!,
      );
    }
  }
  if (rec.outScalar) return parts[0]!;
  return F.concat(parts);
}

export type { Vec };

/**
 * The gradient at x by the compiled program's fused gradient kernel (one pass: value, adjoints,
 * the copy of x into the tape and its finiteness check), with moveTo's errors and branch check;
 * undefined when that kernel does not apply (the caller runs moveTo and vjpFloat).
 */
export function fusedGradient(
  rec: Recording,
  x: unknown,
  who: string,
  strict: boolean,
): [Float64Array, BranchReport] | undefined {
  if (!(x instanceof Float64Array) || rec.inLen === 0) return undefined;
  const compiled = compiledSweeps(rec);
  if (compiled === undefined) return undefined;
  const g = compiled.fusedGradient(x);
  if (g === undefined) return undefined;
  if (typeof g === 'number') throw new DomainError(`${who}: x[${g}]`, 'a finite number', `number ${x[g]}`);
  return [g, checkBranches(rec.tape, strict)];
}

/**
 * Moves a recording to new inputs: checks x (kind, length, finite), writes the input slots, replays
 * the values and re-checks the recorded comparisons (strict: a flipped one throws). Shared by every
 * "record once, evaluate many times" object (recorded functions, Hessians, sparse Jacobians).
 */
export function moveTo(rec: Recording, x: unknown, who: string, strict: boolean): BranchReport {
  const t = rec.tape;
  writeInputs(rec, x, who);
  const compiled = compiledSweeps(rec);
  if (compiled !== undefined) compiled.replay();
  else replayValues(t);
  if (isDebugNonFinite()) scanValues(t);
  return checkBranches(t, strict);
}

/**
 * Element-Jacobian lanes of a compiled recording (see `CompiledSweeps.laneColumns`): per lane, the
 * input element each output row reads; undefined unless compiled kernels may run and the function
 * is its input followed by one fused run making the output vector.
 */
export function laneColumns(rec: Recording): Int32Array[] | undefined {
  return compiledSweeps(rec)?.laneColumns();
}

/**
 * `moveTo(rec, x)` and, in the same pass, each lane's derivative of output row i written to
 * values[P[a][i]] (P from `laneColumns` and the caller's sparse layout). `done` is false when the
 * lane kernel could not finish (a non-finite multiplier, or no kernel): the point is set and the
 * caller computes the values another way.
 */
export function moveToWithLanes(
  rec: Recording,
  x: unknown,
  who: string,
  strict: boolean,
  values: Float64Array,
  P: readonly Int32Array[],
): BranchReport & { done: boolean } {
  const t = rec.tape;
  writeInputs(rec, x, who);
  const compiled = compiledSweeps(rec);
  let done = false;
  if (compiled !== undefined) {
    const r = compiled.laneJacobian(values, P);
    if (r === undefined) compiled.replay();
    else done = r;
  } else replayValues(t);
  if (isDebugNonFinite()) scanValues(t);
  return { ...checkBranches(t, strict), done };
}

/**
 * The first half of `moveTo`: checks x (kind, length, finite) and writes it into the input slots,
 * leaving every other value stale. For callers that recompute the values in a combined sweep
 * (`replayAndTangent`) and check the branches themselves.
 */
export function writeInputs(rec: Recording, x: unknown, who: string): void {
  const t = rec.tape;
  if (rec.inLen === 0) {
    if (typeof x !== 'number')
      throw new ShapeError(`${who}: x`, 'a number (f was recorded with a number)', describeValue(x));
    if (!Number.isFinite(x)) throw new DomainError(`${who}: x`, 'a finite number', `number ${x}`);
    t.slots.write(rec.inSlot, x);
    return;
  }
  const n = rec.inLen;
  if (!(x instanceof Float64Array) || x.length !== n) {
    throw new ShapeError(`${who}: x`, `a Float64Array of length ${n}`, describeValue(x));
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(x[i]!)) throw new DomainError(`${who}: x[${i}]`, 'a finite number', `number ${x[i]}`);
  }
  t.slots.buffer(rec.inSlot).set(x, t.slots.offset(rec.inSlot));
}
