/**
 * JavaScript source of the fused kernels of one run: value, forward (p directions) and reverse
 * (q directions). The source is built from the tape's own data only — opcodes, slot offsets and
 * lengths as integer literals — never from user strings; spec functions and scratch buffers enter
 * as closure arguments.
 *
 * Kernel signatures: value(V, K), forward(V, K, dot), reverse(V, K, adj), with V and K the
 * consolidated slot and constant arrays and dot/adj slot-major (`dot[s·p + k]`).
 */
import type { Member, Operand, Run } from './analyze.js';
import type { AccumulationPlan } from './order.js';
import { binaryD, type Names, specNames, unaryD, valueExpr } from './rules.js';

/** Generated source plus its closure arguments. */
export interface KernelSource {
  readonly names: string[];
  readonly values: unknown[];
  readonly body: string;
}

/**
 * Factors per element up to which a reverse kernel checks them to take the branch-free form (more,
 * and the check costs what the zero tests do: the Asian option's 324-member run runs 8 % faster with
 * the tests alone, vector Rosenbrock's reverse 15 % slower).
 */
export const MAX_CHECKS = 16;

/** Tangent directions up to which the k loop is unrolled (locals stay in registers). */
export const UNROLL = 8;

/** @internal Builds one kernel's source (shared with the lane kernels of `lanes.ts`). */
export class Emitter {
  readonly names: string[] = [];
  readonly values: unknown[] = [];
  readonly pre: string[] = [];
  readonly loop: string[] = [];
  readonly post: string[] = [];
  private loads = new Map<string, string>();
  private nLoads = 0;
  private emitted = new Set<number>();
  private indices = new Set<number>();

  /**
   * Values are emitted on demand (a member's value, with its operands' first): a kernel computes
   * only what its stores and partials read. With `reuse`, saved members are loaded from the slots
   * the value kernel wrote (the same bits) instead of computed again.
   */
  constructor(
    readonly run: Run,
    specs: SpecTable,
    private readonly reuse: boolean,
  ) {
    for (const m of run.members) for (const n of specNames(m)) this.closure(n, specs(n));
  }

  closure(name: string, value: unknown): void {
    if (!this.names.includes(name)) {
      this.names.push(name);
      this.values.push(value);
    }
  }

  /**
   * Set for a fused gradient kernel: slot operands inside the input run [inSlot, inSlot + n) are
   * read from the caller's array X (the kernel copies X into the slots as it goes).
   */
  direct: { readonly inSlot: number; readonly n: number } | undefined;

  /** Set for a lane kernel: gathers of concatenations read their elements' source slots. */
  gatherSlots: ReadonlyMap<number, Int32Array> | undefined;

  /** Variable holding an input operand's value at element i (hoisted when broadcast). */
  input(o: Operand): string {
    const key = `${o.kind}:${o.base}:${o.stride}`;
    let v = this.loads.get(key);
    if (v !== undefined) return v;
    v = `x${this.nLoads++}`;
    this.loads.set(key, v);
    let arr = o.kind === 'const' ? 'K' : 'V';
    let base = o.base;
    const d = this.direct;
    if (d !== undefined && o.kind === 'slot') {
      if (o.base < d.inSlot || o.base + (o.stride ? this.run.L : 1) > d.inSlot + d.n)
        throw new Error('fused gradient: operand outside the input');
      arr = 'X';
      base -= d.inSlot;
    }
    if (o.stride === 0) {
      this.pre.push(`const ${v} = ${arr}[${base}];`);
      this.hoisted.add(v);
    } else this.loop.push(`const ${v} = ${arr}[${base} + i];`);
    return v;
  }

  /** True when expr only names values hoisted before the loop (broadcast inputs) and literals. */
  isHoisted(expr: string): boolean {
    const names = expr.match(/[A-Za-z_]\w*/g) ?? [];
    return names.every((nm) => this.hoisted.has(nm));
  }
  private hoisted = new Set<string>();

  /** Value of an operand at element i. */
  operand(o: Operand): string {
    return o.kind === 'local' ? this.val(o.j) : this.input(o);
  }

  /** Gather member j's source index at element i (ix{j} = IX{j}[i]). */
  index(j: number): string {
    if (!this.indices.has(j)) {
      this.indices.add(j);
      this.closure(`IX${j}`, this.run.members[j]!.a.ix);
      this.loop.push(`const ix${j} = IX${j}[i];`);
    }
    return `ix${j}`;
  }

  /** Member j's value at element i (emitted on first use). */
  val(j: number): string {
    if (this.emitted.has(j)) return `v${j}`;
    this.emitted.add(j);
    const m = this.run.members[j]!;
    const slotsOf = m.kind === 'gather' ? this.gatherSlots?.get(j) : undefined;
    if (slotsOf !== undefined) {
      this.closure(`GS${j}`, slotsOf);
      this.loop.push(`const v${j} = V[GS${j}[i]];`);
    } else if (m.kind === 'gather') {
      const ix = this.index(j);
      this.loop.push(`const v${j} = V[${m.a.base} + ${ix}];`);
    } else if (this.reuse && m.saved) {
      this.loop.push(`const v${j} = V[${m.out} + i];`);
    } else {
      const A = this.operand(m.a);
      const B = m.b === undefined ? '' : this.operand(m.b);
      this.loop.push(`const v${j} = ${valueExpr(m, A, B)};`);
    }
    return `v${j}`;
  }

  source(third = 'X'): KernelSource {
    const L = this.run.L;
    const body = [
      '"use strict";',
      `return function (V, K, ${third}) {`,
      ...this.pre,
      `for (let i = 0; i < ${L}; i++) {`,
      ...this.loop,
      '}',
      ...this.post,
      '};',
    ].join('\n');
    return { names: this.names, values: this.values, body };
  }
}

/** Names of one member's values, emitted only when a formula reads them. */
export function lazyNames(e: Emitter, m: Member, j: number, g: string): Names {
  return {
    get A() {
      return e.operand(m.a);
    },
    get B() {
      return m.b === undefined ? '' : e.operand(m.b);
    },
    get y() {
      return e.val(j);
    },
    g,
    pa: `pa${j}`,
    pb: `pb${j}`,
  };
}

/** unaryD(op, x, y) with x and y read only if the formula uses them. */
export function unaryDLazy(op: number, n: Names): string {
  switch (op) {
    case 2:
      return unaryD(op, '', '');
    case 3:
      return unaryD(op, n.A, '');
    case 6:
      return unaryD(op, '', n.y);
    default:
      return unaryD(op, n.A, n.y);
  }
}

/** binaryD(op, which, A, B, y) with the values read only if the formula uses them. */
export function binaryDLazy(op: number, which: 'a' | 'b', n: Names): string {
  if (op === 64 || op === 65) return binaryD(op, which, '', '', '');
  if (op === 66) return which === 'a' ? binaryD(op, which, '', n.B, '') : binaryD(op, which, n.A, '', '');
  return binaryD(op, which, n.A, n.B, n.y);
}

/**
 * A forward kernel that reads the seeds and writes the output block itself (jvpFloat with no
 * tangent array): the function is the input (plus constants, concatenations of both) followed by
 * one run whose member `outMember` is the output vector. Signature (V, K, SEEDS, OUT): SEEDS the p
 * direction arrays, OUT[i·p + k] the output tangents.
 */
export interface DirectForward {
  readonly inSlot: number;
  readonly n: number;
  readonly outMember: number;
  /** Per gather member: the input index of each gathered element, −1 for a constant (tangent 0). */
  readonly gathers: ReadonlyMap<number, Int32Array>;
  /**
   * Per gather member reading a concatenation: the slot each gathered element was copied from
   * (the lane kernel reads there and leaves the concatenation stale).
   */
  readonly gatherSlots: ReadonlyMap<number, Int32Array>;
}

/** Looks up a spec function by its closure name (`U7v`, `B68a` …). */
export type SpecTable = (name: string) => unknown;

/** The value kernel: members' values; stored ones written to V (all of them with `all`). */
export function valueKernel(run: Run, specs: SpecTable, all: boolean): KernelSource {
  const e = new Emitter(run, specs, false);
  run.members.forEach((m, j) => {
    if (m.kind === 'sum') {
      e.pre.push(`let s${j} = 0;`);
      e.loop.push(`s${j} += ${e.val(m.a.j)};`);
      e.post.push(`V[${m.out}] = s${j};`);
    } else if (m.stored || m.saved || all) e.loop.push(`V[${m.out} + i] = ${e.val(j)};`);
  });
  return e.source();
}

/**
 * The forward kernel for p directions (third argument: dot).
 *
 * With `fast` (p ≤ UNROLL), binary tangents are formed without the interpreter's zero tests:
 * `(0 + pa·ta) + pb·tb` equals `s = 0; if (ta !== 0) s += pa·ta; if (tb !== 0) s += pb·tb` bit
 * for bit whenever the multipliers pa and pb are finite (a ±0 tangent then contributes ±0, and
 * s, never −0, absorbs it), while the tests mispredict on sparse seeds. The kernel checks the
 * multipliers as it goes (their sum times 0 is NaN when one is not finite) and returns false if
 * one was not: the caller then runs the exact kernel, which rewrites every output.
 */
export function forwardKernel(
  run: Run,
  specs: SpecTable,
  p: number,
  fast = false,
  direct?: DirectForward,
  tanSlot?: (slot: number) => number,
): KernelSource {
  const e = new Emitter(run, specs, true);
  // Where slot s's tangents live in dot: s itself, or its place in a planned arena (`plan.ts`).
  const T = tanSlot ?? ((s: number) => s);
  const unrolled = p <= UNROLL;
  if (fast && !unrolled) throw new Error('fast forward kernels unroll p');
  if (direct !== undefined && !unrolled) throw new Error('direct forward kernels unroll p');
  if (direct !== undefined) for (let k = 0; k < p; k++) e.pre.push(`const S${k} = SEEDS[${k}];`);
  const checks = new Set<string>();
  const nm = run.members.length;
  // Local tangents: t{j}_{k} (unrolled) or T[j·p + k] (a scratch array).
  if (!unrolled) {
    e.closure('T', new Float64Array(nm * p));
    e.closure('SS', new Float64Array(nm * p));
  }
  const ks = unrolled ? Array.from({ length: p }, (_, k) => String(k)) : ['k'];
  const tan = (j: number, k: string): string => (unrolled ? `t${j}_${k}` : `T[${j * p} + k]`);
  const ip = p === 1 ? 'i' : 'ip';
  if (p > 1) e.loop.push(`const ip = i * ${p};`);
  const inTanNames = new Map<string, string>();
  let nIn = 0;
  /** Tangent of an operand in direction k, or undefined for a constant (tangent 0). */
  const opTan = (o: Operand, k: string): string | undefined => {
    if (o.kind === 'const') return undefined;
    if (o.kind === 'local') return tan(o.j, k);
    if (direct !== undefined) {
      // An input slot: its tangent is the seed (jvpFloat copies the seeds into dot unchanged).
      const key = `${o.base}:${o.stride}:${k}`;
      let v = inTanNames.get(key);
      if (v === undefined) {
        v = `d${nIn++}`;
        inTanNames.set(key, v);
        const j0 = o.base - direct.inSlot;
        if (j0 < 0 || j0 + (o.stride ? run.L : 1) > direct.n) throw new Error('direct forward: not an input slot');
        if (o.stride === 0) e.pre.push(`const ${v} = S${k}[${j0}];`);
        else e.loop.push(`const ${v} = S${k}[${j0} + i];`);
      }
      return v;
    }
    const idx = (kk: string) =>
      o.stride === 0 ? `dot[${T(o.base) * p} + ${kk}]` : `dot[${T(o.base) * p} + ${ip} + ${kk}]`.replace(' + 0]', ']');
    if (!unrolled) return idx('k');
    const key = `${o.base}:${o.stride}:${k}`;
    let v = inTanNames.get(key);
    if (v === undefined) {
      v = `d${nIn++}`;
      inTanNames.set(key, v);
      const load = `const ${v} = ${o.stride === 0 ? `dot[${T(o.base) * p + Number(k)}]` : `dot[${T(o.base) * p + Number(k)} + ${ip}]`};`;
      (o.stride === 0 ? e.pre : e.loop).push(load);
    }
    return v;
  };
  // Unrolled, the tangent statements are emitted direction by direction after every member's
  // shared values and partials (each direction's chain keeps few values live: no register spills).
  const chains: ((k: string) => string[])[] = [];
  const kLoop = (stmts: (k: string) => string[]): void => {
    if (unrolled) chains.push(stmts);
    else e.loop.push(`for (let k = 0; k < ${p}; k++) {`, ...stmts('k'), '}');
  };
  run.members.forEach((m, j) => {
    if (m.kind === 'sum') {
      const src = m.a.j;
      if (unrolled) {
        for (const k of ks) {
          e.pre.push(`let S${j}_${k} = 0;`);
          e.post.push(`dot[${T(m.out) * p + Number(k)}] = S${j}_${k};`);
        }
      } else {
        e.pre.push(`SS.fill(0, ${j * p}, ${(j + 1) * p});`);
        e.post.push(`for (let k = 0; k < ${p}; k++) dot[${T(m.out) * p} + k] = SS[${j * p} + k];`);
      }
      kLoop((k) => [unrolled ? `S${j}_${k} += ${tan(src, k)};` : `SS[${j * p} + k] += ${tan(src, k)};`]);
      return;
    }
    const n = lazyNames(e, m, j, '');
    const decl = unrolled ? 'let ' : '';
    const store = (k: string): string[] =>
      direct !== undefined
        ? j === direct.outMember
          ? [`OUT[${ip}${k === '0' ? '' : ` + ${k}`}] = ${tan(j, k)};`]
          : []
        : m.stored
          ? [`dot[${T(m.out) * p}${unrolled ? (Number(k) ? ` + ${k}` : '') : ' + k'} + ${ip}] = ${tan(j, k)};`]
          : [];
    if (m.kind === 'gather' && direct !== undefined) {
      // The source's tangent: a seed entry (input index ≥ 0) or a constant's 0 (−1).
      const map = direct.gathers.get(j);
      if (map === undefined) throw new Error('direct forward: gather without input map');
      e.closure(`TI${j}`, map);
      e.loop.push(`const q${j} = TI${j}[i];`);
      kLoop((k) => [`${decl}${tan(j, k)} = q${j} >= 0 ? S${k}[q${j}] : 0;`, ...store(k)]);
      return;
    }
    if (m.kind === 'gather') {
      // forwardExt OP_GATHER: the source's tangents copied.
      const ix = e.index(j);
      e.loop.push(`const gp${j} = ${p === 1 ? `${T(m.a.base)} + ${ix}` : `(${T(m.a.base)} + ${ix}) * ${p}`};`);
      kLoop((k) => [`${decl}${tan(j, k)} = dot[gp${j}${k === '0' ? '' : ` + ${k}`}];`, ...store(k)]);
      return;
    }
    if (m.kind === 'unary') {
      // forwardExt: dot = ta === 0 ? 0 : d * ta, d = unaryPartial(op, x, y).
      const hasT = m.a.kind !== 'const';
      if (hasT) e.loop.push(`const e${j} = ${unaryDLazy(m.op, n)};`);
      kLoop((k) => {
        const ta = opTan(m.a, k);
        const rhs = ta === undefined ? '0' : `${ta} === 0 ? 0 : e${j} * ${ta}`;
        return [`${decl}${tan(j, k)} = ${rhs};`, ...store(k)];
      });
      return;
    }
    // Binary: s = 0; if (ta !== 0) s += pa·ta; if (tb !== 0) s += pb·tb (forwardExt / binaryTangent).
    const op = m.op;
    const addSubMul = op === 64 || op === 65 || op === 66;
    const aT = m.a.kind !== 'const';
    const bT = m.b!.kind !== 'const';
    let termA: (t: string) => string;
    let termB: (t: string) => string;
    if (addSubMul) {
      // The values a product's tangent reads, emitted now (before the tangent chains).
      const Bv = op === 66 && aT ? n.B : '';
      const Av = op === 66 && bT ? n.A : '';
      termA = op === 66 ? (t) => `${Bv} * ${t}` : (t) => t;
      termB = op === 66 ? (t) => `${Av} * ${t}` : op === 65 ? (t) => `-${t}` : (t) => t;
    } else {
      if (aT) e.loop.push(`const pa${j} = ${binaryDLazy(op, 'a', n)};`);
      if (bT) e.loop.push(`const pb${j} = ${binaryDLazy(op, 'b', n)};`);
      termA = (t) => `pa${j} * ${t}`;
      termB = (t) => `pb${j} * ${t}`;
    }
    if (fast) {
      if (addSubMul) {
        if (op === 66 && aT) checks.add(n.B);
        if (op === 66 && bT) checks.add(n.A);
      } else {
        if (aT) checks.add(`pa${j}`);
        if (bT) checks.add(`pb${j}`);
      }
      kLoop((k) => {
        const ta = aT ? opTan(m.a, k) : undefined;
        const tb = bT ? opTan(m.b!, k) : undefined;
        const terms: string[] = [];
        if (ta !== undefined) terms.push(termA(ta));
        if (tb !== undefined) terms.push(termB(tb));
        const rhs = terms.length === 0 ? '0' : `(0 + ${terms[0]})${terms.length > 1 ? ` + ${terms[1]}` : ''}`;
        return [`${decl}${tan(j, k)} = ${rhs};`, ...store(k)];
      });
      return;
    }
    kLoop((k) => {
      const out: string[] = [`${decl}${tan(j, k)} = 0;`];
      const ta = aT ? opTan(m.a, k) : undefined;
      const tb = bT ? opTan(m.b!, k) : undefined;
      if (ta !== undefined) out.push(`if (${ta} !== 0) ${tan(j, k)} += ${termA(ta)};`);
      if (tb !== undefined) out.push(`if (${tb} !== 0) ${tan(j, k)} += ${termB(tb)};`);
      return [...out, ...store(k)];
    });
  });
  for (const k of unrolled ? ks : []) for (const c of chains) e.loop.push(...c(k));
  if (fast) {
    e.pre.push('let chk = 0;');
    if (checks.size > 0) e.loop.push(`chk += (${[...checks].join(' + ')}) * 0;`);
    e.post.push('return chk === chk;');
  }
  return e.source(direct !== undefined ? 'SEEDS, OUT' : 'dot');
}

/**
 * The reverse kernel for q directions (third argument: adj). With `clear`, stored outputs' adjoints
 * are zeroed once consumed (the interpreter's clear-as-you-go); without it they keep their final
 * value (locals have no slot to keep it in).
 *
 * With `fused` (a run closed by a sum, nothing else of it stored, q = 1), the kernel is also the
 * run's value sweep: it computes every value (none were replayed), accumulates the sum and writes
 * it after the loop, while the adjoints flow from the sum's seed, read before the loop.
 *
 * With `direct` as well (the whole function is this run over its input vector, its output the
 * sum), the kernel is the gradient: signature (V, K, G, X) with X the caller's point and G a fresh
 * zero array of the input's length that receives the input adjoints (adj[inSlot + j] ↦ G[j]); the
 * seed is 1; X is checked (finite) and copied into the input slots element by element, and the
 * kernel returns the first non-finite index (the caller throws) or −1.
 */
export function reverseKernel(
  run: Run,
  specs: SpecTable,
  q: number,
  clear: boolean,
  plan: AccumulationPlan,
  fused = false,
  direct?: { readonly inSlot: number; readonly n: number; readonly copy?: boolean },
  branchFree = false,
  adjSlot?: (slot: number) => number,
): KernelSource {
  // Where slot s's adjoints live in adj: s itself, or its place in a planned arena (`tangent-plan.ts`).
  const A = adjSlot ?? ((s: number) => s);
  const e = new Emitter(run, specs, !fused);
  const L = run.L;
  const ms = run.members;
  const unrolled = q <= UNROLL;
  if (!unrolled) throw new Error('reverse kernels unroll q');
  if (direct !== undefined && (!fused || q !== 1 || L > direct.n)) throw new Error('direct gradient kernel');
  if (branchFree && direct === undefined) throw new Error('branch-free reverse kernels are direct');
  e.direct = direct;
  const ks = Array.from({ length: q }, (_, k) => k);
  const iq = q === 1 ? 'i' : 'iq';
  if (q > 1) e.loop.push(`const iq = i * ${q};`);
  if (direct !== undefined) {
    // Cold path: the first non-finite entry of X, in index order (the loop, then the tail).
    e.loop.push('const xi = X[i];');
    if (direct.copy !== false) e.loop.push(`V[${direct.inSlot} + i] = xi;`);
  }
  // Direct gradient: the in-loop contributions to G[o + i] (offsets o of the strided uses) go to
  // registers r{o − oMin} that shift down one element per iteration; G[oMin + i] is stored once
  // complete (no later iteration reaches it). The same additions in the same order, starting from
  // G's +0, without reading G back through memory. Not with broadcast per-element uses (G[c] += …
  // at every i), which could share a slot with a register.
  let carry: { oMin: number; D: number } | undefined;
  if (direct !== undefined) {
    const strided = plan.uses.filter((u, n) => u.mode === 'loop' && !plan.buffered[n]);
    if (strided.length > 0 && strided.every((u) => u.stride === 1 && u.gather === undefined)) {
      const offs = strided.map((u) => u.base - direct.inSlot);
      const oMin = Math.min(...offs);
      carry = { oMin, D: Math.max(...offs) - oMin };
      for (let d = 0; d <= carry.D; d++) e.pre.push(`let r${d} = 0;`);
    }
  }
  const at = (slot: number, k: number, strided: boolean, inLoop = false): string => {
    if (direct !== undefined) {
      if (inLoop && strided && carry !== undefined) return `r${slot - direct.inSlot - carry.oMin}`;
      return strided ? `G[${slot - direct.inSlot} + i]` : `G[${slot - direct.inSlot}]`;
    }
    const c = A(slot) * q + k;
    return strided ? `adj[${c} + ${iq}]` : `adj[${c}]`;
  };
  // Adjoint locals of the elementwise members: g{j}_{k}, from the array when stored.
  ms.forEach((m, j) => {
    if (m.kind === 'sum') {
      if (direct !== undefined) {
        e.pre.push(`const g${j}_0 = 1;`);
      } else {
        for (const k of ks) e.pre.push(`const g${j}_${k} = adj[${A(m.out) * q + k}];`);
        if (clear) for (const k of ks) e.post.push(`adj[${A(m.out) * q + k}] = 0;`);
      }
      if (fused) {
        e.pre.push(`let s${j} = 0;`);
        e.loop.push(`s${j} += ${e.val(m.a.j)};`);
        e.post.push(`V[${m.out}] = s${j};`);
      }
      return;
    }
    for (const k of ks) e.loop.push(`let g${j}_${k} = ${m.stored ? at(m.out, k, true) : '0'};`);
  });
  // Uses by (member, operand).
  const useOf = new Map<string, number>();
  plan.uses.forEach((u, n) => {
    useOf.set(`${u.j}:${u.o}`, n);
    if (plan.buffered[n] && u.mode === 'loop') e.closure(`BF${n}`, new Float64Array(L * q));
    if (u.mode === 'final') for (const k of ks) e.pre.push(`let f${n}_${k} = 0;`);
  });
  // Contributions, in the interpreter's order, twice: `exact` with its zero tests, `fast` without
  // them. Without the test a zero adjoint g adds g·f = ±0 to an accumulator that is never −0
  // (it starts at +0 and only adds), which changes nothing — when the factor f is finite. The loop
  // takes the fast list when every such factor of the element is finite (their sum times 0 is 0).
  const exact: string[] = [];
  const fast: string[] = [];
  const factors = new Set<string>();
  // The fast list also assigns a local adjoint its first contribution instead of adding it to 0:
  // that only changes the sign of a zero, and a local only ever feeds products with finite factors
  // that end in accumulators (which absorb ±0 alike) — never a result directly.
  const assigned = new Set<string>();
  const contribute = (cond: boolean, g: string, tgt: string, c: string, factor: () => string): void => {
    exact.push(cond ? `if (${g} !== 0) ${tgt} += ${c};` : `${tgt} += ${c};`);
    const local = /^g\d+_\d+$/.test(tgt) && !storedLocal.has(tgt);
    fast.push(local && !assigned.has(tgt) ? `${tgt} = ${c};` : `${tgt} += ${c};`);
    if (local) assigned.add(tgt);
    if (!cond) return;
    const f = factor();
    if (!/^-?1$/.test(f)) factors.add(f);
  };
  // Locals read from the adjoint array (stored outputs) start from that value: always added to.
  const storedLocal = new Set<string>();
  ms.forEach((m, j) => {
    if (m.stored || m.kind === 'sum') for (const k of ks) storedLocal.add(`g${j}_${k}`);
  });
  const postPerMember: string[][] = ms.map(() => []);
  for (let j = ms.length - 1; j >= 0; j--) {
    const m = ms[j]!;
    const r = plan.rules[j]!;
    if (m.kind !== 'sum') {
      if (m.stored) for (const k of ks) e.loop.push(`${at(m.out, k, true)} = ${clear ? '0' : `g${j}_${k}`};`);
      const n = lazyNames(e, m, j, '');
      if (r.needPa)
        e.loop.push(`const pa${j} = ${m.kind === 'unary' ? unaryDLazy(m.op, n) : binaryDLazy(m.op, 'a', n)};`);
      if (r.needPb) e.loop.push(`const pb${j} = ${binaryDLazy(m.op, 'b', n)};`);
    }
    const finals: string[] = [];
    const bufLoop: string[] = [];
    let gq = '';
    (
      [
        [m.a, r.a, 0],
        [m.b, r.b, 1],
      ] as const
    ).forEach(([opnd, rule, o]) => {
      if (opnd === undefined || rule.mode === 'none') return;
      for (const k of ks) {
        const g = `g${j}_${k}`;
        const c = rule.c(lazyNames(e, m, j, g));
        const factor = (): string =>
          rule
            .c(lazyNames(e, m, j, '1'))
            .replace(/^1 \* /, '')
            .replace(/ \* 1$/, '');
        if (opnd.kind === 'local') {
          contribute(rule.cond, g, `g${opnd.j}_${k}`, c, factor);
          continue;
        }
        const n = useOf.get(`${j}:${o}`)!;
        const kk = k ? ` + ${k}` : '';
        if (opnd.kind === 'gather') {
          // reverseExt OP_GATHER: adj[(xs + ix[i])·q + k] += g, unconditionally.
          if (plan.buffered[n]) {
            exact.push(`BF${n}[${iq}${kk}] = ${c};`);
            fast.push(`BF${n}[${iq}${kk}] = ${c};`);
            if (k === 0) {
              e.closure(`IX${j}`, opnd.ix);
              bufLoop.push(
                `const gq = ${q === 1 ? `${A(opnd.base)} + IX${j}[i]` : `(${A(opnd.base)} + IX${j}[i]) * ${q}`};`,
              );
            }
            bufLoop.push(`adj[gq${kk}] += BF${n}[${iq}${kk}];`);
          } else {
            if (gq === '') {
              gq = `gq${j}`;
              const ix = e.index(j);
              e.loop.push(`const ${gq} = ${q === 1 ? `${A(opnd.base)} + ${ix}` : `(${A(opnd.base)} + ${ix}) * ${q}`};`);
            }
            exact.push(`adj[${gq}${kk}] += ${c};`);
            fast.push(`adj[${gq}${kk}] += ${c};`);
          }
          continue;
        }
        if (rule.mode === 'final') {
          contribute(rule.cond, g, `f${n}_${k}`, c, factor);
          finals.push(`${at(opnd.base, k, false)} += ${rule.finalNeg ? '-' : ''}f${n}_${k};`);
        } else if (plan.buffered[n]) {
          // Skipped contributions are stored as −0: adding −0 changes nothing.
          exact.push(`BF${n}[${iq}${kk}] = ${rule.cond ? `${g} !== 0 ? ${c} : -0` : c};`);
          fast.push(`BF${n}[${iq}${kk}] = ${c};`);
          if (rule.cond) {
            const f = factor();
            if (!/^-?1$/.test(f)) factors.add(f);
          }
          bufLoop.push(`${at(opnd.base, k, opnd.stride === 1)} += BF${n}[${iq}${kk}];`);
        } else {
          contribute(rule.cond, g, at(opnd.base, k, opnd.stride === 1, true), c, factor);
        }
      }
    });
    if (bufLoop.length > 0) {
      postPerMember[j]!.push(`for (let i = 0; i < ${L}; i++) {`);
      if (q > 1) postPerMember[j]!.push(`const iq = i * ${q};`);
      postPerMember[j]!.push(...bufLoop, '}');
    }
    postPerMember[j]!.push(...finals);
  }
  // After the loop: per member (descending), its buffered contributions, then its finals.
  const checks = [...(direct !== undefined ? ['xi'] : []), ...factors];
  const slow = direct !== undefined ? ['if (xi - xi !== 0) return i;', ...exact] : exact;
  const post: string[] = [];
  if (branchFree) {
    // Direct gradient only (it can be run again: G is the caller's fresh array): the fast list
    // throughout, the checks summed (those of hoisted constants once, before the loop); −2
    // (before the tail's own checks) asks for the exact kernel.
    const once = checks.filter((c) => e.isHoisted(c));
    const each = checks.filter((c) => !e.isHoisted(c));
    e.pre.push(`let chk = ${once.length > 0 ? `(${once.join(' + ')}) * 0` : '0'};`);
    e.loop.push(...fast);
    if (each.length > 0) e.loop.push(`chk += (${each.join(' + ')}) * 0;`);
    post.push('if (chk !== chk) return -2;');
  } else if (checks.length > 0 && checks.length <= MAX_CHECKS && exact.join() !== fast.join()) {
    e.loop.push(`if ((${checks.join(' + ')}) * 0 === 0) {`, ...fast, '} else {', ...slow, '}');
  } else e.loop.push(...slow);
  if (carry !== undefined) {
    const shift = Array.from({ length: carry.D }, (_, d) => `r${d} = r${d + 1};`);
    e.loop.push(`G[${carry.oMin} + i] = r0;`, ...shift, `r${carry.D} = 0;`);
    for (let d = 0; d < carry.D; d++) post.push(`G[${carry.oMin + L + d}] = r${d};`);
  }
  if (direct !== undefined && L < direct.n) {
    post.push(
      `for (let i = ${L}; i < ${direct.n}; i++) {`,
      'const xi = X[i];',
      'if (xi - xi !== 0) return i;',
      ...(direct.copy !== false ? [`V[${direct.inSlot} + i] = xi;`] : []),
      '}',
    );
  }
  for (let j = ms.length - 1; j >= 0; j--) post.push(...postPerMember[j]!);
  e.post.unshift(...post);
  if (direct !== undefined) {
    e.post.push('return -1;');
    return e.source('G, X');
  }
  return e.source('adj');
}

export type { Member };
