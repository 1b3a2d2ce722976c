/**
 * Non-finite debugging (like JAX's debug_nans): after a sweep, find the FIRST instruction that
 * produced NaN or ±Infinity from finite operands, and name it. The scans run only when the mode is
 * on (see `setDebugNonFinite`), after the sweep, so the sweeps themselves pay nothing when it is off.
 */
import { NonFiniteError } from '../errors.js';
import {
  BCAST_A,
  BCAST_B,
  BCAST_C,
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
} from '../ops/table.js';
import { A_CONST, B_CONST, E_A, E_AUX, E_B, E_C, EXT, type Instr, listInstructions, type Tape } from '../tape/tape.js';
import { reverseExt, simpleReverse } from './reverse.js';

let debugNonFinite = false;

/**
 * Turns the non-finite check on or off for every sweep (off by default). When on, a value, tangent
 * or adjoint sweep that produces NaN/Infinity throws NonFiniteError naming the first instruction
 * (op and position) that produced it from finite operands.
 */
export function setDebugNonFinite(on: boolean): void {
  debugNonFinite = on;
}

export function isDebugNonFinite(): boolean {
  return debugNonFinite;
}

/** Operand runs [slot, length] of an instruction (constants excluded). */
export function operandsOf(t: Tape, ins: Instr): [number, number][] {
  const code = ins.code;
  const op = code & 0xff;
  if (!(code & EXT)) {
    if (op === OP_INPUT) return [];
    if (op < 64) return [[ins.a, 1]];
    const res: [number, number][] = [];
    if (!(code & A_CONST)) res.push([ins.a, 1]);
    if (!(code & B_CONST)) res.push([ins.b, 1]);
    return res;
  }
  const r = ins.a;
  const n = ins.len || 1;
  const ea = t.extGet(r, E_A);
  const eb = t.extGet(r, E_B);
  const aux = t.extGet(r, E_AUX);
  if (op < 64) return [[ea, n]];
  if (op < 128 || op === OP_SELECT) {
    const res: [number, number][] = [];
    if (!(code & A_CONST)) res.push([ea, aux & BCAST_A ? 1 : n]);
    if (!(code & B_CONST)) res.push([eb, aux & BCAST_B ? 1 : n]);
    if (op === OP_SELECT) res.push([t.extGet(r, E_C), aux & BCAST_C ? 1 : n]);
    return res;
  }
  switch (op) {
    case OP_SUM:
    case OP_PROD:
    case OP_RMAX:
    case OP_RMIN:
    case OP_GATHER:
    case OP_SCATTER_ADD:
      return [[ea, eb]];
    case OP_DOT: {
      const m = t.extGet(r, E_C);
      return [
        [ea, m],
        [eb, m],
      ];
    }
    case OP_CONCAT: {
      const list = t.lists[aux]!;
      const res: [number, number][] = [];
      for (let i = 0; i < list.length; i += 2) res.push([list[i]!, list[i + 1]! || 1]);
      return res;
    }
    case OP_ATOMIC: {
      const call = t.atomics[aux]!;
      return Array.from(call.inSlots, (s, i) => [s, call.inLens[i]! || 1] as [number, number]);
    }
    case OP_INPUT_RUN:
    case OP_CONST_RUN:
      return [];
  }
  return [];
}

function firstNonFinite(get: (s: number) => number, s: number, len: number): number | undefined {
  for (let i = 0; i < len; i++) {
    const v = get(s + i);
    if (!Number.isFinite(v)) return v;
  }
  return undefined;
}

/** Throws NonFiniteError for the first instruction whose value is non-finite from finite operand values. */
export function scanValues(t: Tape): void {
  const read = (s: number) => t.slots.read(s);
  const list = listInstructions(t);
  for (let k = 0; k < list.length; k++) {
    const ins = list[k]!;
    const bad = firstNonFinite(read, ins.out, ins.len || 1);
    if (bad === undefined) continue;
    if (operandsOf(t, ins).every(([s, l]) => firstNonFinite(read, s, l) === undefined)) {
      throw new NonFiniteError('value', opName(ins.code & 0xff), k, bad);
    }
  }
}

/** Throws for the first instruction whose tangent is non-finite from finite operand values and tangents. */
export function scanTangents(t: Tape, dot: Float64Array, p: number): void {
  const read = (s: number) => t.slots.read(s);
  const tan = (e: number) => dot[e]!;
  const list = listInstructions(t);
  for (let k = 0; k < list.length; k++) {
    const ins = list[k]!;
    const bad = firstNonFinite(tan, ins.out * p, (ins.len || 1) * p);
    if (bad === undefined) continue;
    const ops = operandsOf(t, ins);
    const finite = ops.every(
      ([s, l]) => firstNonFinite(read, s, l) === undefined && firstNonFinite(tan, s * p, l * p) === undefined,
    );
    if (finite) throw new NonFiniteError('tangent', opName(ins.code & 0xff), k, bad);
  }
}

/**
 * Throws for the first instruction, in reverse order, whose contribution to an operand's adjoint is
 * non-finite although its own output adjoint is finite. Replays each instruction's reverse step into
 * a scratch array.
 */
export function scanAdjoints(t: Tape, adj: Float64Array, q: number): void {
  const list = listInstructions(t);
  const scratch = new Float64Array(adj.length);
  const V = t.slots.chunks;
  const K = t.consts.chunks;
  for (let k = list.length - 1; k >= 0; k--) {
    const ins = list[k]!;
    const op = ins.code & 0xff;
    if (op === OP_INPUT || op === OP_INPUT_RUN || op === OP_CONST_RUN) continue;
    const o = ins.out * q;
    const l = (ins.len || 1) * q;
    let allZero = true;
    let finite = true;
    for (let i = 0; i < l; i++) {
      const g = adj[o + i]!;
      if (g !== 0) allZero = false;
      if (!Number.isFinite(g)) finite = false;
    }
    if (allZero || !finite) continue;
    const ops = operandsOf(t, ins);
    for (let i = 0; i < l; i++) scratch[o + i] = adj[o + i]!;
    if (ins.code & EXT) reverseExt(t, ins.a, ins.code, scratch, q);
    else simpleReverse(ins.code, ins.a, ins.b, ins.out, V, K, scratch, q);
    let bad: number | undefined;
    for (const [s, len] of ops) {
      for (let i = s * q; i < (s + len) * q; i++) {
        if (bad === undefined && !Number.isFinite(scratch[i]!)) bad = scratch[i]!;
        scratch[i] = 0;
      }
    }
    for (let i = 0; i < l; i++) scratch[o + i] = 0;
    if (bad !== undefined) throw new NonFiniteError('adjoint', opName(op), k, bad);
  }
}
