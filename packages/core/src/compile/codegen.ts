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

/** Tangent directions up to which the k loop is unrolled (locals stay in registers). */
export const UNROLL = 8;

class Emitter {
  readonly names: string[] = [];
  readonly values: unknown[] = [];
  readonly pre: string[] = [];
  readonly loop: string[] = [];
  readonly post: string[] = [];
  private loads = new Map<string, string>();
  private nLoads = 0;

  constructor(readonly run: Run) {}

  closure(name: string, value: unknown): void {
    if (!this.names.includes(name)) {
      this.names.push(name);
      this.values.push(value);
    }
  }

  /** Variable holding an input operand's value at element i (hoisted when broadcast). */
  input(o: Operand): string {
    const key = `${o.kind}:${o.base}:${o.stride}`;
    let v = this.loads.get(key);
    if (v !== undefined) return v;
    v = `x${this.nLoads++}`;
    this.loads.set(key, v);
    const arr = o.kind === 'const' ? 'K' : 'V';
    if (o.stride === 0) this.pre.push(`const ${v} = ${arr}[${o.base}];`);
    else this.loop.push(`const ${v} = ${arr}[${o.base} + i];`);
    return v;
  }

  /** Value of an operand at element i. */
  operand(o: Operand): string {
    return o.kind === 'local' ? `v${o.j}` : this.input(o);
  }

  /**
   * Values of all elementwise members (in order) into the loop; with `reuse`, saved members are
   * loaded from the slots the value kernel wrote (the same bits) instead of computed again.
   */
  values_(specs: SpecTable, reuse: boolean): void {
    this.run.members.forEach((m, j) => {
      if (m.kind === 'sum') return;
      for (const n of specNames(m)) this.closure(n, specs(n));
      if (reuse && m.saved) {
        this.loop.push(`const v${j} = V[${m.out} + i];`);
        return;
      }
      const A = this.operand(m.a);
      const B = m.b === undefined ? '' : this.operand(m.b);
      this.loop.push(`const v${j} = ${valueExpr(m, A, B)};`);
    });
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

/** Looks up a spec function by its closure name (`U7v`, `B68a` …). */
export type SpecTable = (name: string) => unknown;

/** The value kernel: members' values; stored ones written to V (all of them with `all`). */
export function valueKernel(run: Run, specs: SpecTable, all: boolean): KernelSource {
  const e = new Emitter(run);
  e.values_(specs, false);
  run.members.forEach((m, j) => {
    if (m.kind === 'sum') {
      e.pre.push(`let s${j} = 0;`);
      e.loop.push(`s${j} += v${m.a.j};`);
      e.post.push(`V[${m.out}] = s${j};`);
    } else if (m.stored || m.saved || all) e.loop.push(`V[${m.out} + i] = v${j};`);
  });
  return e.source();
}

/** The forward kernel for p directions (third argument: dot). */
export function forwardKernel(run: Run, specs: SpecTable, p: number): KernelSource {
  const e = new Emitter(run);
  e.values_(specs, true);
  const unrolled = p <= UNROLL;
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
    const idx = (kk: string) =>
      o.stride === 0 ? `dot[${o.base * p} + ${kk}]` : `dot[${o.base * p} + ${ip} + ${kk}]`.replace(' + 0]', ']');
    if (!unrolled) return idx('k');
    const key = `${o.base}:${o.stride}:${k}`;
    let v = inTanNames.get(key);
    if (v === undefined) {
      v = `d${nIn++}`;
      inTanNames.set(key, v);
      const load = `const ${v} = ${o.stride === 0 ? `dot[${o.base * p + Number(k)}]` : `dot[${o.base * p + Number(k)} + ${ip}]`};`;
      (o.stride === 0 ? e.pre : e.loop).push(load);
    }
    return v;
  };
  const kLoop = (stmts: (k: string) => string[]): void => {
    if (unrolled) for (const k of ks) e.loop.push(...stmts(k));
    else e.loop.push(`for (let k = 0; k < ${p}; k++) {`, ...stmts('k'), '}');
  };
  run.members.forEach((m, j) => {
    if (m.kind === 'sum') {
      const src = m.a.j;
      if (unrolled) {
        for (const k of ks) {
          e.pre.push(`let S${j}_${k} = 0;`);
          e.post.push(`dot[${m.out * p + Number(k)}] = S${j}_${k};`);
        }
      } else {
        e.pre.push(`SS.fill(0, ${j * p}, ${(j + 1) * p});`);
        e.post.push(`for (let k = 0; k < ${p}; k++) dot[${m.out * p} + k] = SS[${j * p} + k];`);
      }
      kLoop((k) => [unrolled ? `S${j}_${k} += ${tan(src, k)};` : `SS[${j * p} + k] += ${tan(src, k)};`]);
      return;
    }
    const A = e.operand(m.a);
    const B = m.b === undefined ? '' : e.operand(m.b);
    const y = `v${j}`;
    const decl = unrolled ? 'let ' : '';
    const store = (k: string): string[] =>
      m.stored ? [`dot[${m.out * p}${unrolled ? (Number(k) ? ` + ${k}` : '') : ' + k'} + ${ip}] = ${tan(j, k)};`] : [];
    if (m.kind === 'unary') {
      // forwardExt: dot = ta === 0 ? 0 : d * ta, d = unaryPartial(op, x, y).
      const hasT = m.a.kind !== 'const';
      if (hasT) e.loop.push(`const e${j} = ${unaryD(m.op, A, y)};`);
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
      termA = op === 66 ? (t) => `${B} * ${t}` : (t) => t;
      termB = op === 66 ? (t) => `${A} * ${t}` : op === 65 ? (t) => `-${t}` : (t) => t;
    } else {
      if (aT) e.loop.push(`const pa${j} = ${binaryD(op, 'a', A, B, y)};`);
      if (bT) e.loop.push(`const pb${j} = ${binaryD(op, 'b', A, B, y)};`);
      termA = (t) => `pa${j} * ${t}`;
      termB = (t) => `pb${j} * ${t}`;
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
  return e.source('dot');
}

/**
 * The reverse kernel for q directions (third argument: adj). With `clear`, stored outputs' adjoints
 * are zeroed once consumed (the interpreter's clear-as-you-go); without it they keep their final
 * value (locals have no slot to keep it in).
 */
export function reverseKernel(
  run: Run,
  specs: SpecTable,
  q: number,
  clear: boolean,
  plan: AccumulationPlan,
): KernelSource {
  const e = new Emitter(run);
  e.values_(specs, true);
  const L = run.L;
  const ms = run.members;
  const unrolled = q <= UNROLL;
  if (!unrolled) throw new Error('reverse kernels unroll q');
  const ks = Array.from({ length: q }, (_, k) => k);
  const iq = q === 1 ? 'i' : 'iq';
  if (q > 1) e.loop.push(`const iq = i * ${q};`);
  const at = (slot: number, k: number, strided: boolean): string => {
    const c = slot * q + k;
    return strided ? `adj[${c} + ${iq}]` : `adj[${c}]`;
  };
  // Adjoint locals of the elementwise members: g{j}_{k}, from the array when stored.
  ms.forEach((m, j) => {
    if (m.kind === 'sum') {
      for (const k of ks) e.pre.push(`const g${j}_${k} = adj[${m.out * q + k}];`);
      if (clear) for (const k of ks) e.post.push(`adj[${m.out * q + k}] = 0;`);
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
  const postPerMember: string[][] = ms.map(() => []);
  for (let j = ms.length - 1; j >= 0; j--) {
    const m = ms[j]!;
    const r = plan.rules[j]!;
    if (m.kind !== 'sum') {
      if (m.stored) for (const k of ks) e.loop.push(`${at(m.out, k, true)} = ${clear ? '0' : `g${j}_${k}`};`);
      const A = e.operand(m.a);
      const B = m.b === undefined ? '' : e.operand(m.b);
      const y = `v${j}`;
      if (r.needPa)
        e.loop.push(`const pa${j} = ${m.kind === 'unary' ? unaryD(m.op, A, y) : binaryD(m.op, 'a', A, B, y)};`);
      if (r.needPb) e.loop.push(`const pb${j} = ${binaryD(m.op, 'b', A, B, y)};`);
    }
    const A = m.kind === 'sum' ? '' : e.operand(m.a);
    const B = m.b === undefined ? '' : e.operand(m.b);
    const finals: string[] = [];
    const bufLoop: string[] = [];
    (
      [
        [m.a, r.a, 0],
        [m.b, r.b, 1],
      ] as const
    ).forEach(([opnd, rule, o]) => {
      if (opnd === undefined || rule.mode === 'none') return;
      for (const k of ks) {
        const g = `g${j}_${k}`;
        const names: Names = { A, B, y: `v${j}`, g, pa: `pa${j}`, pb: `pb${j}` };
        const c = rule.c(names);
        if (opnd.kind === 'local') {
          const tgt = `g${opnd.j}_${k}`;
          e.loop.push(rule.cond ? `if (${g} !== 0) ${tgt} += ${c};` : `${tgt} += ${c};`);
          continue;
        }
        const n = useOf.get(`${j}:${o}`)!;
        if (rule.mode === 'final') {
          e.loop.push(rule.cond ? `if (${g} !== 0) f${n}_${k} += ${c};` : `f${n}_${k} += ${c};`);
          finals.push(`${at(opnd.base, k, false)} += ${rule.finalNeg ? '-' : ''}f${n}_${k};`);
        } else if (plan.buffered[n]) {
          // Skipped contributions are stored as −0: adding −0 changes nothing.
          e.loop.push(`BF${n}[${iq}${k ? ` + ${k}` : ''}] = ${rule.cond ? `${g} !== 0 ? ${c} : -0` : c};`);
          bufLoop.push(`${at(opnd.base, k, opnd.stride === 1)} += BF${n}[${iq}${k ? ` + ${k}` : ''}];`);
        } else {
          const tgt = at(opnd.base, k, opnd.stride === 1);
          e.loop.push(rule.cond ? `if (${g} !== 0) ${tgt} += ${c};` : `${tgt} += ${c};`);
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
  const post: string[] = [];
  for (let j = ms.length - 1; j >= 0; j--) post.push(...postPerMember[j]!);
  e.post.unshift(...post);
  return e.source('adj');
}

export type { Member };
