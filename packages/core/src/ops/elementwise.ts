/**
 * The elementwise op specs: one frozen object per op, holding its value, first and second
 * derivatives as plain-number functions, its first derivative as a differentiable expression, and
 * the structural facts the sparsity sweeps use (see `spec.ts` for the interface).
 *
 * Derivative formulas are chosen for accuracy, not brevity: e.g. asin' = 1/√((1−x)(1+x)) rather than
 * 1/√(1−x²) (no cancellation near ±1), tanh' = 4u/(1+u)² with u = e^{−2|x|} rather than 1 − y²
 * (which loses all relative accuracy once y rounds toward 1), sigmoid' = σ(x)σ(−x) rather than
 * y(1 − y) for the same reason.
 *
 * `dGeneric` rules use only the `GenericOps` they are given, so a derivative recorded from them can be
 * differentiated again; where the plain rule has a convention at a singular point (hypot at the
 * origin, pow with b = 0) the generic rule reproduces it with a zero-derivative indicator
 * (`G.equal`), which leaves the derivative everywhere else untouched.
 */
import type { Value } from '../tape/values.js';
import type { BinarySpec, Interval, UnarySpec } from './spec.js';
import { erf, erfc, expHalfSquare, expNegSquare, normalCdf, normalInv, normalPdf } from './special.js';

/** 2/√π (erf' at 0). */
const TWO_OVER_SQRT_PI = 1.1283791670955125739;
/** 1/√(2π) (φ(0)). */
const INV_SQRT_2PI = 0.398942280401432677939946;
/** √(2π). */
const SQRT_2PI = 2.5066282746310005024;

// ---------------------------------------------------------------------------------------------
// Plain-number helpers shared by values and derivatives
// ---------------------------------------------------------------------------------------------

/** The logistic function 1/(1 + e^{−x}), without overflow for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x); // x < 0: e^x cannot overflow, and e/(1+e) keeps relative accuracy as e → 0
  return e / (1 + e);
}

/** softplus(x) = log(1 + e^x), as max(x, 0) + log1p(e^{−|x|}) so it neither overflows nor cancels. */
export function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/**
 * C `round`: to the nearest integer, halves away from zero (round(2.5) = 3, round(−2.5) = −3).
 * JS `Math.round` rounds halves toward +∞ and misrounds 0.49999999999999994 to 1.
 * x − trunc(x) is exact in binary floating point, so the comparison with 0.5 is exact too.
 */
export function roundHalfAwayFromZero(x: number): number {
  const t = Math.trunc(x);
  const frac = x - t;
  if (frac >= 0.5) return t + 1;
  if (frac <= -0.5) return t - 1;
  return t; // keeps −0 for −0.5 < x ≤ −0, like C
}

/** sech²(x) = 4u/(1 + u)² with u = e^{−2|x|}: no overflow, full relative accuracy in the tails. */
function sech2(x: number): number {
  const u = Math.exp(-2 * Math.abs(x));
  const s = 1 + u;
  return (4 * u) / (s * s);
}

/** 1/√((1 − x)(1 + x)): asin'(x), without the cancellation of 1 − x² near ±1. */
function invSqrtOneMinusSq(x: number): number {
  return 1 / Math.sqrt((1 - x) * (1 + x));
}

/** Integers −10 … 10: the jumps of floor/ceil/trunc inside their test domain. */
const INTEGERS_TO_10: readonly number[] = Object.freeze(Array.from({ length: 21 }, (_, i) => i - 10));
/** Half-integers −10.5 … 10.5: the jumps of round inside its test domain. */
const HALVES_TO_10: readonly number[] = Object.freeze(Array.from({ length: 22 }, (_, i) => i - 10.5));

// ---------------------------------------------------------------------------------------------
// Spec builders
// ---------------------------------------------------------------------------------------------

type UnaryDef = Omit<UnarySpec, 'arity' | 'name'>;
type BinaryDef = Omit<BinarySpec, 'arity' | 'name'>;

/** A frozen unary spec named `name`. */
function unary(name: string, def: UnaryDef): UnarySpec {
  return Object.freeze({ arity: 1 as const, name, ...def });
}

/** A frozen binary spec named `name`. */
function binary(name: string, def: BinaryDef): BinarySpec {
  return Object.freeze({ arity: 2 as const, name, ...def });
}

/** A unary op that is piecewise constant (derivative 0 wherever it exists, taken as 0 at jumps). */
function stepUnary(
  name: string,
  value: (x: number) => number,
  avoid: readonly number[],
  convention: string,
): UnarySpec {
  return unary(name, {
    value,
    d: () => 0,
    d2: () => 0,
    dGeneric: () => 0,
    derivative: 'zero',
    domain: [-10, 10],
    avoid,
    convention,
  });
}

/** Test points for comparisons and min/max keep off the tie line a = b. */
const offDiagonal = (a: number, b: number): boolean => Math.abs(a - b) >= 0.05;

/** A comparison: value 1 or 0, derivative 0 everywhere (including at ties). */
function comparison(name: string, value: (a: number, b: number) => number): BinarySpec {
  return binary(name, {
    value,
    da: () => 0,
    db: () => 0,
    d2: () => [0, 0, 0],
    dGeneric: () => [0, 0],
    derivative: 'zero',
    nonlinear: [false, false, false],
    domain: { a: [-10, 10], b: [-10, 10] },
    admissible: offDiagonal,
    convention: 'Value 1 or 0 (NaN compares false); derivative 0 everywhere, including at a = b.',
  });
}

// ---------------------------------------------------------------------------------------------
// Binary ops
// ---------------------------------------------------------------------------------------------

const WIDE: { readonly a: Interval; readonly b: Interval } = { a: [-10, 10], b: [-10, 10] };

const add = binary('add', {
  value: (a, b) => a + b,
  da: () => 1,
  db: () => 1,
  d2: () => [0, 0, 0],
  dGeneric: () => [1, 1],
  derivative: 'linear',
  nonlinear: [false, false, false],
  domain: WIDE,
});

const sub = binary('sub', {
  value: (a, b) => a - b,
  da: () => 1,
  db: () => -1,
  d2: () => [0, 0, 0],
  dGeneric: () => [1, -1],
  derivative: 'linear',
  nonlinear: [false, false, false],
  domain: WIDE,
});

const mul = binary('mul', {
  value: (a, b) => a * b,
  da: (_a, b) => b,
  db: (a) => a,
  d2: () => [0, 1, 0],
  dGeneric: (_G, a, b) => [b, a],
  derivative: 'nonlinear',
  nonlinear: [false, true, false],
  domain: WIDE,
});

const div = binary('div', {
  value: (a, b) => a / b,
  da: (_a, b) => 1 / b,
  // −a/b² as −y/b: one rounding fewer and no overflow of b².
  db: (_a, b, y) => -y / b,
  d2: (_a, b, y) => [0, -1 / (b * b), (2 * y) / (b * b)],
  dGeneric: (G, _a, b, y) => [G.reciprocal(b), G.neg(G.div(y, b))],
  derivative: 'nonlinear',
  nonlinear: [false, true, true],
  domain: { a: [-10, 10], b: [-10, 10] },
  admissible: (_a, b) => Math.abs(b) >= 0.1,
});

/** ∂(a^b)/∂a = b·a^(b−1), taken as 0 when b = 0 (so 0^0 = 1 has slope 0, not 0·∞ = NaN). */
function powDa(a: number, b: number): number {
  return b === 0 ? 0 : b * a ** (b - 1);
}

/** ∂(a^b)/∂b = a^b·log a, taken as 0 at a = 0 for b > 0 (where a^b ≡ 0 near b). */
function powDb(a: number, b: number, y: number): number {
  return a === 0 && b > 0 ? 0 : y * Math.log(a);
}

const pow = binary('pow', {
  value: (a, b) => a ** b,
  da: (a, b) => powDa(a, b),
  db: (a, b, y) => powDb(a, b, y),
  d2: (a, b, y) => {
    const aa = b === 0 || b === 1 ? 0 : b * (b - 1) * a ** (b - 2);
    if (a === 0 && b > 1) return [aa, 0, 0]; // a^(b−1)·log a and a^b·log²a both → 0
    const logA = Math.log(a);
    const ab = a ** (b - 1) * (1 + b * logA);
    const bb = a === 0 && b > 0 ? 0 : y * logA * logA;
    return [aa, ab, bb];
  },
  dGeneric: (G, a, b, y) => {
    // b·a^(b−1). Its b = 0 convention only bites at a = 0 (0·0^(−1) = 0·∞): a plain b = 0 gives 0
    // outright; otherwise a is replaced by a + [a = 0][b = 0], i.e. by 1 at that single point only,
    // so the expression (and its derivatives) is untouched everywhere else.
    let da: Value;
    if (typeof b === 'number') {
      da = b === 0 ? 0 : G.mul(b, G.pow(a, b - 1));
    } else {
      const base =
        typeof a === 'number' ? (a === 0 ? G.equal(b, 0) : a) : G.add(a, G.mul(G.equal(a, 0), G.equal(b, 0)));
      da = G.mul(b, G.pow(base, G.sub(b, 1)));
    }
    // y·log a, with the a = 0 convention: log(a + [a = 0]) is 0 there (and y = 0 for b > 0).
    const logA = typeof a === 'number' ? Math.log(a === 0 ? 1 : a) : G.log(G.add(a, G.equal(a, 0)));
    return [da, G.mul(y, logA)];
  },
  derivative: 'nonlinear',
  nonlinear: [true, true, true],
  domain: { a: [0.2, 3], b: [-2, 3] },
  convention:
    'pow(a, b) = Math.pow(a, b). ∂/∂a = b·a^(b−1), taken as 0 when b = 0; ∂/∂b = a^b·log(a) for a > 0, ' +
    'taken as 0 when a = 0 and b > 0, NaN for a < 0 (a^b is not defined for nearby non-integer b).',
});

const atan2 = binary('atan2', {
  value: (a, b) => Math.atan2(a, b),
  // b/(a² + b²) as (b/r)/r: no overflow or underflow of the squares.
  da: (a, b) => {
    const r = Math.hypot(a, b);
    return b / r / r;
  },
  db: (a, b) => {
    const r = Math.hypot(a, b);
    return -(a / r) / r;
  },
  d2: (a, b) => {
    const r = Math.hypot(a, b);
    const ca = a / r;
    const cb = b / r;
    const r2 = r * r;
    return [(-2 * ca * cb) / r2, ((ca - cb) * (ca + cb)) / r2, (2 * ca * cb) / r2];
  },
  dGeneric: (G, a, b) => {
    const r2 = G.add(G.square(a), G.square(b));
    return [G.div(b, r2), G.neg(G.div(a, r2))];
  },
  derivative: 'nonlinear',
  nonlinear: [true, true, true],
  domain: { a: [-2, 2], b: [-2, 2] },
  // Away from the origin and from the branch cut along b < 0, where the value jumps by 2π.
  admissible: (a, b) => Math.hypot(a, b) >= 0.25 && !(b < 0 && Math.abs(a) < 0.05),
  convention:
    'y = atan2(a, b) (a is the ordinate). At the origin both partials are NaN (atan2 has no limit there); ' +
    'on the branch cut (b < 0, a = ±0) the partials are the one-sided ones, which agree.',
});

const hypot = binary('hypot', {
  value: (a, b) => Math.hypot(a, b),
  da: (a, _b, y) => (y === 0 ? 0 : a / y),
  db: (_a, b, y) => (y === 0 ? 0 : b / y),
  d2: (a, b, y) => {
    if (y === 0) return [0, 0, 0];
    const ca = a / y;
    const cb = b / y;
    return [(cb * cb) / y, (-ca * cb) / y, (ca * ca) / y];
  },
  dGeneric: (G, a, b, y) => {
    // y + [y = 0] is y except at the origin, where it is 1 and a/1 = b/1 = 0 gives the convention.
    const safeY = G.add(y, G.equal(y, 0));
    return [G.div(a, safeY), G.div(b, safeY)];
  },
  derivative: 'nonlinear',
  nonlinear: [true, true, true],
  domain: { a: [-3, 3], b: [-3, 3] },
  admissible: (a, b) => Math.hypot(a, b) >= 0.25,
  convention: 'At the origin (a cone point) both partials are taken as 0, and the second partials as 0 too.',
});

const min = binary('min', {
  value: (a, b) => Math.min(a, b),
  da: (a, b) => (a <= b ? 1 : 0),
  db: (a, b) => (a <= b ? 0 : 1),
  d2: () => [0, 0, 0],
  dGeneric: (G, a, b) => {
    const first = G.lessEqual(a, b);
    return [first, G.sub(1, first)];
  },
  derivative: 'linear',
  nonlinear: [false, false, false],
  domain: WIDE,
  admissible: offDiagonal,
  convention: 'Ties (a = b): the first argument gets derivative 1, the second 0.',
});

const max = binary('max', {
  value: (a, b) => Math.max(a, b),
  da: (a, b) => (a >= b ? 1 : 0),
  db: (a, b) => (a >= b ? 0 : 1),
  d2: () => [0, 0, 0],
  dGeneric: (G, a, b) => {
    const first = G.greaterEqual(a, b);
    return [first, G.sub(1, first)];
  },
  derivative: 'linear',
  nonlinear: [false, false, false],
  domain: WIDE,
  admissible: offDiagonal,
  convention: 'Ties (a = b): the first argument gets derivative 1, the second 0.',
});

const less = comparison('less', (a, b) => (a < b ? 1 : 0));
const lessEqual = comparison('lessEqual', (a, b) => (a <= b ? 1 : 0));
const greater = comparison('greater', (a, b) => (a > b ? 1 : 0));
const greaterEqual = comparison('greaterEqual', (a, b) => (a >= b ? 1 : 0));
const equal = comparison('equal', (a, b) => (a === b ? 1 : 0));
const notEqual = comparison('notEqual', (a, b) => (a !== b ? 1 : 0));

// ---------------------------------------------------------------------------------------------
// Unary ops
// ---------------------------------------------------------------------------------------------

const neg = unary('neg', {
  value: (x) => -x,
  d: () => -1,
  d2: () => 0,
  dGeneric: () => -1,
  derivative: 'linear',
  domain: [-10, 10],
});

const square = unary('square', {
  value: (x) => x * x,
  d: (x) => 2 * x,
  d2: () => 2,
  dGeneric: (G, x) => G.mul(2, x),
  derivative: 'nonlinear',
  domain: [-10, 10],
});

const reciprocal = unary('reciprocal', {
  value: (x) => 1 / x,
  d: (_x, y) => -y * y,
  d2: (_x, y) => 2 * y * y * y,
  dGeneric: (G, _x, y) => G.neg(G.square(y)),
  derivative: 'nonlinear',
  domain: [-10, 10],
  avoid: [0],
  convention: "reciprocal'(±0) = −Infinity (y = ±∞, −y² = −∞).",
});

const sqrt = unary('sqrt', {
  value: (x) => Math.sqrt(x),
  d: (_x, y) => 0.5 / y,
  d2: (_x, y) => -0.25 / (y * y * y),
  dGeneric: (G, _x, y) => G.div(0.5, y),
  derivative: 'nonlinear',
  domain: [0.1, 100],
  convention: "sqrt'(0) = +Infinity (the slope is unbounded; reported honestly, not clipped).",
});

const cbrt = unary('cbrt', {
  value: (x) => Math.cbrt(x),
  d: (_x, y) => 1 / (3 * y * y),
  d2: (_x, y) => -2 / (9 * y * y * y * y * y),
  dGeneric: (G, _x, y) => G.div(1 / 3, G.square(y)),
  derivative: 'nonlinear',
  domain: [-10, 10],
  avoid: [0],
  convention: "cbrt'(0) = +Infinity (vertical tangent).",
});

const exp = unary('exp', {
  value: (x) => Math.exp(x),
  d: (_x, y) => y,
  d2: (_x, y) => y,
  dGeneric: (_G, _x, y) => y,
  derivative: 'nonlinear',
  domain: [-10, 10],
});

const expm1 = unary('expm1', {
  value: (x) => Math.expm1(x),
  // e^x directly: y + 1 would lose e^x entirely once y rounds to −1.
  d: (x) => Math.exp(x),
  d2: (x) => Math.exp(x),
  dGeneric: (G, x) => G.exp(x),
  derivative: 'nonlinear',
  domain: [-10, 10],
});

const log = unary('log', {
  value: (x) => Math.log(x),
  d: (x) => 1 / x,
  d2: (x) => -1 / (x * x),
  dGeneric: (G, x) => G.reciprocal(x),
  derivative: 'nonlinear',
  domain: [0.1, 10],
});

const log1p = unary('log1p', {
  value: (x) => Math.log1p(x),
  d: (x) => 1 / (1 + x),
  d2: (x) => -1 / ((1 + x) * (1 + x)),
  dGeneric: (G, x) => G.reciprocal(G.add(1, x)),
  derivative: 'nonlinear',
  domain: [-0.9, 10],
});

const log2 = unary('log2', {
  value: (x) => Math.log2(x),
  d: (x) => Math.LOG2E / x,
  d2: (x) => -Math.LOG2E / (x * x),
  dGeneric: (G, x) => G.div(Math.LOG2E, x),
  derivative: 'nonlinear',
  domain: [0.1, 10],
});

const log10 = unary('log10', {
  value: (x) => Math.log10(x),
  d: (x) => Math.LOG10E / x,
  d2: (x) => -Math.LOG10E / (x * x),
  dGeneric: (G, x) => G.div(Math.LOG10E, x),
  derivative: 'nonlinear',
  domain: [0.1, 10],
});

const sin = unary('sin', {
  value: (x) => Math.sin(x),
  d: (x) => Math.cos(x),
  d2: (_x, y) => -y,
  dGeneric: (G, x) => G.cos(x),
  derivative: 'nonlinear',
  domain: [-10, 10],
});

const cos = unary('cos', {
  value: (x) => Math.cos(x),
  d: (x) => -Math.sin(x),
  d2: (_x, y) => -y,
  dGeneric: (G, x) => G.neg(G.sin(x)),
  derivative: 'nonlinear',
  domain: [-10, 10],
});

const tan = unary('tan', {
  value: (x) => Math.tan(x),
  d: (_x, y) => 1 + y * y,
  d2: (_x, y) => 2 * y * (1 + y * y),
  dGeneric: (G, _x, y) => G.add(1, G.square(y)),
  derivative: 'nonlinear',
  domain: [-1.4, 1.4],
});

const asin = unary('asin', {
  value: (x) => Math.asin(x),
  d: (x) => invSqrtOneMinusSq(x),
  d2: (x) => {
    const s = invSqrtOneMinusSq(x);
    return x * s * s * s;
  },
  dGeneric: (G, x) => G.reciprocal(G.sqrt(G.mul(G.sub(1, x), G.add(1, x)))),
  derivative: 'nonlinear',
  domain: [-0.95, 0.95],
  convention: "asin'(±1) = +Infinity.",
});

const acos = unary('acos', {
  value: (x) => Math.acos(x),
  d: (x) => -invSqrtOneMinusSq(x),
  d2: (x) => {
    const s = invSqrtOneMinusSq(x);
    return -x * s * s * s;
  },
  dGeneric: (G, x) => G.neg(G.reciprocal(G.sqrt(G.mul(G.sub(1, x), G.add(1, x))))),
  derivative: 'nonlinear',
  domain: [-0.95, 0.95],
  convention: "acos'(±1) = −Infinity.",
});

const atan = unary('atan', {
  value: (x) => Math.atan(x),
  d: (x) => 1 / (1 + x * x),
  d2: (x) => {
    const d = 1 / (1 + x * x);
    return -2 * x * d * d;
  },
  dGeneric: (G, x) => G.reciprocal(G.add(1, G.square(x))),
  derivative: 'nonlinear',
  domain: [-10, 10],
});

const sinh = unary('sinh', {
  value: (x) => Math.sinh(x),
  d: (x) => Math.cosh(x),
  d2: (_x, y) => y,
  dGeneric: (G, x) => G.cosh(x),
  derivative: 'nonlinear',
  domain: [-10, 10],
});

const cosh = unary('cosh', {
  value: (x) => Math.cosh(x),
  d: (x) => Math.sinh(x),
  d2: (_x, y) => y,
  dGeneric: (G, x) => G.sinh(x),
  derivative: 'nonlinear',
  domain: [-10, 10],
});

const tanh = unary('tanh', {
  value: (x) => Math.tanh(x),
  d: (x) => sech2(x),
  d2: (x, y) => -2 * y * sech2(x),
  dGeneric: (G, x) => {
    // sech² as 4u/(1+u)², u = e^{−2|x|}: never overflows (1/cosh² would give 0·∞ = NaN when
    // differentiated at large |x|), and abs's kink at 0 is harmless because (1 − u) = 0 there.
    const u = G.exp(G.mul(-2, G.abs(x)));
    return G.div(G.mul(4, u), G.square(G.add(1, u)));
  },
  derivative: 'nonlinear',
  domain: [-5, 5],
});

const asinh = unary('asinh', {
  value: (x) => Math.asinh(x),
  d: (x) => 1 / Math.hypot(1, x),
  d2: (x) => {
    const d = 1 / Math.hypot(1, x);
    return -x * d * d * d;
  },
  dGeneric: (G, x) => G.reciprocal(G.hypot(1, x)),
  derivative: 'nonlinear',
  domain: [-10, 10],
});

/** acosh'(x) = 1/(√(x−1)·√(x+1)): the factored form keeps x − 1 exact near 1 and x² from overflowing. */
function acoshD(x: number): number {
  return 1 / (Math.sqrt(x - 1) * Math.sqrt(x + 1));
}

const acosh = unary('acosh', {
  value: (x) => Math.acosh(x),
  d: (x) => acoshD(x),
  d2: (x) => {
    const d = acoshD(x);
    return -x * d * d * d;
  },
  dGeneric: (G, x) => G.reciprocal(G.mul(G.sqrt(G.sub(x, 1)), G.sqrt(G.add(x, 1)))),
  derivative: 'nonlinear',
  domain: [1.1, 10],
  convention: "acosh'(1) = +Infinity.",
});

const atanh = unary('atanh', {
  value: (x) => Math.atanh(x),
  d: (x) => 1 / ((1 - x) * (1 + x)),
  d2: (x) => {
    const d = 1 / ((1 - x) * (1 + x));
    return 2 * x * d * d;
  },
  dGeneric: (G, x) => G.reciprocal(G.mul(G.sub(1, x), G.add(1, x))),
  derivative: 'nonlinear',
  domain: [-0.95, 0.95],
});

const abs = unary('abs', {
  value: (x) => Math.abs(x),
  d: (x) => Math.sign(x) + 0, // + 0 turns sign(−0) = −0 into +0
  d2: () => 0,
  dGeneric: (G, x) => G.sign(x),
  // Piecewise linear: the second derivative is 0 wherever it exists.
  derivative: 'linear',
  domain: [-10, 10],
  avoid: [0],
  convention: "abs'(0) = 0 (the subgradient of least norm).",
});

const sign = stepUnary(
  'sign',
  (x) => Math.sign(x),
  [0],
  'Value Math.sign (sign(±0) = ±0, sign(NaN) = NaN); derivative 0 everywhere, including at 0.',
);

const erfSpec = unary('erf', {
  value: erf,
  d: (x) => TWO_OVER_SQRT_PI * expNegSquare(x),
  d2: (x) => -2 * x * TWO_OVER_SQRT_PI * expNegSquare(x),
  dGeneric: (G, x) => G.mul(TWO_OVER_SQRT_PI, G.exp(G.neg(G.square(x)))),
  derivative: 'nonlinear',
  domain: [-4, 4],
});

const erfcSpec = unary('erfc', {
  value: erfc,
  d: (x) => -TWO_OVER_SQRT_PI * expNegSquare(x),
  d2: (x) => 2 * x * TWO_OVER_SQRT_PI * expNegSquare(x),
  dGeneric: (G, x) => G.mul(-TWO_OVER_SQRT_PI, G.exp(G.neg(G.square(x)))),
  derivative: 'nonlinear',
  domain: [-3, 10],
});

const normalCdfSpec = unary('normalCdf', {
  value: normalCdf,
  d: (x) => normalPdf(x),
  d2: (x) => -x * normalPdf(x),
  dGeneric: (G, x) => G.mul(INV_SQRT_2PI, G.exp(G.mul(-0.5, G.square(x)))),
  derivative: 'nonlinear',
  domain: [-8, 6],
});

const normalInvSpec = unary('normalInv', {
  value: normalInv,
  // 1/φ(y) = √(2π)·e^{y²/2}, computed directly so it does not go through a subnormal φ.
  d: (_x, y) => SQRT_2PI * expHalfSquare(y),
  d2: (_x, y) => {
    const d = SQRT_2PI * expHalfSquare(y);
    return y * d * d;
  },
  dGeneric: (G, _x, y) => G.mul(SQRT_2PI, G.exp(G.mul(0.5, G.square(y)))),
  derivative: 'nonlinear',
  domain: [0.05, 0.95],
  convention: "normalInv'(0) = normalInv'(1) = +Infinity; NaN outside [0, 1].",
});

const floor = stepUnary('floor', Math.floor, INTEGERS_TO_10, 'Derivative 0 everywhere, including at the jumps.');
const ceil = stepUnary('ceil', Math.ceil, INTEGERS_TO_10, 'Derivative 0 everywhere, including at the jumps.');
const round = stepUnary(
  'round',
  roundHalfAwayFromZero,
  HALVES_TO_10,
  'C round: halves go away from zero (round(2.5) = 3, round(−2.5) = −3), unlike Math.round. ' +
    'Derivative 0 everywhere, including at the jumps.',
);
const trunc = stepUnary('trunc', Math.trunc, INTEGERS_TO_10, 'Derivative 0 everywhere, including at the jumps.');

const detach = stepUnary(
  'detach',
  (x) => x,
  [],
  'Identity in value, derivative 0: cuts the derivative like stopGradient, but is recorded, so a replay at a new point recomputes it.',
);

const softplusSpec = unary('softplus', {
  value: softplus,
  d: (x) => sigmoid(x),
  // σ(x)σ(−x) rather than σ(1 − σ): 1 − σ(x) cancels for large x.
  d2: (x) => sigmoid(x) * sigmoid(-x),
  dGeneric: (G, x) => G.sigmoid(x),
  derivative: 'nonlinear',
  domain: [-20, 20],
});

const sigmoidSpec = unary('sigmoid', {
  value: sigmoid,
  // y(1 − y), with 1 − y evaluated as σ(−x) so it keeps its relative accuracy for large x.
  d: (x, y) => y * sigmoid(-x),
  // σ'' = σ'(1 − 2σ) and 1 − 2σ(x) = −tanh(x/2), which does not cancel near x = 0.
  d2: (x, y) => -y * sigmoid(-x) * Math.tanh(0.5 * x),
  dGeneric: (G, x, y) => G.mul(y, G.sigmoid(G.neg(x))),
  derivative: 'nonlinear',
  domain: [-20, 20],
});

// ---------------------------------------------------------------------------------------------
// Registries
// ---------------------------------------------------------------------------------------------

/**
 * Binary op names in opcode order. The first seven are given fixed fast opcodes by the
 * interpreter, so their positions must never change; append new ops at the end.
 */
export const BINARY_NAMES = Object.freeze([
  'add',
  'sub',
  'mul',
  'div',
  'pow',
  'min',
  'max',
  'atan2',
  'hypot',
  'less',
  'lessEqual',
  'greater',
  'greaterEqual',
  'equal',
  'notEqual',
] as const);

/**
 * Unary op names in opcode order. The first ten are given fixed fast opcodes by the interpreter,
 * so their positions must never change; append new ops at the end.
 */
export const UNARY_NAMES = Object.freeze([
  'neg',
  'square',
  'reciprocal',
  'sqrt',
  'exp',
  'log',
  'sin',
  'cos',
  'tanh',
  'abs',
  'cbrt',
  'expm1',
  'log1p',
  'log2',
  'log10',
  'tan',
  'asin',
  'acos',
  'atan',
  'sinh',
  'cosh',
  'asinh',
  'acosh',
  'atanh',
  'sign',
  'erf',
  'erfc',
  'normalCdf',
  'normalInv',
  'floor',
  'ceil',
  'round',
  'trunc',
  'softplus',
  'sigmoid',
  'detach',
] as const);

/** Name of a binary elementwise op. */
export type BinaryName = (typeof BINARY_NAMES)[number];
/** Name of a unary elementwise op. */
export type UnaryName = (typeof UNARY_NAMES)[number];

/** Every binary elementwise op spec, keyed by name (keys in {@link BINARY_NAMES} order). */
export const BINARY_SPECS: Readonly<Record<string, BinarySpec>> = Object.freeze({
  add,
  sub,
  mul,
  div,
  pow,
  min,
  max,
  atan2,
  hypot,
  less,
  lessEqual,
  greater,
  greaterEqual,
  equal,
  notEqual,
} satisfies Record<BinaryName, BinarySpec>);

/** Every unary elementwise op spec, keyed by name (keys in {@link UNARY_NAMES} order). */
export const UNARY_SPECS: Readonly<Record<string, UnarySpec>> = Object.freeze({
  neg,
  square,
  reciprocal,
  sqrt,
  exp,
  log,
  sin,
  cos,
  tanh,
  abs,
  cbrt,
  expm1,
  log1p,
  log2,
  log10,
  tan,
  asin,
  acos,
  atan,
  sinh,
  cosh,
  asinh,
  acosh,
  atanh,
  sign,
  erf: erfSpec,
  erfc: erfcSpec,
  normalCdf: normalCdfSpec,
  normalInv: normalInvSpec,
  floor,
  ceil,
  round,
  trunc,
  softplus: softplusSpec,
  sigmoid: sigmoidSpec,
  detach,
} satisfies Record<UnaryName, UnarySpec>);
