/**
 * Linear solves (general by LU, triangular, SPD by Cholesky), inverse, Cholesky, det, log-determinant.
 *
 * Rules (Giles 2008, "An extended collection of matrix derivative results for forward and reverse mode
 * AD"; Murray 2016 / Seeger et al. 2017 for Cholesky):
 *   X = op(A)⁻¹B:     Ẋ = op(A)⁻¹(Ḃ − op(Ȧ)X),          B̄ = op(A)⁻ᵀX̄,  Ā = −B̄Xᵀ (transposed back when op = ᵀ)
 *   L = chol(A):       L̇ = L·Φ(L⁻¹ȦL⁻ᵀ),                 Ā = sym(L⁻ᵀ Φ(LᵀL̄) L⁻¹),  Φ = lower triangle, diagonal halved
 *   log|det A|:        ġ = ⟨A⁻ᵀ, Ȧ⟩,                      Ā = ḡ·A⁻ᵀ
 *   det A:             ḋ = ⟨cof A, Ȧ⟩,                    Ā = d̄·cof A  (cof A = det A·A⁻ᵀ, or by SVD when singular)
 * The plain reverse rule of a solve reuses the primal factorization kept in the atomic's state (a transposed
 * solve with the same factors); the differentiable rules are the same formulas written with the package's
 * atomics (solve, matmul) and core's gathers, so second derivatives work through them.
 */

import {
  ActiveVec,
  type AtomicDefinition,
  callAtomic,
  DomainError,
  dot,
  mul,
  neg,
  type Plain,
  type Real,
  ShapeError,
  sub,
  type Value,
  type Vec,
} from '@wengert/core';
import { requireFinite } from '@wengert/core/internals';
import { mm, sym, tp, vecArg } from './basic.js';
import { choleskyVjpPlain } from './chol-rev.js';
import { SingularMatrixError } from './errors.js';
import {
  choleskyFactor,
  type LU,
  luFactor,
  luSingular,
  luSolve,
  requireNonsingular,
  requireTriangularNonsingular,
  triSolve,
} from './factor.js';
import { asMat, asSquare, identity, type Mat, type MatLike, symPlain } from './mat.js';
import { plainSvd } from './svd-plain.js';

/** How `solve` treats A: LU with partial pivoting, one triangle, or the symmetric part by Cholesky. */
export type SolveKind = 'general' | 'lower' | 'upper' | 'spd';

interface SolveState {
  readonly lu?: LU;
  /** Cholesky factor (spd). */
  readonly L?: Float64Array;
}

const masks = new Map<string, Float64Array>();

/** 0/1 mask of the lower (or upper) triangle of an n×n matrix, diagonal included (scaled by `diag`). */
export function triMask(n: number, uplo: 'lower' | 'upper', diag = 1): Float64Array {
  const key = `${uplo}${n},${diag}`;
  let m = masks.get(key);
  if (m === undefined) {
    m = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) if (uplo === 'lower' ? j <= i : j >= i) m[i * n + j] = i === j ? diag : 1;
    masks.set(key, m);
  }
  return m;
}

/** The part of a perturbation of A that a solve of this kind reads (self-adjoint, so also applied to Ā). */
function readPart(kind: SolveKind, dA: Vec, n: number): Vec {
  switch (kind) {
    case 'general':
      return dA;
    case 'lower':
    case 'upper':
      return mul(dA, triMask(n, kind));
    case 'spd':
      return sym(dA, n);
  }
}

const solveDefs = new Map<string, AtomicDefinition<SolveState>>();

/** The atomic X = op(A)⁻¹B for A n×n, B n×p. */
function solveDef(kind: SolveKind, n: number, p: number, trans: boolean): AtomicDefinition<SolveState> {
  const key = `${kind},${n},${p},${trans ? 1 : 0}`;
  let def = solveDefs.get(key);
  if (def !== undefined) return def;
  const name = `solve[${kind}${trans ? ',T' : ''}](${n}×${n}, ${n}×${p})`;
  // Ā = readPart(−op(B̄Xᵀ)), given B̄.
  const abar = (Bbar: Vec, X: Vec): Vec => {
    let G = mm(Bbar, X, n, p, n, false, true);
    if (trans) G = tp(G, n, n);
    return neg(readPart(kind, G, n));
  };
  // op(readPart(Ȧ))·X
  const dAX = (dA: Vec, X: Vec): Vec => {
    let D = readPart(kind, dA, n);
    if (trans && kind !== 'spd') D = tp(D, n, n);
    return mm(D, X, n, n, p);
  };
  // Plain op(A)⁻¹R (or op(A)⁻ᵀR) with the stored factorization.
  const apply = (A: Float64Array, state: SolveState, R: Float64Array, t: boolean): Float64Array => {
    if (kind === 'general') return luSolve(state.lu!, R, p, t);
    const X = R.slice();
    if (kind === 'spd') {
      triSolve(state.L!, n, X, p, 'lower', false, false);
      triSolve(state.L!, n, X, p, 'lower', true, false);
    } else triSolve(A, n, X, p, kind, t, false);
    return X;
  };
  def = {
    name,
    value(inputs: readonly Plain[]) {
      const A = inputs[0] as Float64Array;
      const B = inputs[1] as Float64Array;
      requireFinite(A, 'solve: A');
      requireFinite(B, 'solve: B');
      let state: SolveState;
      if (kind === 'general') {
        const lu = luFactor(A, n);
        requireNonsingular(lu, 'solve: A');
        state = { lu };
      } else if (kind === 'spd') {
        state = { L: choleskyFactor(symPlain(A, n), n, 'solve: A') };
      } else {
        requireTriangularNonsingular(A, n, 'solve: A');
        state = {};
      }
      return { outputs: [apply(A, state, B, trans)], state };
    },
    jvp(inputs, outputs, tan, state) {
      const R = sub(tan[1] as Float64Array, dAX(tan[0] as Float64Array, outputs[0] as Float64Array)) as Float64Array;
      return [apply(inputs[0] as Float64Array, state, R, trans)];
    },
    vjp(inputs, outputs, cot, state) {
      const Bbar = apply(inputs[0] as Float64Array, state, cot[0] as Float64Array, !trans);
      return [abar(Bbar, outputs[0] as Float64Array) as Float64Array, Bbar];
    },
    jvpGeneric(_G, inputs, outputs, tan) {
      const R = sub(tan[1] as Vec, dAX(tan[0] as Vec, outputs[0] as Vec));
      return [solveData(inputs[0] as Vec, R, kind, n, p, trans)];
    },
    vjpGeneric(_G, inputs, outputs, cot) {
      const Bbar = solveData(inputs[0] as Vec, cot[0] as Vec, kind, n, p, !trans);
      return [abar(Bbar, outputs[0] as Vec), Bbar];
    },
  };
  solveDefs.set(key, def);
  return def;
}

/** op(A)⁻¹B on raw data (internal). */
export function solveData(A: Vec, B: Vec, kind: SolveKind, n: number, p: number, trans = false): Vec {
  return callAtomic(solveDef(kind, n, p, trans) as AtomicDefinition<unknown>, [A, B])[0] as Vec;
}

/** Options of {@link solve}. */
export interface SolveOptions {
  /**
   * `'general'` (default): LU with partial pivoting. `'lower'` / `'upper'`: A is triangular and only that
   * triangle is read (the gradient w.r.t. A lives on it). `'spd'`: Cholesky of the symmetric part
   * (A + Aᵀ)/2 (the gradient is symmetric).
   */
  readonly kind?: SolveKind;
  /** Solve Aᵀ X = B instead. */
  readonly transpose?: boolean;
}

/**
 * X = A⁻¹B (or A⁻ᵀB). B is a matrix (n×p) or a vector (length n; the result is then a vector).
 * Throws `ShapeError` on shape mismatch, `SingularMatrixError` (with a pivot-ratio condition estimate) on a
 * numerically singular A, `NotPositiveDefiniteError` for `kind: 'spd'` on a non-SPD A.
 */
export function solve(A: MatLike, B: MatLike, options?: SolveOptions): Mat;
export function solve(A: MatLike, b: Vec, options?: SolveOptions): Vec;
export function solve(A: MatLike, B: MatLike | Vec, options: SolveOptions = {}): Mat | Vec {
  const a = asSquare(A, 'solve: A');
  const n = a.rows;
  const kind = options.kind ?? 'general';
  if (!['general', 'lower', 'upper', 'spd'].includes(kind)) {
    throw new DomainError('solve: options.kind', "'general', 'lower', 'upper' or 'spd'", String(kind));
  }
  const trans = options.transpose === true;
  if (B instanceof Float64Array || B instanceof ActiveVec) {
    vecArg(B, n, 'solve: b');
    return solveData(a.data, B as Vec, kind, n, 1, trans);
  }
  const b = asMat(B, 'solve: B');
  if (b.rows !== n) throw new ShapeError('solve: B', `${n} rows (the order of A)`, `a ${b.rows}×${b.cols} matrix`);
  return { data: solveData(a.data, b.data, kind, n, b.cols, trans), rows: n, cols: b.cols };
}

/** A⁻¹ (a solve with the identity; `kind` as for {@link solve}). */
export function inv(A: MatLike, options: { readonly kind?: SolveKind } = {}): Mat {
  const a = asSquare(A, 'inv: A');
  const n = a.rows;
  return { data: solveData(a.data, identity(n), options.kind ?? 'general', n, n), rows: n, cols: n };
}

// ---------------------------------------------------------------------------------------------
// Cholesky
// ---------------------------------------------------------------------------------------------

const cholDefs = new Map<number, AtomicDefinition<undefined>>();

function cholDef(n: number): AtomicDefinition<undefined> {
  let def = cholDefs.get(n);
  if (def !== undefined) return def;
  const phi = triMask(n, 'lower', 0.5);
  // L̇ = L Φ(L⁻¹ sym(Ȧ) L⁻ᵀ)
  const jvpRule = (L: Vec, dA: Vec): Vec => {
    const Z = solveData(L, sym(dA, n), 'lower', n, n); // L⁻¹ Ȧs
    const Y = tp(solveData(L, tp(Z, n, n), 'lower', n, n), n, n); // Z L⁻ᵀ
    return mm(L, mul(Y, phi), n, n, n);
  };
  // Ā = sym(L⁻ᵀ Φ(LᵀL̄) L⁻¹)
  const vjpRule = (L: Vec, Lbar: Vec): Vec => {
    const P = mul(mm(L, Lbar, n, n, n, true, false), phi);
    const W = solveData(L, P, 'lower', n, n, true); // L⁻ᵀ P
    const S = tp(solveData(L, tp(W, n, n), 'lower', n, n, true), n, n); // W L⁻¹
    return sym(S, n);
  };
  def = {
    name: `cholesky(${n}×${n})`,
    value(inputs: readonly Plain[]) {
      const A = inputs[0] as Float64Array;
      requireFinite(A, 'cholesky: A');
      return { outputs: [choleskyFactor(symPlain(A, n), n, 'cholesky: A')] };
    },
    jvp: (_i, outputs, tan) => [jvpRule(outputs[0] as Float64Array, tan[0] as Float64Array) as Float64Array],
    // The plain rule runs the factorization backwards (Murray 2016): 2× the flops instead of ~9×.
    vjp: (_i, outputs, cot) => [choleskyVjpPlain(outputs[0] as Float64Array, cot[0] as Float64Array, n)],
    jvpGeneric: (_G, _i, outputs, tan) => [jvpRule(outputs[0] as Vec, tan[0] as Vec)],
    vjpGeneric: (_G, _i, outputs, cot) => [vjpRule(outputs[0] as Vec, cot[0] as Vec)],
  };
  cholDefs.set(n, def);
  return def;
}

/**
 * The lower Cholesky factor L of the symmetric part S = (A + Aᵀ)/2 of A: S = L Lᵀ. The gradient w.r.t. A is
 * symmetric. Throws `NotPositiveDefiniteError` naming the first leading minor that is not positive.
 */
export function cholesky(A: MatLike): Mat {
  const a = asSquare(A, 'cholesky: A');
  const n = a.rows;
  return { data: callAtomic(cholDef(n), [a.data])[0] as Vec, rows: n, cols: n };
}

// ---------------------------------------------------------------------------------------------
// Determinants
// ---------------------------------------------------------------------------------------------

interface LuState {
  readonly lu: LU;
  /** A⁻ᵀ, computed on first use. */
  invT?: Float64Array;
}

function invTOf(state: LuState, n: number): Float64Array {
  if (state.invT === undefined) state.invT = luSolve(state.lu, identity(n), n, true);
  return state.invT;
}

const slogdetDefs = new Map<number, AtomicDefinition<LuState>>();

function slogdetDef(n: number): AtomicDefinition<LuState> {
  let def = slogdetDefs.get(n);
  if (def !== undefined) return def;
  const invTPlain = (state: LuState) => {
    if (luSingular(state.lu)) throw new SingularMatrixError('slogdet: A (derivative of log|det A|)', state.lu.rcond);
    return invTOf(state, n);
  };
  const invTGeneric = (A: Vec) => solveData(A, identity(n), 'general', n, n, true);
  def = {
    name: `slogdet(${n}×${n})`,
    value(inputs: readonly Plain[]) {
      const A = inputs[0] as Float64Array;
      requireFinite(A, 'slogdet: A');
      const lu = luFactor(A, n);
      let sign = lu.sign;
      let logAbs = 0;
      for (let i = 0; i < n; i++) {
        const u = lu.lu[i * n + i]!;
        if (u === 0) return { outputs: [0, -Infinity], state: { lu } };
        if (u < 0) sign = -sign;
        logAbs += Math.log(Math.abs(u));
      }
      return { outputs: [sign, logAbs], state: { lu } };
    },
    jvp: (_i, _o, tan, state) => [0, dot(invTPlain(state), tan[0] as Float64Array) as number],
    vjp: (_i, _o, cot, state) => [mul(cot[1] as number, invTPlain(state))],
    jvpGeneric: (_G, inputs, _o, tan) => [0, dot(invTGeneric(inputs[0] as Vec), tan[0] as Vec)],
    vjpGeneric: (_G, inputs, _o, cot) => [mul(cot[1] as Real, invTGeneric(inputs[0] as Vec))],
  };
  slogdetDefs.set(n, def);
  return def;
}

/**
 * sign(det A) and log|det A| by LU (sign 0 and −Infinity for an exactly singular A, as numpy). The sign
 * has derivative 0; the derivative of log|det A| is A⁻ᵀ (`SingularMatrixError` where A is numerically
 * singular).
 */
export function slogdet(A: MatLike): { readonly sign: number; readonly logAbsDet: Real } {
  const a = asSquare(A, 'slogdet: A');
  const [sign, logAbsDet] = callAtomic(slogdetDef(a.rows), [a.data]) as [Real, Real];
  return { sign: typeof sign === 'number' ? sign : sign.value, logAbsDet };
}

/** log det A for a matrix with positive determinant (`DomainError` otherwise); see {@link slogdet}. */
export function logdet(A: MatLike): Real {
  const { sign, logAbsDet } = slogdet(A);
  if (!(sign > 0)) {
    throw new DomainError(
      'logdet: A',
      'a matrix with positive determinant',
      sign === 0 ? 'a singular matrix' : 'det A < 0',
    );
  }
  return logAbsDet;
}

const detDefs = new Map<number, AtomicDefinition<LuState>>();

/** Below this pivot ratio the cofactor matrix is computed from an SVD instead of det·A⁻ᵀ. */
const COFACTOR_SVD_BELOW = 1e-8;

/** The cofactor matrix cof A = adj(A)ᵀ (∂det/∂A), plain. */
function cofactorPlain(A: Float64Array, n: number, state: LuState, det: number): Float64Array {
  if (state.lu.rcond > COFACTOR_SVD_BELOW) return mul(det, invTOf(state, n));
  // A = U S Vᵀ: adj(A) = adj(Vᵀ) adj(S) adj(U) = det(V) det(U) · V adj(S) Uᵀ, so cof A = det(U)det(V)·U adj(S) Vᵀ
  // with adj(S)_ii = Π_{j≠i} s_j: exact in rank n−1 (one term survives) and 0 in rank ≤ n−2.
  const { s, U, V } = plainSvd(A, n, n);
  const dU = detSign(U, n);
  const dV = detSign(V, n);
  const adjS = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let p = dU * dV;
    for (let j = 0; j < n; j++) if (j !== i) p *= s[j]!;
    adjS[i] = p;
  }
  const C = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let c = 0;
      for (let k = 0; k < n; k++) c += U[i * n + k]! * adjS[k]! * V[j * n + k]!;
      C[i * n + j] = c;
    }
  return C;
}

/** det of an orthogonal matrix (±1) by LU. */
function detSign(Q: Float64Array, n: number): number {
  const lu = luFactor(Q, n);
  let s = lu.sign;
  for (let i = 0; i < n; i++) if (lu.lu[i * n + i]! < 0) s = -s;
  return s;
}

function detDef(n: number): AtomicDefinition<LuState> {
  let def = detDefs.get(n);
  if (def !== undefined) return def;
  // cof A = det A · A⁻ᵀ, written with the atomics (needs a nonsingular A: second derivatives of det at a
  // singular matrix raise SingularMatrixError).
  const cofGeneric = (A: Vec, d: Value): Vec => mul(d, solveData(A, identity(n), 'general', n, n, true));
  def = {
    name: `det(${n}×${n})`,
    value(inputs: readonly Plain[]) {
      const A = inputs[0] as Float64Array;
      requireFinite(A, 'det: A');
      const lu = luFactor(A, n);
      let d = lu.sign;
      for (let i = 0; i < n; i++) d *= lu.lu[i * n + i]!;
      return { outputs: [d], state: { lu } };
    },
    jvp: (inputs, outputs, tan, state) => [
      dot(cofactorPlain(inputs[0] as Float64Array, n, state, outputs[0] as number), tan[0] as Float64Array) as number,
    ],
    vjp: (inputs, outputs, cot, state) => [
      mul(cot[0] as number, cofactorPlain(inputs[0] as Float64Array, n, state, outputs[0] as number)),
    ],
    jvpGeneric: (_G, inputs, outputs, tan) => [dot(cofGeneric(inputs[0] as Vec, outputs[0]!), tan[0] as Vec)],
    vjpGeneric: (_G, inputs, outputs, cot) => [mul(cot[0] as Real, cofGeneric(inputs[0] as Vec, outputs[0]!))],
  };
  detDefs.set(n, def);
  return def;
}

/**
 * det A by LU. Its gradient is the cofactor matrix: det A·A⁻ᵀ when A is well conditioned, and from an SVD
 * (U·adj(S)·Vᵀ with the signs of det U, det V) when A is singular or nearly so, so an exactly singular A gets
 * the exact (finite) gradient.
 */
export function det(A: MatLike): Real {
  const a = asSquare(A, 'det: A');
  return callAtomic(detDef(a.rows), [a.data])[0] as Real;
}
