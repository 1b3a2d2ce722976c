/**
 * Element Jacobians of a stencil-shaped function: the function is its input (with constants and
 * concatenations of both) followed by one fused run that makes the output vector — each output
 * element i is a formula of a few input elements, read at fixed positions (x[i + c], x[c]) or
 * through gathers (x[ix[i]]). Each such access is a *lane*; the lane kernel differentiates the
 * formula with respect to every lane at once, element by element, and writes ∂F_i/∂(lane's input
 * element) straight into the caller's sparse values (`VALS[P_a[i]]`, P_a computed by the caller
 * from its pattern). It also replays the run's values (the stored members, as the value kernel writes
 * them; saved intermediates and the concatenations are left stale, and Program.settle() replays before
 * any other sweep), so one pass over memory gives F and J — what a hand-written stencil Jacobian does.
 *
 * Bitwise the same as a forward sweep whose seeds put 1 on exactly one lane's input element at
 * every row (a column-colored compressed Jacobian, when the lanes' columns in a row are distinct
 * and in the pattern — the caller checks): a tangent that is 0 by structure is left out, as the
 * interpreter skips zero tangents, and a seed 1 makes the multiplier itself (`pa · 1 = pa`). Dynamic
 * tangents use the fast forward formulas, with the same check of the multipliers (the kernel
 * returns false when one was not finite; the caller then sweeps the ordinary way).
 */

import type { Operand, Run } from './analyze.js';
import {
  binaryDLazy,
  type DirectForward,
  Emitter,
  type KernelSource,
  lazyNames,
  type SpecTable,
  unaryDLazy,
} from './codegen.js';

/** One input access of the run: a slot operand inside the input, or a gather member. */
export interface Lane {
  /** `x[j0 + i·stride]` (stride 1: elementwise, 0: one element broadcast) … */
  readonly j0: number;
  readonly stride: 0 | 1;
  /** … or, for a gather lane, the gather's member index (−1 otherwise). */
  readonly gather: number;
}

/** The lanes whose derivative reaches the output (others are 0 by structure and written nowhere). */
export interface LanePlan {
  readonly lanes: readonly Lane[];
  /** Rows (the output's length). */
  readonly rows: number;
}

const laneKey = (o: Operand, inSlot: number): string => `${o.base - inSlot}:${o.stride}`;

/**
 * The lanes of the direct-forward run whose tangent at the output member is not 0 by structure,
 * in order of first use.
 */
export function planLanes(run: Run, direct: DirectForward): LanePlan {
  const all: Lane[] = [];
  const keys = new Map<string, number>();
  for (let j = 0; j < run.members.length; j++) {
    const m = run.members[j]!;
    if (m.kind === 'gather') {
      keys.set(`g${j}`, all.length);
      all.push({ j0: 0, stride: 0, gather: j });
      continue;
    }
    for (const o of m.b === undefined ? [m.a] : [m.a, m.b]) {
      if (o.kind !== 'slot') continue;
      const key = laneKey(o, direct.inSlot);
      if (keys.has(key)) continue;
      keys.set(key, all.length);
      all.push({ j0: o.base - direct.inSlot, stride: o.stride, gather: -1 });
    }
  }
  const active = all.filter((lane) => structure(run, direct, lane)[direct.outMember] !== 0);
  return { lanes: active, rows: run.L };
}

/** Per member: 0 when its tangent in this lane is 0 by structure, 1 for the seed itself, 2 otherwise. */
function structure(run: Run, direct: DirectForward, lane: Lane): number[] {
  const st: number[] = [];
  const key = lane.gather >= 0 ? '' : `${lane.j0}:${lane.stride}`;
  const op = (o: Operand): number =>
    o.kind === 'local' ? st[o.j]! : o.kind === 'slot' && laneKey(o, direct.inSlot) === key ? 1 : 0;
  run.members.forEach((m, j) => {
    if (m.kind === 'gather') st.push(j === lane.gather ? 1 : 0);
    else if (m.kind === 'sum') throw new Error('lane kernel: a run closed by a sum');
    else st.push(op(m.a) === 0 && (m.b === undefined || op(m.b) === 0) ? 0 : 2);
  });
  return st;
}

/** Per lane, the input element each row reads (−1: a constant, no derivative). */
export function laneColumns(plan: LanePlan, direct: DirectForward): Int32Array[] {
  return plan.lanes.map((lane) => {
    if (lane.gather >= 0) return Int32Array.from(direct.gathers.get(lane.gather)!);
    const c = new Int32Array(plan.rows);
    for (let i = 0; i < plan.rows; i++) c[i] = lane.j0 + lane.stride * i;
    return c;
  });
}

/**
 * The lane kernel (V, K, VALS, P): the run's values (stored and saved members written, as the
 * value kernel does, except the saved ones), and for every lane a the output member's tangent written to VALS[P[a][i]]
 * when P[a][i] ≥ 0. Returns false when a multiplier of a dynamic tangent was not finite.
 */
export function laneKernel(run: Run, specs: SpecTable, direct: DirectForward, plan: LanePlan): KernelSource {
  const e = new Emitter(run, specs, false);
  e.gatherSlots = direct.gatherSlots;
  // The stored members (outputs, values read later); saved ones are left stale (see Program.settle).
  run.members.forEach((m, j) => {
    if (m.stored) e.loop.push(`V[${m.out} + i] = ${e.val(j)};`);
  });
  const checks = new Set<string>();
  const partials = new Set<number>();
  const chains: string[] = [];
  plan.lanes.forEach((lane, a) => {
    const key = lane.gather >= 0 ? '' : `${lane.j0}:${lane.stride}`;
    /** Tangent of each member in this lane: '0', '1' (the seed), or a local's name. */
    const tan: string[] = [];
    const opTan = (o: Operand): string =>
      o.kind === 'local' ? tan[o.j]! : o.kind === 'slot' && laneKey(o, direct.inSlot) === key ? '1' : '0';
    run.members.forEach((m, j) => {
      if (m.kind === 'gather') {
        tan.push(j === lane.gather ? '1' : '0');
        return;
      }
      const n = lazyNames(e, m, j, '');
      const name = `t${j}_${a}`;
      if (m.kind === 'unary') {
        const ta = opTan(m.a);
        if (ta === '0') {
          tan.push('0');
          return;
        }
        if (!partials.has(j)) {
          partials.add(j);
          e.loop.push(`const e${j} = ${unaryDLazy(m.op, n)};`);
        }
        // forwardExt: dot = ta === 0 ? 0 : d · ta (d · 1 = d).
        chains.push(`const ${name} = ${ta === '1' ? `e${j}` : `${ta} === 0 ? 0 : e${j} * ${ta}`};`);
        tan.push(name);
        return;
      }
      const ta = opTan(m.a);
      const tb = opTan(m.b!);
      if (ta === '0' && tb === '0') {
        tan.push('0');
        return;
      }
      const op = m.op;
      const terms: string[] = [];
      const term = (t: string, which: 'a' | 'b'): string => {
        if (op === 64 || (op === 65 && which === 'a')) return t;
        if (op === 65) return `-${t}`;
        let mult: string;
        if (op === 66) mult = which === 'a' ? n.B : n.A;
        else {
          mult = `p${which}${j}`;
          if (!partials.has(which === 'a' ? j : -1 - j)) {
            partials.add(which === 'a' ? j : -1 - j);
            e.loop.push(`const ${mult} = ${binaryDLazy(op, which, n)};`);
          }
        }
        // A dynamic tangent may be 0 at run time: its multiplier must be finite for the fast form.
        if (t !== '1') checks.add(mult);
        return `${mult} * ${t}`;
      };
      if (ta !== '0') terms.push(term(ta, 'a'));
      if (tb !== '0') terms.push(term(tb, 'b'));
      chains.push(`const ${name} = (0 + ${terms[0]})${terms.length > 1 ? ` + ${terms[1]}` : ''};`);
      tan.push(name);
    });
    const out = tan[direct.outMember]!;
    if (out === '0') throw new Error('lane kernel: an inactive lane');
    e.pre.push(`const P${a} = P[${a}];`);
    chains.push(`const q${a} = P${a}[i];`, `if (q${a} >= 0) VALS[q${a}] = ${out === '1' ? '1' : out};`);
  });
  e.loop.push(...chains);
  e.pre.push('let chk = 0;');
  if (checks.size > 0) e.loop.push(`chk += (${[...checks].join(' + ')}) * 0;`);
  e.post.push('return chk === chk;');
  return e.source('VALS, P');
}
