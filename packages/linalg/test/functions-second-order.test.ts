/**
 * Second order through the differentiable rules: nested-grad Hessian-vector products against finite
 * differences of the gradient on random well-conditioned matrices, and, at exactly repeated eigenvalues,
 * against independent references: the Hessian of ⟨W, exp(sym A)⟩ from a Taylor-series exponential of the
 * 4n×4n block matrix [[B, V⊕V], [0, B]], B = [[S, W], [0, S]] (Mathias 1996), and Σλ² = ‖sym A‖² (whose
 * Hessian the first slice could not get through eigvalsh).
 */
import {
  type ActiveVec,
  concat,
  dot,
  fdJvp,
  grad,
  jvp,
  MissingRuleError,
  type Real,
  sum,
  type Vec,
} from '@wengert/core';
import { describe, expect, it } from 'vitest';
import {
  eigenProjector,
  expm,
  expmSym,
  logmSym,
  lstsq,
  mat,
  normFro,
  normNuclear,
  normSpectral,
  pinv,
  polar,
  powmSym,
  qr,
  sqrtmSym,
  sumTopK,
  symFunction,
} from '../src/index.js';
import { expTaylor } from './functions-support.js';
import { expectClose, fromSpectrum, HOUSEHOLDER4, orthogonal, randn, rng } from './support.js';

function hvpNested(f: (x: ActiveVec) => Real, x: Float64Array, v: Float64Array): Float64Array {
  return grad((y: ActiveVec) => dot(grad(f)(y as never) as unknown as Vec, v))(x);
}

function hvpFd(f: (x: ActiveVec) => Real, x: Float64Array, v: Float64Array): Float64Array {
  return fdJvp((y) => grad(f)(y), x, v).value;
}

describe('HVPs against finite differences of the gradient (random, well separated)', () => {
  const n = 3;
  const r = rng(77);
  const S = fromSpectrum(orthogonal(r, n), [0.7, 1.6, 2.8]).map((a) => a + 0.01 * (2 * r() - 1));
  const G = randn(r, n * n).map((a, e) => a + (Math.floor(e / n) === e % n ? 2.5 : 0));
  const T = randn(r, 4 * 3).map((a, e) => a + (Math.floor(e / 3) === e % 3 ? 2 : 0)); // 4×3, full rank
  const w = randn(r, n * n);
  const w12 = randn(r, 12);
  const v = randn(r, n * n);
  const v12 = randn(r, 12);
  const cases: [string, (x: ActiveVec) => Real, Float64Array, Float64Array][] = [
    ['expmSym', (x) => dot(expmSym(mat(x, n, n)).data, w), S, v],
    ['logmSym', (x) => dot(logmSym(mat(x, n, n)).data, w), S, v],
    ['sqrtmSym', (x) => dot(sqrtmSym(mat(x, n, n)).data, w), S, v],
    ['powmSym(−0.5)', (x) => dot(powmSym(mat(x, n, n), -0.5).data, w), S, v],
    [
      'symFunction(sin)',
      (x) => dot(symFunction(mat(x, n, n), Math.sin, Math.cos, { d2f: (t) => -Math.sin(t) }).data, w),
      S,
      v,
    ],
    ['eigenProjector', (x) => dot(eigenProjector(mat(x, n, n), [1, 2]).data, w), S, v],
    ['sumTopK', (x) => sumTopK(mat(x, n, n), 2), S, v],
    ['polar (square)', (x) => dot(polar(mat(x, n, n)).data, w), G, v],
    ['polar (tall)', (x) => dot(polar(mat(x, 4, 3)).data, w12), T, v12],
    ['normFro', (x) => normFro(mat(x, n, n)), G, v],
    ['normNuclear (tall)', (x) => normNuclear(mat(x, 4, 3)), T, v12],
    ['normSpectral (tall)', (x) => normSpectral(mat(x, 4, 3)), T, v12],
    ['expm (general)', (x) => dot(expm(mat(x, n, n)).data, w), G.map((a) => 0.4 * a), v],
    [
      'qr (tall)',
      (x) => {
        const { Q, R } = qr(mat(x, 4, 3));
        return sum(concat([dot(Q.data, w12), dot(R.data, w)]));
      },
      T,
      v12,
    ],
    ['lstsq', (x) => dot(lstsq(mat(x, 4, 3), Float64Array.of(1, -2, 0.5, 3)), Float64Array.of(1, 2, 3)), T, v12],
    ['pinv', (x) => dot(pinv(mat(x, 4, 3)).data, w12), T, v12],
  ];
  for (const [name, f, x, dir] of cases) {
    it(name, () => expectClose(hvpNested(f, x, dir), hvpFd(f, x, dir), 1e-6, `H v through ${name}`));
  }
});

describe('HVPs at the exactly repeated eigenvalue 3 of A = Q diag(3, 3, 1, 2) Qᵀ', () => {
  const Q = HOUSEHOLDER4;
  const n = 4;
  const A = fromSpectrum(Q, [3, 3, 1, 2]);
  const W = Float64Array.from({ length: 16 }, (_, e) => Math.sin(1.3 * e + 0.4));
  const V = Float64Array.from({ length: 16 }, (_, e) => Math.cos(0.9 * e - 0.3));
  const sym = (X: Float64Array) => X.map((_, e) => 0.5 * (X[e]! + X[(e % 4) * 4 + Math.floor(e / 4)]!));

  it('⟨W, exp(sym A)⟩: reverse-over-reverse and forward-over-reverse against the block-exponential reference', () => {
    // B = [[S, Ws], [0, S]] (8×8), Big = [[B, Vs ⊕ Vs], [0, B]] (16×16); H v = rows 0‥3, cols 12‥15 of exp(Big).
    const Ws = sym(W);
    const Vs = sym(V);
    const Big = new Float64Array(256);
    const put = (X: Float64Array, r0: number, c0: number) => {
      for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) Big[(r0 + i) * 16 + c0 + j] = X[i * 4 + j]!;
    };
    for (const o of [0, 4, 8, 12]) put(A, o, o);
    put(Ws, 0, 4);
    put(Ws, 8, 12);
    put(Vs, 0, 8);
    put(Vs, 4, 12);
    const E = expTaylor(Big, 16);
    const want = Float64Array.from({ length: 16 }, (_, e) => E[Math.floor(e / 4) * 16 + 12 + (e % 4)]!);
    const f = (x: ActiveVec) => dot(expmSym(mat(x, n, n)).data, W);
    expectClose(hvpNested(f, A, V), want, 1e-10, 'H v (reverse over reverse)');
    const [, hv] = jvp((y: ActiveVec) => grad(f)(y as never) as unknown as Vec, A, V);
    expectClose(hv as Float64Array, want, 1e-10, 'H v (forward over reverse)');
  });

  it('Σλ² = tr(S²) through powmSym: H u = 2·sym(u) exactly (through eigvalsh the Hessian raises at the repeated eigenvalue)', () => {
    const f = (x: ActiveVec) => {
      const P = powmSym(mat(x, n, n), 2).data;
      return sum(concat([0, ...[0, 5, 10, 15].map((i) => (P as ActiveVec).at(i) as Real)]));
    };
    expectClose(
      hvpNested(f, A, V),
      sym(V).map((a) => 2 * a),
      1e-12,
      'H u',
    );
  });

  const fdCases: [string, (x: ActiveVec) => Real][] = [
    ['sqrtmSym', (x) => dot(sqrtmSym(mat(x, n, n)).data, W)],
    ['logmSym', (x) => dot(logmSym(mat(x, n, n)).data, W)],
    ['eigenProjector onto the cluster', (x) => dot(eigenProjector(mat(x, n, n), [2, 3]).data, W)],
    ['sumTopK(2)', (x) => sumTopK(mat(x, n, n), 2)],
  ];
  for (const [name, f] of fdCases) {
    it(`${name}: nested H v matches finite differences of the (smooth) gradient`, () => {
      expectClose(hvpNested(f, A, V), hvpFd(f, A, V), 1e-7, `H v through ${name}`);
    });
  }

  it('polar at the repeated singular value: nested H v against finite differences', () => {
    const P = Float64Array.of(0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1);
    const S = [3, 3, 2, 1];
    const B = new Float64Array(16);
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) for (let c = 0; c < 4; c++) B[i * 4 + j] += Q[i * 4 + c]! * S[c]! * P[j * 4 + c]!;
    const f = (x: ActiveVec) => dot(polar(mat(x, 4, 4)).data, W);
    expectClose(hvpNested(f, B, V), hvpFd(f, B, V), 1e-7, 'H v through polar');
    const g = (x: ActiveVec) => normNuclear(mat(x, 4, 4));
    expectClose(hvpNested(g, B, V), hvpFd(g, B, V), 1e-7, 'H v through the nuclear norm');
  });

  it('a user function without d2f: second order raises MissingRuleError', () => {
    const f = (x: ActiveVec) => dot(symFunction(mat(x, n, n), Math.sin, Math.cos).data, W);
    expect(() => hvpNested(f, A, V)).toThrow(MissingRuleError);
  });
});
