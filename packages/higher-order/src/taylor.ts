/**
 * Univariate Taylor mode: the coefficients y_0 … y_K of t ↦ f(x + t v), propagated through the
 * recorded tape. Every op gets its Taylor rule from its op spec, without a hand-written recurrence
 * per op: for y = φ(x) with derivative u = φ'(x) (the spec's differentiable `dGeneric`, itself
 * evaluated on Taylor series),
 *
 *   y_0 = φ(x_0),   k·y_k = Σ_{j=1..k} j · x_j · u_{k−j}        (binary ops: both partials)
 *
 * which is the classical derivation of Taylor recurrences (Griewank & Walther, *Evaluating
 * Derivatives*, 2nd ed., ch. 13.2): y' = φ'(x) x', compared coefficient by coefficient. The series
 * of u only needs orders below k, so coefficients are generated lazily, order by order, and even
 * self-referencing rules (exp: u = y) are well founded. Products and quotients use the direct
 * Cauchy recurrences.
 */
import { MissingRuleError, ShapeError, type Value } from '@wengert/core';
import {
  A_CONST,
  argExtreme,
  B_CONST,
  BCAST_A,
  BCAST_B,
  BCAST_C,
  binarySpec,
  describeValue,
  E_A,
  E_AUX,
  E_B,
  E_C,
  EXT,
  type Instr,
  listInstructions,
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
  recordCall,
  type Tape,
  unarySpec,
} from '@wengert/core/internals';

/** A truncated Taylor series whose coefficients are generated on demand, in order, and memoized. */
export class Series {
  private readonly c: number[] = [];
  private readonly gen: (k: number) => number;
  constructor(gen: (k: number) => number) {
    this.gen = gen;
  }
  /** Coefficient k (generating 0 … k if needed). */
  coef(k: number): number {
    while (this.c.length <= k) this.c.push(this.gen(this.c.length));
    return this.c[k]!;
  }
}

type S = Series | number;
const coef = (a: S, k: number): number => (typeof a === 'number' ? (k === 0 ? a : 0) : a.coef(k));
const value0 = (a: S): number => coef(a, 0);

/** y with y_0 = φ(x_0) and k y_k = Σ j x_j u_{k−j}, u = φ'(x) as a series. */
function fromDerivative(y0: number, parts: readonly [S, () => S][]): Series {
  let us: S[] | undefined;
  const y: Series = new Series((k) => {
    if (k === 0) return y0;
    us ??= parts.map(([, u]) => u());
    let s = 0;
    parts.forEach(([x], i) => {
      const u = us![i]!;
      for (let j = 1; j <= k; j++) {
        const xj = coef(x, j);
        if (xj !== 0) s += j * xj * coef(u, k - j);
      }
    });
    return s / k;
  });
  return y;
}

/** The generic ops on series (what op specs' `dGeneric` rules call). */
export const TaylorOps = {
  add: (a: S, b: S): S =>
    typeof a === 'number' && typeof b === 'number' ? a + b : new Series((k) => coef(a, k) + coef(b, k)),
  sub: (a: S, b: S): S =>
    typeof a === 'number' && typeof b === 'number' ? a - b : new Series((k) => coef(a, k) - coef(b, k)),
  neg: (a: S): S => (typeof a === 'number' ? -a : new Series((k) => -coef(a, k))),
  mul: (a: S, b: S): S => {
    if (typeof a === 'number' && typeof b === 'number') return a * b;
    if (typeof a === 'number') return new Series((k) => a * coef(b, k));
    if (typeof b === 'number') return new Series((k) => coef(a, k) * b);
    return new Series((k) => {
      let s = 0;
      for (let j = 0; j <= k; j++) s += coef(a, j) * coef(b, k - j);
      return s;
    });
  },
  div: (a: S, b: S): S => {
    if (typeof b === 'number') return typeof a === 'number' ? a / b : new Series((k) => coef(a, k) / b);
    const y: Series = new Series((k) => {
      let s = coef(a, k);
      for (let j = 1; j <= k; j++) s -= coef(b, j) * y.coef(k - j);
      return s / coef(b, 0);
    });
    return y;
  },
};

/** Applies unary op code to a series through its spec. */
function unary(op: number, x: S): S {
  const spec = unarySpec(op);
  if (typeof x === 'number') return spec.value(x);
  const y0 = spec.value(x.coef(0));
  // u = φ'(x) may refer to y itself (exp): it is built lazily, after y exists.
  const y: Series = fromDerivative(y0, [[x, () => spec.dGeneric(G as never, x as never, y as never) as unknown as S]]);
  return y;
}

/** Applies binary op code to series through its spec (products and quotients directly). */
function binary(op: number, a: S, b: S): S {
  const spec = binarySpec(op);
  switch (spec.name) {
    case 'add':
      return TaylorOps.add(a, b);
    case 'sub':
      return TaylorOps.sub(a, b);
    case 'mul':
      return TaylorOps.mul(a, b);
    case 'div':
      return TaylorOps.div(a, b);
  }
  if (typeof a === 'number' && typeof b === 'number') return spec.value(a, b);
  const y0 = spec.value(value0(a), value0(b));
  let pair: readonly [S, S] | undefined;
  const partials = (): readonly [S, S] => {
    pair ??= spec.dGeneric(G as never, a as never, b as never, y as never) as unknown as readonly [S, S];
    return pair;
  };
  const y: Series = fromDerivative(y0, [
    [a, () => partials()[0]],
    [b, () => partials()[1]],
  ]);
  return y;
}

/** The full op set on series, as op specs' `dGeneric` rules see it (comparisons by order-0 values). */
const G: Record<string, (...args: S[]) => S> = {
  ...TaylorOps,
  square: (a) => TaylorOps.mul(a, a),
  reciprocal: (a) => TaylorOps.div(1, a),
  pow: (a, b) => binary(BINARY_OP.pow, a, b),
  hypot: (a, b) => binary(BINARY_OP.hypot, a, b),
  less: (a, b) => (value0(a) < value0(b) ? 1 : 0),
  lessEqual: (a, b) => (value0(a) <= value0(b) ? 1 : 0),
  greater: (a, b) => (value0(a) > value0(b) ? 1 : 0),
  greaterEqual: (a, b) => (value0(a) >= value0(b) ? 1 : 0),
  equal: (a, b) => (value0(a) === value0(b) ? 1 : 0),
};
const BINARY_OP: Record<string, number> = {};
for (const name of [
  'sqrt',
  'cbrt',
  'exp',
  'log',
  'sin',
  'cos',
  'tan',
  'sinh',
  'cosh',
  'tanh',
  'abs',
  'sign',
  'sigmoid',
]) {
  G[name] = (a) => unary(UNARY_OP(name), a);
}
function UNARY_OP(name: string): number {
  for (let op = 2; op < 64; op++) if (unarySpec(op)?.name === name) return op;
  throw new Error(`taylor: unknown unary op ${name}`);
}
for (let op = 64; op < 128; op++) {
  const spec = binarySpec(op);
  if (spec !== undefined) BINARY_OP[spec.name] = op;
}

type TV = S | S[];

/** Evaluates the tape on series: inputs[k] is the series (or series vector) of input k. */
function evaluate(t: Tape, inputs: readonly TV[]): { vals: TV[]; ins: Instr[] } {
  const ins = listInstructions(t);
  const outs = Int32Array.from(ins, (x) => x.out);
  const vals: TV[] = new Array(ins.length);
  const producer = (s: number): number => {
    let lo = 0;
    let hi = outs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (outs[mid]! <= s) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const scalar = (s: number): S => {
    const k = producer(s);
    const v = vals[k]!;
    return ins[k]!.len === 0 ? (v as S) : (v as S[])[s - ins[k]!.out]!;
  };
  const run = (s: number, n: number): S[] => {
    const k = producer(s);
    const v = vals[k]! as S[];
    const o = s - ins[k]!.out;
    return v.slice(o, o + n);
  };
  const operand = (code: number, flag: number, idx: number, n: number, bcast: boolean): S | S[] => {
    if (code & flag) return bcast || n === 0 ? t.consts.read(idx) : Array.from(t.consts.copyRun(idx, n));
    return bcast || n === 0 ? scalar(idx) : run(idx, n);
  };
  const at = (v: S | S[], i: number): S => (Array.isArray(v) ? v[i]! : v);
  for (let k = 0; k < ins.length; k++) {
    const x = ins[k]!;
    const code = x.code;
    const op = code & 0xff;
    if (!(code & EXT)) {
      if (op === OP_INPUT) vals[k] = inputs[x.a]! as S;
      else if (op < 64) vals[k] = unary(op, scalar(x.a));
      else vals[k] = binary(op, operand(code, A_CONST, x.a, 0, true) as S, operand(code, B_CONST, x.b, 0, true) as S);
      continue;
    }
    const r = x.a;
    const n = x.len;
    const ea = t.extGet(r, E_A);
    const eb = t.extGet(r, E_B);
    const aux = t.extGet(r, E_AUX);
    if (op < 64) {
      vals[k] = run(ea, n).map((v) => unary(op, v));
      continue;
    }
    if (op < 128) {
      const A = operand(code, A_CONST, ea, n, (aux & BCAST_A) !== 0);
      const B = operand(code, B_CONST, eb, n, (aux & BCAST_B) !== 0);
      vals[k] = Array.from({ length: n }, (_, i) => binary(op, at(A, i), at(B, i)));
      continue;
    }
    switch (op) {
      case OP_INPUT_RUN:
        vals[k] = inputs[aux]! as S[];
        break;
      case OP_CONST_RUN:
        vals[k] = Array.from(t.slots.copyRun(x.out, n));
        break;
      case OP_SELECT: {
        const ec = t.extGet(r, E_C);
        const len = n || 1;
        const M = aux & BCAST_C || n === 0 ? scalar(ec) : run(ec, n);
        const A = operand(code, A_CONST, ea, n, (aux & BCAST_A) !== 0);
        const B = operand(code, B_CONST, eb, n, (aux & BCAST_B) !== 0);
        const res = Array.from({ length: len }, (_, i) => (value0(at(M, i)) !== 0 ? at(A, i) : at(B, i)));
        vals[k] = n === 0 ? res[0]! : res;
        break;
      }
      case OP_SUM:
        vals[k] = run(ea, eb).reduce((s: S, v) => TaylorOps.add(s, v), 0);
        break;
      case OP_PROD:
        vals[k] = run(ea, eb).reduce((s: S, v) => TaylorOps.mul(s, v), 1);
        break;
      case OP_RMAX:
      case OP_RMIN: {
        const v = run(ea, eb);
        vals[k] = v[argExtreme(Float64Array.from(v, value0), 0, v.length, op === OP_RMAX)]!;
        break;
      }
      case OP_DOT: {
        const m = t.extGet(r, E_C);
        const a = run(ea, m);
        const b = run(eb, m);
        vals[k] = a.reduce((s: S, v, i) => TaylorOps.add(s, TaylorOps.mul(v, b[i]!)), 0);
        break;
      }
      case OP_GATHER: {
        const src = run(ea, eb);
        vals[k] = Array.from(t.indexArrays[aux]!, (j) => src[j]!);
        break;
      }
      case OP_SCATTER_ADD: {
        const src = run(ea, eb);
        const res: S[] = new Array(n).fill(0);
        t.indexArrays[aux]!.forEach((j, i) => {
          res[j] = TaylorOps.add(res[j]!, src[i]!);
        });
        vals[k] = res;
        break;
      }
      case OP_CONCAT: {
        const list = t.lists[aux]!;
        const res: S[] = [];
        for (let i = 0; i < list.length; i += 2) {
          if (list[i + 1] === 0) res.push(scalar(list[i]!));
          else res.push(...run(list[i]!, list[i + 1]!));
        }
        vals[k] = res;
        break;
      }
      case OP_ATOMIC:
        throw new MissingRuleError(t.atomics[aux]!.def.name, 'Taylor');
      default:
        throw new Error(`taylor: unexpected ${opName(op)}`);
    }
  }
  return { vals, ins };
}

/**
 * Taylor coefficients y_0 … y_K of t ↦ f(x + t v) (y_k = f^(k)/k! along v). f is written with
 * Wengert's functions; x and v are numbers or Float64Arrays of one length. Returns a Float64Array of
 * K + 1 coefficients for a scalar f, an array of them (one per output) for a vector f.
 */
export function taylor(
  f: (x: never) => Value | readonly Value[],
  x: number | Float64Array,
  v: number | Float64Array,
  K: number,
): Float64Array | Float64Array[] {
  const who = 'taylor';
  if (!(Number.isInteger(K) && K >= 0)) throw new ShapeError(`${who}: K`, 'an integer ≥ 0', describeValue(K));
  const n = typeof x === 'number' ? 1 : x.length;
  const vv = typeof v === 'number' ? Float64Array.of(v) : v;
  if (!(vv instanceof Float64Array) || vv.length !== n) {
    throw new ShapeError(`${who}: v`, `a direction with the shape of x (length ${n})`, describeValue(v));
  }
  const rec = recordCall(f, x, [], who);
  try {
    const t = rec.tape;
    const inputs: TV[] = t.inputs.map((info) => {
      const base = info.len === 0 ? Float64Array.of(t.read(info.slot)) : t.readRun(info.slot, info.len);
      const dir = info.slot === rec.inSlot ? vv : new Float64Array(base.length);
      const series = Array.from(base, (b, i) => new Series((k) => (k === 0 ? b : k === 1 ? dir[i]! : 0)));
      return info.len === 0 ? series[0]! : series;
    });
    const { vals, ins } = evaluate(t, inputs);
    const producer = (s: number) => ins.findIndex((x) => s >= x.out && s < x.out + (x.len || 1));
    const read = (s: number): S => {
      if (s < 0) return 0;
      const k = producer(s);
      const val = vals[k]!;
      return ins[k]!.len === 0 ? (val as S) : (val as S[])[s - ins[k]!.out]!;
    };
    const coefficients = (s: S): Float64Array => Float64Array.from({ length: K + 1 }, (_, k) => coef(s, k));
    const outs = Array.from({ length: rec.outRun?.len ?? rec.outSlots.length }, (_, i) =>
      rec.outRun !== undefined ? rec.outRun.slot + i : rec.outSlots[i]!,
    );
    const series = outs.map((s, i) => (s < 0 ? rec.outConsts[i]! : read(s)));
    if (rec.outScalar) return coefficients(series[0]!);
    return series.map(coefficients);
  } finally {
    rec.tape.recycle();
  }
}
