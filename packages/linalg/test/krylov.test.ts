/**
 * Krylov solvers (CG, GMRES(m), BiCGStab) against dense solves (ml-matrix), preconditioning, convergence
 * reports and the typed non-convergence error; `linearSolve` derivatives against the dense differentiable
 * `solve`, finite differences and the dot-product identity, first and second order.
 */
import {
  type ActiveVec,
  add,
  concat,
  dot,
  grad,
  isWengertError,
  jacobian,
  jvp,
  mul,
  scatterAdd,
  sum,
  type Vec,
} from '@wengert/core';
import { Matrix, solve as mlSolve } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import {
  bicgstab,
  cg,
  gmres,
  jacobi,
  KrylovConvergenceError,
  type LinearOperator,
  type LinearSolveOptions,
  linearSolve,
  mat,
  matvec,
  solve,
} from '../src/index.js';
import { checkRule, expectClose, matmulPlain, randn, rng, spd, wellConditioned } from './support.js';

function mlSolution(A: Float64Array, b: Float64Array, n: number): Float64Array {
  const M = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) M.set(i, j, A[i * n + j]!);
  return Float64Array.from(mlSolve(M, Matrix.columnVector(Array.from(b))).getColumn(0));
}

const denseOp = (A: Float64Array, n: number) => (v: Float64Array) => matmulPlain(A, v, n, n, 1);

function diagonalOf(A: Float64Array, n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => A[i * n + i]!);
}

describe('Krylov solvers on matvec callbacks', () => {
  const n = 30;
  const r = rng(7);
  const S = spd(r, n);
  const G = wellConditioned(r, n);
  const b = randn(r, n);

  it('CG on SPD, GMRES(m) and BiCGStab on nonsymmetric A agree with ml-matrix', () => {
    const c = cg(denseOp(S, n), b, { tol: 1e-12 });
    expectClose(c.x, mlSolution(S, b, n), 1e-9, 'cg');
    for (const m of [5, 30]) {
      const g = gmres(denseOp(G, n), b, { tol: 1e-12, restart: m });
      expectClose(g.x, mlSolution(G, b, n), 1e-10, `gmres(${m})`);
    }
    const s = bicgstab(denseOp(G, n), b, { tol: 1e-12 });
    expectClose(s.x, mlSolution(G, b, n), 1e-10, 'bicgstab');
  });

  it('reports iterations and the residual history', () => {
    const c = cg(denseOp(S, n), b, { tol: 1e-10 });
    expect(c.method).toBe('cg');
    expect(c.residualHistory.length).toBe(c.iterations + 1);
    expect(c.residualHistory[c.iterations]).toBe(c.residualNorm);
    expect(c.residualNorm).toBeLessThanOrEqual(1e-10 * Math.hypot(...b));
    const g = gmres(denseOp(G, n), b, { restart: 4 });
    expect(g.iterations).toBeGreaterThan(4); // restarted at least once
    expect(g.residualHistory.length).toBe(g.iterations + 1);
    const x0 = mlSolution(S, b, n);
    expect(cg(denseOp(S, n), b, { x0 }).iterations).toBe(0); // exact initial guess
    expect(gmres(denseOp(G, n), new Float64Array(n)).x).toEqual(new Float64Array(n));
  });

  it('a Jacobi preconditioner cuts the iterations on a badly scaled matrix', () => {
    // D S D with D = diag(1 … 10³): condition number grows by ~10⁶, Jacobi undoes the scaling.
    const d = Float64Array.from({ length: n }, (_, i) => 10 ** ((3 * i) / (n - 1)));
    const B = S.map((v, e) => v * d[Math.floor(e / n)]! * d[e % n]!);
    const Gs = G.map((v, e) => v * d[e % n]!); // column scaling: right preconditioning undoes it
    const M = jacobi(diagonalOf(B, n));
    const plainCg = cg(denseOp(B, n), b, { maxIter: 5000 });
    const pcg = cg(denseOp(B, n), b, { precondition: M });
    expect(pcg.iterations).toBeLessThan(plainCg.iterations);
    expectClose(pcg.x, mlSolution(B, b, n), 1e-8, 'pcg');
    const Mg = jacobi(diagonalOf(Gs, n));
    for (const solver of [gmres, bicgstab]) {
      const pre = solver(denseOp(Gs, n), b, { precondition: Mg, tol: 1e-12 });
      expectClose(pre.x, mlSolution(Gs, b, n), 1e-9, `${solver.name} preconditioned`);
    }
    // GMRES(10): restarted, so the scaling matters (full GMRES needs ≤ n steps either way).
    expect(gmres(denseOp(Gs, n), b, { precondition: Mg, restart: 10 }).iterations).toBeLessThan(
      gmres(denseOp(Gs, n), b, { maxIter: 5000, restart: 10 }).iterations,
    );
  });

  it('throws KrylovConvergenceError naming the iterations and the residual', () => {
    for (const [solver, A] of [
      [cg, S],
      [gmres, G],
      [bicgstab, G],
    ] as const) {
      let err: unknown;
      try {
        solver(denseOp(A, n), b, { maxIter: 2, tol: 1e-14 });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(KrylovConvergenceError);
      expect(isWengertError(err)).toBe(true);
      const k = err as KrylovConvergenceError;
      expect(k.iterations).toBe(2);
      expect(k.residual).toBeGreaterThan(k.target);
      expect(k.message).toMatch(/2 iterations/);
      expect(k.message).toMatch(/residual/);
    }
    // CG on an indefinite matrix breaks down.
    const indefinite = Float64Array.from({ length: 4 }, (_, e) => [1, 0, 0, -1][e]!);
    expect(() => cg(denseOp(indefinite, 2), Float64Array.of(1, 1))).toThrow(/not positive definite/);
  });
});

// A(θ) = tridiagonal with θ on the diagonal, `lo` below and `up` above it.
function tridiag(lo: number, up: number): LinearOperator {
  const op = (v: Vec, theta: Vec, a: number, c: number): Vec => {
    const n = v.length;
    // (A v)_i = θ_i v_i + a v_{i−1} + c v_{i+1}: shifted copies by scatterAdd (recorded linear ops).
    const below = Array.from({ length: n - 1 }, (_, i) => i + 1);
    const above = Array.from({ length: n - 1 }, (_, i) => i);
    const head = v.slice(0, n - 1) as Vec;
    const tail = v.slice(1) as Vec;
    return add(add(mul(theta, v), mul(a, scatterAdd(head, below, n))), mul(c, scatterAdd(tail, above, n)));
  };
  return { apply: (v, t) => op(v, t, lo, up), applyTransposed: (v, t) => op(v, t, up, lo) };
}

/** The same A(θ) as a dense active matrix (the reference). */
function tridiagDense(theta: Vec, n: number, lo: number, up: number): Vec {
  const T = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    if (i > 0) T[i * n + i - 1] = lo;
    if (i < n - 1) T[i * n + i + 1] = up;
  }
  const diag = Array.from({ length: n }, (_, i) => i * n + i);
  return add(T, scatterAdd(theta, diag, n * n));
}

describe('linearSolve: derivatives through a Krylov solve', () => {
  const n = 8;
  const r = rng(11);
  const theta0 = Float64Array.from({ length: n }, () => 3 + r());
  const b0 = randn(r, n);
  const w = randn(r, n);
  const x0 = concat([b0, theta0]) as Float64Array;

  const cases: [string, LinearOperator, number, number, LinearSolveOptions][] = [
    ['cg, SPD', tridiag(-1, -1), -1, -1, { method: 'cg' }],
    ['gmres, nonsymmetric, applyTransposed', tridiag(-1, 0.5), -1, 0.5, { method: 'gmres', restart: 4 }],
    ['bicgstab, nonsymmetric, transpose by VJP', { apply: tridiag(-1, 0.5).apply }, -1, 0.5, { method: 'bicgstab' }],
    [
      'gmres, Jacobi preconditioner from θ, transpose by VJP',
      { apply: tridiag(0.7, -1.2).apply },
      0.7,
      -1.2,
      { method: 'gmres', precondition: (v, t) => v.map((x, i) => x / t[i]!) },
    ],
    [
      'cg, Jacobi preconditioner',
      tridiag(-1, -1),
      -1,
      -1,
      { method: 'cg', precondition: (v, t) => v.map((x, i) => x / t[i]!) },
    ],
  ];

  for (const [name, op, lo, up, options] of cases) {
    const opts = { tol: 1e-13, ...options };
    const viaKrylov = (z: ActiveVec) => linearSolve(op, z.slice(0, n), z.slice(n), opts);
    const viaDense = (z: ActiveVec) => solve(mat(tridiagDense(z.slice(n), n, lo, up), n, n), z.slice(0, n));
    it(`${name}: value, gradient, Jacobian and JVP equal the dense solve's`, () => {
      expectClose(viaKrylov(x0 as never) as Float64Array, viaDense(x0 as never) as Float64Array, 1e-11, 'x');
      const loss = (f: (z: ActiveVec) => Vec) => (z: ActiveVec) => dot(w, f(z));
      expectClose(grad(loss(viaKrylov))(x0), grad(loss(viaDense))(x0), 1e-9, 'gradient');
      expectClose(jacobian(viaKrylov)(x0).data, jacobian(viaDense)(x0).data, 1e-9, 'jacobian');
      const v = randn(r, 2 * n);
      expectClose(jvp(viaKrylov, x0, v)[1] as Float64Array, jvp(viaDense, x0, v)[1] as Float64Array, 1e-9, 'jvp');
    });
    it(`${name}: finite differences and the dot-product identity`, () => {
      checkRule(viaKrylov, x0, r, 1e-6);
    });
  }

  it('second order: the Hessian of a loss through linearSolve equals the dense one', () => {
    const op = tridiag(-1, 0.5);
    const loss = (viaKrylov: boolean) => (z: ActiveVec) => {
      const x = viaKrylov
        ? linearSolve({ apply: op.apply }, z.slice(0, n), z.slice(n), { method: 'gmres', tol: 1e-13 })
        : solve(mat(tridiagDense(z.slice(n), n, -1, 0.5), n, n), z.slice(0, n));
      return add(dot(x, x), dot(w, x));
    };
    const h = (f: (z: ActiveVec) => ReturnType<typeof dot>) =>
      jacobian((z: ActiveVec) => grad(f)(z) as ActiveVec)(x0).data as Float64Array;
    expectClose(h(loss(true)), h(loss(false)), 1e-8, 'Hessian');
  });

  it('convergence reports of the primal and adjoint solves; a parameter-free operator', () => {
    const phases: string[] = [];
    const A = spd(r, n);
    const op: LinearOperator = { apply: (v) => matvec(mat(A, n, n), v) };
    const g = grad((bb: ActiveVec) =>
      sum(linearSolve(op, bb, undefined, { method: 'cg', onReport: (_r, p) => phases.push(p) })),
    )(b0);
    expect(phases).toEqual(['primal', 'adjoint']);
    expectClose(g, mlSolution(A, new Float64Array(n).fill(1), n), 1e-9, 'gradient = A⁻¹1');
  });

  it('non-convergence inside a rule is the typed error; apply closing over active values is rejected', () => {
    const op = tridiag(-1, 0.5);
    expect(() =>
      grad((z: ActiveVec) => sum(linearSolve(op, z.slice(0, n), z.slice(n), { method: 'bicgstab', maxIter: 1 })))(x0),
    ).toThrow(KrylovConvergenceError);
    expect(() =>
      grad((z: ActiveVec) => sum(linearSolve({ apply: (v) => mul(z.at(0), v) }, b0, undefined)))(x0),
    ).toThrow(/close over active values/);
  });
});
