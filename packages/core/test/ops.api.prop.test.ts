/**
 * Every elementwise op, through its PUBLIC function (`core[spec.name]`), on random points of its
 * spec's domain (keeping 1e-3 from `avoid` points and respecting `admissible`):
 *
 * - grad of the scalar op against Ridders finite differences of the public function itself
 *   (≤ 1e-7 relative or 1e-9 absolute);
 * - the vector form (an active vector of length 3) against the scalar form, bit for bit;
 * - forward mode (jvp) against reverse mode (grad), bit for bit;
 * - for binary ops every operand kind: active/active, number/active, active/number, vector/vector,
 *   vector/broadcast scalar, broadcast scalar/vector, vector/constant vector, number/vector;
 * - second derivatives by nesting (reverse-over-reverse, forward-over-reverse, reverse-over-forward,
 *   forward-over-forward, nested vector sweeps, jacobian of grad) against `spec.d2` (≤ 1e-8
 *   relative, with a floor of 1e-13 of the second-derivative scale): these run the generic sweeps.
 *
 * Runs are bounded and seeded.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as core from '../src/index.js';
import {
  type ActiveVec,
  BINARY_SPECS,
  type BinarySpec,
  grad,
  jacfwd,
  jacobian,
  jacrev,
  jvp,
  richardsonDerivative,
  sum,
  UNARY_SPECS,
  type UnarySpec,
  type Value,
} from '../src/index.js';
import { expectBitwise, expectClose, maxAbs } from './support/numeric.js';
import { propSeed } from './support/prop-seed.js';

const RUNS = {
  numRuns: Number(process.env.PROP_RUNS ?? 40),
  seed: propSeed(0x0b5),
  endOnFailure: true,
};
const AVOID_DISTANCE = 1e-3;
const FD_RTOL = 1e-7;
const FD_ATOL = 1e-9;
const D2_RTOL = 1e-8;
/** Second derivatives: absolute floor relative to the scale of the second derivatives involved. */
const D2_FLOOR = 1e-13;

type Op1 = (x: Value) => Value;
type Op2 = (a: Value, b: Value) => Value;

function publicUnary(name: string): Op1 {
  const f = (core as unknown as Record<string, unknown>)[name];
  if (typeof f !== 'function') throw new Error(`no public function named ${name}`);
  return f as Op1;
}
function publicBinary(name: string): Op2 {
  return publicUnary(name) as unknown as Op2;
}

/** Points of [lo, hi] on a fine grid (no subnormals), at least AVOID_DISTANCE from every avoid point. */
function pointIn([lo, hi]: readonly [number, number], avoid: readonly number[] = []): fc.Arbitrary<number> {
  return fc
    .integer({ min: 0, max: 2 ** 30 })
    .map((i) => lo + ((hi - lo) * i) / 2 ** 30)
    .filter((x) => avoid.every((p) => Math.abs(x - p) >= AVOID_DISTANCE));
}

/** A finite-difference step whose stencil stays clear of the avoid points. */
function stepFor(x: number, avoid: readonly number[] = []): number {
  let h = 0.01;
  for (const p of avoid) h = Math.min(h, Math.abs(x - p) / 2);
  return h;
}

function fdCheck(ad: number, fd: number, what: string): void {
  expectClose(ad, fd, FD_RTOL, FD_ATOL, what);
}

function d2Check(got: number, want: number, scale: number, what: string): void {
  expectClose(got, want, D2_RTOL, D2_FLOOR * scale, what);
}

const unarySpecs = Object.values(UNARY_SPECS) as UnarySpec[];
const binarySpecs = Object.values(BINARY_SPECS) as BinarySpec[];

describe('the public op functions', () => {
  it('exist for every spec, under the spec name', () => {
    expect(unarySpecs.length).toBeGreaterThan(30);
    expect(binarySpecs.length).toBeGreaterThan(10);
    for (const s of [...unarySpecs, ...binarySpecs]) {
      expect(typeof (core as unknown as Record<string, unknown>)[s.name], s.name).toBe('function');
    }
  });

  it('compute the spec value on numbers, Float64Arrays and active values alike', () => {
    for (const s of unarySpecs) {
      const op = publicUnary(s.name);
      const [lo, hi] = s.domain;
      const xs = Float64Array.of(lo + 0.3 * (hi - lo), lo + 0.6 * (hi - lo), lo + 0.85 * (hi - lo));
      expect(Object.is(op(xs[0]!), s.value(xs[0]!)), s.name).toBe(true);
      expectBitwise(op(xs) as Float64Array, xs.map(s.value), `${s.name} on a Float64Array`);
      const [y] = jvp(op as never, xs, xs);
      expectBitwise(y as Float64Array, xs.map(s.value), `${s.name} on an active vector`);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Unary ops
// ---------------------------------------------------------------------------------------------

describe.each(unarySpecs.map((s) => [s.name, s] as const))('unary %s', (_name, spec) => {
  const op = publicUnary(spec.name);
  const x = pointIn(spec.domain, spec.avoid);

  // detach is the identity with its derivative cut on purpose: its derivative is 0, not the FD slope.
  it.skipIf(spec.name === 'detach')('grad matches finite differences of the public function', () => {
    fc.assert(
      fc.property(x, (x0) => {
        const g = grad(op as never)(x0) as number;
        const fd = richardsonDerivative((t) => op(x0 + t) as number, stepFor(x0, spec.avoid));
        fdCheck(g, fd.value, `${spec.name}'(${x0})`);
      }),
      RUNS,
    );
  });

  it('forward equals reverse, and the vector form equals the scalar form (bitwise)', () => {
    fc.assert(
      fc.property(fc.tuple(x, x, x), (xs) => {
        const scalar = xs.map((e) => grad(op as never)(e) as number);
        for (let i = 0; i < 3; i++) {
          const [y, t] = jvp(op as never, xs[i]!, 1);
          expect(Object.is(y, spec.value(xs[i]!)), `${spec.name} value`).toBe(true);
          expect(Object.is(t, scalar[i]), `${spec.name} jvp vs grad at ${xs[i]}`).toBe(true);
        }
        const xv = Float64Array.from(xs);
        const gv = grad((v: ActiveVec) => sum(op(v) as ActiveVec))(xv);
        expectBitwise(gv, scalar, `${spec.name}: grad of sum(op(x))`);
        const [, tv] = jvp(op as never, xv, Float64Array.of(1, 1, 1));
        expectBitwise(tv as Float64Array, scalar, `${spec.name}: vector jvp`);
        // The Jacobian of the vector op is diagonal, by either mode.
        for (const J of [jacfwd(op as never)(xv), jacrev(op as never)(xv)]) {
          expectBitwise(J.data, [scalar[0]!, 0, 0, 0, scalar[1]!, 0, 0, 0, scalar[2]!], `${spec.name}: Jacobian`);
        }
      }),
      RUNS,
    );
  });

  it('second derivatives by nesting match spec.d2 (generic sweeps)', () => {
    fc.assert(
      fc.property(x, x, (x0, x1) => {
        const want = spec.d2(x0, spec.value(x0));
        const scale = Math.max(Math.abs(want), Math.abs(spec.d(x0, spec.value(x0))), 1);
        const dOp = (v: Value) => grad(op as never)(v as never) as Value;
        d2Check(grad(dOp as never)(x0) as number, want, scale, `${spec.name}'' reverse-over-reverse at ${x0}`);
        d2Check(jvp(dOp as never, x0, 1)[1] as number, want, scale, `${spec.name}'' forward-over-reverse`);
        const tan = (v: Value) => jvp(op as never, v as never, 1)[1] as Value;
        d2Check(grad(tan as never)(x0) as number, want, scale, `${spec.name}'' reverse-over-forward`);
        d2Check(jvp(tan as never, x0, 1)[1] as number, want, scale, `${spec.name}'' forward-over-forward`);
        // The first derivative computed by the generic sweep (the primal of the nested call) is the float one.
        const [d1] = jvp(dOp as never, x0, 1);
        expectClose(d1 as number, grad(op as never)(x0) as number, 1e-12, 1e-300, `${spec.name}' generic vs float`);
        // Vector sweeps nested: the Hessian of sum(op(v)) is diag(op'').
        const xv = Float64Array.of(x0, x1);
        const want1 = spec.d2(x1, spec.value(x1));
        const scale1 = Math.max(Math.abs(want1), Math.abs(spec.d(x1, spec.value(x1))), 1);
        const H = jacobian(grad((v: ActiveVec) => sum(op(v) as ActiveVec)) as never)(xv);
        d2Check(H.data[0]!, want, scale, `${spec.name}: jacobian(grad) [0][0]`);
        d2Check(H.data[3]!, want1, scale1, `${spec.name}: jacobian(grad) [1][1]`);
        expect(H.data[1]).toBe(0);
        expect(H.data[2]).toBe(0);
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Binary ops
// ---------------------------------------------------------------------------------------------

function pairIn(spec: BinarySpec): fc.Arbitrary<[number, number]> {
  return fc
    .tuple(pointIn(spec.domain.a), pointIn(spec.domain.b))
    .filter(([a, b]) => (spec.admissible ? spec.admissible(a, b) : true));
}

/** A step that keeps the stencil (±h in a or b) admissible, so it never crosses a kink or cut. */
function stepFor2(spec: BinarySpec, a: number, b: number): number {
  let h = 0.01;
  while (h > 1e-5 && spec.admissible && ![-h, h].every((t) => spec.admissible!(a + t, b) && spec.admissible!(a, b + t)))
    h /= 2;
  return h;
}

describe.each(binarySpecs.map((s) => [s.name, s] as const))('binary %s', (_name, spec) => {
  const op = publicBinary(spec.name);
  const ab = pairIn(spec);

  /** Partials [∂/∂a, ∂/∂b] from one reverse sweep over active/active operands. */
  const partials = (a: number, b: number): Float64Array =>
    grad((x: ActiveVec) => op(x.at(0), x.at(1)) as never)(Float64Array.of(a, b));

  it('partials match finite differences of the public function', () => {
    fc.assert(
      fc.property(ab, ([a, b]) => {
        const [pa, pb] = partials(a, b);
        const h = stepFor2(spec, a, b);
        fdCheck(pa!, richardsonDerivative((t) => op(a + t, b) as number, h).value, `∂${spec.name}/∂a at (${a}, ${b})`);
        fdCheck(pb!, richardsonDerivative((t) => op(a, b + t) as number, h).value, `∂${spec.name}/∂b at (${a}, ${b})`);
      }),
      RUNS,
    );
  });

  it('every operand kind gives the same partials; forward equals reverse', () => {
    fc.assert(
      fc.property(ab, ab, ab, ([a, b], [a1, b1], [a2, b2]) => {
        const [pa, pb] = partials(a, b);
        // number/active and active/number
        expect(Object.is(grad((s: core.Active) => op(s, b) as never)(a), pa), 'active/number').toBe(true);
        expect(Object.is(grad((s: core.Active) => op(a, s) as never)(b), pb), 'number/active').toBe(true);
        // forward mode, one direction per operand
        const ff = (x: ActiveVec) => op(x.at(0), x.at(1)) as never;
        expect(Object.is(jvp(ff, Float64Array.of(a, b), Float64Array.of(1, 0))[1], pa), 'jvp along a').toBe(true);
        expect(Object.is(jvp(ff, Float64Array.of(a, b), Float64Array.of(0, 1))[1], pb), 'jvp along b').toBe(true);

        // vector/vector: x = [a, a1, a2, b, b1, b2]
        const as = [a, a1, a2];
        const bs = [b, b1, b2];
        const P = as.map((ai, i) => partials(ai, bs[i]!));
        const PA = P.map((p) => p[0]!);
        const PB = P.map((p) => p[1]!);
        const xv = Float64Array.of(...as, ...bs);
        const gvv = grad((x: ActiveVec) => sum(op(x.slice(0, 3), x.slice(3, 6)) as ActiveVec))(xv);
        expectBitwise(gvv, [...PA, ...PB], 'vector/vector');
        const jf = jacfwd((x: ActiveVec) => op(x.slice(0, 3), x.slice(3, 6)) as never)(xv);
        const jr = jacrev((x: ActiveVec) => op(x.slice(0, 3), x.slice(3, 6)) as never)(xv);
        expectBitwise(jf.data, jr.data, 'vector/vector: jacfwd vs jacrev');
        for (let i = 0; i < 3; i++) {
          expect(Object.is(jf.data[i * 6 + i], PA[i]), `J[${i}][a${i}]`).toBe(true);
          expect(Object.is(jf.data[i * 6 + 3 + i], PB[i]), `J[${i}][b${i}]`).toBe(true);
        }

        // vector/constant vector and constant vector/vector
        const gvc = grad((x: ActiveVec) => sum(op(x, Float64Array.from(bs)) as ActiveVec))(Float64Array.from(as));
        expectBitwise(gvc, PA, 'vector/Float64Array');
        const gcv = grad((x: ActiveVec) => sum(op(Float64Array.from(as), x) as ActiveVec))(Float64Array.from(bs));
        expectBitwise(gcv, PB, 'Float64Array/vector');

        // vector/broadcast scalar (active and number), broadcast scalar/vector: b and a shared
        const pAs = as.map((ai) => partials(ai, b));
        const gvs = grad((x: ActiveVec) => sum(op(x.slice(0, 3), x.at(3)) as ActiveVec))(Float64Array.of(...as, b));
        expectBitwise(
          gvs.subarray(0, 3),
          pAs.map((p) => p[0]!),
          'vector/active scalar: vector part',
        );
        const sumB = pAs.reduce((s, p) => s + Math.abs(p[1]!), 0);
        expectClose(
          gvs[3]!,
          pAs[0]![1]! + pAs[1]![1]! + pAs[2]![1]!,
          1e-15,
          4e-16 * sumB,
          'vector/active scalar: scalar part',
        );
        const gvn = grad((x: ActiveVec) => sum(op(x, b) as ActiveVec))(Float64Array.from(as));
        expectBitwise(
          gvn,
          pAs.map((p) => p[0]!),
          'vector/number',
        );
        const pBs = bs.map((bi) => partials(a, bi));
        const gsv = grad((x: ActiveVec) => sum(op(x.at(0), x.slice(1, 4)) as ActiveVec))(Float64Array.of(a, ...bs));
        expectBitwise(
          gsv.subarray(1, 4),
          pBs.map((p) => p[1]!),
          'active scalar/vector: vector part',
        );
        const sumA = pBs.reduce((s, p) => s + Math.abs(p[0]!), 0);
        expectClose(
          gsv[0]!,
          pBs[0]![0]! + pBs[1]![0]! + pBs[2]![0]!,
          1e-15,
          4e-16 * sumA,
          'active scalar/vector: scalar part',
        );
        const gnv = grad((x: ActiveVec) => sum(op(a, x) as ActiveVec))(Float64Array.from(bs));
        expectBitwise(
          gnv,
          pBs.map((p) => p[1]!),
          'number/vector',
        );
        // broadcast forward mode: tangent along the shared scalar
        const [, tb] = jvp(
          (x: ActiveVec) => op(x.slice(0, 3), x.at(3)) as never,
          Float64Array.of(...as, b),
          Float64Array.of(0, 0, 0, 1),
        );
        expectBitwise(
          tb as Float64Array,
          pAs.map((p) => p[1]!),
          'vector/active scalar: jvp along the scalar',
        );
      }),
      RUNS,
    );
  });

  it('second partials by nesting match spec.d2 (generic sweeps)', () => {
    fc.assert(
      fc.property(ab, ([a, b]) => {
        const [aa, abx, bb] = spec.d2(a, b, spec.value(a, b));
        const [pa, pb] = partials(a, b);
        const scale = Math.max(maxAbs([aa, abx, bb, pa!, pb!]), 1);
        const gaa = grad((s: core.Active) => grad((t: core.Active) => op(t, b) as never)(s) as never)(a);
        const gbb = grad((s: core.Active) => grad((t: core.Active) => op(a, t) as never)(s) as never)(b);
        // Mixed: the inner grad closes over the outer active value.
        const gab = grad((s: core.Active) => grad((t: core.Active) => op(t, s) as never)(a) as never)(b);
        const gba = grad((s: core.Active) => grad((t: core.Active) => op(s, t) as never)(b) as never)(a);
        d2Check(gaa, aa, scale, `∂²${spec.name}/∂a² at (${a}, ${b})`);
        d2Check(gbb, bb, scale, `∂²${spec.name}/∂b²`);
        d2Check(gab, abx, scale, `∂²${spec.name}/∂a∂b (inner a)`);
        d2Check(gba, abx, scale, `∂²${spec.name}/∂a∂b (inner b)`);
        // The Hessian of op(x0, x1) by jacobian(grad) in both modes, and of the vector form.
        const g = grad((x: ActiveVec) => op(x.at(0), x.at(1)) as never);
        for (const H of [jacfwd(g as never)(Float64Array.of(a, b)), jacrev(g as never)(Float64Array.of(a, b))]) {
          d2Check(H.data[0]!, aa, scale, 'H[0][0]');
          d2Check(H.data[1]!, abx, scale, 'H[0][1]');
          d2Check(H.data[2]!, abx, scale, 'H[1][0]');
          d2Check(H.data[3]!, bb, scale, 'H[1][1]');
        }
        const gv = grad((x: ActiveVec) => sum(op(x.slice(0, 2), x.slice(2, 4)) as ActiveVec));
        const Hv = jacobian(gv as never)(Float64Array.of(a, a, b, b));
        // x = [a1, a2, b1, b2], pairs (a1, b1) and (a2, b2): 2×2 blocks.
        d2Check(Hv.data[0]!, aa, scale, 'vector H[a1][a1]');
        d2Check(Hv.data[2]!, abx, scale, 'vector H[a1][b1]');
        d2Check(Hv.data[10]!, bb, scale, 'vector H[b1][b1]');
        d2Check(Hv.data[15]!, bb, scale, 'vector H[b2][b2]');
        expect(Hv.data[1]).toBe(0);
        expect(Hv.data[3]).toBe(0);
        // forward-over-reverse along b
        const [, hvb] = jvp(g as never, Float64Array.of(a, b), Float64Array.of(0, 1));
        d2Check((hvb as Float64Array)[0]!, abx, scale, 'forward-over-reverse ∂²/∂a∂b');
        d2Check((hvb as Float64Array)[1]!, bb, scale, 'forward-over-reverse ∂²/∂b²');
      }),
      RUNS,
    );
  });
});
