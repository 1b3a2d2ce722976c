/**
 * The second-order adjoint sweep (forward-over-reverse, ADOL-C's hos_reverse idea): after a forward
 * tangent sweep along v has put ẋ in `dot`, one reverse pass propagates, for every slot, the adjoint
 * x̄ and its directional derivative x̄' = d/dt x̄(x + t v) together:
 *
 *   y = f(a, b):  ā  += ȳ f_a               ā'  += ȳ' f_a + ȳ (f_aa ȧ + f_ab ḃ)
 *                 b̄  += ȳ f_b               b̄'  += ȳ' f_b + ȳ (f_ab ȧ + f_bb ḃ)
 *
 * Seeded with ȳ = 1, ȳ' = 0 at a scalar output, the inputs' x̄' is H·v (Griewank & Walther,
 * *Evaluating Derivatives*, 2nd ed., ch. 5.3; Christianson, "Automatic Hessians by reverse
 * accumulation", IMA J. Numer. Anal. 12 (1992)). The first and second partials come from core's op
 * specs (`d`, `d2`); linear structural instructions (sums, gathers, selects, concatenation) pass both
 * adjoints through unchanged; bilinear and multilinear ones (dot, prod) add their cross terms.
 */
import { jvp, MissingRuleError, type Value } from '@wengert/core';
import {
  A_CONST,
  type AtomicCallRecord,
  argExtreme,
  B_CONST,
  BCAST_A,
  BCAST_B,
  BCAST_C,
  binarySpec,
  COL_CHUNK,
  callAtomic,
  E_A,
  E_AUX,
  E_B,
  E_C,
  E_LEN,
  E_OUT,
  E_PREV,
  EXT,
  genericOps,
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
  readInputs,
  type Tape,
  unarySpec,
} from '@wengert/core/internals';

/**
 * Runs the second-order reverse sweep over t (or over instructions [i0, i1), `curAfter` the slot
 * counter after i1 − 1). `dot` holds the tangents of a forward sweep (one
 * direction), `adj` and `adj2` are seeded at the output and accumulate into every operand.
 * Instructions whose ȳ and ȳ' are both 0 are skipped. With `clear`, every output's adjoints are
 * zeroed once used, so only the independent variables' entries are left (buffer reuse without a
 * memset, as core's reverse sweep).
 */
export function secondOrderReverse(
  t: Tape,
  dot: Float64Array,
  adj: Float64Array,
  adj2: Float64Array,
  clear = false,
  i0 = 0,
  i1 = t.nInstr,
  curAfter = t.slots.size,
): void {
  if (i1 <= i0) return;
  const S = t.slots;
  // Slot addressing with core's literal chunk shift (12) and mask, as core's own sweeps do: V8 folds
  // literals, not imported constants. test/sweep.test.ts pins the value against core's SLOT_SHIFT.
  const V = S.chunks;
  const KC = t.consts.chunks;
  let cur = curAfter;
  // Instructions [i0, i1), descending (the compiled HVP sweeps the stretches between its kernels).
  const c0 = Math.floor(i0 / COL_CHUNK);
  const c1 = Math.floor((i1 - 1) / COL_CHUNK);
  for (let ci = c1; ci >= c0; ci--) {
    const C = t.codes[ci]!;
    const A = t.as[ci]!;
    const B = t.bs[ci]!;
    const jLo = ci === c0 ? i0 - c0 * COL_CHUNK : 0;
    for (let j = ci === c1 ? i1 - 1 - c1 * COL_CHUNK : COL_CHUNK - 1; j >= jLo; j--) {
      const code = C[j]!;
      if (code & EXT) {
        const r = A[j]!;
        const out = t.extGet(r, E_OUT);
        const len = t.extGet(r, E_LEN);
        extStep(t, code, r, out, len, dot, adj, adj2);
        // Clear as we go (the independent variables keep theirs: they are the result).
        if (clear && (code & 0xff) !== OP_INPUT_RUN) {
          adj.fill(0, out, out + (len || 1));
          adj2.fill(0, out, out + (len || 1));
        }
        cur = t.extGet(r, E_PREV);
        continue;
      }
      const out = --cur;
      const g = adj[out]!;
      const g2 = adj2[out]!;
      if (g === 0 && g2 === 0) continue;
      if (clear && code !== OP_INPUT) {
        adj[out] = 0;
        adj2[out] = 0;
      }
      const ia = A[j]!;
      const ib = B[j]!;
      // The hottest cases inline (their second partials are constants).
      switch (code) {
        case 64: // add
          adj[ia] += g;
          adj2[ia] += g2;
          adj[ib] += g;
          adj2[ib] += g2;
          continue;
        case 576: // add, b constant
          adj[ia] += g;
          adj2[ia] += g2;
          continue;
        case 320: // add, a constant
          adj[ib] += g;
          adj2[ib] += g2;
          continue;
        case 65: // sub
          adj[ia] += g;
          adj2[ia] += g2;
          adj[ib] -= g;
          adj2[ib] -= g2;
          continue;
        case 577:
          adj[ia] += g;
          adj2[ia] += g2;
          continue;
        case 321:
          adj[ib] -= g;
          adj2[ib] -= g2;
          continue;
        case 66: {
          // mul: f_a = b, f_b = a, f_ab = 1
          const a = V[ia >>> 12]![ia & 0xfff]!;
          const b = V[ib >>> 12]![ib & 0xfff]!;
          adj[ia] += g * b;
          adj2[ia] += g2 * b + g * dot[ib]!;
          adj[ib] += g * a;
          adj2[ib] += g2 * a + g * dot[ia]!;
          continue;
        }
        case 578: {
          const c = KC[ib >>> 12]![ib & 0xfff]!;
          adj[ia] += g * c;
          adj2[ia] += g2 * c;
          continue;
        }
        case 322: {
          const c = KC[ia >>> 12]![ia & 0xfff]!;
          adj[ib] += g * c;
          adj2[ib] += g2 * c;
          continue;
        }
        case 3: {
          // square: f' = 2x, f'' = 2
          const x = V[ia >>> 12]![ia & 0xfff]!;
          adj[ia] += g * 2 * x;
          adj2[ia] += g2 * 2 * x + g * 2 * dot[ia]!;
          continue;
        }
        case OP_INPUT:
          continue;
      }
      const op = code & 0xff;
      const y = V[out >>> 12]![out & 0xfff]!;
      if (op < 64) {
        const spec = unarySpec(op);
        const x = V[ia >>> 12]![ia & 0xfff]!;
        const d = spec.d(x, y);
        adj[ia] += g * d;
        adj2[ia] += g2 * d + (g === 0 ? 0 : g * spec.d2(x, y) * dot[ia]!);
        continue;
      }
      const aConst = (code & A_CONST) !== 0;
      const bConst = (code & B_CONST) !== 0;
      binaryStep(
        op,
        aConst ? KC[ia >>> 12]![ia & 0xfff]! : V[ia >>> 12]![ia & 0xfff]!,
        bConst ? KC[ib >>> 12]![ib & 0xfff]! : V[ib >>> 12]![ib & 0xfff]!,
        y,
        aConst ? 0 : dot[ia]!,
        bConst ? 0 : dot[ib]!,
        g,
        g2,
      );
      if (!aConst) {
        adj[ia] += R[0]!;
        adj2[ia] += R[1]!;
      }
      if (!bConst) {
        adj[ib] += R[2]!;
        adj2[ib] += R[3]!;
      }
    }
  }
}

/** Scratch for binaryStep: [ā, ā', b̄, b̄'] contributions. */
const R = new Float64Array(4);

function binaryStep(op: number, a: number, b: number, y: number, ta: number, tb: number, g: number, g2: number): void {
  const spec = binarySpec(op);
  const pa = spec.da(a, b, y);
  const pb = spec.db(a, b, y);
  R[0] = g * pa;
  R[2] = g * pb;
  if (g === 0 || (ta === 0 && tb === 0)) {
    R[1] = g2 * pa;
    R[3] = g2 * pb;
    return;
  }
  const [aa, ab, bb] = spec.d2(a, b, y);
  R[1] = g2 * pa + g * (aa * ta + ab * tb);
  R[3] = g2 * pb + g * (ab * ta + bb * tb);
}

function extStep(
  t: Tape,
  code: number,
  r: number,
  out: number,
  n: number,
  dot: Float64Array,
  adj: Float64Array,
  adj2: Float64Array,
): void {
  const op = code & 0xff;
  const S = t.slots;
  const ea = t.extGet(r, E_A);
  const eb = t.extGet(r, E_B);
  const aux = t.extGet(r, E_AUX);
  if (op < 64) {
    if (op === 3) {
      // square: f' = 2x, f'' = 2
      const X = S.buffer(ea);
      const xo = S.offset(ea);
      for (let i = 0; i < n; i++) {
        const g = adj[out + i]!;
        const g2 = adj2[out + i]!;
        if (g === 0 && g2 === 0) continue;
        const x = X[xo + i]!;
        adj[ea + i] += g * 2 * x;
        adj2[ea + i] += g2 * 2 * x + g * 2 * dot[ea + i]!;
      }
      return;
    }
    const spec = unarySpec(op);
    for (let i = 0; i < n; i++) {
      const g = adj[out + i]!;
      const g2 = adj2[out + i]!;
      if (g === 0 && g2 === 0) continue;
      const x = S.read(ea + i);
      const y = S.read(out + i);
      const d = spec.d(x, y);
      adj[ea + i] += g * d;
      adj2[ea + i] += g2 * d + (g === 0 ? 0 : g * spec.d2(x, y) * dot[ea + i]!);
    }
    return;
  }
  if (op < 128) {
    const aConst = (code & A_CONST) !== 0;
    const bConst = (code & B_CONST) !== 0;
    const sa = aux & BCAST_A ? 0 : 1;
    const sb = aux & BCAST_B ? 0 : 1;
    if (vectorFastPath(t, op, aConst, bConst, sa, sb, ea, eb, out, n, dot, adj, adj2)) return;
    const A = aConst ? t.consts : S;
    const B = bConst ? t.consts : S;
    for (let i = 0; i < n; i++) {
      const g = adj[out + i]!;
      const g2 = adj2[out + i]!;
      if (g === 0 && g2 === 0) continue;
      const ja = ea + i * sa;
      const jb = eb + i * sb;
      binaryStep(op, A.read(ja), B.read(jb), S.read(out + i), aConst ? 0 : dot[ja]!, bConst ? 0 : dot[jb]!, g, g2);
      if (!aConst) {
        adj[ja] += R[0]!;
        adj2[ja] += R[1]!;
      }
      if (!bConst) {
        adj[jb] += R[2]!;
        adj2[jb] += R[3]!;
      }
    }
    return;
  }
  // Linear instructions pass (x̄, x̄') through the same way: `route(src, dst)` adds both.
  const route = (from: number, to: number) => {
    adj[to] += adj[from]!;
    adj2[to] += adj2[from]!;
  };
  switch (op) {
    case OP_INPUT_RUN:
    case OP_CONST_RUN:
      return;
    case OP_SELECT: {
      const ec = t.extGet(r, E_C);
      const len = n || 1;
      const sa = aux & BCAST_A ? 0 : 1;
      const sb = aux & BCAST_B ? 0 : 1;
      const sm = aux & BCAST_C ? 0 : 1;
      for (let i = 0; i < len; i++) {
        const chooseA = S.read(ec + i * sm) !== 0;
        if (chooseA ? code & A_CONST : code & B_CONST) continue;
        route(out + i, chooseA ? ea + i * sa : eb + i * sb);
      }
      return;
    }
    case OP_SUM:
      for (let i = 0; i < eb; i++) route(out, ea + i);
      return;
    case OP_RMAX:
    case OP_RMIN: {
      const i = argExtreme(S.buffer(ea), S.offset(ea), eb, op === OP_RMAX);
      route(out, ea + i);
      return;
    }
    case OP_GATHER: {
      const ix = t.indexArrays[aux]!;
      for (let i = 0; i < ix.length; i++) route(out + i, ea + ix[i]!);
      return;
    }
    case OP_SCATTER_ADD: {
      const ix = t.indexArrays[aux]!;
      for (let i = 0; i < ix.length; i++) route(out + ix[i]!, ea + i);
      return;
    }
    case OP_CONCAT: {
      const list = t.lists[aux]!;
      let o = out;
      for (let p = 0; p < list.length; p += 2) {
        const s = list[p]!;
        const l = list[p + 1]! || 1;
        for (let i = 0; i < l; i++) route(o + i, s + i);
        o += l;
      }
      return;
    }
    case OP_DOT: {
      // y = Σ a_i b_i: ā_i += ȳ b_i, ā'_i += ȳ' b_i + ȳ ḃ_i (and symmetrically).
      const m = t.extGet(r, E_C);
      const g = adj[out]!;
      const g2 = adj2[out]!;
      if (g === 0 && g2 === 0) return;
      for (let i = 0; i < m; i++) {
        const a = S.read(ea + i);
        const b = S.read(eb + i);
        adj[ea + i] += g * b;
        adj2[ea + i] += g2 * b + g * dot[eb + i]!;
        adj[eb + i] += g * a;
        adj2[eb + i] += g2 * a + g * dot[ea + i]!;
      }
      return;
    }
    case OP_PROD: {
      // ∂y/∂x_i = P_i = Π_{j≠i} x_j and its tangent, from prefix and suffix products carried with
      // their tangents (exact with zeros, no division).
      const g = adj[out]!;
      const g2 = adj2[out]!;
      if (g === 0 && g2 === 0) return;
      const m = eb;
      const suf = new Float64Array(m + 1);
      const sufT = new Float64Array(m + 1);
      suf[m] = 1;
      for (let i = m - 1; i >= 0; i--) {
        const x = S.read(ea + i);
        suf[i] = suf[i + 1]! * x;
        sufT[i] = sufT[i + 1]! * x + suf[i + 1]! * dot[ea + i]!;
      }
      let pre = 1;
      let preT = 0;
      for (let i = 0; i < m; i++) {
        const P = pre * suf[i + 1]!;
        const PT = preT * suf[i + 1]! + pre * sufT[i + 1]!;
        adj[ea + i] += g * P;
        adj2[ea + i] += g2 * P + g * PT;
        const x = S.read(ea + i);
        preT = preT * x + pre * dot[ea + i]!;
        pre *= x;
      }
      return;
    }
    case OP_ATOMIC:
      atomicStep(t, t.atomics[aux]!, out, dot, adj, adj2);
      return;
  }
}

/**
 * Vector add, sub and mul without per-element dispatch (the common case of array code). Returns
 * false for anything else, which then goes through the specs element by element.
 */
function vectorFastPath(
  t: Tape,
  op: number,
  aConst: boolean,
  bConst: boolean,
  sa: number,
  sb: number,
  ea: number,
  eb: number,
  out: number,
  n: number,
  dot: Float64Array,
  adj: Float64Array,
  adj2: Float64Array,
): boolean {
  if (op !== 64 && op !== 65 && op !== 66) return false;
  const SA = aConst ? t.consts : t.slots;
  const SB = bConst ? t.consts : t.slots;
  const A = SA.buffer(ea);
  const ao = SA.offset(ea);
  const B = SB.buffer(eb);
  const bo = SB.offset(eb);
  const sign = op === 65 ? -1 : 1;
  if (!aConst && !bConst && sa === 1 && sb === 1) {
    // vector ∘ vector: the common case, one tight loop per op.
    if (op === 66) {
      for (let i = 0; i < n; i++) {
        const g = adj[out + i]!;
        const g2 = adj2[out + i]!;
        if (g === 0 && g2 === 0) continue;
        const a = A[ao + i]!;
        const b = B[bo + i]!;
        adj[ea + i] += g * b;
        adj2[ea + i] += g2 * b + g * dot[eb + i]!;
        adj[eb + i] += g * a;
        adj2[eb + i] += g2 * a + g * dot[ea + i]!;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const g = adj[out + i]!;
        const g2 = adj2[out + i]!;
        adj[ea + i] += g;
        adj2[ea + i] += g2;
        adj[eb + i] += sign * g;
        adj2[eb + i] += sign * g2;
      }
    }
    return true;
  }
  let sumA = 0;
  let sumA2 = 0;
  let sumB = 0;
  let sumB2 = 0;
  for (let i = 0; i < n; i++) {
    const g = adj[out + i]!;
    const g2 = adj2[out + i]!;
    if (g === 0 && g2 === 0) continue;
    let ca: number;
    let ca2: number;
    let cb: number;
    let cb2: number;
    if (op === 66) {
      const a = A[ao + i * sa]!;
      const b = B[bo + i * sb]!;
      const ta = aConst ? 0 : dot[ea + i * sa]!;
      const tb = bConst ? 0 : dot[eb + i * sb]!;
      ca = g * b;
      ca2 = g2 * b + g * tb;
      cb = g * a;
      cb2 = g2 * a + g * ta;
    } else {
      ca = g;
      ca2 = g2;
      cb = sign * g;
      cb2 = sign * g2;
    }
    if (!aConst) {
      if (sa === 1) {
        adj[ea + i] += ca;
        adj2[ea + i] += ca2;
      } else {
        sumA += ca;
        sumA2 += ca2;
      }
    }
    if (!bConst) {
      if (sb === 1) {
        adj[eb + i] += cb;
        adj2[eb + i] += cb2;
      } else {
        sumB += cb;
        sumB2 += cb2;
      }
    }
  }
  if (!aConst && sa === 0) {
    adj[ea] += sumA;
    adj2[ea] += sumA2;
  }
  if (!bConst && sb === 0) {
    adj[eb] += sumB;
    adj2[eb] += sumB2;
  }
  return true;
}

/**
 * Second order through an atomic: (ā, ā') = (VJP, d/dt VJP along (ẋ, ȳ')). Computed as the JVP of the
 * atomic's differentiable VJP rule (`vjpGeneric`), with its outputs recomputed through the atomic
 * itself so their tangents come from its `jvp` rule. An atomic without those rules raises
 * MissingRuleError(op, 'second order').
 */
function atomicStep(
  t: Tape,
  call: AtomicCallRecord,
  out: number,
  dot: Float64Array,
  adj: Float64Array,
  adj2: Float64Array,
): void {
  const def = call.def;
  const rule = def.vjpGeneric;
  if (rule === undefined || def.jvp === undefined)
    throw new MissingRuleError(def.name, 'second order (jvp and vjpGeneric)');
  const inputs = readInputs(t, call);
  const inLens = Array.from(call.inLens);
  const outLens = Array.from(call.outLens);
  const sizes = [...inLens, ...outLens].map((l) => l || 1);
  const total = sizes.reduce((a, b) => a + b, 0);
  // Packed primal point (inputs, output cotangents) and its tangent (ẋ, ȳ').
  const z = new Float64Array(total);
  const zt = new Float64Array(total);
  let o = 0;
  inputs.forEach((v, i) => {
    const s = call.inSlots[i]!;
    const l = sizes[i]!;
    for (let e = 0; e < l; e++) {
      z[o + e] = typeof v === 'number' ? v : v[e]!;
      zt[o + e] = dot[s + e]!;
    }
    o += l;
  });
  let so = out;
  outLens.forEach((_l, m) => {
    const l = sizes[inLens.length + m]!;
    for (let e = 0; e < l; e++) {
      z[o + e] = adj[so + e]!;
      zt[o + e] = adj2[so + e]!;
    }
    o += l;
    so += l;
  });
  const vjpOf = (zv: never): Value => {
    const zz = zv as unknown as { at(i: number): Value; slice(a: number, b: number): Value };
    const take = (start: number, l: number): Value => (l === 0 ? zz.at(start) : zz.slice(start, start + l));
    let p = 0;
    const xs: Value[] = inLens.map((l) => {
      const v = take(p, l);
      p += l || 1;
      return v;
    });
    const ybars: Value[] = outLens.map((l) => {
      const v = take(p, l);
      p += l || 1;
      return v;
    });
    const ys = callAtomic(def, xs);
    const gin = rule(genericOps, xs, ys, ybars);
    return genericOps.concat(gin as Value[]);
  };
  const [g, gt] = jvp(vjpOf, z, zt) as [Float64Array, Float64Array];
  o = 0;
  inLens.forEach((l, i) => {
    const s = call.inSlots[i]!;
    for (let e = 0; e < (l || 1); e++) {
      adj[s + e] += g[o + e]!;
      adj2[s + e] += gt[o + e]!;
    }
    o += l || 1;
  });
}
