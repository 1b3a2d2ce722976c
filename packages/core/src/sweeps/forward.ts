/**
 * Forward sweep (tangents, p directions at once). `dot` holds p tangents per slot, slot-major
 * (`dot[s*p + k]`); the caller seeds the input slots, the sweep writes every other slot.
 *
 * Convention (mirrors the reverse sweep): a zero tangent contributes nothing, so an infinite
 * partial times a zero tangent stays 0 instead of becoming NaN.
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
  OP_CONST_RUN,
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
import { binaryPartialA, binaryPartialB, binaryPartials, P, unaryPartial } from './rules.js';

const SQUARE = UNARY_SPECS.square as UnarySpec;

/**
 * Runs the forward sweep over all of t, or over instructions [i0, i1) with `cur0` the slot counter
 * before i0 (the compiled programs run the interpreter over the stretches between kernels).
 */
export function forwardSweep(t: Tape, dot: Float64Array, p: number, i0 = 0, i1 = t.nInstr, cur0 = 0): void {
  if (i1 <= i0) return;
  const V = t.slots.chunks;
  const K = t.consts.chunks;
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
        cur = forwardExt(t, A[j]!, code, dot, p);
        continue;
      }
      const out = cur++;
      if (p === 1) {
        // One direction: the hottest ops inline (same arithmetic as binaryTangent: a zero tangent
        // contributes nothing, the partials are the specs' b, a, ±1, 2x).
        const ia = A[j]!;
        const ib = B[j]!;
        switch (code) {
          case 64: {
            const ta = dot[ia]!;
            const tb = dot[ib]!;
            let s = 0;
            if (ta !== 0) s += ta;
            if (tb !== 0) s += tb;
            dot[out] = s;
            continue;
          }
          case 576:
            dot[out] = dot[ia]! !== 0 ? dot[ia]! : 0;
            continue;
          case 320:
            dot[out] = dot[ib]! !== 0 ? dot[ib]! : 0;
            continue;
          case 65: {
            const ta = dot[ia]!;
            const tb = dot[ib]!;
            let s = 0;
            if (ta !== 0) s += ta;
            if (tb !== 0) s += -tb;
            dot[out] = s;
            continue;
          }
          case 577:
            dot[out] = dot[ia]! !== 0 ? dot[ia]! : 0;
            continue;
          case 321:
            dot[out] = dot[ib]! !== 0 ? -dot[ib]! : 0;
            continue;
          case 66: {
            const ta = dot[ia]!;
            const tb = dot[ib]!;
            let s = 0;
            if (ta !== 0) s += V[ib >>> 12]![ib & 0xfff]! * ta;
            if (tb !== 0) s += V[ia >>> 12]![ia & 0xfff]! * tb;
            dot[out] = s;
            continue;
          }
          case 578: {
            const ta = dot[ia]!;
            dot[out] = ta !== 0 ? K[ib >>> 12]![ib & 0xfff]! * ta : 0;
            continue;
          }
          case 322: {
            const tb = dot[ib]!;
            dot[out] = tb !== 0 ? K[ia >>> 12]![ia & 0xfff]! * tb : 0;
            continue;
          }
        }
      }
      const op = code & 0xff;
      if (op === OP_INPUT) continue;
      simpleForward(code, A[j]!, B[j]!, out, V, K, dot, p);
    }
  }
}

/** Forward step of a simple (scalar) instruction. */
export function simpleForward(
  code: number,
  ia: number,
  ib: number,
  out: number,
  V: Float64Array[],
  K: Float64Array[],
  dot: Float64Array,
  p: number,
): void {
  const op = code & 0xff;
  const go = out * p;
  const y = V[out >>> 12]![out & 0xfff]!;
  if (op < 64) {
    const ga = ia * p;
    let d = Number.NaN;
    for (let k = 0; k < p; k++) {
      const ta = dot[ga + k]!;
      if (ta === 0) {
        dot[go + k] = 0;
        continue;
      }
      if (d !== d) d = unaryPartial(op, V[ia >>> 12]![ia & 0xfff]!, y);
      dot[go + k] = d * ta;
    }
    return;
  }
  const a = code & A_CONST ? K[ia >>> 12]![ia & 0xfff]! : V[ia >>> 12]![ia & 0xfff]!;
  const b = code & B_CONST ? K[ib >>> 12]![ib & 0xfff]! : V[ib >>> 12]![ib & 0xfff]!;
  binaryTangent(code, op, a, b, y, code & A_CONST ? -1 : ia * p, code & B_CONST ? -1 : ib * p, go, dot, p);
}

/** dot[go+k] = ∂a·ta + ∂b·tb; ga/gb = -1 for constant operands. Partials are formed only when needed. */
function binaryTangent(
  code: number,
  op: number,
  a: number,
  b: number,
  y: number,
  ga: number,
  gb: number,
  go: number,
  dot: Float64Array,
  p: number,
): void {
  let pa = Number.NaN;
  let pb = Number.NaN;
  for (let k = 0; k < p; k++) {
    const ta = ga < 0 ? 0 : dot[ga + k]!;
    const tb = gb < 0 ? 0 : dot[gb + k]!;
    let s = 0;
    if (ta !== 0 || tb !== 0) {
      if (pa !== pa && pb !== pb) {
        if (code & A_CONST) pb = binaryPartialB(op, a, b, y);
        else if (code & B_CONST) pa = binaryPartialA(op, a, b, y);
        else {
          binaryPartials(op, a, b, y);
          pa = P[0]!;
          pb = P[1]!;
        }
      }
      if (ta !== 0) s += pa * ta;
      if (tb !== 0) s += pb * tb;
    }
    dot[go + k] = s;
  }
}

/** Forward step of extension instruction r; returns the slot counter after its output. */
export function forwardExt(t: Tape, r: number, code: number, dot: Float64Array, p: number): number {
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
    if (p === 1 && op === 3) {
      // square: ∂ = 2x (the spec's d), a zero tangent stays 0.
      for (let i = 0; i < len; i++) {
        const ta = dot[xs + i]!;
        dot[out + i] = ta === 0 ? 0 : SQUARE.d(X[xo + i]!, Y[yo + i]!) * ta;
      }
      return out + len;
    }
    for (let i = 0; i < len; i++) {
      const ga = (xs + i) * p;
      const go = (out + i) * p;
      let d = Number.NaN;
      for (let k = 0; k < p; k++) {
        const ta = dot[ga + k]!;
        if (ta === 0) {
          dot[go + k] = 0;
          continue;
        }
        if (d !== d) d = unaryPartial(op, X[xo + i]!, Y[yo + i]!);
        dot[go + k] = d * ta;
      }
    }
    return out + len;
  }
  if (op < 128) {
    const ia = t.extGet(r, E_A);
    const ib = t.extGet(r, E_B);
    const bc = t.extGet(r, E_AUX);
    const aConst = (code & A_CONST) !== 0;
    const bConst = (code & B_CONST) !== 0;
    const SA = aConst ? t.consts : S;
    const SB = bConst ? t.consts : S;
    const A = SA.buffer(ia);
    const ao = SA.offset(ia);
    const B = SB.buffer(ib);
    const bo = SB.offset(ib);
    const sa = bc & BCAST_A ? 0 : 1;
    const sb = bc & BCAST_B ? 0 : 1;
    if (p === 1 && (op === 64 || op === 65 || op === 66)) {
      // add, sub, mul with any mix of broadcast and constant operands.
      for (let i = 0; i < len; i++) {
        const ta = aConst ? 0 : dot[ia + i * sa]!;
        const tb = bConst ? 0 : dot[ib + i * sb]!;
        let s = 0;
        if (op === 66) {
          if (ta !== 0) s += B[bo + i * sb]! * ta;
          if (tb !== 0) s += A[ao + i * sa]! * tb;
        } else {
          if (ta !== 0) s += ta;
          if (tb !== 0) s += op === 65 ? -tb : tb;
        }
        dot[out + i] = s;
      }
      return out + len;
    }
    if (op === 64 || op === 65 || op === 66) {
      // p directions (compressed Jacobians): the same arithmetic as binaryTangent with the
      // partials of add/sub/mul written out, without a call per element.
      for (let i = 0; i < len; i++) {
        const ga = (ia + i * sa) * p;
        const gb = (ib + i * sb) * p;
        const go = (out + i) * p;
        const pa = op === 66 ? B[bo + i * sb]! : 1;
        const pb = op === 66 ? A[ao + i * sa]! : op === 65 ? -1 : 1;
        for (let k = 0; k < p; k++) {
          const ta = aConst ? 0 : dot[ga + k]!;
          const tb = bConst ? 0 : dot[gb + k]!;
          let s = 0;
          if (ta !== 0) s += pa * ta;
          if (tb !== 0) s += pb * tb;
          dot[go + k] = s;
        }
      }
      return out + len;
    }
    for (let i = 0; i < len; i++) {
      binaryTangent(
        code,
        op,
        A[ao + i * sa]!,
        B[bo + i * sb]!,
        Y[yo + i]!,
        aConst ? -1 : (ia + i * sa) * p,
        bConst ? -1 : (ib + i * sb) * p,
        (out + i) * p,
        dot,
        p,
      );
    }
    return out + len;
  }
  const n1 = len || 1;
  switch (op) {
    case OP_CONST_RUN:
      dot.fill(0, out * p, (out + len) * p);
      break;
    case OP_SELECT: {
      const ia = t.extGet(r, E_A);
      const ib = t.extGet(r, E_B);
      const ic = t.extGet(r, E_C);
      const bc = t.extGet(r, E_AUX);
      const M = S.buffer(ic);
      const mo = S.offset(ic);
      const sa = bc & BCAST_A ? 0 : 1;
      const sb = bc & BCAST_B ? 0 : 1;
      const sm = bc & BCAST_C ? 0 : 1;
      for (let i = 0; i < n1; i++) {
        const chooseA = M[mo + i * sm] !== 0;
        const isConst = chooseA ? code & A_CONST : code & B_CONST;
        const src = chooseA ? (ia + i * sa) * p : (ib + i * sb) * p;
        const go = (out + i) * p;
        for (let k = 0; k < p; k++) dot[go + k] = isConst ? 0 : dot[src + k]!;
      }
      break;
    }
    case OP_SUM: {
      const xs = t.extGet(r, E_A);
      const n = t.extGet(r, E_B);
      for (let k = 0; k < p; k++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += dot[(xs + i) * p + k]!;
        dot[out * p + k] = s;
      }
      break;
    }
    case OP_PROD: {
      const xs = t.extGet(r, E_A);
      const n = t.extGet(r, E_B);
      const X = S.buffer(xs);
      const xo = S.offset(xs);
      const suffix = new Float64Array(n + 1);
      suffix[n] = 1;
      for (let i = n - 1; i >= 0; i--) suffix[i] = suffix[i + 1]! * X[xo + i]!;
      for (let k = 0; k < p; k++) {
        let prefix = 1;
        let s = 0;
        for (let i = 0; i < n; i++) {
          const tx = dot[(xs + i) * p + k]!;
          if (tx !== 0) s += prefix * suffix[i + 1]! * tx;
          prefix *= X[xo + i]!;
        }
        dot[out * p + k] = s;
      }
      break;
    }
    case OP_RMAX:
    case OP_RMIN: {
      const xs = t.extGet(r, E_A);
      const i = argExtreme(S.buffer(xs), S.offset(xs), t.extGet(r, E_B), op === OP_RMAX);
      for (let k = 0; k < p; k++) dot[out * p + k] = dot[(xs + i) * p + k]!;
      break;
    }
    case OP_DOT: {
      const as = t.extGet(r, E_A);
      const bs = t.extGet(r, E_B);
      const n = t.extGet(r, E_C);
      const A = S.buffer(as);
      const ao = S.offset(as);
      const B = S.buffer(bs);
      const bo = S.offset(bs);
      for (let k = 0; k < p; k++) {
        let s = 0;
        for (let i = 0; i < n; i++) {
          const ta = dot[(as + i) * p + k]!;
          const tb = dot[(bs + i) * p + k]!;
          if (ta !== 0) s += ta * B[bo + i]!;
          if (tb !== 0) s += A[ao + i]! * tb;
        }
        dot[out * p + k] = s;
      }
      break;
    }
    case OP_GATHER: {
      const xs = t.extGet(r, E_A);
      const ix = t.indexArrays[t.extGet(r, E_AUX)]!;
      for (let i = 0; i < ix.length; i++) {
        const src = (xs + ix[i]!) * p;
        const go = (out + i) * p;
        for (let k = 0; k < p; k++) dot[go + k] = dot[src + k]!;
      }
      break;
    }
    case OP_SCATTER_ADD: {
      const xs = t.extGet(r, E_A);
      const ix = t.indexArrays[t.extGet(r, E_AUX)]!;
      dot.fill(0, out * p, (out + len) * p);
      for (let i = 0; i < ix.length; i++) {
        const src = (xs + i) * p;
        const go = (out + ix[i]!) * p;
        for (let k = 0; k < p; k++) dot[go + k] += dot[src + k]!;
      }
      break;
    }
    case OP_CONCAT: {
      const list = t.lists[t.extGet(r, E_AUX)]!;
      let o = out;
      for (let q = 0; q < list.length; q += 2) {
        const s = list[q]!;
        const l = list[q + 1]! || 1;
        for (let i = 0; i < l * p; i++) dot[o * p + i] = dot[s * p + i]!;
        o += l;
      }
      break;
    }
    case OP_ATOMIC:
      forwardAtomic(t, t.atomics[t.extGet(r, E_AUX)]!, out, dot, p);
      break;
    // OP_INPUT_RUN: seeded by the caller.
  }
  return out + n1;
}

function forwardAtomic(t: Tape, call: AtomicCallRecord, out: number, dot: Float64Array, p: number): void {
  const jvp = requireRule(call.def.jvp, call.def, 'jvp');
  const inputs = readInputs(t, call);
  const outputs = readOutputs(t, call, out);
  for (let k = 0; k < p; k++) {
    const tan: Plain[] = [];
    for (let i = 0; i < call.inSlots.length; i++) {
      const s = call.inSlots[i]!;
      const l = call.inLens[i]!;
      if (l === 0) tan.push(dot[s * p + k]!);
      else {
        const v = new Float64Array(l);
        for (let e = 0; e < l; e++) v[e] = dot[(s + e) * p + k]!;
        tan.push(v);
      }
    }
    const tout = jvp(inputs, outputs, tan, call.state);
    if (!Array.isArray(tout) || tout.length !== call.outLens.length) {
      throw new ShapeError(
        `${call.def.name}.jvp result`,
        `an array of ${call.outLens.length} tangents`,
        describeValue(tout),
      );
    }
    let o = out;
    for (let m = 0; m < call.outLens.length; m++) {
      const l = call.outLens[m]!;
      const v = tout[m];
      if (l === 0) {
        if (typeof v !== 'number')
          throw new ShapeError(`${call.def.name}.jvp result[${m}]`, 'a number', describeValue(v));
        dot[o * p + k] = v;
        o += 1;
      } else {
        if (!(v instanceof Float64Array) || v.length !== l) {
          throw new ShapeError(`${call.def.name}.jvp result[${m}]`, `Float64Array(${l})`, describeValue(v));
        }
        for (let e = 0; e < l; e++) dot[(o + e) * p + k] = v[e]!;
        o += l;
      }
    }
  }
}
