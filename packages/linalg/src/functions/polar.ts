/**
 * The orthogonal polar factor Q = U Vᵀ of A = U diag(s) Vᵀ (A = Q H with H = (AᵀA)^½), and the matrix norms
 * whose gradients are built from it.
 *
 * Polar (m ≥ n; wide A through Aᵀ). With P = UᵀȦV (n×n), X_ij = (P_ij − P_ji)/(s_i + s_j):
 *   Q̇ = U X Vᵀ + (I − UUᵀ) Ȧ V S⁻¹ Vᵀ,                                         (forward)
 *   Ā = U Y Vᵀ + (I − UUᵀ) Q̄ V S⁻¹ Vᵀ,  Y_ij = (M_ij − M_ji)/(s_i + s_j), M = UᵀQ̄V   (reverse)
 * — the Sylvester equation X S + S X = P − Pᵀ of QᵀQ̇ in the V basis (Higham 2008, §8.1; the 1/(s_i + s_j)
 * never degenerates at full rank, so repeated singular values are harmless). The differentiable rules use
 * Q = A (AᵀA)^(−½) with the Daleckii–Krein atomics of x^(−½):
 *   Q̇ = Ȧ H⁻¹ + A·L(AᵀA, 2AᵀȦ),  Ā = Q̄ H⁻¹ + 2A·L(AᵀA, AᵀQ̄),  L the Fréchet map of x^(−½),
 * so second derivatives are exact at repeated singular values as well.
 */
import {
  type AtomicDefinition,
  add,
  callAtomic,
  dot,
  mul,
  type Plain,
  type Real,
  reciprocal,
  type Vec,
} from '@wengert/core';
import { requireFinite } from '@wengert/core/internals';
import { mm, tp } from '../basic.js';
import { asMat, frobenius, gemm, type Mat, type MatLike } from '../mat.js';
import { type SpectralOptions, spectralTols } from '../spectral-options.js';
import { findClusters, plainSvd } from '../svd-plain.js';
import { RankDeficientError } from './errors.js';
import { applyFunction, clusterWeightsSpec, frechet, powSpec, type Spec } from './spectral.js';

interface SvdState {
  readonly s: Float64Array;
  readonly U: Float64Array;
  readonly V: Float64Array;
}

function fullRankSvd(A: Float64Array, m: number, n: number, ctol: number, arg: string): SvdState {
  requireFinite(A, arg);
  const { s, U, V } = plainSvd(A, m, n, ctol);
  const k = Math.min(m, n);
  const smax = s[0]!;
  let rank = 0;
  for (let i = 0; i < k; i++) if (s[i]! > ctol * smax) rank++;
  if (rank < k) throw new RankDeficientError(arg, k, rank, smax === 0 ? 0 : s[k - 1]! / smax);
  return { s, U, V };
}

/** X_ij = (P_ij − P_ji)/(s_i + s_j) for the n×n P. */
function sylvester(P: Float64Array, s: Float64Array, n: number): Float64Array {
  const X = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) if (i !== j) X[i * n + j] = (P[i * n + j]! - P[j * n + i]!) / (s[i]! + s[j]!);
  return X;
}

const INV_SQRT: Spec = powSpec(-0.5);

const polarDefs = new Map<string, AtomicDefinition<SvdState>>();

/** The atomic A ↦ Q = U Vᵀ for m ≥ n. */
function polarDef(m: number, n: number, ctol: number): AtomicDefinition<SvdState> {
  const key = `${m},${n},${ctol}`;
  let def = polarDefs.get(key);
  if (def !== undefined) return def;
  // Ȧ ↦ Q̇ and Q̄ ↦ Ā are the same map Z ↦ U·skew-solve(UᵀZV)·Vᵀ + (Z V − U UᵀZV) S⁻¹ Vᵀ.
  const apply = (st: SvdState, Z: Float64Array): Float64Array => {
    const { s, U, V } = st;
    const ZV = gemm(Z, V, m, n, n, false, false);
    const P = gemm(U, ZV, n, m, n, true, false);
    const out = gemm(gemm(U, sylvester(P, s, n), m, n, n, false, false), V, m, n, n, false, true);
    if (m > n) {
      const R = gemm(U, P, m, n, n, false, false);
      for (let e = 0; e < R.length; e++) R[e] = (ZV[e]! - R[e]!) / s[e % n]!;
      const T = gemm(R, V, m, n, n, false, true);
      for (let e = 0; e < out.length; e++) out[e] += T[e]!;
    }
    return out;
  };
  // Differentiable versions through Q = A (AᵀA)^(−½).
  const gram = (A: Vec) => mm(A, A, n, m, n, true, false);
  def = {
    name: `polar(${m}×${n})`,
    value(inputs: readonly Plain[]) {
      const st = fullRankSvd(inputs[0] as Float64Array, m, n, ctol, 'polar: A');
      return { outputs: [gemm(st.U, st.V, m, n, n, false, true)], state: st };
    },
    jvp: (_i, _o, tan, st) => [apply(st, tan[0] as Float64Array)],
    vjp: (_i, _o, cot, st) => [apply(st, cot[0] as Float64Array)],
    jvpGeneric(_G, inputs, _o, tan) {
      const A = inputs[0] as Vec;
      const dA = tan[0] as Vec;
      const S = gram(A);
      const Hinv = applyFunction(INV_SQRT, n, ctol, S);
      const L = frechet(INV_SQRT, n, ctol, S, mul(2, mm(A, dA, n, m, n, true, false)));
      return [add(mm(dA, Hinv, m, n, n), mm(A, L, m, n, n))];
    },
    vjpGeneric(_G, inputs, _o, cot) {
      const A = inputs[0] as Vec;
      const Qb = cot[0] as Vec;
      const S = gram(A);
      const Hinv = applyFunction(INV_SQRT, n, ctol, S);
      const L = frechet(INV_SQRT, n, ctol, S, mm(A, Qb, n, m, n, true, false));
      return [add(mm(Qb, Hinv, m, n, n), mul(2, mm(A, L, m, n, n)))];
    },
  };
  polarDefs.set(key, def);
  return def;
}

/** Q of the raw m×n data (any shape; wide through the transpose). */
function polarData(A: Vec, m: number, n: number, ctol: number): Vec {
  if (m >= n) return callAtomic(polarDef(m, n, ctol) as AtomicDefinition<unknown>, [A])[0] as Vec;
  return tp(callAtomic(polarDef(n, m, ctol) as AtomicDefinition<unknown>, [tp(A, m, n)])[0] as Vec, n, m);
}

/**
 * The orthogonal polar factor Q = U Vᵀ of A (m×n; QᵀQ = I for tall A, QQᵀ = I for wide A): the orthogonal
 * (isometric) matrix nearest to A in every unitarily invariant norm. A must have full rank: singular
 * values ≤ clusterTol·s_max (default 1e-10) count as zero and raise `RankDeficientError`. Its derivatives
 * (first and second order) are exact at repeated singular values.
 */
export function polar(A: MatLike, options: Pick<SpectralOptions, 'clusterTol'> = {}): Mat {
  const a = asMat(A, 'polar: A');
  const [ctol] = spectralTols(options, 'polar');
  return { data: polarData(a.data, a.rows, a.cols, ctol), rows: a.rows, cols: a.cols };
}

// ---------------------------------------------------------------------------------------------
// Norms
// ---------------------------------------------------------------------------------------------

const froDefs = new Map<number, AtomicDefinition<undefined>>();

function froDef(len: number): AtomicDefinition<undefined> {
  let def = froDefs.get(len);
  if (def !== undefined) return def;
  const unit = (A: Float64Array, nrm: number) => (nrm === 0 ? new Float64Array(len) : A.map((v) => v / nrm));
  def = {
    name: `normFro(${len})`,
    value(inputs: readonly Plain[]) {
      const A = inputs[0] as Float64Array;
      requireFinite(A, 'normFro: A');
      return { outputs: [frobenius(A)] };
    },
    jvp: (i, o, t) => [dot(unit(i[0] as Float64Array, o[0] as number), t[0] as Float64Array) as number],
    vjp: (i, o, c) => [mul(c[0] as number, unit(i[0] as Float64Array, o[0] as number)) as Float64Array],
    jvpGeneric: (_G, i, o, t) => [dot(mul(i[0] as Vec, reciprocalOrZero(o[0] as Real)), t[0] as Vec)],
    vjpGeneric: (_G, i, o, c) => [mul(mul(c[0] as Real, reciprocalOrZero(o[0] as Real)), i[0] as Vec)],
  };
  froDefs.set(len, def);
  return def;
}

/** 1/x, or the constant 0 at x = 0 (where the rules use the subgradient 0). */
function reciprocalOrZero(x: Real): Real {
  const v = typeof x === 'number' ? x : x.value;
  return v === 0 ? 0 : (reciprocal(x) as Real);
}

/**
 * The Frobenius norm ‖A‖_F = √(Σ a_ij²). Its gradient A/‖A‖_F; at A = 0 the subgradient 0.
 */
export function normFro(A: MatLike): Real {
  const a = asMat(A, 'normFro: A');
  return callAtomic(froDef(a.data.length) as AtomicDefinition<unknown>, [a.data])[0] as Real;
}

interface NuclearState {
  /** U₊V₊ᵀ over the nonzero singular values (the minimum-norm subgradient). */
  readonly G: Float64Array;
}

const nuclearDefs = new Map<string, AtomicDefinition<NuclearState>>();

function nuclearDef(m: number, n: number, ctol: number): AtomicDefinition<NuclearState> {
  const key = `${m},${n},${ctol}`;
  let def = nuclearDefs.get(key);
  if (def !== undefined) return def;
  const k = Math.min(m, n);
  const gradient = (A: Vec) => polarData(A, m, n, ctol);
  def = {
    name: `normNuclear(${m}×${n})`,
    value(inputs: readonly Plain[]) {
      const A = inputs[0] as Float64Array;
      requireFinite(A, 'normNuclear: A');
      const { s, U, V } = plainSvd(A, m, n, ctol);
      let total = 0;
      const G = new Float64Array(m * n);
      for (let c = 0; c < k; c++) {
        total += s[c]!;
        if (!(s[c]! > ctol * s[0]!)) continue;
        for (let i = 0; i < m; i++) {
          const u = U[i * k + c]!;
          for (let j = 0; j < n; j++) G[i * n + j] += u * V[j * k + c]!;
        }
      }
      return { outputs: [total], state: { G } };
    },
    jvp: (_i, _o, t, st) => [dot(st.G, t[0] as Float64Array) as number],
    vjp: (_i, _o, c, st) => [mul(c[0] as number, st.G) as Float64Array],
    jvpGeneric: (_G, i, _o, t) => [dot(gradient(i[0] as Vec), t[0] as Vec)],
    vjpGeneric: (_G, i, _o, c) => [mul(c[0] as Real, gradient(i[0] as Vec))],
  };
  nuclearDefs.set(key, def);
  return def;
}

/**
 * The nuclear norm ‖A‖_* = Σ s_i. Its gradient is U Vᵀ — the polar factor, basis-independent and exact at
 * repeated singular values. At rank deficiency (s_i ≤ clusterTol·s_max) the norm is not differentiable; the
 * gradient returned is the minimum-norm subgradient U₊V₊ᵀ over the nonzero singular values, and second
 * derivatives there raise `RankDeficientError` (the second-order rules go through {@link polar}).
 */
export function normNuclear(A: MatLike, options: Pick<SpectralOptions, 'clusterTol'> = {}): Real {
  const a = asMat(A, 'normNuclear: A');
  const [ctol] = spectralTols(options, 'normNuclear');
  return callAtomic(nuclearDef(a.rows, a.cols, ctol) as AtomicDefinition<unknown>, [a.data])[0] as Real;
}

interface SpectralNormState {
  readonly G: Float64Array;
}

const spectralDefs = new Map<string, AtomicDefinition<SpectralNormState>>();

function spectralNormDef(m: number, n: number, ctol: number): AtomicDefinition<SpectralNormState> {
  const key = `${m},${n},${ctol}`;
  let def = spectralDefs.get(key);
  if (def !== undefined) return def;
  const k = Math.min(m, n);
  // Differentiable gradient: with the Gram matrix of the smaller side and P = (1/|c|)·(projector onto its top
  // eigenvalue cluster), G = A P / ‖A‖₂ (m ≥ n) or P A / ‖A‖₂ (m < n) — equal to U_c V_cᵀ/|c|.
  const gradient = (A: Vec, s: Real): Vec => {
    const tall = m >= n;
    const Gm = tall ? mm(A, A, n, m, n, true, false) : mm(A, A, m, n, m, false, true);
    const P = applyFunction(TOP_CLUSTER, k, ctol, Gm);
    const AP = tall ? mm(A, P, m, n, n) : mm(P, A, m, m, n);
    return mul(AP, reciprocal(s)) as Vec;
  };
  def = {
    name: `normSpectral(${m}×${n})`,
    value(inputs: readonly Plain[]) {
      const A = inputs[0] as Float64Array;
      requireFinite(A, 'normSpectral: A');
      const { s, U, V } = plainSvd(A, m, n, ctol);
      const { id } = findClusters(s, ctol, s[0]!);
      const top = id[0]! >= 0 ? Array.from(id).filter((c) => c === id[0]).length : 1;
      const G = new Float64Array(m * n);
      for (let c = 0; c < top; c++)
        for (let i = 0; i < m; i++) {
          const u = U[i * k + c]! / top;
          for (let j = 0; j < n; j++) G[i * n + j] += u * V[j * k + c]!;
        }
      return { outputs: [s[0]!], state: { G } };
    },
    jvp: (_i, _o, t, st) => [dot(st.G, t[0] as Float64Array) as number],
    vjp: (_i, _o, c, st) => [mul(c[0] as number, st.G) as Float64Array],
    jvpGeneric: (_G, i, o, t) => [dot(gradient(i[0] as Vec, o[0] as Real), t[0] as Vec)],
    vjpGeneric: (_G, i, o, c) => [mul(c[0] as Real, gradient(i[0] as Vec, o[0] as Real))],
  };
  spectralDefs.set(key, def);
  return def;
}

/** Weights 1/|c| on the top eigenvalue cluster (ascending order: the last run), 0 elsewhere. */
const TOP_CLUSTER = clusterWeightsSpec('normSpectral-gradient', (lam, id) => {
  const n = lam.length;
  const w = new Float64Array(n);
  const last = id[n - 1]!;
  if (last < 0) w[n - 1] = 1;
  else {
    let size = 0;
    for (let i = 0; i < n; i++) if (id[i] === last) size++;
    for (let i = 0; i < n; i++) if (id[i] === last) w[i] = 1 / size;
  }
  return w;
});

/**
 * The spectral norm ‖A‖₂ = s_max. Its gradient is u₁v₁ᵀ. When the largest singular value is repeated (a
 * cluster c of size > 1 at clusterTol) the norm is not differentiable; the gradient returned is the
 * minimum-norm subgradient U_c V_cᵀ/|c| (basis-independent). At A = 0 the subgradient is U Vᵀ/k for the
 * computed vectors and second derivatives are not defined.
 */
export function normSpectral(A: MatLike, options: Pick<SpectralOptions, 'clusterTol'> = {}): Real {
  const a = asMat(A, 'normSpectral: A');
  const [ctol] = spectralTols(options, 'normSpectral');
  return callAtomic(spectralNormDef(a.rows, a.cols, ctol) as AtomicDefinition<unknown>, [a.data])[0] as Real;
}
