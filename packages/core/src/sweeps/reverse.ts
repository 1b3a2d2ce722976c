/**
 * Reverse sweep (adjoints, q directions at once). `adj` holds q adjoints per slot, slot-major
 * (`adj[s*q + k]`); the caller seeds the outputs, the sweep accumulates into every operand.
 *
 * Convention: an instruction whose output adjoint is exactly 0 contributes nothing (so an infinite
 * partial such as sqrt'(0) times a zero adjoint does not turn into NaN).
 */
import { type AtomicCallRecord, type Plain, readInputs, readOutputs, requireRule } from '../atomic.js';
import { describeValue, ShapeError } from '../errors.js';
import { UNARY_SPECS } from '../ops/elementwise.js';
import { argExtreme } from '../ops/functions.js';
import type { UnarySpec } from '../ops/spec.js';
import {
  BCAST_A,
  BCAST_B,
  BCAST_C,
  OP_ATOMIC,
  OP_CONCAT,
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
} from '../ops/table.js';

import {
  A_CONST,
  B_CONST,
  COL_CHUNK,
  E_A,
  E_AUX,
  E_AUX2,
  E_B,
  E_C,
  E_LEN,
  E_OUT,
  E_PREV,
  EXT,
  type Tape,
} from '../tape/tape.js';
import { binaryPartialA, binaryPartialB, binaryPartials, P, unaryPartial } from './rules.js';

const SQUARE = UNARY_SPECS.square as UnarySpec;
const EXP = UNARY_SPECS.exp as UnarySpec;

/**
 * Runs the reverse sweep over all of t. With `clear`, each output adjoint is zeroed once its
 * instruction has consumed it (while it is in cache), so afterwards only the input slots hold
 * non-zeros: the caller reads them, zeroes them, and can reuse the buffer without a full memset.
 */
export function reverseSweep(t: Tape, adj: Float64Array, q: number, clear = false): void {
  const V = t.slots.flat;
  const K = t.consts.flat;
  if (q === 1) {
    if (V !== undefined && K !== undefined) reverse1Flat(t, adj, clear, V, K);
    else reverse1(t, adj, clear);
  } else reverseQ(t, adj, q, clear);
}

/**
 * Reverse sweep over instructions [i0, i1) of a consolidated tape, backwards; `cur` is the slot
 * counter after instruction i1 − 1 (the compiled programs run the interpreter over the stretches
 * between kernels).
 */
export function reverseRange(
  t: Tape,
  adj: Float64Array,
  q: number,
  clear: boolean,
  i0: number,
  i1: number,
  cur: number,
): void {
  if (q === 1) reverse1Flat(t, adj, clear, t.slots.flat!, t.consts.flat!, i0, i1, cur);
  else reverseQ(t, adj, q, clear, i0, i1, cur);
}

function clearRun(t: Tape, r: number, adj: Float64Array, q: number): void {
  if ((t.extGet(r, E_AUX2) & 0xff) === OP_INPUT_RUN) return;
  const out = t.extGet(r, E_OUT);
  adj.fill(0, out * q, (out + (t.extGet(r, E_LEN) || 1)) * q);
}

function reverse1(t: Tape, adj: Float64Array, clear: boolean): void {
  const V = t.slots.chunks;
  const K = t.consts.chunks;
  let cur = t.slots.size;
  const last = t.codes.length - 1;
  for (let ci = last; ci >= 0; ci--) {
    const C = t.codes[ci]!;
    const A = t.as[ci]!;
    const B = t.bs[ci]!;
    for (let j = (ci === last ? t.ipos : COL_CHUNK) - 1; j >= 0; j--) {
      const code = C[j]!;
      if (code & EXT) {
        const r = A[j]!;
        reverseExt(t, r, code, adj, 1);
        if (clear) clearRun(t, r, adj, 1);
        cur = t.extGet(r, E_PREV);
        continue;
      }
      const out = --cur;
      const g = adj[out]!;
      if (g === 0) continue;
      const ia = A[j]!;
      switch (code) {
        case 64: // add
          adj[ia] += g;
          adj[B[j]!] += g;
          break;
        case 576: // add, b constant
          adj[ia] += g;
          break;
        case 320: // add, a constant
          adj[B[j]!] += g;
          break;
        case 65: // sub
          adj[ia] += g;
          adj[B[j]!] -= g;
          break;
        case 577:
          adj[ia] += g;
          break;
        case 321:
          adj[B[j]!] -= g;
          break;
        case 66: {
          // mul: ∂/∂a = b, ∂/∂b = a
          const ib = B[j]!;
          adj[ia] += g * V[ib >>> 12]![ib & 0xfff]!;
          adj[ib] += g * V[ia >>> 12]![ia & 0xfff]!;
          break;
        }
        case 578: {
          const ib = B[j]!;
          adj[ia] += g * K[ib >>> 12]![ib & 0xfff]!;
          break;
        }
        case 322:
          adj[B[j]!] += g * K[ia >>> 12]![ia & 0xfff]!;
          break;
        case 3: {
          const x = V[ia >>> 12]![ia & 0xfff]!;
          adj[ia] += g * SQUARE.d(x, V[out >>> 12]![out & 0xfff]!);
          break;
        }
        case 6:
          adj[ia] += g * EXP.d(V[ia >>> 12]![ia & 0xfff]!, V[out >>> 12]![out & 0xfff]!);
          break;
        case OP_INPUT:
          // Inputs keep their adjoints: they are the result.
          continue;
        default:
          simpleReverse(code, ia, B[j]!, out, V, K, adj, 1);
      }
      if (clear) adj[out] = 0;
    }
  }
}

// reverse1 over flat arrays (kept in step with it; tests compare both bit for bit).
function reverse1Flat(
  t: Tape,
  adj: Float64Array,
  clear: boolean,
  V: Float64Array,
  K: Float64Array,
  i0 = 0,
  i1 = t.nInstr,
  cur0 = t.slots.size,
): void {
  if (i1 <= i0) return;
  const VC = t.slots.chunks;
  const KC = t.consts.chunks;
  let cur = cur0;
  const c0 = i0 >>> 16;
  const last = (i1 - 1) >>> 16;
  for (let ci = last; ci >= c0; ci--) {
    const C = t.codes[ci]!;
    const A = t.as[ci]!;
    const B = t.bs[ci]!;
    const jEnd = ci === c0 ? i0 & (COL_CHUNK - 1) : 0;
    for (let j = ci === last ? (i1 - 1) & (COL_CHUNK - 1) : COL_CHUNK - 1; j >= jEnd; j--) {
      const code = C[j]!;
      if (code & EXT) {
        const r = A[j]!;
        reverseExt(t, r, code, adj, 1);
        if (clear) clearRun(t, r, adj, 1);
        cur = t.extGet(r, E_PREV);
        continue;
      }
      const out = --cur;
      const g = adj[out]!;
      if (g === 0) continue;
      const ia = A[j]!;
      switch (code) {
        case 64: // add
          adj[ia] += g;
          adj[B[j]!] += g;
          break;
        case 576: // add, b constant
          adj[ia] += g;
          break;
        case 320: // add, a constant
          adj[B[j]!] += g;
          break;
        case 65: // sub
          adj[ia] += g;
          adj[B[j]!] -= g;
          break;
        case 577:
          adj[ia] += g;
          break;
        case 321:
          adj[B[j]!] -= g;
          break;
        case 66: {
          // mul: ∂/∂a = b, ∂/∂b = a
          const ib = B[j]!;
          adj[ia] += g * V[ib]!;
          adj[ib] += g * V[ia]!;
          break;
        }
        case 578: {
          const ib = B[j]!;
          adj[ia] += g * K[ib]!;
          break;
        }
        case 322:
          adj[B[j]!] += g * K[ia]!;
          break;
        case 3: {
          const x = V[ia]!;
          adj[ia] += g * SQUARE.d(x, V[out]!);
          break;
        }
        case 6:
          adj[ia] += g * EXP.d(V[ia]!, V[out]!);
          break;
        case OP_INPUT:
          // Inputs keep their adjoints: they are the result.
          continue;
        default:
          simpleReverse(code, ia, B[j]!, out, VC, KC, adj, 1);
      }
      if (clear) adj[out] = 0;
    }
  }
}

function reverseQ(
  t: Tape,
  adj: Float64Array,
  q: number,
  clear: boolean,
  i0 = 0,
  i1 = t.nInstr,
  cur0 = t.slots.size,
): void {
  if (i1 <= i0) return;
  const V = t.slots.chunks;
  const K = t.consts.chunks;
  let cur = cur0;
  const c0 = i0 >>> 16;
  const last = (i1 - 1) >>> 16;
  for (let ci = last; ci >= c0; ci--) {
    const C = t.codes[ci]!;
    const A = t.as[ci]!;
    const B = t.bs[ci]!;
    const jEnd = ci === c0 ? i0 & (COL_CHUNK - 1) : 0;
    for (let j = ci === last ? (i1 - 1) & (COL_CHUNK - 1) : COL_CHUNK - 1; j >= jEnd; j--) {
      const code = C[j]!;
      if (code & EXT) {
        const r = A[j]!;
        reverseExt(t, r, code, adj, q);
        if (clear) clearRun(t, r, adj, q);
        cur = t.extGet(r, E_PREV);
        continue;
      }
      const out = --cur;
      if ((code & 0xff) === OP_INPUT) continue;
      simpleReverse(code, A[j]!, B[j]!, out, V, K, adj, q);
      if (clear) adj.fill(0, out * q, out * q + q);
    }
  }
}

/** Reverse step of a simple (scalar) instruction, any q. */
export function simpleReverse(
  code: number,
  ia: number,
  ib: number,
  out: number,
  V: Float64Array[],
  K: Float64Array[],
  adj: Float64Array,
  q: number,
): void {
  const op = code & 0xff;
  const y = V[out >>> 12]![out & 0xfff]!;
  const go = out * q;
  if (op < 64) {
    const x = V[ia >>> 12]![ia & 0xfff]!;
    let d = Number.NaN;
    const ga = ia * q;
    for (let k = 0; k < q; k++) {
      const g = adj[go + k]!;
      if (g === 0) continue;
      if (d !== d) d = unaryPartial(op, x, y);
      adj[ga + k] += d * g;
    }
    return;
  }
  const a = code & A_CONST ? K[ia >>> 12]![ia & 0xfff]! : V[ia >>> 12]![ia & 0xfff]!;
  const b = code & B_CONST ? K[ib >>> 12]![ib & 0xfff]! : V[ib >>> 12]![ib & 0xfff]!;
  let any = false;
  for (let k = 0; k < q; k++) if (adj[go + k] !== 0) any = true;
  if (!any) return;
  let pa = 0;
  let pb = 0;
  if (code & A_CONST) pb = binaryPartialB(op, a, b, y);
  else if (code & B_CONST) pa = binaryPartialA(op, a, b, y);
  else {
    binaryPartials(op, a, b, y);
    pa = P[0]!;
    pb = P[1]!;
  }
  const ga = ia * q;
  const gb = ib * q;
  for (let k = 0; k < q; k++) {
    const g = adj[go + k]!;
    if (g === 0) continue;
    if (!(code & A_CONST)) adj[ga + k] += pa * g;
    if (!(code & B_CONST)) adj[gb + k] += pb * g;
  }
}

/** Reverse step of extension instruction r. */
export function reverseExt(t: Tape, r: number, code: number, adj: Float64Array, q: number): void {
  const op = code & 0xff;
  const S = t.slots;
  const out = t.extGet(r, E_OUT);
  const len = t.extGet(r, E_LEN);
  const Y = S.buffer(out);
  const yo = S.offset(out);
  if (op < 64) {
    const xs = t.extGet(r, E_A);
    const X = S.buffer(xs);
    const xo = S.offset(xs);
    if (q === 1) {
      switch (op) {
        case 2:
          for (let i = 0; i < len; i++) adj[xs + i] -= adj[out + i]!;
          return;
        case 3:
          for (let i = 0; i < len; i++) {
            const g = adj[out + i]!;
            if (g !== 0) adj[xs + i] += g * SQUARE.d(X[xo + i]!, Y[yo + i]!);
          }
          return;
        case 6:
          for (let i = 0; i < len; i++) {
            const g = adj[out + i]!;
            if (g !== 0) adj[xs + i] += g * EXP.d(X[xo + i]!, Y[yo + i]!);
          }
          return;
      }
    }
    for (let i = 0; i < len; i++) {
      const go = (out + i) * q;
      const ga = (xs + i) * q;
      let d = Number.NaN;
      for (let k = 0; k < q; k++) {
        const g = adj[go + k]!;
        if (g === 0) continue;
        if (d !== d) d = unaryPartial(op, X[xo + i]!, Y[yo + i]!);
        adj[ga + k] += d * g;
      }
    }
    return;
  }
  if (op < 128) {
    reverseBinaryRun(t, r, code, op, out, len, Y, yo, adj, q);
    return;
  }
  switch (op) {
    case OP_SELECT: {
      const ia = t.extGet(r, E_A);
      const ib = t.extGet(r, E_B);
      const ic = t.extGet(r, E_C);
      const bc = t.extGet(r, E_AUX);
      const M = S.buffer(ic);
      const mo = S.offset(ic);
      const n = len || 1;
      const sa = bc & BCAST_A ? 0 : 1;
      const sb = bc & BCAST_B ? 0 : 1;
      const sm = bc & BCAST_C ? 0 : 1;
      for (let i = 0; i < n; i++) {
        const chooseA = M[mo + i * sm] !== 0;
        if (chooseA ? code & A_CONST : code & B_CONST) continue;
        const dst = chooseA ? (ia + i * sa) * q : (ib + i * sb) * q;
        const go = (out + i) * q;
        for (let k = 0; k < q; k++) adj[dst + k] += adj[go + k]!;
      }
      return;
    }
    case OP_SUM: {
      const xs = t.extGet(r, E_A);
      const n = t.extGet(r, E_B);
      if (q === 1) {
        const g = adj[out]!;
        if (g !== 0) for (let i = 0; i < n; i++) adj[xs + i] += g;
        return;
      }
      const go = out * q;
      for (let i = 0; i < n; i++) for (let k = 0; k < q; k++) adj[(xs + i) * q + k] += adj[go + k]!;
      return;
    }
    case OP_PROD: {
      const xs = t.extGet(r, E_A);
      const n = t.extGet(r, E_B);
      const X = S.buffer(xs);
      const xo = S.offset(xs);
      // ∂/∂x_i = Π_{j≠i} x_j from prefix and suffix products (exact with zeros, no division).
      const suffix = new Float64Array(n + 1);
      suffix[n] = 1;
      for (let i = n - 1; i >= 0; i--) suffix[i] = suffix[i + 1]! * X[xo + i]!;
      let prefix = 1;
      const go = out * q;
      for (let i = 0; i < n; i++) {
        const d = prefix * suffix[i + 1]!;
        for (let k = 0; k < q; k++) {
          const g = adj[go + k]!;
          if (g !== 0) adj[(xs + i) * q + k] += d * g;
        }
        prefix *= X[xo + i]!;
      }
      return;
    }
    case OP_RMAX:
    case OP_RMIN: {
      const xs = t.extGet(r, E_A);
      const n = t.extGet(r, E_B);
      const i = argExtreme(S.buffer(xs), S.offset(xs), n, op === OP_RMAX);
      for (let k = 0; k < q; k++) adj[(xs + i) * q + k] += adj[out * q + k]!;
      return;
    }
    case OP_DOT: {
      const as = t.extGet(r, E_A);
      const bs = t.extGet(r, E_B);
      const n = t.extGet(r, E_C);
      const A = S.buffer(as);
      const ao = S.offset(as);
      const B = S.buffer(bs);
      const bo = S.offset(bs);
      for (let k = 0; k < q; k++) {
        const g = adj[out * q + k]!;
        if (g === 0) continue;
        for (let i = 0; i < n; i++) {
          adj[(as + i) * q + k] += g * B[bo + i]!;
          adj[(bs + i) * q + k] += g * A[ao + i]!;
        }
      }
      return;
    }
    case OP_GATHER: {
      const xs = t.extGet(r, E_A);
      const ix = t.indexArrays[t.extGet(r, E_AUX)]!;
      for (let i = 0; i < ix.length; i++) {
        const dst = (xs + ix[i]!) * q;
        const go = (out + i) * q;
        for (let k = 0; k < q; k++) adj[dst + k] += adj[go + k]!;
      }
      return;
    }
    case OP_SCATTER_ADD: {
      const xs = t.extGet(r, E_A);
      const ix = t.indexArrays[t.extGet(r, E_AUX)]!;
      for (let i = 0; i < ix.length; i++) {
        const dst = (xs + i) * q;
        const go = (out + ix[i]!) * q;
        for (let k = 0; k < q; k++) adj[dst + k] += adj[go + k]!;
      }
      return;
    }
    case OP_CONCAT: {
      const list = t.lists[t.extGet(r, E_AUX)]!;
      let o = out;
      for (let p = 0; p < list.length; p += 2) {
        const s = list[p]!;
        const l = list[p + 1]! || 1;
        for (let i = 0; i < l; i++) for (let k = 0; k < q; k++) adj[(s + i) * q + k] += adj[(o + i) * q + k]!;
        o += l;
      }
      return;
    }
    case OP_ATOMIC:
      reverseAtomic(t, t.atomics[t.extGet(r, E_AUX)]!, out, adj, q);
      return;
    // OP_INPUT_RUN, OP_CONST_RUN: nothing to propagate.
  }
}

function reverseBinaryRun(
  t: Tape,
  r: number,
  code: number,
  op: number,
  out: number,
  len: number,
  Y: Float64Array,
  yo: number,
  adj: Float64Array,
  q: number,
): void {
  const ia = t.extGet(r, E_A);
  const ib = t.extGet(r, E_B);
  const bc = t.extGet(r, E_AUX);
  const aConst = (code & A_CONST) !== 0;
  const bConst = (code & B_CONST) !== 0;
  const SA = aConst ? t.consts : t.slots;
  const SB = bConst ? t.consts : t.slots;
  const A = SA.buffer(ia);
  const ao = SA.offset(ia);
  const B = SB.buffer(ib);
  const bo = SB.offset(ib);
  const sa = bc & BCAST_A ? 0 : 1;
  const sb = bc & BCAST_B ? 0 : 1;
  if (q === 1 && sa === 1 && sb === 1 && !aConst && !bConst) {
    // Hot vector-vector cases (adjoint slots of operand runs are ia + i, ib + i).
    switch (op) {
      case 64:
        for (let i = 0; i < len; i++) {
          const g = adj[out + i]!;
          adj[ia + i] += g;
          adj[ib + i] += g;
        }
        return;
      case 65:
        for (let i = 0; i < len; i++) {
          const g = adj[out + i]!;
          adj[ia + i] += g;
          adj[ib + i] -= g;
        }
        return;
      case 66:
        for (let i = 0; i < len; i++) {
          const g = adj[out + i]!;
          if (g === 0) continue;
          adj[ia + i] += g * B[bo + i]!;
          adj[ib + i] += g * A[ao + i]!;
        }
        return;
    }
  }
  if (q === 1 && sa === 1 && sb === 0 && !aConst) {
    // vector op scalar (scalar constant or active scalar broadcast).
    switch (op) {
      case 64:
      case 65: {
        let s = 0;
        for (let i = 0; i < len; i++) {
          const g = adj[out + i]!;
          adj[ia + i] += g;
          s += g;
        }
        if (!bConst) adj[ib] += op === 64 ? s : -s;
        return;
      }
      case 66: {
        const c = B[bo]!;
        let s = 0;
        for (let i = 0; i < len; i++) {
          const g = adj[out + i]!;
          if (g === 0) continue;
          adj[ia + i] += g * c;
          s += g * A[ao + i]!;
        }
        if (!bConst) adj[ib] += s;
        return;
      }
    }
  }
  if (q === 1 && sa === 0 && sb === 1 && !bConst) {
    switch (op) {
      case 64:
      case 65: {
        let s = 0;
        for (let i = 0; i < len; i++) {
          const g = adj[out + i]!;
          if (op === 64) adj[ib + i] += g;
          else adj[ib + i] -= g;
          s += g;
        }
        if (!aConst) adj[ia] += s;
        return;
      }
      case 66: {
        const c = A[ao]!;
        let s = 0;
        for (let i = 0; i < len; i++) {
          const g = adj[out + i]!;
          if (g === 0) continue;
          adj[ib + i] += g * c;
          s += g * B[bo + i]!;
        }
        if (!aConst) adj[ia] += s;
        return;
      }
    }
  }
  if (q === 1 && op === 66 && sa === 0 && !aConst && sb === 1 && bConst) {
    // active scalar × constant vector (e.g. vol · Z_k): only the scalar gets an adjoint.
    let s = 0;
    for (let i = 0; i < len; i++) {
      const g = adj[out + i]!;
      if (g !== 0) s += g * B[bo + i]!;
    }
    adj[ia] += s;
    return;
  }
  if (q === 1 && op === 66 && sb === 0 && !bConst && sa === 1 && aConst) {
    let s = 0;
    for (let i = 0; i < len; i++) {
      const g = adj[out + i]!;
      if (g !== 0) s += g * A[ao + i]!;
    }
    adj[ib] += s;
    return;
  }
  if (q === 1 && (op === 64 || op === 65 || op === 66)) {
    // add, sub, mul with any other mix of broadcast and constant operands.
    let sumA = 0;
    let sumB = 0;
    for (let i = 0; i < len; i++) {
      const g = adj[out + i]!;
      if (g === 0) continue;
      const da = op === 66 ? B[bo + i * sb]! : 1;
      const db = op === 66 ? A[ao + i * sa]! : op === 65 ? -1 : 1;
      if (!aConst) {
        if (sa === 1) adj[ia + i] += g * da;
        else sumA += g * da;
      }
      if (!bConst) {
        if (sb === 1) adj[ib + i] += g * db;
        else sumB += g * db;
      }
    }
    if (!aConst && sa === 0) adj[ia] += sumA;
    if (!bConst && sb === 0) adj[ib] += sumB;
    return;
  }
  for (let i = 0; i < len; i++) {
    const go = (out + i) * q;
    let any = false;
    for (let k = 0; k < q; k++) if (adj[go + k] !== 0) any = true;
    if (!any) continue;
    const a = A[ao + i * sa]!;
    const b = B[bo + i * sb]!;
    const y = Y[yo + i]!;
    let pa = 0;
    let pb = 0;
    if (aConst) pb = binaryPartialB(op, a, b, y);
    else if (bConst) pa = binaryPartialA(op, a, b, y);
    else {
      binaryPartials(op, a, b, y);
      pa = P[0]!;
      pb = P[1]!;
    }
    const da = (ia + i * sa) * q;
    const db = (ib + i * sb) * q;
    for (let k = 0; k < q; k++) {
      const g = adj[go + k]!;
      if (g === 0) continue;
      if (!aConst) adj[da + k] += pa * g;
      if (!bConst) adj[db + k] += pb * g;
    }
  }
}

function reverseAtomic(t: Tape, call: AtomicCallRecord, out: number, adj: Float64Array, q: number): void {
  const vjp = requireRule(call.def.vjp, call.def, 'vjp');
  const inputs = readInputs(t, call);
  const outputs = readOutputs(t, call, out);
  for (let k = 0; k < q; k++) {
    const cot: Plain[] = [];
    let o = out;
    let any = false;
    for (let m = 0; m < call.outLens.length; m++) {
      const l = call.outLens[m]!;
      if (l === 0) {
        const g = adj[o * q + k]!;
        if (g !== 0) any = true;
        cot.push(g);
        o += 1;
      } else {
        const c = new Float64Array(l);
        for (let i = 0; i < l; i++) {
          c[i] = adj[(o + i) * q + k]!;
          if (c[i] !== 0) any = true;
        }
        cot.push(c);
        o += l;
      }
    }
    if (!any) continue;
    const gin = vjp(inputs, outputs, cot, call.state);
    if (!Array.isArray(gin) || gin.length !== call.inSlots.length) {
      throw new ShapeError(
        `${call.def.name}.vjp result`,
        `an array of ${call.inSlots.length} cotangents`,
        describeValue(gin),
      );
    }
    for (let i = 0; i < call.inSlots.length; i++) {
      const s = call.inSlots[i]!;
      const l = call.inLens[i]!;
      const g = gin[i];
      if (l === 0) {
        if (typeof g !== 'number')
          throw new ShapeError(`${call.def.name}.vjp result[${i}]`, 'a number', describeValue(g));
        adj[s * q + k] += g;
      } else {
        if (!(g instanceof Float64Array) || g.length !== l) {
          throw new ShapeError(`${call.def.name}.vjp result[${i}]`, `Float64Array(${l})`, describeValue(g));
        }
        for (let e = 0; e < l; e++) adj[(s + e) * q + k] += g[e]!;
      }
    }
  }
}
