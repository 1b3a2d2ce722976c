/**
 * Value sweep: recomputes every slot from the independent variables (replay at new inputs), then
 * re-evaluates the comparisons recorded while taping to see whether a branch would now go the
 * other way.
 */

import { type AtomicCallRecord, checkOutputs, readInputs, writeOutputs } from '../atomic.js';
import { BranchChangeError } from '../errors.js';
import {
  argExtreme,
  COMPARISON_OPERATORS,
  compareNumbers,
  evalConcat,
  evalGather,
  evalScatterAdd,
  evalSelect,
  plainDot,
} from '../ops/functions.js';
import { evalBinaryRun, evalUnaryRun } from '../ops/kernels.js';
import {
  BCAST_A,
  BCAST_B,
  OP_ATOMIC,
  OP_CONCAT,
  OP_DOT,
  OP_GATHER,
  OP_INPUT,
  OP_PROD,
  OP_RMAX,
  OP_RMIN,
  OP_SCATTER_ADD,
  OP_SELECT,
  OP_SUM,
} from '../ops/table.js';

import { A_CONST, B_CONST, COL_CHUNK, E_A, E_AUX, E_B, E_C, E_LEN, E_OUT, EXT, type Tape } from '../tape/tape.js';
import { binaryValue, unaryValue } from './rules.js';

/** Recomputes all values of t from the current contents of its input slots. */
export function replayValues(t: Tape): void {
  const V = t.slots.flat;
  const K = t.consts.flat;
  // A consolidated tape (a recorded function) is swept with flat addressing: same steps, one index.
  if (V !== undefined && K !== undefined) replayFlat(t, V, K);
  else replayChunked(t);
}

function replayChunked(t: Tape): void {
  const V = t.slots.chunks;
  const K = t.consts.chunks;
  const nChunks = t.codes.length;
  let cur = 0;
  for (let ci = 0; ci < nChunks; ci++) {
    const C = t.codes[ci]!;
    const A = t.as[ci]!;
    const B = t.bs[ci]!;
    const n = ci === nChunks - 1 ? t.ipos : COL_CHUNK;
    for (let j = 0; j < n; j++) {
      const code = C[j]!;
      if (code & EXT) {
        cur = replayExt(t, A[j]!, code);
        continue;
      }
      const out = cur++;
      const ia = A[j]!;
      const ib = B[j]!;
      let y: number;
      // The hottest cases inline (values identical to the specs'; test/table.test.ts checks).
      switch (code) {
        case 64:
          y = V[ia >>> 12]![ia & 0xfff]! + V[ib >>> 12]![ib & 0xfff]!;
          break;
        case 576:
          y = V[ia >>> 12]![ia & 0xfff]! + K[ib >>> 12]![ib & 0xfff]!;
          break;
        case 320:
          y = K[ia >>> 12]![ia & 0xfff]! + V[ib >>> 12]![ib & 0xfff]!;
          break;
        case 65:
          y = V[ia >>> 12]![ia & 0xfff]! - V[ib >>> 12]![ib & 0xfff]!;
          break;
        case 577:
          y = V[ia >>> 12]![ia & 0xfff]! - K[ib >>> 12]![ib & 0xfff]!;
          break;
        case 321:
          y = K[ia >>> 12]![ia & 0xfff]! - V[ib >>> 12]![ib & 0xfff]!;
          break;
        case 66:
          y = V[ia >>> 12]![ia & 0xfff]! * V[ib >>> 12]![ib & 0xfff]!;
          break;
        case 578:
          y = V[ia >>> 12]![ia & 0xfff]! * K[ib >>> 12]![ib & 0xfff]!;
          break;
        case 322:
          y = K[ia >>> 12]![ia & 0xfff]! * V[ib >>> 12]![ib & 0xfff]!;
          break;
        case 3: {
          const x = V[ia >>> 12]![ia & 0xfff]!;
          y = x * x;
          break;
        }
        case OP_INPUT:
          continue;
        default: {
          const op = code & 0xff;
          if (op < 64) y = unaryValue(op, V[ia >>> 12]![ia & 0xfff]!);
          else {
            const a = code & A_CONST ? K[ia >>> 12]![ia & 0xfff]! : V[ia >>> 12]![ia & 0xfff]!;
            const b = code & B_CONST ? K[ib >>> 12]![ib & 0xfff]! : V[ib >>> 12]![ib & 0xfff]!;
            y = binaryValue(op, a, b);
          }
        }
      }
      V[out >>> 12]![out & 0xfff] = y;
    }
  }
}

/**
 * Replays instructions [i0, i1) of a consolidated tape; `cur` is the slot counter before
 * instruction i0 (the compiled programs run the interpreter over the stretches between kernels).
 */
export function replayRange(t: Tape, i0: number, i1: number, cur: number): void {
  replayFlat(t, t.slots.flat!, t.consts.flat!, i0, i1, cur);
}

// The same loop over flat arrays (kept in step with replayChunked; tests compare both bit for bit).
function replayFlat(t: Tape, V: Float64Array, K: Float64Array, i0 = 0, i1 = t.nInstr, cur0 = 0): void {
  if (i1 <= i0) return;
  let cur = cur0;
  const c0 = i0 >>> 16;
  const c1 = (i1 - 1) >>> 16;
  for (let ci = c0; ci <= c1; ci++) {
    const C = t.codes[ci]!;
    const A = t.as[ci]!;
    const B = t.bs[ci]!;
    const n = ci === c1 ? ((i1 - 1) & (COL_CHUNK - 1)) + 1 : COL_CHUNK;
    for (let j = ci === c0 ? i0 & (COL_CHUNK - 1) : 0; j < n; j++) {
      const code = C[j]!;
      if (code & EXT) {
        cur = replayExt(t, A[j]!, code);
        continue;
      }
      const out = cur++;
      const ia = A[j]!;
      const ib = B[j]!;
      let y: number;
      // The hottest cases inline (values identical to the specs'; test/table.test.ts checks).
      switch (code) {
        case 64:
          y = V[ia]! + V[ib]!;
          break;
        case 576:
          y = V[ia]! + K[ib]!;
          break;
        case 320:
          y = K[ia]! + V[ib]!;
          break;
        case 65:
          y = V[ia]! - V[ib]!;
          break;
        case 577:
          y = V[ia]! - K[ib]!;
          break;
        case 321:
          y = K[ia]! - V[ib]!;
          break;
        case 66:
          y = V[ia]! * V[ib]!;
          break;
        case 578:
          y = V[ia]! * K[ib]!;
          break;
        case 322:
          y = K[ia]! * V[ib]!;
          break;
        case 3: {
          const x = V[ia]!;
          y = x * x;
          break;
        }
        case OP_INPUT:
          continue;
        default: {
          const op = code & 0xff;
          if (op < 64) y = unaryValue(op, V[ia]!);
          else {
            const a = code & A_CONST ? K[ia]! : V[ia]!;
            const b = code & B_CONST ? K[ib]! : V[ib]!;
            y = binaryValue(op, a, b);
          }
        }
      }
      V[out] = y;
    }
  }
}

/** Evaluates extension instruction r; returns the slot counter after its output. */
export function replayExt(t: Tape, r: number, code: number): number {
  const op = code & 0xff;
  const S = t.slots;
  const out = t.extGet(r, E_OUT);
  const len = t.extGet(r, E_LEN);
  if (op < 64) {
    const xs = t.extGet(r, E_A);
    evalUnaryRun(op, S.buffer(out), S.offset(out), S.buffer(xs), S.offset(xs), len);
  } else if (op < 128) {
    const ia = t.extGet(r, E_A);
    const ib = t.extGet(r, E_B);
    const bc = t.extGet(r, E_AUX);
    const SA = code & A_CONST ? t.consts : S;
    const SB = code & B_CONST ? t.consts : S;
    evalBinaryRun(
      op,
      S.buffer(out),
      S.offset(out),
      SA.buffer(ia),
      SA.offset(ia),
      bc & BCAST_A ? 0 : 1,
      SB.buffer(ib),
      SB.offset(ib),
      bc & BCAST_B ? 0 : 1,
      len,
    );
  } else {
    switch (op) {
      case OP_SELECT:
        evalSelect(t, r, len);
        break;
      case OP_SUM:
      case OP_PROD:
      case OP_RMAX:
      case OP_RMIN: {
        const xs = t.extGet(r, E_A);
        const n = t.extGet(r, E_B);
        const X = S.buffer(xs);
        const xo = S.offset(xs);
        let v: number;
        if (op === OP_SUM) {
          v = 0;
          for (let i = 0; i < n; i++) v += X[xo + i]!;
        } else if (op === OP_PROD) {
          v = 1;
          for (let i = 0; i < n; i++) v *= X[xo + i]!;
        } else v = X[xo + argExtreme(X, xo, n, op === OP_RMAX)]!;
        S.write(out, v);
        break;
      }
      case OP_DOT: {
        const as = t.extGet(r, E_A);
        const bs = t.extGet(r, E_B);
        S.write(out, plainDot(S.buffer(as), S.offset(as), S.buffer(bs), S.offset(bs), t.extGet(r, E_C)));
        break;
      }
      case OP_GATHER:
        evalGather(t, r);
        break;
      case OP_SCATTER_ADD:
        evalScatterAdd(t, r);
        break;
      case OP_CONCAT:
        evalConcat(t, r);
        break;
      case OP_ATOMIC: {
        const call = t.atomics[t.extGet(r, E_AUX)]! as AtomicCallRecord;
        const res = call.def.value(readInputs(t, call));
        writeOutputs(t, out, call.outLens, checkOutputs(call.def, res), call.def.name);
        call.state = res.state;
        break;
      }
      // OP_INPUT_RUN, OP_CONST_RUN: the slots already hold their values.
    }
  }
  return out + (len || 1);
}

/** Result of re-checking the recorded comparisons. */
export interface BranchReport {
  /** Number of recorded comparisons that go the other way now. */
  readonly changed: number;
  /** The first one, if any: index, operator, recorded result, instruction position. */
  readonly first?: {
    readonly index: number;
    readonly operator: string;
    readonly recorded: boolean;
    readonly position: number;
  };
}

/** Re-evaluates the comparisons recorded on t at the current values. */
export function checkBranches(t: Tape, strict: boolean): BranchReport {
  let changed = 0;
  let first: BranchReport['first'];
  const S = t.slots;
  const K = t.consts;
  for (let i = 0; i < t.cmpCode.length; i++) {
    const code = t.cmpCode[i]!;
    const a = code & A_CONST ? K.read(t.cmpA[i]!) : S.read(t.cmpA[i]!);
    const b = code & B_CONST ? K.read(t.cmpB[i]!) : S.read(t.cmpB[i]!);
    const now = compareNumbers(code & 0xff, a, b);
    if (now !== t.cmpResult[i]) {
      changed++;
      if (first === undefined) {
        first = {
          index: i,
          operator: COMPARISON_OPERATORS[code & 0xff]!,
          recorded: t.cmpResult[i]!,
          position: t.cmpPos[i]!,
        };
        if (strict) throw new BranchChangeError(i, first.operator, first.recorded, first.position);
      }
    }
  }
  return first === undefined ? { changed } : { changed, first };
}
