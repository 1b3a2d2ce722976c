/**
 * JavaScript source of the compiled HVP's kernels for one run of core's compile analysis (a stretch
 * of elementwise vector instructions of one length, with gathers and a closing sum):
 *
 * - the *forward* kernel writes the tangents (one direction) of the run's stored outputs, for the
 *   instructions after the run that read them (core's forward sweep, `forwardExt` with p = 1);
 * - the *second-order reverse* kernel recomputes, element by element, the members' values and
 *   tangents in locals and propagates both adjoints (x̄, x̄') back through the run, exactly as
 *   `secondOrderReverse`/`extStep` (sweep.ts) do instruction by instruction.
 *
 * Every formula restates one line of the interpreter (the comments name it) so the results are
 * the same bits: the zero-tangent rule of the forward sweep (`if (t !== 0) s += p·t`), the
 * zero-adjoint rule of the reverse sweep (`if (g === 0 && g2 === 0) continue`, not for vector
 * add/sub, sums and gathers), the second-order formulas (square: `g·2·x`; unary: `g2·d + (g === 0 ?
 * 0 : g·d2·ẋ)`; binary: binaryStep), broadcast operands of add/sub/mul summed in a scalar and added
 * after the loop, and the order of accumulation into the run's slot operands, which core's
 * `planAccumulation` checks (the interpreter's and the fused loop's orders; buffered where they
 * differ). The first-order adjoints follow core's q = 1 reverse rules in their accumulation modes
 * (per element / after the loop), so core's plan applies to both adjoint arrays.
 *
 * Kernels take the tape's data at call time — `B[n]`/`O[n]`: the buffer and offset of stream n
 * (a contiguous slot or constant range the run reads), `IXS[k]`: the index array of the k-th
 * gather — so one kernel serves every structurally identical tape. Slot numbers of the dot and
 * adjoint arrays are literals.
 */
import {
  type AccumulationPlan,
  binaryD,
  type Member,
  type Operand,
  type Run,
  unaryD,
  valueExpr,
} from '@wengert/core/internals';

/** A contiguous range of the slot store (0) or the constant store (1) a kernel reads. */
export interface Stream {
  readonly store: 0 | 1;
  readonly lo: number;
  readonly hi: number;
}

/** Generated source, its closure arguments, and what it reads. */
export interface HvpKernelSource {
  readonly names: string[];
  readonly values: unknown[];
  readonly body: string;
  readonly streams: Stream[];
  /** Instruction indices of the gathers whose index arrays the kernel reads (IXS order). */
  readonly gathers: number[];
}

/** Spec function by closure name: U{op}v/d/d2, B{op}v/a/b/c (c = d2). */
export type HvpSpecTable = (name: string) => unknown;

/** Thrown for a run the compiled HVP does not handle (the interpreter sweeps it). */
export class Unsupported extends Error {}

function specNames(m: Member): string[] {
  if (m.kind === 'sum' || m.kind === 'gather') return [];
  if (m.kind === 'unary') return [`U${m.op}v`, `U${m.op}d`, `U${m.op}d2`];
  return [`B${m.op}v`, `B${m.op}a`, `B${m.op}b`, `B${m.op}c`];
}

class Gen {
  readonly names: string[] = [];
  readonly values: unknown[] = [];
  readonly head: string[] = [];
  readonly pre: string[] = [];
  /** Values and tangents (declared at the top of the loop body, on first use). */
  readonly decl: string[] = [];
  readonly streams: Stream[] = [];
  readonly gathers: number[] = [];
  private readonly streamIx = new Map<string, number>();
  private readonly done = new Map<string, string>();
  private n = 0;

  constructor(
    readonly run: Run,
    specs: HvpSpecTable,
  ) {
    for (const m of run.members) {
      if (m.kind === 'unary' && m.a.kind === 'const') throw new Unsupported('unary of a constant');
      for (const nm of specNames(m)) this.closure(nm, specs(nm));
    }
  }

  closure(name: string, value: unknown): void {
    if (!this.names.includes(name)) {
      this.names.push(name);
      this.values.push(value);
    }
  }

  private stream(store: 0 | 1, lo: number, hi: number): number {
    const key = `${store}:${lo}:${hi}`;
    let k = this.streamIx.get(key);
    if (k === undefined) {
      k = this.streams.length;
      this.streams.push({ store, lo, hi });
      this.streamIx.set(key, k);
      this.head.push(`const b${k} = B[${k}];`, `const o${k} = O[${k}];`);
    }
    return k;
  }

  private once(key: string, make: () => string): string {
    let v = this.done.get(key);
    if (v === undefined) {
      v = make();
      this.done.set(key, v);
    }
    return v;
  }

  private fresh(prefix: string): string {
    return `${prefix}${this.n++}`;
  }

  /** Value of a slot or constant operand at element i (hoisted when broadcast). */
  private input(o: Operand): string {
    return this.once(`in:${o.kind}:${o.base}:${o.stride}`, () => {
      const k = this.stream(o.kind === 'const' ? 1 : 0, o.base, o.base + (o.stride ? this.run.L : 1));
      const v = this.fresh('x');
      if (o.stride === 0) this.pre.push(`const ${v} = b${k}[o${k}];`);
      else this.decl.push(`const ${v} = b${k}[o${k} + i];`);
      return v;
    });
  }

  operand(o: Operand): string {
    return o.kind === 'local' ? this.val(o.j) : this.input(o);
  }

  /** Gather member j's source index at element i. */
  index(j: number): string {
    return this.once(`ix:${j}`, () => {
      const k = this.gathers.length;
      this.gathers.push(this.run.members[j]!.instr);
      this.head.push(`const IX${k} = IXS[${k}];`);
      this.decl.push(`const ix${j} = IX${k}[i];`);
      return `ix${j}`;
    });
  }

  /** Member j's value at element i (the value sweep's formula: ops/kernels.ts via core's valueExpr). */
  val(j: number): string {
    return this.once(`v:${j}`, () => {
      const m = this.run.members[j]!;
      if (m.kind === 'sum') throw new Error('the sum has no per-element value');
      if (m.kind === 'gather') {
        const ix = this.index(j);
        const k = this.stream(0, m.a.base, m.a.base + m.a.srcLen!);
        this.decl.push(`const v${j} = b${k}[o${k} + ${ix}];`);
      } else {
        const A = this.operand(m.a);
        const B = m.b === undefined ? '' : this.operand(m.b);
        this.decl.push(`const v${j} = ${valueExpr(m, A, B)};`);
      }
      return `v${j}`;
    });
  }

  /** Tangent of an operand at element i, or undefined for a constant (tangent 0). */
  opTan(o: Operand): string | undefined {
    if (o.kind === 'const') return undefined;
    if (o.kind === 'local') return this.tan(o.j);
    return this.once(`dt:${o.base}:${o.stride}`, () => {
      const v = this.fresh('d');
      if (o.stride === 0) this.pre.push(`const ${v} = dot[${o.base}];`);
      else this.decl.push(`const ${v} = dot[${o.base} + i];`);
      return v;
    });
  }

  /** Binary member j's partial ∂/∂a or ∂/∂b from its spec (ops ≥ 67), at element i. */
  partial(j: number, which: 'a' | 'b'): string {
    return this.once(`p${which}:${j}`, () => {
      const m = this.run.members[j]!;
      const A = this.operand(m.a);
      const B = this.operand(m.b!);
      const y = this.val(j);
      this.decl.push(`const p${which}${j} = ${binaryD(m.op, which, A, B, y)};`);
      return `p${which}${j}`;
    });
  }

  /**
   * Member j's tangent at element i, as core's forward sweep with p = 1 (forwardExt): unary
   * `ta === 0 ? 0 : d·ta`; binary `s = 0; if (ta !== 0) s += pa·ta; if (tb !== 0) s += pb·tb`
   * (add/sub/mul with the partials 1, −1, b, a written out); a gather copies its source's tangent.
   */
  tan(j: number): string {
    return this.once(`t:${j}`, () => {
      const m = this.run.members[j]!;
      const t = `t${j}`;
      if (m.kind === 'sum') throw new Error('the sum has no per-element tangent');
      if (m.kind === 'gather') {
        const ix = this.index(j);
        this.decl.push(`const ${t} = dot[${m.a.base} + ${ix}];`);
        return t;
      }
      if (m.kind === 'unary') {
        const ta = this.opTan(m.a)!;
        const op = m.op;
        const d =
          op === 2
            ? unaryD(op, '', '')
            : op === 3
              ? unaryD(op, this.operand(m.a), '')
              : op === 6
                ? unaryD(op, '', this.val(j))
                : unaryD(op, this.operand(m.a), this.val(j));
        this.decl.push(`const e${j} = ${d};`, `const ${t} = ${ta} === 0 ? 0 : e${j} * ${ta};`);
        return t;
      }
      const op = m.op;
      const ta = this.opTan(m.a);
      const tb = this.opTan(m.b!);
      let termA: ((x: string) => string) | undefined;
      let termB: ((x: string) => string) | undefined;
      if (op === 64 || op === 65 || op === 66) {
        if (op === 66) {
          const Bv = ta !== undefined ? this.operand(m.b!) : '';
          const Av = tb !== undefined ? this.operand(m.a) : '';
          termA = (x) => `${Bv} * ${x}`;
          termB = (x) => `${Av} * ${x}`;
        } else {
          termA = (x) => x;
          termB = op === 65 ? (x) => `-${x}` : (x) => x;
        }
      } else {
        if (ta !== undefined) {
          const pa = this.partial(j, 'a');
          termA = (x) => `${pa} * ${x}`;
        }
        if (tb !== undefined) {
          const pb = this.partial(j, 'b');
          termB = (x) => `${pb} * ${x}`;
        }
      }
      this.decl.push(`let ${t} = 0;`);
      if (ta !== undefined) this.decl.push(`if (${ta} !== 0) ${t} += ${termA!(ta)};`);
      if (tb !== undefined) this.decl.push(`if (${tb} !== 0) ${t} += ${termB!(tb)};`);
      return t;
    });
  }

  source(L: number, loop: string[], post: string[], args: string): HvpKernelSource {
    const body = [
      '"use strict";',
      `return function (B, O, IXS, ${args}) {`,
      ...this.head,
      ...this.pre,
      `for (let i = 0; i < ${L}; i++) {`,
      ...this.decl,
      ...loop,
      '}',
      ...post,
      '};',
    ].join('\n');
    return { names: this.names, values: this.values, body, streams: this.streams, gathers: this.gathers };
  }
}

/** The forward kernel (dot): the tangents of the run's stored outputs, the closing sum's too. */
export function hvpForwardKernel(run: Run, specs: HvpSpecTable): HvpKernelSource {
  const g = new Gen(run, specs);
  const loop: string[] = [];
  const post: string[] = [];
  run.members.forEach((m, j) => {
    if (m.kind === 'sum') {
      // forwardExt OP_SUM (p = 1): s = 0; s += dot[xs + i], unconditionally.
      g.pre.push(`let s${j} = 0;`);
      loop.push(`s${j} += ${g.tan(m.a.j)};`);
      post.push(`dot[${m.out}] = s${j};`);
    } else if (m.stored) loop.push(`dot[${m.out} + i] = ${g.tan(j)};`);
  });
  return g.source(run.L, loop, post, 'dot');
}

/** How the interpreter's second-order step adds into a non-constant operand: per element or after. */
function modeOf(m: Member, o: Operand): 'loop' | 'final' {
  if (m.kind === 'binary' && (m.op === 64 || m.op === 65 || m.op === 66)) return o.stride === 1 ? 'loop' : 'final';
  return 'loop';
}

/**
 * The second-order reverse kernel (dot, adj, adj2), clearing as it goes (secondOrderReverse with
 * `clear`): stored outputs' adjoints are read once and zeroed.
 */
export function hvpReverseKernel(run: Run, specs: HvpSpecTable, plan: AccumulationPlan): HvpKernelSource {
  const g = new Gen(run, specs);
  const ms = run.members;
  const L = run.L;
  const adjDecl: string[] = [];
  const body: string[] = [];
  const postPer: string[][] = ms.map(() => []);
  const useOf = new Map<string, number>();
  plan.uses.forEach((u, n) => {
    useOf.set(`${u.j}:${u.o}`, n);
  });
  // Adjoint locals: (g{j}, h{j}) = (x̄, x̄') of member j at element i; from the arrays when stored.
  ms.forEach((m, j) => {
    if (m.kind === 'sum') {
      g.pre.push(`const g${j} = adj[${m.out}];`, `const h${j} = adj2[${m.out}];`);
      g.pre.push(`adj[${m.out}] = 0;`, `adj2[${m.out}] = 0;`);
      return;
    }
    if (m.stored) {
      adjDecl.push(`let g${j} = adj[${m.out} + i];`, `let h${j} = adj2[${m.out} + i];`);
      adjDecl.push(`adj[${m.out} + i] = 0;`, `adj2[${m.out} + i] = 0;`);
    } else adjDecl.push(`let g${j} = 0;`, `let h${j} = 0;`);
  });
  for (let j = ms.length - 1; j >= 0; j--) {
    const m = ms[j]!;
    const G = `g${j}`;
    const H = `h${j}`;
    /** Contributions (c to x̄, c2 to x̄') per operand, a then b; `skip`: the zero-adjoint rule. */
    const contrib: [Operand, 0 | 1, string, string][] = [];
    let skip = true;
    let inner: string[] = [];
    if (m.kind === 'sum') {
      // extStep OP_SUM: route(out, ea + i) for every i (no zero test).
      skip = false;
      contrib.push([m.a, 0, G, H]);
    } else if (m.kind === 'gather') {
      // extStep OP_GATHER: route(out + i, ea + ix[i]) (no zero test).
      skip = false;
      contrib.push([m.a, 0, G, H]);
    } else if (m.kind === 'unary') {
      const ta = g.opTan(m.a)!;
      const x = g.operand(m.a);
      if (m.op === 3) {
        // extStep square: adj += g·2·x; adj2 += g2·2·x + g·2·ẋ.
        contrib.push([m.a, 0, `${G} * 2 * ${x}`, `${H} * 2 * ${x} + ${G} * 2 * ${ta}`]);
      } else {
        // extStep unary: d = spec.d(x, y); adj += g·d; adj2 += g2·d + (g === 0 ? 0 : g·d2·ẋ).
        const y = g.val(j);
        inner = [`const q${j} = U${m.op}d(${x}, ${y});`];
        contrib.push([
          m.a,
          0,
          `${G} * q${j}`,
          `${H} * q${j} + (${G} === 0 ? 0 : ${G} * U${m.op}d2(${x}, ${y}) * ${ta})`,
        ]);
      }
    } else {
      const op = m.op;
      const b = m.b!;
      const aC = m.a.kind === 'const';
      const bC = b.kind === 'const';
      if (op === 64 || op === 65 || op === 66) {
        // vectorFastPath: vector ∘ vector add/sub without the zero test; everything else with it.
        const vv = !aC && !bC && m.a.stride === 1 && b.stride === 1;
        const neg = op === 65 ? '-' : '';
        if (op === 66) {
          const A = g.operand(m.a);
          const Bv = g.operand(b);
          const ta = aC ? '0' : g.opTan(m.a)!;
          const tb = bC ? '0' : g.opTan(b)!;
          if (!aC) contrib.push([m.a, 0, `${G} * ${Bv}`, `${H} * ${Bv} + ${G} * ${tb}`]);
          if (!bC) contrib.push([b, 1, `${G} * ${A}`, `${H} * ${A} + ${G} * ${ta}`]);
        } else {
          skip = !vv;
          if (!aC) contrib.push([m.a, 0, G, H]);
          if (!bC) contrib.push([b, 1, `${neg}${G}`, `${neg}${H}`]);
        }
      } else {
        // binaryStep: pa, pb from the spec; the second partials only when g ≠ 0 and a tangent ≠ 0.
        const ta = aC ? '0' : g.opTan(m.a)!;
        const tb = bC ? '0' : g.opTan(b)!;
        const A = g.operand(m.a);
        const Bv = g.operand(b);
        const y = g.val(j);
        const pa = aC ? '' : g.partial(j, 'a');
        const pb = bC ? '' : g.partial(j, 'b');
        inner = [
          ...(aC ? [] : [`let ra${j};`]),
          ...(bC ? [] : [`let rb${j};`]),
          `if (${G} === 0 || (${ta} === 0 && ${tb} === 0)) {`,
          ...(aC ? [] : [`ra${j} = ${H} * ${pa};`]),
          ...(bC ? [] : [`rb${j} = ${H} * ${pb};`]),
          '} else {',
          `const c${j} = B${op}c(${A}, ${Bv}, ${y});`,
          ...(aC ? [] : [`ra${j} = ${H} * ${pa} + ${G} * (c${j}[0] * ${ta} + c${j}[1] * ${tb});`]),
          ...(bC ? [] : [`rb${j} = ${H} * ${pb} + ${G} * (c${j}[1] * ${ta} + c${j}[2] * ${tb});`]),
          '}',
        ];
        if (!aC) contrib.push([m.a, 0, `${G} * ${pa}`, `ra${j}`]);
        if (!bC) contrib.push([b, 1, `${G} * ${pb}`, `rb${j}`]);
      }
    }
    const stmts: string[] = [...inner];
    const skipped: string[] = [];
    const bufLoop: string[] = [];
    const finals: string[] = [];
    for (const [o, which, c, c2] of contrib) {
      if (o.kind === 'local') {
        stmts.push(`g${o.j} += ${c};`, `h${o.j} += ${c2};`);
        continue;
      }
      if (o.kind === 'const') continue;
      const n = useOf.get(`${j}:${which}`);
      const mode = m.kind === 'gather' ? 'loop' : modeOf(m, o);
      if (n === undefined || plan.uses[n]!.mode !== mode) throw new Unsupported('accumulation plan mismatch');
      const buffered = plan.buffered[n]!;
      if (o.kind === 'gather') {
        if (buffered) {
          g.closure(`BA${n}`, new Float64Array(L));
          g.closure(`BH${n}`, new Float64Array(L));
          const ix = g.index(j);
          void ix;
          stmts.push(`BA${n}[i] = ${c};`, `BH${n}[i] = ${c2};`);
          const k = g.gathers.indexOf(m.instr);
          bufLoop.push(
            `const gq${n} = ${o.base} + IX${k}[i];`,
            `adj[gq${n}] += BA${n}[i];`,
            `adj2[gq${n}] += BH${n}[i];`,
          );
        } else {
          const ix = g.index(j);
          stmts.push(`adj[${o.base} + ${ix}] += ${c};`, `adj2[${o.base} + ${ix}] += ${c2};`);
        }
        continue;
      }
      if (mode === 'final') {
        g.pre.push(`let fa${n} = 0;`, `let fh${n} = 0;`);
        stmts.push(`fa${n} += ${c};`, `fh${n} += ${c2};`);
        finals.push(`adj[${o.base}] += fa${n};`, `adj2[${o.base}] += fh${n};`);
        continue;
      }
      const at = o.stride === 1 ? `${o.base} + i` : `${o.base}`;
      if (buffered) {
        // Skipped contributions are stored as −0: adding −0 changes nothing.
        g.closure(`BA${n}`, new Float64Array(L));
        g.closure(`BH${n}`, new Float64Array(L));
        stmts.push(`BA${n}[i] = ${c};`, `BH${n}[i] = ${c2};`);
        skipped.push(`BA${n}[i] = -0;`, `BH${n}[i] = -0;`);
        bufLoop.push(`adj[${at}] += BA${n}[i];`, `adj2[${at}] += BH${n}[i];`);
      } else stmts.push(`adj[${at}] += ${c};`, `adj2[${at}] += ${c2};`);
    }
    if (skip) {
      body.push(`if (${G} !== 0 || ${H} !== 0) {`, ...stmts, '}');
      if (skipped.length > 0) body.push('else {', ...skipped, '}');
    } else body.push(...stmts);
    if (bufLoop.length > 0) postPer[j]!.push(`for (let i = 0; i < ${L}; i++) {`, ...bufLoop, '}');
    postPer[j]!.push(...finals);
  }
  const post: string[] = [];
  for (let j = ms.length - 1; j >= 0; j--) post.push(...postPer[j]!);
  return g.source(L, [...adjDecl, ...body], post, 'dot, adj, adj2');
}
