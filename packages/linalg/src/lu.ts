/**
 * LU with partial pivoting as an op: A = P L U (P a permutation, L unit lower, U upper triangular; scipy's
 * convention), one atomic with outputs [P, L, U] (P is piecewise constant: derivative 0).
 *
 * Rules (de Hoog, Anderssen & Lukas 2011, "Differentiation of matrix functionals using triangular
 * factorization"; Seeger et al. 2017 §3), with Ȧp = PᵀȦ, F = L⁻¹ Ȧp U⁻¹:
 *   forward   L̇ = L·tril₋(F),  U̇ = triu(F)·U
 *   reverse   Ā = P·L⁻ᵀ (tril₋(LᵀL̄) + triu(ŪUᵀ)) U⁻ᵀ
 * tril₋ is the strictly lower triangle, triu the upper one with the diagonal: only the strictly lower part of
 * L̄ and the upper part of Ū matter (the other entries of L and U are constants). The plain rules reuse the
 * packed factors kept in the atomic's state (triangular solves on them); the differentiable rules are the
 * same formulas with the package's atomics (solve, matmul) and core's gathers.
 */
import { type AtomicDefinition, add, callAtomic, gather, mul, type Plain, type Vec } from '@wengert/core';
import { requireFinite } from '@wengert/core/internals';
import { mm, tp } from './basic.js';
import { SingularMatrixError } from './errors.js';
import { type LU, luFactor, luSingular, triSolve } from './factor.js';
import { asSquare, gemm, type Mat, type MatLike, plain, transposePlain } from './mat.js';
import { solveData, triMask } from './solve.js';

interface LuState {
  readonly lu: LU;
}

const masks = new Map<number, { strictLower: Float64Array; upper: Float64Array }>();

function masksOf(n: number) {
  let m = masks.get(n);
  if (m === undefined) {
    const strictLower = triMask(n, 'lower').slice();
    for (let i = 0; i < n; i++) strictLower[i * n + i] = 0;
    m = { strictLower, upper: triMask(n, 'upper') };
    masks.set(n, m);
  }
  return m;
}

/** Gather indices: (PᵀX)_i = X_{piv[i]} (rows), and the inverse (P Y)_{piv[i]} = Y_i. */
function permIndex(piv: ArrayLike<number>, n: number): { toPivoted: Int32Array; fromPivoted: Int32Array } {
  const toPivoted = new Int32Array(n * n);
  const fromPivoted = new Int32Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      toPivoted[i * n + j] = piv[i]! * n + j;
      fromPivoted[piv[i]! * n + j] = i * n + j;
    }
  return { toPivoted, fromPivoted };
}

/** piv from the permutation matrix P (A = P L U): P_{piv[i], i} = 1. */
function pivFromP(P: Float64Array, n: number): Int32Array {
  const piv = new Int32Array(n);
  for (let i = 0; i < n; i++) for (let r = 0; r < n; r++) if (P[r * n + i] === 1) piv[i] = r;
  return piv;
}

function requireInvertibleU(lu: LU, what: string): void {
  if (luSingular(lu)) throw new SingularMatrixError(what, lu.rcond);
}

const luDefs = new Map<number, AtomicDefinition<LuState>>();

function luDef(n: number): AtomicDefinition<LuState> {
  let def = luDefs.get(n);
  if (def !== undefined) return def;
  const { strictLower, upper } = masksOf(n);

  // Differentiable rules (plain or active operands).
  const jvpGen = (P: Vec, L: Vec, U: Vec, dA: Vec): Vec[] => {
    const { toPivoted } = permIndex(pivFromP(plain(P), n), n);
    const Z = solveData(L, gather(dA, toPivoted), 'lower', n, n); // L⁻¹ PᵀȦ
    const F = tp(solveData(U, tp(Z, n, n), 'upper', n, n, true), n, n); // (U⁻ᵀ Zᵀ)ᵀ = Z U⁻¹
    return [new Float64Array(n * n), mm(L, mul(F, strictLower), n, n, n), mm(mul(F, upper), U, n, n, n)];
  };
  const vjpGen = (P: Vec, L: Vec, U: Vec, Lbar: Vec, Ubar: Vec): Vec[] => {
    const { fromPivoted } = permIndex(pivFromP(plain(P), n), n);
    const M = add(
      mul(mm(L, mul(Lbar, strictLower), n, n, n, true, false), strictLower),
      mul(mm(mul(Ubar, upper), U, n, n, n, false, true), upper),
    );
    const X = solveData(L, M, 'lower', n, n, true); // L⁻ᵀ M
    const Y = tp(solveData(U, tp(X, n, n), 'upper', n, n), n, n); // (U⁻¹ Xᵀ)ᵀ = X U⁻ᵀ
    return [gather(Y, fromPivoted)];
  };

  def = {
    name: `lu(${n}×${n})`,
    value(inputs: readonly Plain[]) {
      const A = inputs[0] as Float64Array;
      requireFinite(A, 'lu: A');
      const lu = luFactor(A, n);
      const P = new Float64Array(n * n);
      const L = new Float64Array(n * n);
      const U = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        P[lu.piv[i]! * n + i] = 1;
        for (let j = 0; j < n; j++) {
          const v = lu.lu[i * n + j]!;
          if (j < i) L[i * n + j] = v;
          else U[i * n + j] = v;
        }
        L[i * n + i] = 1;
      }
      return { outputs: [P, L, U], state: { lu } };
    },
    jvp(_inputs, outputs, tangents, state) {
      requireInvertibleU(state.lu, 'lu: A (derivative of the LU factors)');
      const { lu, piv } = state.lu;
      const dA = tangents[0] as Float64Array;
      // F = L⁻¹ PᵀȦ U⁻¹ on the packed factors.
      const Z = new Float64Array(n * n);
      for (let i = 0; i < n; i++) Z.set(dA.subarray(piv[i]! * n, piv[i]! * n + n), i * n);
      triSolve(lu, n, Z, n, 'lower', false, true);
      const Ft = transposePlain(Z, n, n);
      triSolve(lu, n, Ft, n, 'upper', true, false); // (U⁻ᵀ Zᵀ) = Fᵀ
      const F = transposePlain(Ft, n, n);
      const L = outputs[1] as Float64Array;
      const U = outputs[2] as Float64Array;
      return [
        new Float64Array(n * n),
        gemm(L, mul(F, strictLower), n, n, n, false, false),
        gemm(mul(F, upper), U, n, n, n, false, false),
      ];
    },
    vjp(_inputs, outputs, cotangents, state) {
      requireInvertibleU(state.lu, 'lu: A (derivative of the LU factors)');
      const { lu, piv } = state.lu;
      const L = outputs[1] as Float64Array;
      const U = outputs[2] as Float64Array;
      const Lb = mul(cotangents[1] as Float64Array, strictLower);
      const Ub = mul(cotangents[2] as Float64Array, upper);
      const M = add(
        mul(gemm(L, Lb, n, n, n, true, false), strictLower),
        mul(gemm(Ub, U, n, n, n, false, true), upper),
      ) as Float64Array;
      triSolve(lu, n, M, n, 'lower', true, true); // L⁻ᵀ M
      const Xt = transposePlain(M, n, n);
      triSolve(lu, n, Xt, n, 'upper', false, false); // U⁻¹ Xᵀ = (X U⁻ᵀ)ᵀ
      const Abar = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Abar[piv[i]! * n + j] = Xt[j * n + i]!;
      return [Abar];
    },
    jvpGeneric: (_G, _i, o, t) => jvpGen(o[0] as Vec, o[1] as Vec, o[2] as Vec, t[0] as Vec),
    vjpGeneric: (_G, _i, o, c) => vjpGen(o[0] as Vec, o[1] as Vec, o[2] as Vec, c[1] as Vec, c[2] as Vec),
  };
  luDefs.set(n, def);
  return def;
}

/**
 * LU factorization with partial pivoting of a square A: A = P·L·U with P a permutation matrix, L unit lower
 * triangular and U upper triangular (scipy.linalg.lu's convention). Differentiable in A wherever U is
 * nonsingular (the rules throw `SingularMatrixError` otherwise); P is piecewise constant.
 */
export function lu(A: MatLike): { readonly P: Mat; readonly L: Mat; readonly U: Mat } {
  const a = asSquare(A, 'lu: A');
  const n = a.rows;
  const [P, L, U] = callAtomic(luDef(n) as AtomicDefinition<unknown>, [a.data]) as Vec[];
  const m = (d: Vec) => ({ data: d, rows: n, cols: n });
  return { P: m(P!), L: m(L!), U: m(U!) };
}
