/**
 * The sparsity sweep: one forward pass over a recorded tape that gives every slot the set of
 * independent variables it depends on (as a node of an `IndexSetDag`), and, for Hessian patterns,
 * lists the nonlinear interactions: pairs of sets (A, B) such that ∂²f/∂x_i∂x_j may be nonzero for
 * i ∈ A, j ∈ B (Walther 2008, "Computing sparse Hessians with automatic differentiation", ACM TOMS
 * 34(1); the same index-domain idea as ADOL-C's jac_pat/hess_pat and SparseConnectivityTracer.jl).
 *
 * Soundness rules (the pattern may contain entries that are zero, never miss a nonzero):
 * - ops whose derivative is zero wherever it exists (floor, sign, comparisons, detach) cut the
 *   dependence; every other op keeps the union of its operands' sets;
 * - global mode: `select`, `min`, `max`, `rmax`, `rmin` depend on all their operands (both
 *   branches), so the pattern is valid at every input; local mode keeps only the operand chosen at
 *   the recorded point (ties keep both);
 * - atomics use their `sparsity` hook; without one every output depends on every input (dense);
 * - Hessian interactions come from each op's `nonlinear` flags ([aa, ab, bb]); reductions that
 *   multiply (prod) and atomics count as fully nonlinear in their operands. Interactions of values
 *   that never reach an output are kept (conservative).
 */
import { WengertError } from '@wengert/core';
import {
  A_CONST,
  argExtreme,
  B_CONST,
  BCAST_A,
  BCAST_B,
  BCAST_C,
  type BinarySpec,
  COL_CHUNK,
  E_A,
  E_AUX,
  E_B,
  E_C,
  E_LEN,
  E_OUT,
  EXT,
  inputCount,
  OP_ATOMIC,
  OP_CONCAT,
  OP_DOT,
  OP_GATHER,
  OP_PROD,
  OP_RMAX,
  OP_RMIN,
  OP_SCATTER_ADD,
  OP_SELECT,
  OP_SUM,
  type Recording,
  SPECS,
  type Tape,
  type UnarySpec,
} from '@wengert/core/internals';
import { EMPTY, IndexSetDag } from './index-sets.js';

export interface PropagateOptions {
  /** Keep only the branch taken at the recorded point (select, min, max, rmax, rmin). */
  readonly local: boolean;
  /** Also list the nonlinear interactions (Hessian pattern). */
  readonly hessian: boolean;
  /** Called once per atomic call that has no sparsity hook (it is then treated as dense). */
  readonly onDenseAtomic?: ((name: string) => void) | undefined;
}

/** Result of a sparsity sweep. */
export interface Propagation {
  readonly dag: IndexSetDag;
  /** Set node of every slot (0 = depends on no independent variable). */
  readonly slotNode: Int32Array;
  /** Nonlinear interactions: pairs (pairA[k], pairB[k]) of set nodes. */
  readonly pairA: Int32Array;
  readonly pairB: Int32Array;
  readonly nPairs: number;
}

// Per-opcode facts, read from the op specs once: 0 = derivative zero, 1 = linear, 2 = nonlinear;
// bit flags for the binary ops' second partials; 1 = min, 2 = max for local narrowing.
const DERIV = new Uint8Array(128);
const NONLIN = new Uint8Array(128);
const MINMAX = new Uint8Array(128);
for (let op = 2; op < 128; op++) {
  const spec = SPECS[op];
  if (spec === undefined) continue;
  DERIV[op] = spec.derivative === 'zero' ? 0 : spec.derivative === 'linear' ? 1 : 2;
  if (spec.arity === 2) {
    const nl = (spec as BinarySpec).nonlinear;
    NONLIN[op] = (nl[0] ? 1 : 0) | (nl[1] ? 2 : 0) | (nl[2] ? 4 : 0);
    if (spec.name === 'min') MINMAX[op] = 1;
    if (spec.name === 'max') MINMAX[op] = 2;
  } else if ((spec as UnarySpec).derivative === 'nonlinear') NONLIN[op] = 1;
}

class Pairs {
  a = new Int32Array(256);
  b = new Int32Array(256);
  n = 0;
  add(x: number, y: number): void {
    if (x === EMPTY || y === EMPTY) return;
    if (this.n === this.a.length) {
      const a = new Int32Array(this.n * 2);
      a.set(this.a);
      this.a = a;
      const b = new Int32Array(this.n * 2);
      b.set(this.b);
      this.b = b;
    }
    this.a[this.n] = x;
    this.b[this.n++] = y;
  }
}

/** Runs the sparsity sweep over rec's tape (values must be those of the point for local mode). */
export function propagate(rec: Recording, opts: PropagateOptions): Propagation {
  const t = rec.tape;
  const n = inputCount(rec);
  const dag = new IndexSetDag(n, Math.max(1024, t.slots.size + 16));
  const node = new Int32Array(t.slots.size);
  for (let j = 0; j < n; j++) node[rec.inSlot + j] = dag.leaf(j);
  const pairs = new Pairs();
  const { local, hessian } = opts;
  const nChunks = t.codes.length;
  let cur = 0;
  for (let ci = 0; ci < nChunks; ci++) {
    const C = t.codes[ci]!;
    const A = t.as[ci]!;
    const B = t.bs[ci]!;
    const m = ci === nChunks - 1 ? t.ipos : COL_CHUNK;
    for (let j = 0; j < m; j++) {
      const code = C[j]!;
      if (code & EXT) {
        cur = propagateExt(t, A[j]!, code, node, dag, pairs, opts);
        continue;
      }
      const out = cur++;
      const op = code & 0xff;
      // OP_INPUT (1): the independent variable is seeded above; another input (a value captured
      // from an enclosing tape) is a constant of this differentiation.
      if (op < 2) continue;
      const cls = DERIV[op]!;
      if (op < 64) {
        const na = node[A[j]!]!;
        if (cls === 0) continue;
        node[out] = na;
        if (hessian && NONLIN[op]) pairs.add(na, na);
        continue;
      }
      if (cls === 0) continue;
      const ia = A[j]!;
      const ib = B[j]!;
      const na = code & A_CONST ? EMPTY : node[ia]!;
      const nb = code & B_CONST ? EMPTY : node[ib]!;
      const mm = MINMAX[op]!;
      if (local && mm !== 0) {
        const va = code & A_CONST ? t.consts.read(ia) : t.slots.read(ia);
        const vb = code & B_CONST ? t.consts.read(ib) : t.slots.read(ib);
        node[out] = chooseMinMax(dag, mm, va, vb, na, nb);
      } else node[out] = dag.union(na, nb);
      if (hessian) addBinaryPairs(pairs, NONLIN[op]!, na, nb);
    }
  }
  return { dag, slotNode: node, pairA: pairs.a, pairB: pairs.b, nPairs: pairs.n };
}

function chooseMinMax(dag: IndexSetDag, mm: number, va: number, vb: number, na: number, nb: number): number {
  if (va === vb) return dag.union(na, nb);
  const aWins = mm === 1 ? va < vb : va > vb;
  return aWins ? na : nb;
}

function addBinaryPairs(pairs: Pairs, nl: number, na: number, nb: number): void {
  if (nl & 1) pairs.add(na, na);
  if (nl & 2) pairs.add(na, nb);
  if (nl & 4) pairs.add(nb, nb);
}

function propagateExt(
  t: Tape,
  r: number,
  code: number,
  node: Int32Array,
  dag: IndexSetDag,
  pairs: Pairs,
  opts: PropagateOptions,
): number {
  const op = code & 0xff;
  const out = t.extGet(r, E_OUT);
  const len = t.extGet(r, E_LEN);
  const { local, hessian } = opts;
  if (op < 64) {
    const xs = t.extGet(r, E_A);
    if (DERIV[op] === 0) return out + len;
    for (let i = 0; i < len; i++) node[out + i] = node[xs + i]!;
    if (hessian && NONLIN[op]) for (let i = 0; i < len; i++) pairs.add(node[xs + i]!, node[xs + i]!);
    return out + len;
  }
  if (op < 128) {
    if (DERIV[op] === 0) return out + len;
    const ia = t.extGet(r, E_A);
    const ib = t.extGet(r, E_B);
    const bc = t.extGet(r, E_AUX);
    const aConst = (code & A_CONST) !== 0;
    const bConst = (code & B_CONST) !== 0;
    const sa = bc & BCAST_A ? 0 : 1;
    const sb = bc & BCAST_B ? 0 : 1;
    const mm = local ? MINMAX[op]! : 0;
    const nl = hessian ? NONLIN[op]! : 0;
    for (let i = 0; i < len; i++) {
      const na = aConst ? EMPTY : node[ia + i * sa]!;
      const nb = bConst ? EMPTY : node[ib + i * sb]!;
      if (mm !== 0) {
        const va = aConst ? t.consts.read(ia + i * sa) : t.slots.read(ia + i * sa);
        const vb = bConst ? t.consts.read(ib + i * sb) : t.slots.read(ib + i * sb);
        node[out + i] = chooseMinMax(dag, mm, va, vb, na, nb);
      } else node[out + i] = dag.union(na, nb);
      if (nl !== 0) addBinaryPairs(pairs, nl, na, nb);
    }
    return out + len;
  }
  const n1 = len || 1;
  switch (op) {
    case OP_SELECT: {
      const ia = t.extGet(r, E_A);
      const ib = t.extGet(r, E_B);
      const ic = t.extGet(r, E_C);
      const bc = t.extGet(r, E_AUX);
      const sa = bc & BCAST_A ? 0 : 1;
      const sb = bc & BCAST_B ? 0 : 1;
      const sm = bc & BCAST_C ? 0 : 1;
      for (let i = 0; i < n1; i++) {
        const na = code & A_CONST ? EMPTY : node[ia + i * sa]!;
        const nb = code & B_CONST ? EMPTY : node[ib + i * sb]!;
        if (local) node[out + i] = t.slots.read(ic + i * sm) !== 0 ? na : nb;
        else node[out + i] = dag.union(na, nb);
      }
      break;
    }
    case OP_SUM:
    case OP_PROD:
    case OP_RMAX:
    case OP_RMIN: {
      const xs = t.extGet(r, E_A);
      const count = t.extGet(r, E_B);
      if (local && (op === OP_RMAX || op === OP_RMIN)) {
        const i = argExtreme(t.slots.buffer(xs), t.slots.offset(xs), count, op === OP_RMAX);
        node[out] = node[xs + i]!;
      } else node[out] = dag.unionOf(node, xs, count);
      if (hessian && op === OP_PROD) pairs.add(node[out]!, node[out]!);
      break;
    }
    case OP_DOT: {
      const as = t.extGet(r, E_A);
      const bs = t.extGet(r, E_B);
      const count = t.extGet(r, E_C);
      node[out] = dag.union(dag.unionOf(node, as, count), dag.unionOf(node, bs, count));
      if (hessian) for (let i = 0; i < count; i++) pairs.add(node[as + i]!, node[bs + i]!);
      break;
    }
    case OP_GATHER: {
      const xs = t.extGet(r, E_A);
      const ix = t.indexArrays[t.extGet(r, E_AUX)]!;
      for (let i = 0; i < ix.length; i++) node[out + i] = node[xs + ix[i]!]!;
      break;
    }
    case OP_SCATTER_ADD: {
      const xs = t.extGet(r, E_A);
      const ix = t.indexArrays[t.extGet(r, E_AUX)]!;
      for (let i = 0; i < ix.length; i++) {
        const o = out + ix[i]!;
        node[o] = dag.union(node[o]!, node[xs + i]!);
      }
      break;
    }
    case OP_CONCAT: {
      const list = t.lists[t.extGet(r, E_AUX)]!;
      let o = out;
      for (let q = 0; q < list.length; q += 2) {
        const s = list[q]!;
        const l = list[q + 1]! || 1;
        for (let i = 0; i < l; i++) node[o + i] = node[s + i]!;
        o += l;
      }
      break;
    }
    case OP_ATOMIC:
      propagateAtomic(t, t.extGet(r, E_AUX), out, node, dag, pairs, opts);
      break;
    // OP_INPUT_RUN (seeded or an outer constant) and OP_CONST_RUN (no dependence): nothing to do.
  }
  return out + n1;
}

function propagateAtomic(
  t: Tape,
  callIndex: number,
  out: number,
  node: Int32Array,
  dag: IndexSetDag,
  pairs: Pairs,
  opts: PropagateOptions,
): void {
  const call = t.atomics[callIndex]!;
  const inLens: number[] = [];
  const outLens: number[] = [];
  let nIn = 0;
  for (let i = 0; i < call.inLens.length; i++) {
    inLens.push(call.inLens[i]! || 1);
    nIn += inLens[i]!;
  }
  let nOut = 0;
  for (let k = 0; k < call.outLens.length; k++) {
    outLens.push(call.outLens[k]! || 1);
    nOut += outLens[k]!;
  }
  // The flattened inputs' set nodes.
  const flat = new Int32Array(nIn);
  let f = 0;
  for (let i = 0; i < call.inSlots.length; i++) {
    const s = call.inSlots[i]!;
    for (let e = 0; e < inLens[i]!; e++) flat[f++] = node[s + e]!;
  }
  const hook = call.def.sparsity;
  if (hook === undefined) {
    opts.onDenseAtomic?.(call.def.name);
    const all = dag.unionOf(flat, 0, nIn);
    for (let o = 0; o < nOut; o++) node[out + o] = all;
    if (opts.hessian) pairs.add(all, all);
    return;
  }
  const deps = hook.call(call.def, inLens, outLens);
  if (!Array.isArray(deps) || deps.length !== nOut) {
    throw new AtomicSparsityError(call.def.name, `an array of ${nOut} index lists (one per output element)`, deps);
  }
  for (let o = 0; o < nOut; o++) {
    const list = deps[o] as readonly number[];
    if (!Array.isArray(list))
      throw new AtomicSparsityError(call.def.name, `an index list for output element ${o}`, list);
    const ids = new Int32Array(list.length);
    for (let k = 0; k < list.length; k++) {
      const e = list[k]!;
      if (!Number.isInteger(e) || e < 0 || e >= nIn) {
        throw new AtomicSparsityError(call.def.name, `input element indices in [0, ${nIn}) for output ${o}`, e);
      }
      ids[k] = flat[e]!;
    }
    const u = dag.unionOf(ids, 0, ids.length);
    node[out + o] = u;
    if (opts.hessian) pairs.add(u, u);
  }
}

/** An atomic's sparsity hook returned something malformed. */
export class AtomicSparsityError extends WengertError {
  constructor(
    readonly op: string,
    readonly expected: string,
    received: unknown,
  ) {
    super(`atomic "${op}" sparsity hook: expected ${expected}, received ${JSON.stringify(received)?.slice(0, 80)}`);
  }
}
