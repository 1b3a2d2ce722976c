/**
 * hvp and hessian against independent references:
 * - analytic Hessians (extended Rosenbrock's tridiagonal one at n = 1000, random polynomials, the
 *   vector ops);
 * - core's nested forward-over-reverse, `jvp(grad(f), x, v)` through the generic sweeps;
 * - Ridders-extrapolated central differences of core's gradient (`fdJvp`);
 * - every elementwise op's second partials from core's op specs (`UNARY_SPECS`, `BINARY_SPECS`).
 *
 * Property runs are bounded and seeded so CI is deterministic.
 */

import * as core from '@wengert/core';
import {
  type Active,
  type ActiveVec,
  add,
  BINARY_NAMES,
  BINARY_SPECS,
  type BinarySpec,
  concat,
  cos,
  div,
  dot,
  exp,
  gather,
  grad,
  greater,
  jacobian,
  less,
  maxOf,
  minOf,
  mul,
  pow,
  prod,
  type Real,
  scatterAdd,
  select,
  sin,
  square,
  sub,
  sum,
  UNARY_NAMES,
  UNARY_SPECS,
  type UnarySpec,
  type Value,
} from '@wengert/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hessian, hvp } from '../src/index.js';
import {
  dotAbs,
  dotPlain,
  expectBitwise,
  expectNormwise,
  expectScaled,
  expectWithin,
  fdHvp,
  matVec,
  matVecAbs,
  maxAbs,
  nestedHvp,
  uniform,
  vecArb,
} from './support/numeric.js';
import {
  type Polynomial,
  polynomialArb,
  polynomialFn,
  polynomialHessian,
  programArb,
  programFn,
  rosenbrockHessian,
  rosenbrockHvp,
  rosenbrockScalar,
  rosenbrockStart,
  rosenbrockVector,
} from './support/programs.js';

const SEED = 0x4e55;
const runs = (numRuns: number, seed = SEED) => ({ numRuns, seed, endOnFailure: true });

/** HVP against core's nested forward-over-reverse: same math, different rounding order. */
const NESTED_RTOL = 1e-12;
/** HVP against Ridders' finite differences of the gradient. */
const FD_RTOL = 1e-7;

/** The op functions exported by @wengert/core, by name (so every spec is reached through the public API). */
const ops = core as unknown as Record<string, (...args: Value[]) => Value>;

// ---------------------------------------------------------------------------------------------
// Extended Rosenbrock
// ---------------------------------------------------------------------------------------------

describe('hvp on extended Rosenbrock', () => {
  const n = 1000;
  const x0 = rosenbrockStart(n);
  const v = Float64Array.from({ length: n }, (_, i) => 1 + 0.5 * ((i % 3) - 1));

  for (const [form, f] of [
    ['scalar loop (x.at(i))', rosenbrockScalar],
    ['vector ops', rosenbrockVector],
  ] as const) {
    it(`n = 1000, ${form}: H(x0)·v equals the analytic tridiagonal product to 1e-13 relative`, () => {
      const got = hvp(f, x0, v);
      expect(got).toBeInstanceOf(Float64Array);
      expect(got.length).toBe(n);
      const { hv, scale } = rosenbrockHvp(x0, v);
      // At the classical point no row cancels (every |(Hv)_i| ≥ 405), so this is componentwise relative.
      expectScaled(got, hv, scale, 1e-13, 0, `Hv (${form})`);
      for (let i = 0; i < n; i++) expect(Math.abs(got[i]! - hv[i]!)).toBeLessThanOrEqual(1e-13 * Math.abs(hv[i]!));
    });
  }

  it('random points and directions (n = 2…40): both forms equal the analytic product', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 40 }).chain((m) => fc.tuple(vecArb(m, -2, 2), vecArb(m, -1, 1))),
        ([x, w]) => {
          const { hv, scale } = rosenbrockHvp(x, w);
          expectScaled(hvp(rosenbrockScalar, x, w), hv, scale, 1e-13, 1e-300, 'scalar form');
          expectScaled(hvp(rosenbrockVector, x, w), hv, scale, 1e-13, 1e-300, 'vector form');
        },
      ),
      runs(40),
    );
  });

  it('hessian(f) at n = 6 is the analytic matrix, zeros exact, symmetric, for both forms', () => {
    const x = Float64Array.of(-1.2, 1, 0.5, 2, -0.3, 0.7);
    const want = rosenbrockHessian(x);
    for (const f of [rosenbrockScalar, rosenbrockVector]) {
      const H = hessian(f)(x);
      expect(H.rows).toBe(6);
      expect(H.cols).toBe(6);
      expect(H.data).toBeInstanceOf(Float64Array);
      expect(H.data.length).toBe(36);
      for (let i = 0; i < 6; i++) {
        for (let j = 0; j < 6; j++) {
          const got = H.data[i * 6 + j]!;
          const w = want[i * 6 + j]!;
          if (Math.abs(i - j) > 1) {
            expect(got === 0, `H[${i}][${j}] = ${got} must be exactly zero`).toBe(true);
          } else {
            expectWithin(got, w, 1e-13 * (1200 * 4 + 400 * 2 + 202), `H[${i}][${j}]`);
          }
          expectWithin(got, H.data[j * 6 + i]!, 1e-13 * Math.abs(got), `symmetry (${i}, ${j})`);
        }
      }
    }
  });
});

describe('hvp of a function of a number', () => {
  it('returns a number: (t·exp(sin t))″·v', () => {
    const f = (t: Active): Real => mul(t, exp(sin(t)));
    fc.assert(
      fc.property(uniform(-3, 3), uniform(-2, 2), (t, w) => {
        const g = Math.exp(Math.sin(t));
        const g1 = Math.cos(t) * g;
        const g2 = (Math.cos(t) ** 2 - Math.sin(t)) * g;
        const want = (2 * g1 + t * g2) * w;
        const got = hvp(f, t, w);
        expect(typeof got).toBe('number');
        expectWithin(got, want, 1e-13 * (2 * Math.abs(g1) + Math.abs(t) * (Math.cos(t) ** 2 + 1) * g) * Math.abs(w));
      }),
      runs(30),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Random polynomials and random programs
// ---------------------------------------------------------------------------------------------

describe('hvp on random polynomials', () => {
  const case_ = (p: Polynomial) => fc.tuple(fc.constant(p), vecArb(p.n, -1.5, 1.5), vecArb(p.n, -1, 1));
  const cases = polynomialArb.chain(case_);

  it('equals the exact Hessian times v (scaled 1e-13) and hessian(f) is the exact Hessian', () => {
    fc.assert(
      fc.property(cases, ([p, x, v]) => {
        const f = polynomialFn(p);
        const { H, absH } = polynomialHessian(p, x);
        expectScaled(hvp(f, x, v), matVec(H, p.n, v), matVecAbs(absH, p.n, v), 1e-13, 1e-300, 'Hv');
        const Hd = hessian(f)(x);
        expect([Hd.rows, Hd.cols]).toEqual([p.n, p.n]);
        expectScaled(Hd.data, H, absH, 1e-13, 1e-300, 'H');
      }),
      runs(80),
    );
  });

  it("equals core's nested jvp(grad(f)) to 1e-12 and finite differences of grad(f) to 1e-7", () => {
    fc.assert(
      fc.property(cases, ([p, x, v]) => {
        const f = polynomialFn(p);
        const got = hvp(f, x, v);
        const { absH } = polynomialHessian(p, x);
        const scale = maxAbs(matVecAbs(absH, p.n, v));
        expectNormwise(got, nestedHvp(f, x, v), NESTED_RTOL, scale, 'vs nested');
        expectNormwise(got, fdHvp(f, x, v), FD_RTOL, Math.max(1, scale), 'vs finite differences');
      }),
      runs(40),
    );
  });
});

describe('hvp on random programs (every instruction kind)', () => {
  /**
   * Comparisons are relative to max(|reference|, 1): the programs' values and derivatives are O(1)
   * (inputs in [−1.5, 1.5], every op at most linearly growing), so where a Hessian entry nearly
   * vanishes by cancellation, rounding of size ε·O(1) is what both sides carry.
   */
  const PROGRAM_SCALE = 1;
  const cases = programArb.chain((p) =>
    fc.tuple(fc.constant(p), vecArb(p.n, -1.5, 1.5), vecArb(p.n, -1, 1), vecArb(p.n, -1, 1)),
  );

  it("equals core's nested jvp(grad(f), x, v) to 1e-12 relative", () => {
    fc.assert(
      fc.property(cases, ([p, x, v]) => {
        const f = programFn(p);
        expectNormwise(hvp(f, x, v), nestedHvp(f, x, v), NESTED_RTOL, PROGRAM_SCALE, 'vs nested');
      }),
      runs(150),
    );
  });

  it("equals central differences of grad(f) (Ridders, core's fdJvp) to 1e-7", () => {
    fc.assert(
      fc.property(cases, ([p, x, v]) => {
        const f = programFn(p);
        expectNormwise(hvp(f, x, v), fdHvp(f, x, v), FD_RTOL, 1, 'vs finite differences');
      }),
      runs(60),
    );
  });

  it('is symmetric: vᵀ(H w) = wᵀ(H v)', () => {
    fc.assert(
      fc.property(cases, ([p, x, v, w]) => {
        const f = programFn(p);
        const Hv = hvp(f, x, v);
        const Hw = hvp(f, x, w);
        const tol = 1e-12 * (dotAbs(v, Hw) + dotAbs(w, Hv) + PROGRAM_SCALE);
        expectWithin(dotPlain(v, Hw), dotPlain(w, Hv), tol, 'vᵀHw vs wᵀHv');
      }),
      runs(100),
    );
  });

  it('several directions at once equal one at a time, bit for bit', () => {
    fc.assert(
      fc.property(cases, ([p, x, v, w]) => {
        const f = programFn(p);
        const e0 = new Float64Array(p.n);
        e0[0] = 1;
        const dirs = [v, w, e0, v];
        const many = hvp(f, x, dirs);
        expect(Array.isArray(many)).toBe(true);
        expect(many.length).toBe(dirs.length);
        dirs.forEach((d, k) => {
          expect(many[k]).toBeInstanceOf(Float64Array);
          expectBitwise(many[k]!, hvp(f, x, d), `direction ${k}`);
        });
        // Linearity in v across the batch: H(v + w) = Hv + Hw (up to rounding).
        const vw = v.map((t, i) => t + w[i]!);
        const [Hvw] = hvp(f, x, [vw]);
        const sumHvHw = many[0]!.map((t, i) => t + many[1]![i]!);
        expectNormwise(Hvw!, sumHvHw, 1e-12, maxAbs(many[0]!) + maxAbs(many[1]!), 'linearity');
      }),
      runs(60),
    );
  });

  it("hessian(f) equals core's jacobian(grad(f)) and its columns are H·e_j", () => {
    fc.assert(
      fc.property(cases, ([p, x]) => {
        const f = programFn(p);
        const H = hessian(f)(x);
        const J = jacobian(grad(f) as never)(x as never);
        expect([H.rows, H.cols]).toEqual([p.n, p.n]);
        expectNormwise(H.data, J.data, NESTED_RTOL, PROGRAM_SCALE, 'H vs jacobian(grad f)');
        for (let j = 0; j < p.n; j++) {
          const e = new Float64Array(p.n);
          e[j] = 1;
          const col = hvp(f, x, e);
          expectBitwise(
            Float64Array.from({ length: p.n }, (_, i) => H.data[i * p.n + j]!),
            col,
            `column ${j}`,
          );
        }
        // Symmetric up to rounding.
        const Ht = Float64Array.from({ length: p.n * p.n }, (_, k) => H.data[(k % p.n) * p.n + Math.floor(k / p.n)]!);
        expectNormwise(Ht, H.data, 1e-12, PROGRAM_SCALE, 'symmetry');
      }),
      runs(50),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Every elementwise op against its spec's second partials
// ---------------------------------------------------------------------------------------------

const M = 4;
const AVOID_DISTANCE = 1e-3;
/** Second partials from the spec against the sweep: the same formula, different rounding at most. */
const SPEC_RTOL = 1e-12;

function unaryPoints(spec: UnarySpec): fc.Arbitrary<Float64Array> {
  const [lo, hi] = spec.domain;
  return vecArb(M, lo, hi).filter((x) =>
    x.every((t) => (spec.avoid ?? []).every((k) => Math.abs(t - k) >= AVOID_DISTANCE)),
  );
}

function binaryPoints(spec: BinarySpec, m: number): fc.Arbitrary<[Float64Array, Float64Array]> {
  const ok = spec.admissible ?? (() => true);
  return fc
    .tuple(vecArb(m, spec.domain.a[0], spec.domain.a[1]), vecArb(m, spec.domain.b[0], spec.domain.b[1]))
    .filter(([a, b]) => a.every((t, i) => ok(t, b[i]!)));
}

describe('every unary op: hvp of sum(op(x)) is diag(spec.d2)·v', () => {
  it('covers every name in UNARY_NAMES', () => {
    expect(Object.keys(UNARY_SPECS).sort()).toEqual([...UNARY_NAMES].sort());
    for (const name of UNARY_NAMES) expect(typeof ops[name], name).toBe('function');
  });

  for (const name of UNARY_NAMES) {
    const spec = UNARY_SPECS[name]!;
    it(name, () => {
      const op = ops[name]!;
      fc.assert(
        fc.property(unaryPoints(spec), vecArb(M, -1, 1), (x, v) => {
          const want = x.map((t, i) => spec.d2(t, spec.value(t)) * v[i]!);
          const got = hvp((z: ActiveVec) => sum(op(z) as ActiveVec), x, v);
          expectScaled(got, want, want.map(Math.abs), SPEC_RTOL, 1e-300, `${name} (vector)`);
          // Scalar input, scalar op.
          const s = hvp((z: Active) => op(z) as Real, x[0]!, v[0]!);
          expectWithin(s, want[0]!, SPEC_RTOL * Math.abs(want[0]!) + 1e-300, `${name} (scalar)`);
          // Scalar ops on elements: the same diagonal.
          const e = hvp(
            (z: ActiveVec) => add(add(op(z.at(0)) as Real, op(z.at(1)) as Real), op(z.at(3)) as Real),
            x,
            v,
          );
          expectScaled(
            e,
            Float64Array.of(want[0]!, want[1]!, 0, want[3]!),
            want.map(Math.abs),
            SPEC_RTOL,
            1e-300,
            `${name} (elements)`,
          );
        }),
        runs(15),
      );
    });
  }
});

describe('every binary op: hvp against spec.d2 = [aa, ab, bb]', () => {
  it('covers every name in BINARY_NAMES', () => {
    expect(Object.keys(BINARY_SPECS).sort()).toEqual([...BINARY_NAMES].sort());
    for (const name of BINARY_NAMES) expect(typeof ops[name], name).toBe('function');
  });

  for (const name of BINARY_NAMES) {
    const spec = BINARY_SPECS[name]!;
    const d2 = (a: number, b: number) => spec.d2(a, b, spec.value(a, b));
    it(`${name}: op(xa, xb) elementwise, op(x0, x1) on scalars`, () => {
      const op = ops[name]!;
      fc.assert(
        fc.property(binaryPoints(spec, M), vecArb(2 * M, -1, 1), ([a, b], v) => {
          const x = new Float64Array(2 * M);
          x.set(a);
          x.set(b, M);
          const want = new Float64Array(2 * M);
          const scale = new Float64Array(2 * M);
          for (let i = 0; i < M; i++) {
            const [aa, ab, bb] = d2(a[i]!, b[i]!);
            const va = v[i]!;
            const vb = v[M + i]!;
            want[i] = aa * va + ab * vb;
            want[M + i] = ab * va + bb * vb;
            scale[i] = Math.abs(aa * va) + Math.abs(ab * vb);
            scale[M + i] = Math.abs(ab * va) + Math.abs(bb * vb);
          }
          const got = hvp((z: ActiveVec) => sum(op(z.slice(0, M), z.slice(M)) as ActiveVec), x, v);
          expectScaled(got, want, scale, SPEC_RTOL, 1e-300, `${name} (vector)`);
          // Scalars x = (a0, b0).
          const s = hvp((z: ActiveVec) => op(z.at(0), z.at(1)) as Real, Float64Array.of(a[0]!, b[0]!), [
            Float64Array.of(v[0]!, v[M]!),
          ])[0]!;
          expectScaled(s, [want[0]!, want[M]!], [scale[0]!, scale[M]!], SPEC_RTOL, 1e-300, `${name} (scalar)`);
        }),
        runs(15),
      );
    });

    it(`${name}: broadcasting an active scalar b, and constant operands (scalar and vector)`, () => {
      const op = ops[name]!;
      const ok = spec.admissible ?? (() => true);
      const pts = fc
        .tuple(
          vecArb(M, spec.domain.a[0], spec.domain.a[1]),
          uniform(spec.domain.b[0], spec.domain.b[1]),
          vecArb(M, spec.domain.b[0], spec.domain.b[1]),
        )
        .filter(([a, b, bs]) => a.every((t, i) => ok(t, b) && ok(t, bs[i]!)));
      fc.assert(
        fc.property(pts, vecArb(M + 1, -1, 1), ([a, b, bs], v) => {
          // f(xa, xb) = Σ op(xa_i, xb): H = [[diag aa, ab], [abᵀ, Σ bb]].
          const x = new Float64Array(M + 1);
          x.set(a);
          x[M] = b;
          const want = new Float64Array(M + 1);
          const scale = new Float64Array(M + 1);
          for (let i = 0; i < M; i++) {
            const [aa, ab, bb] = d2(a[i]!, b);
            want[i] = aa * v[i]! + ab * v[M]!;
            scale[i] = Math.abs(aa * v[i]!) + Math.abs(ab * v[M]!);
            want[M] += ab * v[i]! + bb * v[M]!;
            scale[M] += Math.abs(ab * v[i]!) + Math.abs(bb * v[M]!);
          }
          const got = hvp((z: ActiveVec) => sum(op(z.slice(0, M), z.at(M)) as ActiveVec), x, v);
          expectScaled(got, want, scale, SPEC_RTOL, 1e-300, `${name} (active scalar b)`);

          // Constant second operand (a Float64Array, then a number): only the aa block.
          const va = v.slice(0, M);
          const wantA = a.map((t, i) => d2(t, bs[i]!)[0] * va[i]!);
          const gotA = hvp((z: ActiveVec) => sum(op(z, bs) as ActiveVec), a, va);
          expectScaled(gotA, wantA, wantA.map(Math.abs), SPEC_RTOL, 1e-300, `${name} (constant vector b)`);
          const wantS = a.map((t, i) => d2(t, b)[0] * va[i]!);
          const gotS = hvp((z: ActiveVec) => sum(op(z, b) as ActiveVec), a, va);
          expectScaled(gotS, wantS, wantS.map(Math.abs), SPEC_RTOL, 1e-300, `${name} (constant number b)`);

          // Constant first operand: only the bb block.
          const wantB = bs.map((t, i) => d2(a[i]!, t)[2] * va[i]!);
          const gotB = hvp((z: ActiveVec) => sum(op(a, z) as ActiveVec), bs, va);
          expectScaled(gotB, wantB, wantB.map(Math.abs), SPEC_RTOL, 1e-300, `${name} (constant vector a)`);
        }),
        runs(15),
      );
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Vector ops with analytic Hessians
// ---------------------------------------------------------------------------------------------

interface VectorCase {
  readonly name: string;
  readonly f: (x: ActiveVec) => Real;
  /** Analytic H(x)·v. */
  readonly hv: (x: Float64Array, v: Float64Array) => Float64Array;
  /** Points: a filter keeping away from kinks (argmax ties, mask switches). */
  readonly ok?: (x: Float64Array) => boolean;
}

const N = 6;
const IDX = [3, 0, 0, 5, 2, 3, 3];
const IDX2 = [1, 4, 4, 0, 2, 5, 1];
const SCATTER = [2, 0, 2, 1, 0, 2];
const SCATTER_M = 3;
const CONSTS = Float64Array.of(0.5, -1.25, 2, 0.75, -0.5, 1.5);
const fill = (n: number, g: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => g(i));
const argExtreme = (x: Float64Array, max: boolean) => {
  let k = 0;
  for (let i = 1; i < x.length; i++) if (max ? x[i]! > x[k]! : x[i]! < x[k]!) k = i;
  return k;
};
/** Smallest gap between the largest (or smallest) entry and the runner-up. */
const extremeGap = (x: Float64Array) => {
  const s = Array.from(x).sort((p, q) => p - q);
  return Math.min(s[1]! - s[0]!, s[s.length - 1]! - s[s.length - 2]!);
};
const sumOf = (v: Float64Array) => v.reduce((p, q) => p + q, 0);

const VECTOR_CASES: readonly VectorCase[] = [
  {
    name: 'sum: (Σx)² has H = 2·11ᵀ',
    f: (x) => square(sum(x)),
    hv: (_x, v) => fill(N, () => 2 * sumOf(v)),
  },
  {
    name: 'sum of a broadcast product with an active scalar: x0·Σx',
    f: (x) => sum(mul(x, x.at(0))),
    hv: (_x, v) => fill(N, (i) => v[0]! + (i === 0 ? sumOf(v) : 0)),
  },
  {
    name: 'dot(x, x) has H = 2I',
    f: (x) => dot(x, x),
    hv: (_x, v) => v.map((t) => 2 * t),
  },
  {
    name: 'dot of two halves (bilinear): H = [[0, I], [I, 0]]',
    f: (x) => dot(x.slice(0, 3), x.slice(3)),
    hv: (_x, v) => Float64Array.of(v[3]!, v[4]!, v[5]!, v[0]!, v[1]!, v[2]!),
  },
  {
    name: 'dot(sin x, cos x) = ½Σ sin 2x_i',
    f: (x) => dot(sin(x), cos(x)),
    hv: (x, v) => x.map((t, i) => -2 * Math.sin(2 * t) * v[i]!),
  },
  {
    name: 'dot with a constant vector of a square: Σ c_i x_i²',
    f: (x) => dot(CONSTS, square(x)),
    hv: (_x, v) => v.map((t, i) => 2 * CONSTS[i]! * t),
  },
  {
    name: 'prod: H_ij = Π_{k≠i,j} x_k, zero diagonal',
    f: (x) => prod(x),
    hv: (x, v) =>
      fill(N, (i) => {
        let s = 0;
        for (let j = 0; j < N; j++) {
          if (j === i) continue;
          let p = 1;
          for (let k = 0; k < N; k++) if (k !== i && k !== j) p *= x[k]!;
          s += p * v[j]!;
        }
        return s;
      }),
  },
  {
    name: 'maxOf(x)·Σx: H = e_k1ᵀ + 1e_kᵀ at the argmax k',
    f: (x) => mul(maxOf(x), sum(x)),
    hv: (x, v) => {
      const k = argExtreme(x, true);
      return fill(N, (i) => v[k]! + (i === k ? sumOf(v) : 0));
    },
    ok: (x) => extremeGap(x) > 1e-3,
  },
  {
    name: 'maxOf(x²): H = 2e_ke_kᵀ',
    f: (x) => maxOf(square(x)),
    hv: (x, v) => {
      const k = argExtreme(
        x.map((t) => t * t),
        true,
      );
      return fill(N, (i) => (i === k ? 2 * v[k]! : 0));
    },
    ok: (x) => extremeGap(x.map((t) => t * t)) > 1e-3,
  },
  {
    name: 'minOf(x)²: H = 2e_ke_kᵀ',
    f: (x) => square(minOf(x)),
    hv: (x, v) => {
      const k = argExtreme(x, false);
      return fill(N, (i) => (i === k ? 2 * v[k]! : 0));
    },
    ok: (x) => extremeGap(x) > 1e-3,
  },
  {
    name: 'gather: Σ gather(x, idx)² has H = 2 diag(multiplicities)',
    f: (x) => sum(square(gather(x, IDX))),
    hv: (_x, v) => v.map((t, i) => 2 * IDX.filter((k) => k === i).length * t),
  },
  {
    name: 'gather: dot(gather(x, p), gather(x, q)) has H = PᵀQ + QᵀP',
    f: (x) => dot(gather(x, IDX), gather(x, IDX2)),
    hv: (_x, v) => {
      const r = new Float64Array(N);
      IDX.forEach((p, k) => {
        const q = IDX2[k]!;
        r[p] += v[q]!;
        r[q] += v[p]!;
      });
      return r;
    },
  },
  {
    name: 'scatterAdd: Σ scatterAdd(x, idx, 3)² has H_ij = 2[idx_i = idx_j]',
    f: (x) => sum(square(scatterAdd(x, SCATTER, SCATTER_M))),
    hv: (_x, v) => fill(N, (i) => 2 * SCATTER.reduce((s, k, j) => s + (k === SCATTER[i] ? v[j]! : 0), 0)),
  },
  {
    name: 'concat of slices, squares, constants and scalars',
    f: (x) => sum(square(concat([x, x.slice(1, 4), 2.5, x.at(5), CONSTS.slice(0, 2)]))),
    hv: (_x, v) => v.map((t, i) => 2 * (1 + (i >= 1 && i < 4 ? 1 : 0) + (i === 5 ? 1 : 0)) * t),
  },
  {
    name: 'concat then a nonlinear op: Σ exp(concat([x, 2x]))',
    f: (x) => sum(exp(concat([x, mul(2, x)]))),
    hv: (x, v) => x.map((t, i) => (Math.exp(t) + 4 * Math.exp(2 * t)) * v[i]!),
  },
  {
    name: 'select with a recorded mask: x > 0 ? x³ : 2x²',
    f: (x) => sum(select(greater(x, 0), mul(x, square(x)), mul(2, square(x)))),
    hv: (x, v) => x.map((t, i) => (t > 0 ? 6 * t : 4) * v[i]!),
    ok: (x) => x.every((t) => Math.abs(t) > 1e-3),
  },
  {
    name: 'select with constant branches, then a nonlinear op: Σ exp(x < 0.3 ? x² : 0.5) + Σ (x > −0.2 ? c : x)²',
    f: (x) => add(sum(exp(select(less(x, 0.3), square(x), 0.5))), sum(square(select(greater(x, -0.2), CONSTS, x)))),
    hv: (x, v) => x.map((t, i) => ((t < 0.3 ? (2 + 4 * t * t) * Math.exp(t * t) : 0) + (t > -0.2 ? 0 : 2)) * v[i]!),
    ok: (x) => x.every((t) => Math.abs(t - 0.3) > 1e-3 && Math.abs(t + 0.2) > 1e-3),
  },
  {
    name: 'select with a scalar mask broadcast over vector branches',
    f: (x) => sum(select(greater(x.at(0), x.at(1)), square(x), mul(x, x.at(2)))),
    hv: (x, v) =>
      x[0]! > x[1]!
        ? v.map((t) => 2 * t)
        : // Σ x_i x_2 = x_2 Σx: H = e_2 1ᵀ + 1 e_2ᵀ.
          fill(N, (i) => v[2]! + (i === 2 ? sumOf(v) : 0)),
    ok: (x) => Math.abs(x[0]! - x[1]!) > 1e-3,
  },
  {
    name: 'broadcasting constants: Σ c/(2 + x²) with a constant vector c',
    f: (x) => sum(div(CONSTS, add(2, square(x)))),
    hv: (x, v) => x.map((t, i) => ((CONSTS[i]! * (6 * t * t - 4)) / (2 + t * t) ** 3) * v[i]!),
  },
  {
    name: 'broadcasting constants: Σ (x² + 1)^1.5 and Σ 2^x',
    f: (x) => add(sum(pow(add(square(x), 1), 1.5)), sum(pow(2, x))),
    hv: (x, v) =>
      x.map((t, i) => {
        const u = t * t + 1;
        return (3 * Math.sqrt(u) + (3 * t * t) / Math.sqrt(u) + Math.LN2 ** 2 * 2 ** t) * v[i]!;
      }),
  },
  {
    name: 'broadcasting an active scalar on the left: Σ (x1 − x)² = Σ_i (x_1 − x_i)²',
    f: (x) => sum(square(sub(x.at(1), x))),
    hv: (_x, v) =>
      // (x_1 − x_i)² for i ≠ 1: H contributions 2 on (1,1), (i,i), −2 on (1,i), (i,1).
      fill(N, (i) => (i === 1 ? 2 * ((N - 1) * v[1]! - (sumOf(v) - v[1]!)) : 2 * (v[i]! - v[1]!))),
  },
];

describe('vector ops: hvp against analytic Hessians and nested forward-over-reverse', () => {
  for (const c of VECTOR_CASES) {
    it(c.name, () => {
      const pts = c.ok ? vecArb(N, -1.5, 1.5).filter(c.ok) : vecArb(N, -1.5, 1.5);
      fc.assert(
        fc.property(pts, vecArb(N, -1, 1), (x, v) => {
          const got = hvp(c.f, x, v);
          const want = c.hv(x, v);
          const scale = Math.max(maxAbs(want), maxAbs(v));
          expectNormwise(got, want, 1e-13, scale, 'vs analytic');
          expectNormwise(got, nestedHvp(c.f, x, v), NESTED_RTOL, scale, 'vs nested');
        }),
        runs(25),
      );
    });
  }
});

describe('sweep buffers', () => {
  it('the second-order sweep clears as it goes: the pooled adjoint buffers come back all zeros', async () => {
    const { takeSweepBuffer, giveSweepBuffer, recordCall } = await import('@wengert/core/internals');
    const f = (x: core.ActiveVec): core.Real => {
      let s: core.Real = 0;
      for (let i = 0; i + 1 < x.length; i++) s = core.add(s, core.mul(core.exp(x.at(i)), x.at(i + 1)));
      return core.add(s, core.sum(core.mul(core.sin(x), x)));
    };
    const x = Float64Array.from({ length: 50 }, (_, i) => 0.01 * i);
    const size = recordCall(f, x, [], 'probe').tape.slots.size;
    for (let k = 0; k < 3; k++) hvp(f, x, x);
    // Whatever the pool hands out as zeroed must be zeros (a buffer returned dirty but marked clean would not be).
    const bufs = [takeSweepBuffer(size), takeSweepBuffer(size), takeSweepBuffer(size)];
    for (const b of bufs) expect(b.every((v) => v === 0)).toBe(true);
    for (const b of bufs) giveSweepBuffer(b, true);
  });
});
