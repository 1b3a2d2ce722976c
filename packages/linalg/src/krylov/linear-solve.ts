/**
 * Differentiable linear solves on matrix–vector callbacks: x = A(θ)⁻¹ b, where A(θ) is given by
 * `apply(v, θ)` written with core ops (so that it records), solved by CG, GMRES(m) or BiCGStab.
 *
 * One atomic with inputs (b, θ) and output x. Rules (the implicit function theorem on A(θ) x = b;
 * Giles 2008 §2.3.1 for the dense case):
 *   forward   A ẋ = ḃ − (∂(A(θ)x)/∂θ) θ̇                     (one more Krylov solve with A)
 *   reverse   Aᵀ λ = x̄,  b̄ = λ,  θ̄ = −(∂(A(θ)x)/∂θ)ᵀ λ       (one Krylov solve with Aᵀ, one VJP of apply)
 * Aᵀ is `applyTransposed` when given, A itself when the operator is declared symmetric (the default for
 * CG), and otherwise the VJP of v ↦ apply(v, θ) (recorded once per rule call, swept once per product).
 * The differentiable versions of the rules call `linearSolve` again (with the transposed operator for the
 * reverse rule) and core's nested `vjp`/`jvp` of apply, so second derivatives work.
 */
import {
  ActiveVec,
  type AtomicDefinition,
  callAtomic,
  DomainError,
  jvp,
  neg,
  type Plain,
  ShapeError,
  sub,
  type Value,
  type Vec,
  vjp,
} from '@wengert/core';
import { describeValue } from '@wengert/core/internals';
import { bicgstab, cg, type GmresOptions, gmres, type KrylovReport, type MatVec } from './solvers.js';

/** A linear operator A(θ) given by its action. */
export interface LinearOperator {
  /**
   * A(θ)·v, written with core ops (plain in, plain out; active in, recorded). It must be linear in v and
   * depend on active quantities only through θ (close over constants only).
   */
  apply(v: Vec, theta: Vec): Vec;
  /** A(θ)ᵀ·v, same rules. Optional: by default the transpose is A itself (symmetric) or a VJP of `apply`. */
  applyTransposed?(v: Vec, theta: Vec): Vec;
}

/** Which phase a convergence report comes from. */
export type SolvePhase = 'primal' | 'tangent' | 'adjoint';

/** Options of {@link linearSolve}. */
export interface LinearSolveOptions extends Omit<GmresOptions, 'precondition' | 'x0'> {
  /** Krylov method. Default `'gmres'`; `'cg'` requires A(θ) symmetric positive definite. */
  readonly method?: 'cg' | 'gmres' | 'bicgstab';
  /** A(θ) = A(θ)ᵀ: the adjoint solve then uses `apply`. Default true for CG, false otherwise. */
  readonly symmetric?: boolean;
  /** Preconditioner z ≈ A(θ)⁻¹ r (it receives θ's current value); used by the primal and tangent solves. */
  readonly precondition?: (r: Float64Array, theta: Float64Array) => Float64Array;
  /** Preconditioner z ≈ A(θ)⁻ᵀ r for the adjoint solve. Default: `precondition` (exact for symmetric M such as Jacobi). */
  readonly preconditionTransposed?: (r: Float64Array, theta: Float64Array) => Float64Array;
  /** Initial guess of the primal solve (adjoint and tangent solves start from 0). */
  readonly x0?: Float64Array;
  /** Called with the convergence report of every Krylov solve made (primal, and each rule's solve). */
  readonly onReport?: (report: KrylovReport, phase: SolvePhase) => void;
}

/** Internal: an operator that can also give a plain matvec at a fixed θ without recording per product. */
interface InternalOperator extends LinearOperator {
  readonly plainAt?: (theta: Float64Array) => MatVec;
}

const NO_THETA = Float64Array.of(0);

function toPlain(y: unknown, n: number, who: string): Float64Array {
  if (y instanceof Float64Array && y.length === n) return y;
  if (y instanceof ActiveVec) {
    throw new ShapeError(
      `${who} result`,
      'a plain Float64Array for plain arguments (apply must not close over active values: pass them in θ)',
      describeValue(y),
    );
  }
  throw new ShapeError(`${who} result`, `a vector of length ${n}`, describeValue(y));
}

function krylov(
  method: 'cg' | 'gmres' | 'bicgstab',
  A: MatVec,
  b: Float64Array,
  o: LinearSolveOptions,
  M: MatVec | undefined,
  x0: Float64Array | undefined,
): KrylovReport {
  const opts = { tol: o.tol, atol: o.atol, maxIter: o.maxIter, precondition: M, x0, restart: o.restart };
  return method === 'cg' ? cg(A, b, opts) : method === 'gmres' ? gmres(A, b, opts) : bicgstab(A, b, opts);
}

function isZero(v: Float64Array): boolean {
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) return false;
  return true;
}

/** The transposed operator: applyTransposed, or A itself, or the VJP of apply in v. */
function transposedOperator(op: InternalOperator, n: number, symmetric: boolean): InternalOperator {
  if (symmetric) return op;
  const applyT = op.applyTransposed;
  if (applyT !== undefined)
    return { apply: (w, t) => applyT.call(op, w, t), applyTransposed: (v, t) => op.apply(v, t) };
  const zeros = new Float64Array(n);
  return {
    // Differentiable (w and θ may be active): a nested VJP of v ↦ apply(v, θ) (linear, so taken at 0).
    apply: (w, t) => {
      const [, pb] = vjp((v: ActiveVec) => op.apply(v, t), zeros);
      return pb(w as Float64Array) as Vec;
    },
    applyTransposed: (v, t) => op.apply(v, t),
    // Plain: one recording at θ, one reverse sweep per product.
    plainAt: (theta) => {
      const [, pb] = vjp((v: ActiveVec) => op.apply(v, theta), zeros);
      return (w) => toPlain(pb(w), n, 'linearSolve: transposed apply (VJP of apply)');
    },
  };
}

function plainMatVec(op: InternalOperator, theta: Float64Array, n: number, who: string): MatVec {
  if (op.plainAt !== undefined) return op.plainAt(theta);
  return (v) => toPlain(op.apply(v, theta), n, who);
}

/**
 * x = A(θ)⁻¹ b by a Krylov method on the callback `op.apply(v, θ)`, differentiable in b and θ (see the
 * module comment for the rules). θ may be omitted for an operator without parameters. Throws
 * `KrylovConvergenceError` when a solve (primal, tangent or adjoint) does not converge.
 */
export function linearSolve(op: LinearOperator, b: Vec, theta?: Vec, options: LinearSolveOptions = {}): Vec {
  if (typeof op !== 'object' || op === null || typeof op.apply !== 'function') {
    throw new ShapeError('linearSolve: op', '{ apply(v, θ), applyTransposed?(v, θ) }', describeValue(op));
  }
  if (!((b instanceof Float64Array || b instanceof ActiveVec) && b.length > 0)) {
    throw new ShapeError('linearSolve: b', 'a non-empty Float64Array or active vector', describeValue(b));
  }
  if (theta !== undefined && !((theta instanceof Float64Array || theta instanceof ActiveVec) && theta.length > 0)) {
    throw new ShapeError('linearSolve: theta', 'a non-empty Float64Array or active vector', describeValue(theta));
  }
  const method = options.method ?? 'gmres';
  if (!['cg', 'gmres', 'bicgstab'].includes(method)) {
    throw new DomainError('linearSolve: options.method', "'cg', 'gmres' or 'bicgstab'", String(method));
  }
  const useOp: InternalOperator =
    theta === undefined
      ? {
          apply: (v) => op.apply(v, NO_THETA),
          applyTransposed: op.applyTransposed && ((v) => op.applyTransposed!(v, NO_THETA)),
        }
      : (op as InternalOperator);
  return callAtomic(linearSolveDef(useOp, b.length, method, options) as AtomicDefinition<unknown>, [
    b,
    theta ?? NO_THETA,
  ])[0] as Vec;
}

interface SolveState {
  /** Plain matvec with A at the primal θ (kept for the tangent solve). */
  readonly A: MatVec;
  /** Plain matvec with Aᵀ at the primal θ, built on first use. */
  AT?: MatVec;
}

function linearSolveDef(
  op: InternalOperator,
  n: number,
  method: 'cg' | 'gmres' | 'bicgstab',
  options: LinearSolveOptions,
): AtomicDefinition<SolveState> {
  const symmetric = options.symmetric ?? method === 'cg';
  const opT = transposedOperator(op, n, symmetric);
  const M = options.precondition;
  const MT = options.preconditionTransposed ?? M;
  const adjointOptions: LinearSolveOptions = {
    ...options,
    x0: undefined,
    precondition: MT,
    preconditionTransposed: M,
  };
  const tangentOptions: LinearSolveOptions = { ...options, x0: undefined };
  const report = (r: KrylovReport, phase: SolvePhase) => options.onReport?.(r, phase);
  const bound = (P: typeof M, theta: Float64Array): MatVec | undefined =>
    P === undefined ? undefined : (r) => P(r, theta);
  // (∂(A(θ)x)/∂θ)·θ̇ and (∂(A(θ)x)/∂θ)ᵀ·λ by core's jvp / vjp of θ ↦ apply(x, θ) (nested when active).
  const dAx = (x: Vec, theta: Vec, dTheta: Vec): Vec =>
    jvp((t: ActiveVec) => op.apply(x, t), theta as Float64Array, dTheta as Float64Array)[1] as Vec;
  const dAxT = (x: Vec, theta: Vec, lam: Vec): Vec => {
    const [, pb] = vjp((t: ActiveVec) => op.apply(x, t), theta as Float64Array);
    return pb(lam as Float64Array) as Vec;
  };
  return {
    name: `linearSolve[${method}](n=${n})`,
    value(inputs: readonly Plain[]) {
      const b = inputs[0] as Float64Array;
      const theta = inputs[1] as Float64Array;
      const A = plainMatVec(op, theta, n, 'linearSolve: apply');
      const r = krylov(method, A, b, options, bound(M, theta), options.x0);
      report(r, 'primal');
      return { outputs: [r.x], state: { A } };
    },
    jvp(inputs, outputs, tangents, state) {
      const theta = inputs[1] as Float64Array;
      let rhs = tangents[0] as Float64Array;
      const dTheta = tangents[1] as Float64Array;
      if (!isZero(dTheta)) rhs = sub(rhs, dAx(outputs[0] as Float64Array, theta, dTheta) as Float64Array);
      if (isZero(rhs)) return [new Float64Array(n)];
      const r = krylov(method, state.A, rhs, tangentOptions, bound(M, theta), undefined);
      report(r, 'tangent');
      return [r.x];
    },
    vjp(inputs, outputs, cotangents, state) {
      const theta = inputs[1] as Float64Array;
      const xbar = cotangents[0] as Float64Array;
      if (isZero(xbar)) return [new Float64Array(n), new Float64Array(theta.length)];
      state.AT ??= symmetric ? state.A : plainMatVec(opT, theta, n, 'linearSolve: applyTransposed');
      const r = krylov(method, state.AT, xbar, adjointOptions, bound(MT, theta), undefined);
      report(r, 'adjoint');
      const lam = r.x;
      return [lam, neg(dAxT(outputs[0] as Float64Array, theta, lam) as Float64Array)];
    },
    jvpGeneric(_G, inputs, outputs, tangents) {
      const theta = inputs[1] as Vec;
      const dTheta = tangents[1] as Value;
      const constant = typeof dTheta === 'number' || (dTheta instanceof Float64Array && isZero(dTheta));
      const rhs = constant
        ? (tangents[0] as Vec)
        : sub(tangents[0] as Vec, dAx(outputs[0] as Vec, theta, dTheta as Vec));
      return [linearSolve(op, rhs, theta, tangentOptions)];
    },
    vjpGeneric(_G, inputs, outputs, cotangents) {
      const theta = inputs[1] as Vec;
      const lam = linearSolve(opT, cotangents[0] as Vec, theta, adjointOptions);
      return [lam, neg(dAxT(outputs[0] as Vec, theta, lam)) as Value];
    },
  };
}
