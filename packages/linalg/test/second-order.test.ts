/**
 * Second order through the rules' differentiable versions (vjpGeneric / jvpGeneric): Hessian-vector
 * products with core's nested grad, against the analytic second derivative of log det and against finite
 * differences of the gradient for the other ops.
 */
import { type ActiveVec, concat, dot, fdJvp, grad, jvp, mul, type Real, sum, type Vec } from '@wengert/core';
import { describe, expect, it } from 'vitest';
import { AmbiguousClusterDerivativeError } from '../src/errors.js';
import {
  cholesky,
  det,
  eigh,
  eigvalsh,
  inv,
  logdet,
  type Mat,
  mat,
  matmul,
  powmSym,
  solve,
  svd,
  trace,
} from '../src/index.js';
import {
  expectClose,
  fromSpectrum,
  matmulPlain,
  orthogonal,
  randn,
  rng,
  spd,
  transposePlain,
  wellConditioned,
} from './support.js';

/** H v by reverse-over-reverse: ∇_x ⟨∇f(x), v⟩. */
function hvpNested(f: (x: ActiveVec) => Real, x: Float64Array, v: Float64Array): Float64Array {
  return grad((y: ActiveVec) => dot(grad(f)(y as never) as unknown as Vec, v))(x);
}

/** H v by finite differences of the gradient (Ridders). */
function hvpFd(f: (x: ActiveVec) => Real, x: Float64Array, v: Float64Array): Float64Array {
  return fdJvp((y) => grad(f)(y), x, v).value;
}

function invPlain(A: Float64Array, n: number): Float64Array {
  // Gauss–Jordan (test reference only)
  const M = A.slice();
  const I = Float64Array.from({ length: n * n }, (_, e) => (Math.floor(e / n) === e % n ? 1 : 0));
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r * n + c]!) > Math.abs(M[p * n + c]!)) p = r;
    for (let j = 0; j < n; j++) {
      [M[c * n + j], M[p * n + j]] = [M[p * n + j]!, M[c * n + j]!];
      [I[c * n + j], I[p * n + j]] = [I[p * n + j]!, I[c * n + j]!];
    }
    const d = M[c * n + c]!;
    for (let j = 0; j < n; j++) {
      M[c * n + j] /= d;
      I[c * n + j] /= d;
    }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const l = M[r * n + c]!;
      for (let j = 0; j < n; j++) {
        M[r * n + j] -= l * M[c * n + j]!;
        I[r * n + j] -= l * I[c * n + j]!;
      }
    }
  }
  return I;
}

describe('Hessian-vector products through the rules', () => {
  const n = 4;
  const r = rng(2024);
  const A = wellConditioned(r, n);
  const S = spd(r, n);
  const v = randn(r, n * n);

  it('log det: H v = −(A⁻¹ V A⁻¹)ᵀ exactly (≤ 1e-12), reverse-over-reverse and forward-over-reverse', () => {
    const f = (x: ActiveVec) => logdet(mat(x, n, n));
    const Ai = invPlain(S, n);
    const want = transposePlain(matmulPlain(matmulPlain(Ai, v, n, n, n), Ai, n, n, n), n, n).map((e) => -e);
    expectClose(hvpNested(f, S, v), want, 1e-12, 'H v (reverse over reverse)');
    const [, hv] = jvp((y: ActiveVec) => grad(f)(y as never) as unknown as Vec, S, v);
    expectClose(hv as Float64Array, want, 1e-12, 'H v (forward over reverse)');
  });

  const cases: [string, (x: ActiveVec) => Real, Float64Array][] = [
    ['solve', (x) => sum(mul(solve(mat(x, n, n), Float64Array.of(1, 2, 3, 4)), Float64Array.of(1, -1, 2, 0.5))), A],
    ['inv', (x) => dot(inv(mat(x, n, n)).data, v), A],
    ['det', (x) => det(mat(x, n, n)), A],
    ['cholesky', (x) => dot(cholesky(mat(x, n, n)).data, v), S],
    ['spd solve', (x) => sum(solve(mat(x, n, n), Float64Array.of(1, 2, 3, 4), { kind: 'spd' })), S],
    ['matmul', (x) => dot(matmul(mat(x, n, n), mat(x, n, n)).data, v), A],
  ];
  for (const [name, f, x] of cases) {
    it(`${name}: nested H v matches finite differences of the gradient`, () => {
      expectClose(hvpNested(f, x, v), hvpFd(f, x, v), 1e-7, `H v through ${name}`);
    });
  }

  it('the same Hessian away from degeneracy is exact', () => {
    const Sym = fromSpectrum(orthogonal(rng(9), 3), [2.5, 2, -1]);
    const f = (x: ActiveVec) => {
      const l = eigvalsh(mat(x, 3, 3));
      return dot(l, l);
    };
    const u = randn(rng(10), 9);
    const want = u.map((_, e) => u[e]! + u[(e % 3) * 3 + Math.floor(e / 3)]!);
    expectClose(hvpNested(f, Sym, u), want, 1e-10, 'H u');
  });

  it('eigh, eigvalsh and svd: nested H v matches finite differences of the gradient', () => {
    const Q = orthogonal(rng(5), n);
    const Sym = fromSpectrum(Q, [-1.5, 0.2, 1, 2.7]);
    const w = randn(rng(6), n);
    const fs: [string, (x: ActiveVec) => Real, Float64Array][] = [
      ['eigh vectors', (x) => dot(eigh(mat(x, n, n)).vectors.data, v), Sym],
      ['eigvalsh', (x) => dot(mul(eigvalsh(mat(x, n, n)), eigvalsh(mat(x, n, n))), w), Sym],
      [
        'svd',
        (x) => {
          const { s, U, V } = svd(mat(x, n, n));
          return add3(dot(s, w), dot(U.data, v), dot(V.data, v));
        },
        A,
      ],
    ];
    for (const [name, f, x] of fs) expectClose(hvpNested(f, x, v), hvpFd(f, x, v), 1e-6, `H v through ${name}`);
  });

  // At a repeated eigenvalue the derivative of the gradient V diag(g′(λ)) Vᵀ of Σ g(λ_i) needs the divided
  // difference (g′(λ_i) − g′(λ_j))/(λ_i − λ_j) → g″(λ) inside the cluster, which no rule of eigh can see (the
  // cotangents are the same as for a projector loss plus an eigenvalue function, whose in-cluster term is 0).
  // Through eigh the second sweep brings both a value and a vector cotangent to the eigh atomic: its ambiguity
  // check raises. Through a matrix function (powmSym) the Hessian is exact.
  const Sym2 = fromSpectrum(orthogonal(rng(9), 3), [2, 2, -1]);
  const u2 = randn(rng(10), 9);
  // Σλ² = ‖sym A‖², so H u = 2·sym(u)
  const want2 = u2.map((_, e) => u2[e]! + u2[(e % 3) * 3 + Math.floor(e / 3)]!);

  // Through eigvalsh of an active matrix the values come from the same shared eigendecomposition as the
  // vectors its rule uses (shared.ts), so the second sweep reaches one rule with both cotangents and raises
  // like eigh's (it used to drop the in-cluster g″ term silently).
  for (const [name, values] of [
    ['eigh(A).values', (A: Mat) => eigh(A).values],
    ['eigvalsh(A)', (A: Mat) => eigvalsh(A)],
  ] as const) {
    it(`Σλ² through ${name} at a repeated eigenvalue: the Hessian raises AmbiguousClusterDerivativeError`, () => {
      const f = (x: ActiveVec) => {
        const l = values(mat(x, 3, 3));
        return dot(l, l);
      };
      // the gradient itself (first order) is exact: 2A
      expectClose(
        grad(f)(Sym2),
        Sym2.map((e) => 2 * e),
        1e-10,
        'first order',
      );
      expect(() => hvpNested(f, Sym2, u2)).toThrow(AmbiguousClusterDerivativeError);
    });
  }

  it('Σλ² as tr(powmSym(A, 2)) at the repeated eigenvalue: H u = 2·sym(u) exactly (≤ 1e-10)', () => {
    const f = (x: ActiveVec) => trace(powmSym(mat(x, 3, 3), 2));
    expectClose(hvpNested(f, Sym2, u2), want2, 1e-10, 'H u via powmSym');
  });
});

function add3(a: Real, b: Real, c: Real): Real {
  return sum(concat3(a, b, c));
}

function concat3(a: Real, b: Real, c: Real): Vec {
  return concat([a, b, c]);
}
