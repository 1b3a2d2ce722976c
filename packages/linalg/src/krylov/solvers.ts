/**
 * Krylov solvers for A x = b on matrix–vector callbacks (plain `Float64Array`s): preconditioned conjugate
 * gradients (A symmetric positive definite), restarted GMRES(m) and BiCGStab (general A), after Saad,
 * "Iterative Methods for Sparse Linear Systems", 2nd ed., SIAM 2003 (Alg. 6.18 CG, 9.1 PCG, 6.9/9.5 GMRES with
 * right preconditioning, 7.7 BiCGStab). A preconditioner is a callback z = M⁻¹ r approximating A⁻¹ r; GMRES
 * and BiCGStab apply it on the right (so their residuals are the true, unpreconditioned ones), CG
 * symmetrically (M must be SPD). Each returns the solution with a convergence report and throws
 * {@link KrylovConvergenceError} (naming the iterations and the residual) when it does not converge.
 */
import { DomainError, ShapeError } from '@wengert/core';
import { describeValue } from '@wengert/core/internals';
import { KrylovConvergenceError } from './errors.js';

/** A linear operator as a callback: v ↦ A v (must not keep or mutate v). */
export type MatVec = (v: Float64Array) => Float64Array;

/** Options shared by the Krylov solvers. */
export interface KrylovOptions {
  /** Initial guess (default 0). */
  readonly x0?: Float64Array;
  /** Relative tolerance: stop when ‖b − Ax‖₂ ≤ max(tol·‖b‖₂, atol). Default 1e-10. */
  readonly tol?: number;
  /** Absolute tolerance (default 0). */
  readonly atol?: number;
  /** Maximum iterations (matrix–vector products with A for CG and GMRES; two per BiCGStab step). Default 10·n. */
  readonly maxIter?: number;
  /** Preconditioner z = M⁻¹ r (for CG, M must be symmetric positive definite). */
  readonly precondition?: MatVec;
}

/** Options of {@link gmres}. */
export interface GmresOptions extends KrylovOptions {
  /** Krylov subspace dimension before a restart (m of GMRES(m)). Default min(n, 30). */
  readonly restart?: number;
}

/** A converged solve and how it got there. */
export interface KrylovReport {
  readonly x: Float64Array;
  readonly method: 'cg' | 'gmres' | 'bicgstab';
  /** Iterations made (CG: steps; GMRES: inner Arnoldi steps over all cycles; BiCGStab: full steps). */
  readonly iterations: number;
  /** ‖b − A x‖₂ at exit (GMRES: recomputed from x; CG, BiCGStab: the recursively updated residual). */
  readonly residualNorm: number;
  /** ‖r_k‖₂ for k = 0 (initial residual) … iterations (GMRES: the Arnoldi estimates |g_{k+1}|). */
  readonly residualHistory: Float64Array;
}

interface Setup {
  readonly n: number;
  readonly x: Float64Array;
  readonly target: number;
  readonly maxIter: number;
  readonly A: MatVec;
  readonly M: MatVec | undefined;
}

function norm(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

function dotp(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Wraps a callback so that its result is checked (a Float64Array of length n, finite). */
function checked(f: MatVec, n: number, what: string): MatVec {
  return (v) => {
    const y = f(v);
    if (!(y instanceof Float64Array) || y.length !== n) {
      throw new ShapeError(`${what} result`, `a Float64Array of length ${n}`, describeValue(y));
    }
    return y;
  };
}

function setup(apply: MatVec, b: Float64Array, options: KrylovOptions, who: string): Setup {
  if (typeof apply !== 'function') throw new ShapeError(`${who}: apply`, 'a function v ↦ A v', describeValue(apply));
  if (!(b instanceof Float64Array) || b.length === 0) {
    throw new ShapeError(`${who}: b`, 'a non-empty Float64Array', describeValue(b));
  }
  const n = b.length;
  const tol = options.tol ?? 1e-10;
  const atol = options.atol ?? 0;
  const maxIter = options.maxIter ?? 10 * n;
  if (!(tol >= 0 && tol < 1)) throw new DomainError(`${who}: options.tol`, 'a number in [0, 1)', String(tol));
  if (!(atol >= 0)) throw new DomainError(`${who}: options.atol`, 'a number ≥ 0', String(atol));
  if (!(Number.isInteger(maxIter) && maxIter >= 1)) {
    throw new DomainError(`${who}: options.maxIter`, 'a positive integer', String(maxIter));
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(b[i]!)) throw new DomainError(`${who}: b`, 'finite entries', `b[${i}] = ${b[i]}`);
  }
  let x: Float64Array;
  if (options.x0 === undefined) x = new Float64Array(n);
  else {
    if (!(options.x0 instanceof Float64Array) || options.x0.length !== n) {
      throw new ShapeError(`${who}: options.x0`, `a Float64Array of length ${n}`, describeValue(options.x0));
    }
    x = options.x0.slice();
  }
  const p = options.precondition;
  if (p !== undefined && typeof p !== 'function') {
    throw new ShapeError(`${who}: options.precondition`, 'a function r ↦ M⁻¹ r', describeValue(p));
  }
  return {
    n,
    x,
    target: Math.max(tol * norm(b), atol),
    maxIter,
    A: checked(apply, n, `${who}: apply`),
    M: p === undefined ? undefined : checked(p, n, `${who}: options.precondition`),
  };
}

function residual(A: MatVec, b: Float64Array, x: Float64Array): Float64Array {
  const r = b.slice();
  let zero = true;
  for (let i = 0; i < x.length; i++) if (x[i] !== 0) zero = false;
  if (zero) return r;
  const Ax = A(x);
  for (let i = 0; i < r.length; i++) r[i] -= Ax[i]!;
  return r;
}

/**
 * Preconditioned conjugate gradients for a symmetric positive definite A (Saad 2003, Alg. 9.1). Throws
 * {@link KrylovConvergenceError} after `maxIter` steps or on a breakdown (pᵀAp ≤ 0: A not positive definite;
 * rᵀM⁻¹r ≤ 0: the preconditioner is not).
 */
export function cg(apply: MatVec, b: Float64Array, options: KrylovOptions = {}): KrylovReport {
  const { n, x, target, maxIter, A, M } = setup(apply, b, options, 'cg');
  const r = residual(A, b, x);
  let rn = norm(r);
  const hist = [rn];
  const done = (k: number) => ({
    x,
    method: 'cg' as const,
    iterations: k,
    residualNorm: rn,
    residualHistory: Float64Array.from(hist),
  });
  if (rn <= target) return done(0);
  let z = M ? M(r) : r.slice();
  const p = z.slice();
  let rz = dotp(r, z);
  for (let k = 1; k <= maxIter; k++) {
    if (!(rz > 0)) throw new KrylovConvergenceError('cg', k - 1, rn, target, 'breakdown: rᵀM⁻¹r ≤ 0');
    const Ap = A(p);
    const pAp = dotp(p, Ap);
    if (!(pAp > 0)) {
      throw new KrylovConvergenceError('cg', k - 1, rn, target, 'breakdown: pᵀAp ≤ 0 (A not positive definite)');
    }
    const alpha = rz / pAp;
    for (let i = 0; i < n; i++) {
      x[i] += alpha * p[i]!;
      r[i] -= alpha * Ap[i]!;
    }
    rn = norm(r);
    hist.push(rn);
    if (rn <= target) return done(k);
    z = M ? M(r) : r;
    const rzNew = dotp(r, z);
    const beta = rzNew / rz;
    rz = rzNew;
    for (let i = 0; i < n; i++) p[i] = z[i]! + beta * p[i]!;
  }
  throw new KrylovConvergenceError('cg', maxIter, rn, target, 'maxIter reached');
}

/**
 * Restarted GMRES(m) with right preconditioning (Saad 2003, Alg. 6.9 and 9.5): modified Gram–Schmidt Arnoldi,
 * Givens rotations for the least-squares problem. Each cycle ends with the true residual b − Ax recomputed.
 * Throws {@link KrylovConvergenceError} after `maxIter` inner steps.
 */
export function gmres(apply: MatVec, b: Float64Array, options: GmresOptions = {}): KrylovReport {
  const { n, x, target, maxIter, A, M } = setup(apply, b, options, 'gmres');
  const m = options.restart ?? Math.min(n, 30);
  if (!(Number.isInteger(m) && m >= 1)) {
    throw new DomainError('gmres: options.restart', 'a positive integer', String(m));
  }
  let r = residual(A, b, x);
  let beta = norm(r);
  const hist = [beta];
  let k = 0;
  const H = new Float64Array((m + 1) * m); // row-major (m+1)×m
  const cs = new Float64Array(m);
  const sn = new Float64Array(m);
  const g = new Float64Array(m + 1);
  const y = new Float64Array(m);
  while (beta > target) {
    if (k >= maxIter) throw new KrylovConvergenceError('gmres', k, beta, target, 'maxIter reached');
    const V: Float64Array[] = [r.map((v) => v / beta)];
    H.fill(0);
    g.fill(0);
    g[0] = beta;
    let j = 0;
    for (; j < m && k < maxIter; j++) {
      k++;
      const w = A(M ? M(V[j]!) : V[j]!).slice();
      for (let i = 0; i <= j; i++) {
        const h = dotp(w, V[i]!);
        H[i * m + j] = h;
        const vi = V[i]!;
        for (let e = 0; e < n; e++) w[e] -= h * vi[e]!;
      }
      const hn = norm(w);
      H[(j + 1) * m + j] = hn;
      for (let i = 0; i < j; i++) {
        const a = H[i * m + j]!;
        const c = H[(i + 1) * m + j]!;
        H[i * m + j] = cs[i]! * a + sn[i]! * c;
        H[(i + 1) * m + j] = -sn[i]! * a + cs[i]! * c;
      }
      const a = H[j * m + j]!;
      const c = H[(j + 1) * m + j]!;
      const d = Math.hypot(a, c);
      cs[j] = d === 0 ? 1 : a / d;
      sn[j] = d === 0 ? 0 : c / d;
      H[j * m + j] = d;
      H[(j + 1) * m + j] = 0;
      g[j + 1] = -sn[j]! * g[j]!;
      g[j] = cs[j]! * g[j]!;
      hist.push(Math.abs(g[j + 1]!));
      if (Math.abs(g[j + 1]!) <= target || hn === 0) {
        j++;
        break;
      }
      V.push(w.map((v) => v / hn));
    }
    // Solve the j×j triangular system H y = g and update x += M⁻¹(V y).
    for (let i = j - 1; i >= 0; i--) {
      let s = g[i]!;
      for (let l = i + 1; l < j; l++) s -= H[i * m + l]! * y[l]!;
      const d = H[i * m + i]!;
      if (d === 0) throw new KrylovConvergenceError('gmres', k, beta, target, 'breakdown: singular Hessenberg matrix');
      y[i] = s / d;
    }
    let u: Float64Array = new Float64Array(n);
    for (let i = 0; i < j; i++) {
      const vi = V[i]!;
      for (let e = 0; e < n; e++) u[e] += y[i]! * vi[e]!;
    }
    if (M) u = M(u);
    for (let e = 0; e < n; e++) x[e] += u[e]!;
    r = residual(A, b, x);
    beta = norm(r);
  }
  return { x, method: 'gmres', iterations: k, residualNorm: beta, residualHistory: Float64Array.from(hist) };
}

/**
 * BiCGStab with right preconditioning (van der Vorst 1992; Saad 2003, Alg. 7.7). Throws
 * {@link KrylovConvergenceError} after `maxIter` steps or on a breakdown (r̂ᵀr = 0, r̂ᵀv = 0 or ω = 0).
 */
export function bicgstab(apply: MatVec, b: Float64Array, options: KrylovOptions = {}): KrylovReport {
  const { n, x, target, maxIter, A, M } = setup(apply, b, options, 'bicgstab');
  const r = residual(A, b, x);
  let rn = norm(r);
  const hist = [rn];
  const done = (k: number) => ({
    x,
    method: 'bicgstab' as const,
    iterations: k,
    residualNorm: rn,
    residualHistory: Float64Array.from(hist),
  });
  if (rn <= target) return done(0);
  const rhat = r.slice();
  let rho = 1;
  let alpha = 1;
  let omega = 1;
  const v = new Float64Array(n);
  const p = new Float64Array(n);
  const s = new Float64Array(n);
  const fail = (k: number, why: string) => new KrylovConvergenceError('bicgstab', k, rn, target, why);
  for (let k = 1; k <= maxIter; k++) {
    const rhoNew = dotp(rhat, r);
    if (rhoNew === 0 || !Number.isFinite(rhoNew)) throw fail(k - 1, 'breakdown: r̂ᵀr = 0');
    const beta = (rhoNew / rho) * (alpha / omega);
    rho = rhoNew;
    for (let i = 0; i < n; i++) p[i] = r[i]! + beta * (p[i]! - omega * v[i]!);
    const ph = M ? M(p) : p;
    v.set(A(ph));
    const rv = dotp(rhat, v);
    if (rv === 0 || !Number.isFinite(rv)) throw fail(k - 1, 'breakdown: r̂ᵀAp = 0');
    alpha = rho / rv;
    for (let i = 0; i < n; i++) s[i] = r[i]! - alpha * v[i]!;
    const sn = norm(s);
    if (sn <= target) {
      for (let i = 0; i < n; i++) x[i] += alpha * ph[i]!;
      r.set(s);
      rn = sn;
      hist.push(rn);
      return done(k);
    }
    const sh = M ? M(s) : s;
    const t = A(sh);
    const tt = dotp(t, t);
    omega = tt === 0 ? 0 : dotp(t, s) / tt;
    for (let i = 0; i < n; i++) {
      x[i] += alpha * ph[i]! + omega * sh[i]!;
      r[i] = s[i]! - omega * t[i]!;
    }
    rn = norm(r);
    hist.push(rn);
    if (rn <= target) return done(k);
    if (omega === 0) throw fail(k, 'breakdown: ω = 0');
  }
  throw fail(maxIter, 'maxIter reached');
}

/** The Jacobi (diagonal) preconditioner r ↦ r ./ d for the diagonal d of A (entries must be nonzero). */
export function jacobi(diagonal: Float64Array): MatVec {
  if (!(diagonal instanceof Float64Array) || diagonal.length === 0) {
    throw new ShapeError('jacobi: diagonal', 'a non-empty Float64Array', describeValue(diagonal));
  }
  const inv = new Float64Array(diagonal.length);
  for (let i = 0; i < inv.length; i++) {
    const d = diagonal[i]!;
    if (!(d !== 0 && Number.isFinite(d))) {
      throw new DomainError('jacobi: diagonal', 'finite nonzero entries', `diagonal[${i}] = ${d}`);
    }
    inv[i] = 1 / d;
  }
  return (r) => {
    const z = new Float64Array(r.length);
    for (let i = 0; i < r.length; i++) z[i] = r[i]! * inv[i]!;
    return z;
  };
}
