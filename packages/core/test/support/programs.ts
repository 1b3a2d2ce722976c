/**
 * Random straight-line programs over the public API (used by sweeps.prop.test.ts; importable from
 * a script to replay a counterexample).
 *
 * A program is a list of steps over an active input vector: scalar ops on elements (`x.at(i)`),
 * vector ops on slices, broadcasts with active scalars and constants, reductions, gathers and
 * scatter-adds, concatenations, masked selects, clamps and recorded comparisons
 * (`lt(a, b) ? … : …`). Every op is used on a safe domain (log of 1 + v², sqrt of 0.5 + v² …). The
 * interpreter records a trace: the smallest distance of any operand to a kink or jump of its op
 * (for finite differences), the largest magnitude, and the branches and selects used.
 */
import fc from 'fast-check';
import {
  Active,
  ActiveVec,
  abs,
  acos,
  acosh,
  add,
  asin,
  asinh,
  atan,
  atan2,
  atanh,
  cbrt,
  clamp,
  concat,
  cos,
  cosh,
  div,
  dot,
  erf,
  erfc,
  exp,
  expm1,
  floor,
  gather,
  greater,
  greaterEqual,
  hypot,
  less,
  lessEqual,
  log,
  log1p,
  log2,
  log10,
  lt,
  max,
  maxOf,
  min,
  minOf,
  mul,
  neg,
  normalCdf,
  normalInv,
  pow,
  prod,
  type Real,
  reciprocal,
  scatterAdd,
  select,
  sigmoid,
  sign,
  sin,
  sinh,
  softplus,
  sqrt,
  square,
  sub,
  sum,
  tan,
  tanh,
  type Value,
  type Vec,
} from '../../src/index.js';
import { maxAbs } from './numeric.js';

// ---------------------------------------------------------------------------------------------
// Op catalogue (each entry works on scalars and vectors alike)
// ---------------------------------------------------------------------------------------------

export type Num = number | Float64Array;
/** Distance of an operand value to the op's nearest kink or jump (Infinity: smooth everywhere). */
export type Kink1 = (x: number) => number;
export type Kink2 = (a: number, b: number) => number;

export interface UnaryEntry {
  readonly name: string;
  readonly f: (v: Value) => Value;
  readonly kink?: Kink1;
}
export interface BinaryEntry {
  readonly name: string;
  readonly f: (a: Value, b: Value) => Value;
  readonly kink?: Kink2;
  /** Ops whose partials grow like 1/r near the origin: the distance r (conditioning, not smoothness). */
  readonly singular?: boolean;
}

const U = (name: string, f: (v: Value) => Value, kink?: Kink1): UnaryEntry => (kink ? { name, f, kink } : { name, f });
const B = (name: string, f: (a: Value, b: Value) => Value, kink?: Kink2, singular = false): BinaryEntry =>
  kink ? { name, f, kink, singular } : { name, f };

const distToInteger = (x: number) => Math.abs(x - Math.round(x));

/** Unary ops restricted to safe domains (the inner transformation maps ℝ into the op's domain). */
export const UNARY: readonly UnaryEntry[] = [
  U('neg', (v) => neg(v)),
  U('square', (v) => square(v)),
  U('sin', (v) => sin(v)),
  U('cos', (v) => cos(v)),
  U('tanh', (v) => tanh(v)),
  U('atan', (v) => atan(v)),
  U('sigmoid', (v) => sigmoid(v)),
  U('softplus', (v) => softplus(v)),
  U('asinh', (v) => asinh(v)),
  U('erf', (v) => erf(v)),
  U('erfc', (v) => erfc(v)),
  U('normalCdf', (v) => normalCdf(v)),
  U('exp∘sin', (v) => exp(sin(v))),
  U('expm1∘sin', (v) => expm1(sin(v))),
  U('log(1+v²)', (v) => log(add(1, square(v)))),
  U('log1p(v²)', (v) => log1p(square(v))),
  U('log2(1+v²)', (v) => log2(add(1, square(v)))),
  U('log10(1+v²)', (v) => log10(add(1, square(v)))),
  U('sqrt(0.5+v²)', (v) => sqrt(add(0.5, square(v)))),
  U('cbrt(0.5+v²)', (v) => cbrt(add(0.5, square(v)))),
  U('1/(1+v²)', (v) => reciprocal(add(1, square(v)))),
  U('tan(1.2 tanh v)', (v) => tan(mul(1.2, tanh(v)))),
  U('asin(0.9 tanh v)', (v) => asin(mul(0.9, tanh(v)))),
  U('acos(0.9 tanh v)', (v) => acos(mul(0.9, tanh(v)))),
  U('atanh(0.9 tanh v)', (v) => atanh(mul(0.9, tanh(v)))),
  U('acosh(1.1+v²)', (v) => acosh(add(1.1, square(v)))),
  U('sinh∘sin', (v) => sinh(sin(v))),
  U('cosh∘sin', (v) => cosh(sin(v))),
  U('normalInv(0.05+0.9σ)', (v) => normalInv(add(0.05, mul(0.9, sigmoid(v))))),
  U(
    'abs',
    (v) => abs(v),
    (x) => Math.abs(x),
  ),
  U(
    'sign·v',
    (v) => mul(sign(v), v),
    (x) => Math.abs(x),
  ),
  U(
    'floor(3v)+v',
    (v) => add(floor(mul(3, v)), v),
    (x) => distToInteger(3 * x) / 3,
  ),
];

/** Binary ops restricted to safe domains. */
export const BINARY: readonly BinaryEntry[] = [
  B('add', (a, b) => add(a, b)),
  B('sub', (a, b) => sub(a, b)),
  B('mul', (a, b) => mul(a, b)),
  B('a/(1+b²)', (a, b) => div(a, add(1, square(b)))),
  B('(0.5+a²)^(2 tanh b)', (a, b) => pow(add(0.5, square(a)), mul(2, tanh(b)))),
  B('a^3+b', (a, b) => add(pow(a, 3), b)),
  B(
    'atan2',
    (a, b) => atan2(a, b),
    (a, b) => (b < 0 ? Math.abs(a) : Math.hypot(a, b)),
    true,
  ),
  B(
    'hypot',
    (a, b) => hypot(a, b),
    (a, b) => Math.hypot(a, b),
    true,
  ),
  B(
    'min',
    (a, b) => min(a, b),
    (a, b) => Math.abs(a - b),
  ),
  B(
    'max',
    (a, b) => max(a, b),
    (a, b) => Math.abs(a - b),
  ),
];

/**
 * BINARY with the integer power (pow(a, 3) on bases of any sign) written as a·a² instead: same
 * values and derivatives, without pow's `log a` term (see the pow-on-negative-base bug in the
 * nested-sweep properties).
 */
export const BINARY_NO_NEG_POW: readonly BinaryEntry[] = BINARY.map((e) =>
  e.name === 'a^3+b' ? B('a·a²+b', (a, b) => add(mul(a, square(a)), b)) : e,
);

const MASKS = [less, lessEqual, greater, greaterEqual] as const;

// ---------------------------------------------------------------------------------------------
// Programs
// ---------------------------------------------------------------------------------------------

export interface Step {
  readonly k: number;
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly d: number;
  readonly idx: readonly number[];
  readonly cst: number;
}

export interface Program {
  readonly n: number;
  readonly steps: readonly Step[];
  readonly outs: readonly number[];
  readonly outKind: number;
  readonly x0: Float64Array;
  readonly x1: Float64Array;
  readonly u: Float64Array;
  readonly v: Float64Array;
}

/** What a run observed: kink distances, magnitudes and which constructs it used. */
export interface Trace {
  /** Smallest distance of an operand to a kink or jump of its op (finite differences need room). */
  margin: number;
  /**
   * Smallest distance to the origin at which atan2 or hypot was evaluated: their partials grow like
   * 1/r, and sums of such terms that cancel lose digits (ill-conditioning, not a bug).
   */
  singular: number;
  maxMag: number;
  branches: number;
  selects: number;
}

const KINDS = 14;

/**
 * Numbers on a 2⁻²⁰ grid in [lo, hi]: fast-check's double generator favours subnormals and extreme
 * exponents, which make relative measures meaningless (every product underflows).
 */
export const smallDouble = (lo: number, hi: number) =>
  fc.integer({ min: Math.ceil(lo * 2 ** 20), max: Math.floor(hi * 2 ** 20) }).map((i) => i / 2 ** 20);

export const stepArb: fc.Arbitrary<Step> = fc.record({
  k: fc.nat(KINDS - 1),
  a: fc.nat(1 << 20),
  b: fc.nat(1 << 20),
  c: fc.nat(1 << 20),
  d: fc.nat(1 << 20),
  idx: fc.array(fc.nat(64), { minLength: 1, maxLength: 6 }),
  cst: smallDouble(-2, 2),
});

export const programArb: fc.Arbitrary<Program> = fc.integer({ min: 3, max: 6 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    steps: fc.array(stepArb, { minLength: 5, maxLength: 40 }),
    outs: fc.array(fc.nat(1 << 20), { minLength: 1, maxLength: 4 }),
    outKind: fc.nat(2),
    x0: fc.array(smallDouble(-1.5, 1.5), { minLength: n, maxLength: n }).map((a) => Float64Array.from(a)),
    x1: fc.array(smallDouble(-1.5, 1.5), { minLength: n, maxLength: n }).map((a) => Float64Array.from(a)),
    u: fc.array(smallDouble(-1, 1), { minLength: 4, maxLength: 4 }).map((a) => Float64Array.from(a)),
    v: fc.array(smallDouble(-1, 1), { minLength: n, maxLength: n }).map((a) => Float64Array.from(a)),
  }),
);

export function numOf(v: Value): Num {
  if (v instanceof Active || v instanceof ActiveVec) return v.value;
  return v;
}

/** Calls k(a_i, b_i) over broadcast operand values and returns the smallest result. */
export function minOver(a: Num, b: Num, k: Kink2): number {
  const n = Math.max(typeof a === 'number' ? 1 : a.length, typeof b === 'number' ? 1 : b.length);
  let m = Infinity;
  for (let i = 0; i < n; i++) {
    const ai = typeof a === 'number' ? a : a[i]!;
    const bi = typeof b === 'number' ? b : b[i]!;
    m = Math.min(m, k(ai, bi));
  }
  return m;
}

/** Notes a binary op's kink distance and (for atan2, hypot) its distance to the singular origin. */
export function binaryTrace(tr: Trace, op: BinaryEntry, a: Value, b: Value): void {
  if (op.kink) tr.margin = Math.min(tr.margin, minOver(numOf(a), numOf(b), op.kink));
  if (op.singular) tr.singular = Math.min(tr.singular, minOver(numOf(a), numOf(b), Math.hypot));
}

function gapTop2(x: Float64Array, isMax: boolean): number {
  if (x.length < 2) return Infinity;
  const s = Array.from(x).sort((p, q) => (isMax ? q - p : p - q));
  return Math.abs(s[0]! - s[1]!);
}

/**
 * Runs a program on x (an active vector, or anything `at`/`slice` work on) and returns its output.
 * The trace records the kink margin (smallest distance of an operand to a kink), the largest
 * magnitude, and the branches and selects used.
 */
export interface RunOptions {
  /** Return every intermediate value (the input included), flattened, instead of the outputs. */
  readonly all?: boolean;
  /** The binary-op catalogue (default BINARY; same length so programs pick the same slots). */
  readonly binary?: readonly BinaryEntry[];
}

export function runProgram(
  p: Program,
  x: ActiveVec,
  tr: Trace,
  { all = false, binary = BINARY }: RunOptions = {},
): Vec | readonly Real[] {
  const pool: (Active | ActiveVec)[] = [x];
  const note = (v: Value): void => {
    const val = numOf(v);
    tr.maxMag = Math.max(tr.maxMag, typeof val === 'number' ? Math.abs(val) : maxAbs(val));
    if (typeof val === 'number' ? !Number.isFinite(val) : val.some((e) => !Number.isFinite(e))) tr.maxMag = Infinity;
  };
  const push = (v: Value): void => {
    if (!(v instanceof Active || v instanceof ActiveVec)) throw new Error(`program step produced a constant ${v}`);
    note(v);
    pool.push(v);
  };
  const vectors = () => pool.filter((v): v is ActiveVec => v instanceof ActiveVec);
  /** Recent values are preferred so that programs are deep rather than wide. */
  const pickAny = (r: number): Active | ActiveVec => {
    const w = Math.min(pool.length, 6);
    return r % 2 === 0 ? pool[pool.length - 1 - ((r >>> 1) % w)]! : pool[(r >>> 1) % pool.length]!;
  };
  const pickScalar = (r: number): Active => {
    const v = pickAny(r);
    return v instanceof Active ? v : v.at((r >>> 4) % v.length);
  };
  const pickVector = (r: number): ActiveVec => {
    const vs = vectors();
    const w = Math.min(vs.length, 4);
    return r % 2 === 0 ? vs[vs.length - 1 - ((r >>> 1) % w)]! : vs[(r >>> 1) % vs.length]!;
  };
  /** A vector of length n derived from a pool vector (a slice view, or a gather when too short). */
  const vectorOfLength = (r: number, n: number): Vec => {
    const w = pickVector(r);
    if (w.length === n) return w;
    if (w.length > n) {
      const s = (r >>> 3) % (w.length - n + 1);
      return w.slice(s, s + n);
    }
    return gather(
      w,
      Array.from({ length: n }, (_, i) => (i + (r >>> 3)) % w.length),
    );
  };
  const constVec = (n: number, c: number) => Float64Array.from({ length: n }, (_, i) => c + 0.25 * i);

  for (const s of p.steps) {
    switch (s.k) {
      case 0: {
        // element view
        const v = pickVector(s.a);
        pool.push(v.at(s.b % v.length));
        break;
      }
      case 1: {
        // slice view
        const v = pickVector(s.a);
        if (v.length < 2) break;
        const start = s.b % v.length;
        const end = start + 1 + (s.c % (v.length - start));
        pool.push(v.slice(start, end));
        break;
      }
      case 2: {
        const op = UNARY[s.b % UNARY.length]!;
        const x0 = pickScalar(s.a);
        if (op.kink) tr.margin = Math.min(tr.margin, op.kink(x0.value));
        push(op.f(x0));
        break;
      }
      case 3: {
        const op = UNARY[s.b % UNARY.length]!;
        const v = pickVector(s.a);
        if (op.kink) tr.margin = Math.min(tr.margin, ...Array.from(v.value, op.kink));
        push(op.f(v));
        break;
      }
      case 4: {
        // scalar binary: active/active, number/active, active/number
        const op = binary[s.b % binary.length]!;
        let a: Real = pickScalar(s.a);
        let b: Real = pickScalar(s.d);
        if (s.c % 3 === 1) a = s.cst;
        else if (s.c % 3 === 2) b = s.cst;
        binaryTrace(tr, op, a, b);
        push(op.f(a, b));
        break;
      }
      case 5: {
        // vector ∘ vector (equal lengths)
        const op = binary[s.b % binary.length]!;
        const a = pickVector(s.a);
        const b = vectorOfLength(s.d, a.length);
        const [l, r] = s.c % 2 === 0 ? [a, b] : [b, a];
        binaryTrace(tr, op, l, r);
        push(op.f(l, r));
        break;
      }
      case 6: {
        // broadcasts: vector ∘ scalar, scalar ∘ vector, with active scalars, numbers and constant vectors
        const op = binary[s.b % binary.length]!;
        const v = pickVector(s.a);
        const operand: Value[] = [pickScalar(s.d), s.cst, constVec(v.length, s.cst)];
        const o = operand[(s.c >>> 1) % 3]!;
        const [l, r] = s.c % 2 === 0 ? [v, o] : [o, v];
        binaryTrace(tr, op, l, r);
        push(op.f(l, r));
        break;
      }
      case 7: {
        const v = pickVector(s.a);
        const which = s.b % 5;
        if (which === 0) push(sum(v));
        else if (which === 1) {
          const w = s.c % 2 === 0 ? vectorOfLength(s.d, v.length) : constVec(v.length, s.cst);
          push(dot(v, w));
        } else if (which === 2) push(prod(v));
        else {
          const isMax = which === 3;
          tr.margin = Math.min(tr.margin, gapTop2(v.value, isMax));
          push(isMax ? maxOf(v) : minOf(v));
        }
        break;
      }
      case 8: {
        const v = pickVector(s.a);
        push(
          gather(
            v,
            s.idx.map((i) => i % v.length),
          ),
        );
        break;
      }
      case 9: {
        const v = pickVector(s.a);
        const m = 1 + (s.c % 5);
        const ix = Array.from({ length: v.length }, (_, i) => (s.idx[i % s.idx.length]! + i) % m);
        push(scatterAdd(v, ix, m));
        break;
      }
      case 10: {
        const count = 1 + (s.c % 3);
        const parts: Value[] = [];
        for (let i = 0; i < count; i++) {
          const r = s.idx[i % s.idx.length]! + i * 7 + s.a;
          const kind = (s.b >>> (2 * i)) % 4;
          if (kind === 0) parts.push(pickScalar(r));
          else if (kind === 1) parts.push(pickVector(r));
          else if (kind === 2) parts.push(s.cst);
          else parts.push(pickAny(r));
        }
        if (!parts.some((q) => typeof q !== 'number')) parts.push(pickScalar(s.d));
        push(concat(parts));
        break;
      }
      case 11: {
        // masked select: vector or scalar mask, branches vectors, scalars or constants
        const mask = MASKS[s.b % MASKS.length]!;
        if (s.c % 3 === 0) {
          const p0 = pickScalar(s.a);
          const q0 = pickScalar(s.d);
          tr.margin = Math.min(tr.margin, Math.abs(p0.value - q0.value));
          const branchB: Real = (s.c >>> 2) % 2 === 0 ? pickScalar(s.d + 1) : s.cst;
          push(select(mask(p0, q0), sin(p0), branchB));
        } else {
          const v = pickVector(s.a);
          const w: Value = (s.c >>> 2) % 2 === 0 ? vectorOfLength(s.d, v.length) : pickScalar(s.d);
          tr.margin = Math.min(
            tr.margin,
            minOver(v.value, numOf(w), (a, b) => Math.abs(a - b)),
          );
          const other: Value = [w, s.cst, constVec(v.length, s.cst)][(s.c >>> 3) % 3]!;
          push(s.c % 3 === 1 ? select(mask(v, w), v, other) : select(mask(v, w), other, square(v)));
        }
        tr.selects++;
        break;
      }
      case 12: {
        // a recorded comparison that picks the code path
        const a = pickScalar(s.a);
        const b = pickScalar(s.d);
        tr.margin = Math.min(tr.margin, Math.abs(a.value - b.value));
        tr.branches++;
        const f = UNARY[s.b % UNARY.length]!;
        const g = UNARY[s.c % UNARY.length]!;
        // Both paths' kinks count: a perturbation may take either.
        const ab = a.value * b.value;
        const amb = a.value - b.value;
        if (f.kink) tr.margin = Math.min(tr.margin, f.kink(ab));
        if (g.kink) tr.margin = Math.min(tr.margin, g.kink(amb));
        push(lt(a, b) ? f.f(mul(a, b)) : g.f(sub(a, b)));
        break;
      }
      case 13: {
        const v: Active | ActiveVec = s.a % 2 === 0 ? pickVector(s.b) : pickScalar(s.b);
        const lo = -0.5 + 0.1 * (s.c % 3);
        const hi = lo + 0.6;
        tr.margin = Math.min(
          tr.margin,
          minOver(numOf(v), 0, (e) => Math.min(Math.abs(e - lo), Math.abs(e - hi))),
        );
        push(clamp(v, lo, hi));
        break;
      }
    }
  }
  // Every intermediate value, flattened (for derivative scales).
  if (all) return concat(pool);
  // Outputs: scalars picked from the most recent values.
  const outs = p.outs.map((r) => {
    const v = pool[pool.length - 1 - (r % Math.min(pool.length, 8))]!;
    return v instanceof Active ? v : v.at((r >>> 3) % v.length);
  });
  const last = pool[pool.length - 1]!;
  if (p.outKind === 2 && last instanceof ActiveVec && last.length <= 4) return last;
  if (p.outKind === 1) return outs;
  return concat(outs);
}

export function freshTrace(): Trace {
  return { margin: Infinity, singular: Infinity, maxMag: 0, branches: 0, selects: 0 };
}

/** f for the transforms, recording a trace of its last run. */
export function programFn(p: Program, tr: Trace = freshTrace(), options: RunOptions = {}) {
  return (x: ActiveVec) => {
    Object.assign(tr, freshTrace());
    return runProgram(p, x, tr, options);
  };
}

/** The program returning every intermediate value (the input included), flattened. */
export function allValuesFn(p: Program) {
  return (x: ActiveVec) => runProgram(p, x, freshTrace(), { all: true });
}
