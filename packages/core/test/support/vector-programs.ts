/**
 * Random vector programs for the compiled-kernel property tests (core's compile.prop.test.ts and
 * higher-order's hvp-compiled.test.ts): elementwise ops with broadcasts, constants, slices at
 * offsets, gathers (Bratu-style stencils among them), sums, dots, concatenations, selects and
 * scalar code, on any domain (NaN and ±Infinity appear), with signed zeros in points and
 * directions.
 */
import fc from 'fast-check';
import {
  Active,
  ActiveVec,
  abs,
  add,
  atan2,
  concat,
  div,
  dot,
  exp,
  expm1,
  floor,
  gather,
  greater,
  hypot,
  log,
  max,
  min,
  mul,
  neg,
  pow,
  type Real,
  reciprocal,
  select,
  sigmoid,
  sin,
  sqrt,
  square,
  sub,
  sum,
  tanh,
  type Value,
} from '../../src/index.js';

export const UNARY: readonly ((v: Value) => Value)[] = [
  neg,
  square,
  exp,
  sin,
  log,
  sqrt,
  tanh,
  abs,
  reciprocal,
  sigmoid,
  floor,
  expm1,
];
export const BINARY: readonly ((a: Value, b: Value) => Value)[] = [
  add,
  sub,
  mul,
  add,
  sub,
  mul,
  div,
  pow,
  min,
  max,
  atan2,
  hypot,
];

/** Special values: signed zeros, ±1, and a few ordinary numbers. */
export const SPECIAL = [0, -0, 1, -1, 0.5, -2, 3];
export const num = fc.oneof(
  fc.constantFrom(...SPECIAL),
  fc.integer({ min: -3 * 2 ** 10, max: 3 * 2 ** 10 }).map((i) => i / 2 ** 10),
);

export interface Step {
  readonly k: number;
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly d: number;
  readonly cst: number;
}

export const stepArb: fc.Arbitrary<Step> = fc.record({
  k: fc.nat(24),
  a: fc.nat(1 << 16),
  b: fc.nat(1 << 16),
  c: fc.nat(1 << 16),
  d: fc.nat(1 << 16),
  cst: num,
});

export interface Program {
  readonly n: number;
  readonly steps: readonly Step[];
  readonly outKind: number;
  readonly x0: Float64Array;
  readonly x1: Float64Array;
  readonly dirs: Float64Array[];
  readonly cots: Float64Array[];
}

export const vec = (n: number) => fc.array(num, { minLength: n, maxLength: n }).map((a) => Float64Array.from(a));

export const programArb: fc.Arbitrary<Program> = fc.integer({ min: 1, max: 7 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    steps: fc.array(stepArb, { minLength: 3, maxLength: 30 }),
    outKind: fc.nat(3),
    x0: vec(n),
    x1: vec(n),
    dirs: fc.array(vec(n), { minLength: 3, maxLength: 3 }),
    cots: fc.array(vec(16), { minLength: 2, maxLength: 2 }),
  }),
);

/**
 * Runs the program's steps on x and returns the values it made (vectors and scalars, in order);
 * each test builds its outputs from them.
 */
export function runSteps(p: Pick<Program, 'steps'>, x: ActiveVec): { vecs: ActiveVec[]; scalars: Real[] } {
  const vecs: ActiveVec[] = [x];
  const scalars: Real[] = [x.at(0)];
  const recent = (r: number): ActiveVec => vecs[vecs.length - 1 - (r % Math.min(vecs.length, 3))]!;
  const scalar = (r: number): Real => {
    if (r % 3 === 0) {
      const v = recent(r >>> 2);
      return v.at((r >>> 4) % v.length);
    }
    return scalars[scalars.length - 1 - ((r >>> 2) % scalars.length)]!;
  };
  /** An operand of length n: a pool vector, a slice at an offset, or a gather when none is long enough. */
  const ofLength = (r: number, n: number): ActiveVec => {
    for (let t = 0; t < vecs.length; t++) {
      const w = vecs[vecs.length - 1 - ((r + t) % vecs.length)]!;
      if (w.length === n) return w;
      if (w.length > n) {
        const s = (r >>> 3) % (w.length - n + 1);
        return w.slice(s, s + n);
      }
    }
    const w = recent(r);
    return gather(
      w,
      Array.from({ length: n }, (_, i) => (i + r) % w.length),
    ) as ActiveVec;
  };
  const constVec = (n: number, c: number) =>
    Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? c : i % 3 === 1 ? -0 : c * 0.5 + i));
  const pushV = (v: Value): void => {
    if (v instanceof ActiveVec) vecs.push(v);
    else if (v instanceof Active) scalars.push(v);
  };
  for (const s of p.steps) {
    const k = s.k;
    if (k < 9) {
      // binary vector op
      const f = BINARY[s.b % BINARY.length]!;
      const a = recent(s.a);
      let b: Value;
      switch (s.c % 6) {
        case 0:
          b = a;
          break;
        case 1:
        case 5:
          b = ofLength(s.d, a.length);
          break;
        case 2:
          b = scalar(s.d);
          break;
        case 3:
          b = s.cst;
          break;
        default:
          b = constVec(a.length, s.cst);
      }
      pushV(s.d % 2 === 0 ? f(a, b) : f(b, a));
    } else if (k < 13) {
      pushV(UNARY[s.b % UNARY.length]!(recent(s.a)));
    } else if (k === 13) {
      // a slice view at an offset (not an instruction)
      const v = recent(s.a);
      if (v.length >= 2) {
        const st = s.b % v.length;
        vecs.push(v.slice(st, st + 1 + (s.c % (v.length - st))));
      }
    } else if (k === 14) {
      const v = recent(s.a);
      scalars.push(s.b % 2 === 0 ? sum(v) : dot(v, ofLength(s.d, v.length)));
    } else if (k === 15) {
      const v = recent(s.a);
      vecs.push(
        gather(
          v,
          Array.from({ length: 1 + (s.c % 6) }, (_, i) => (s.b + 3 * i) % v.length),
        ) as ActiveVec,
      );
    } else if (k === 16) {
      const parts: Value[] = [recent(s.a), scalar(s.b)];
      if (s.c % 2 === 0) parts.push(s.cst);
      if (s.c % 3 === 0) parts.push(recent(s.d));
      vecs.push(concat(parts) as ActiveVec);
    } else if (k === 17) {
      const f = BINARY[s.b % BINARY.length]!;
      scalars.push(f(scalar(s.a), s.c % 2 === 0 ? scalar(s.d) : s.cst) as Real);
    } else if (k === 18) {
      const v = recent(s.a);
      const w = ofLength(s.d, v.length);
      pushV(select(greater(v, w), v, s.c % 2 === 0 ? w : s.cst));
    } else if (k === 20) {
      // a stencil (Rosenbrock's pattern): one vector read at offsets 1 and 0 by consecutive ops
      const v = recent(s.a);
      if (v.length >= 2) {
        const lo = v.slice(0, v.length - 1);
        const t = sub(v.slice(1), square(lo));
        pushV(mul(t, sub(s.cst, lo)));
      }
    } else if (k === 21 || k === 22) {
      // Bratu's stencil: neighbours gathered from a padded copy (concat with a number), several
      // gathers of one source (duplicates and the pad index among the indices) inside one run
      const v = recent(s.a);
      const m = v.length;
      const padded = concat([v, s.cst]) as ActiveVec;
      const ix = (sh: number) => Array.from({ length: m }, (_, i) => ((i * 7 + sh) % (m + 2)) % (m + 1));
      let lap = mul(s.c % 2 === 0 ? 4 : v.at(0), v);
      for (let g = 0; g < 1 + (s.b % 4); g++) lap = sub(lap, gather(padded, ix(s.d + 3 * g)));
      pushV(k === 21 ? lap : sub(mul(lap, 3), mul(s.cst, exp(v))));
    } else if (k === 23) {
      // a gather of a vector that the run also reads elementwise (its adjoint mixes both uses)
      const v = recent(s.a);
      const w = gather(
        v,
        Array.from({ length: v.length }, (_, i) => (i * (1 + (s.b % 3)) + s.c) % v.length),
      );
      pushV(s.d % 2 === 0 ? mul(w, v) : add(sub(v, w), mul(w, w)));
    } else if (k === 24) {
      // a gather of the input itself, of another length (starts a run of that length)
      const len = 1 + (s.b % 8);
      const w = gather(
        x,
        Array.from({ length: len }, (_, i) => (i + s.c) % x.length),
      ) as ActiveVec;
      pushV(mul(sin(w), w));
    } else {
      // a broadcast of an earlier run output: a vector op with one element of a recent vector
      const v = recent(s.a);
      pushV(mul(v, v.at(s.b % v.length)));
    }
  }
  return { vecs, scalars };
}
