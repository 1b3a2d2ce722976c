/**
 * Functions of symmetric matrices by divided differences (Daleckii–Krein), and the subspace primitives built
 * on them: spectral projectors and sums of the top k eigenvalues.
 *
 * For S = sym(A) = V diag(λ) Vᵀ and a scalar f, F = f(S) = V diag(f(λ)) Vᵀ and
 *   dF = V (F¹ ∘ (Vᵀ dS V)) Vᵀ,  F¹_ij = f[λ_i, λ_j] = (f(λ_i) − f(λ_j))/(λ_i − λ_j),  f[λ, λ] = f′(λ)
 * (Daleckii & Krein 1965; Higham 2008, Thm 3.11 / §5 of Bhatia's *Matrix Analysis*). The map E ↦ V(F¹∘VᵀEV)Vᵀ
 * is self-adjoint, so the reverse rule is the same formula on the cotangent. Unlike a rule of `eigh`, it sees
 * f: inside a cluster of equal eigenvalues it uses the limit f′(λ) (the midpoint f′((λ_i + λ_j)/2)), which
 * is exactly what a loss like tr(f(S) W) needs there.
 *
 * The differentiable rules (`jvpGeneric`/`vjpGeneric`) call a second atomic, the Fréchet map
 * L(A, E) = V (F¹ ∘ (Vᵀ sym(E) V)) Vᵀ, whose own rules use the second divided differences
 *   ∂_A L(A, E)[H] = V M Vᵀ,  M_ij = Σ_k f[λ_i, λ_k, λ_j] (Ẽ_ik H̃_kj + H̃_ik Ẽ_kj),  Ẽ = Vᵀ sym(E) V, H̃ = Vᵀ sym(H) V,
 * with f[x, x, x] = f″(x)/2 at confluent points — so second derivatives are exact at repeated eigenvalues
 * too. Third derivatives are not provided (the Fréchet atomic has no differentiable rules).
 */
import {
  type AtomicDefinition,
  callAtomic,
  DomainError,
  dot,
  MissingRuleError,
  mul,
  type Plain,
  type Real,
  ShapeError,
  type Vec,
} from '@wengert/core';
import { describeValue, requireFinite } from '@wengert/core/internals';
import { asSquare, gemm, type Mat, type MatLike, symPlain } from '../mat.js';
import { spectralTols } from '../spectral-options.js';
import { findClusters, plainEigh } from '../svd-plain.js';
import { ClusterSplitError } from './errors.js';

const EPS = 2 ** -52;
const CBRT_EPS = Math.cbrt(EPS); // ≈ 6.1e-6
const QRT_EPS = Math.sqrt(Math.sqrt(EPS)); // ≈ 1.2e-4

// ---------------------------------------------------------------------------------------------
// Divided-difference kernels
// ---------------------------------------------------------------------------------------------

/** The coefficients of a spectral function at a computed spectrum. */
export interface Kernel {
  /** f(λ_i). */
  readonly fv: Float64Array;
  /** First divided differences f[λ_i, λ_j] (n×n, symmetric, diagonal f′(λ_i)). */
  readonly F1: Float64Array;
  /** Second divided difference f[λ_i, λ_j, λ_k] (symmetric in its arguments). */
  dd2(i: number, j: number, k: number): number;
}

/** A spectral function: builds its kernel at a computed (ascending) spectrum; may throw typed errors. */
export interface Spec {
  readonly name: string;
  kernel(lam: Float64Array, ctol: number): Kernel;
}

function spectralScale(lam: Float64Array): number {
  let s = 0;
  for (let i = 0; i < lam.length; i++) s = Math.max(s, Math.abs(lam[i]!));
  return s;
}

/** Sorts three indices by their eigenvalue. */
function sort3(lam: Float64Array, i: number, j: number, k: number): [number, number, number] {
  let a = i;
  let b = j;
  let c = k;
  if (lam[a]! > lam[b]!) [a, b] = [b, a];
  if (lam[b]! > lam[c]!) [b, c] = [c, b];
  if (lam[a]! > lam[b]!) [a, b] = [b, a];
  return [a, b, c];
}

/** A scalar function and its derivatives (all on plain numbers). */
export interface ScalarFunction {
  readonly name: string;
  readonly f: (x: number) => number;
  readonly df: (x: number) => number;
  /** f″: needed by second-order rules only. */
  readonly d2f?: ((x: number) => number) | undefined;
  /** An accurate (f(a) − f(b))/(a − b) for a ≠ b (e.g. through expm1 / log1p). */
  readonly dd?: ((a: number, b: number) => number) | undefined;
  /**
   * Returns a description of the problem when λ is outside f's domain; `zero` = clusterTol·max|λ|, below
   * which an eigenvalue is numerically zero.
   */
  readonly domain?: ((x: number, zero: number) => string | undefined) | undefined;
}

/**
 * The kernel of a scalar f. Pairs closer than the cluster tolerance (clusterTol·max|λ|) use the limit
 * f′ at their midpoint. Without an accurate `dd`, pairs closer than ε^⅓·max(|λ_i|, |λ_j|) use it too (the
 * difference quotient would lose more digits than the midpoint rule's O(h²) error); second divided
 * differences use f″/2 at the mean below ε^¼ (ε^⅓ with `dd`) relative spread, else the recursion
 * (f[b, c] − f[a, b])/(c − a) over the sorted triple.
 */
export function scalarSpec(fn: ScalarFunction): Spec {
  return {
    name: fn.name,
    kernel(lam, ctol) {
      const n = lam.length;
      const scale = spectralScale(lam);
      const abs = ctol * scale;
      for (let i = 0; i < n; i++) {
        const bad = fn.domain?.(lam[i]!, abs);
        if (bad !== undefined) {
          throw new DomainError(`${fn.name}: A`, bad, `a matrix with eigenvalue λ_${i} = ${lam[i]}`);
        }
      }
      const fv = Float64Array.from(lam, (x) => fn.f(x));
      const F1 = new Float64Array(n * n);
      const rel1 = fn.dd ? 0 : CBRT_EPS;
      for (let i = 0; i < n; i++) {
        F1[i * n + i] = fn.df(lam[i]!);
        for (let j = 0; j < i; j++) {
          const a = lam[i]!;
          const b = lam[j]!;
          const h = Math.abs(a - b);
          let v: number;
          if (h <= Math.max(abs, rel1 * Math.max(Math.abs(a), Math.abs(b)))) v = fn.df(0.5 * (a + b));
          else v = fn.dd ? fn.dd(a, b) : (fv[i]! - fv[j]!) / (a - b);
          F1[i * n + j] = v;
          F1[j * n + i] = v;
        }
      }
      requireFiniteCoefficients(fv, F1, fn.name, lam);
      const rel2 = fn.dd ? CBRT_EPS : QRT_EPS;
      return {
        fv,
        F1,
        dd2(i, j, k) {
          const [a, b, c] = sort3(lam, i, j, k);
          const x1 = lam[a]!;
          const x3 = lam[c]!;
          if (x3 - x1 <= Math.max(abs, rel2 * Math.max(Math.abs(x1), Math.abs(x3)))) {
            if (fn.d2f === undefined) throw new MissingRuleError(fn.name, 'second-order (give d2f)');
            return 0.5 * fn.d2f((x1 + lam[b]! + x3) / 3);
          }
          return (F1[b * n + c]! - F1[a * n + b]!) / (x3 - x1);
        },
      };
    },
  };
}

function requireFiniteCoefficients(fv: Float64Array, F1: Float64Array, name: string, lam: Float64Array): void {
  for (let i = 0; i < fv.length; i++) {
    if (!Number.isFinite(fv[i]!)) {
      throw new DomainError(`${name}: A`, 'eigenvalues where f is finite', `f(λ_${i} = ${lam[i]}) = ${fv[i]}`);
    }
  }
  const n = fv.length;
  for (let e = 0; e < F1.length; e++) {
    if (!Number.isFinite(F1[e]!)) {
      const i = Math.floor(e / n);
      const j = e % n;
      throw new DomainError(
        `${name}: A`,
        'eigenvalues where f is differentiable',
        `f[λ_${i}, λ_${j}] = ${F1[e]} at λ = ${lam[i]}, ${lam[j]}`,
      );
    }
  }
}

/**
 * The kernel of a function constant on each cluster of equal eigenvalues, given by its weights w_i (equal
 * inside each cluster): its divided differences inside a cluster are 0, between clusters
 * (w_i − w_j)/(λ_i − λ_j). Spectral projectors (w ∈ {0, 1}) and the top-k selection are of this kind.
 */
export function clusterWeightsSpec(
  name: string,
  weights: (lam: Float64Array, id: Int32Array, clusters: number[][]) => Float64Array,
): Spec {
  return {
    name,
    kernel(lam, ctol) {
      const n = lam.length;
      const { id, clusters } = findClusters(lam, ctol, spectralScale(lam));
      const w = weights(lam, id, clusters);
      const F1 = new Float64Array(n * n);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < i; j++) {
          const same = id[i]! >= 0 && id[i] === id[j];
          const v = same || w[i] === w[j] ? 0 : (w[i]! - w[j]!) / (lam[i]! - lam[j]!);
          F1[i * n + j] = v;
          F1[j * n + i] = v;
        }
      return {
        fv: w,
        F1,
        dd2(i, j, k) {
          const [a, b, c] = sort3(lam, i, j, k);
          if (w[a] === w[b] && w[b] === w[c]) return 0;
          return (F1[b * n + c]! - F1[a * n + b]!) / (lam[c]! - lam[a]!);
        },
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Plain kernels
// ---------------------------------------------------------------------------------------------

/** Vᵀ X V. */
function vtxv(V: Float64Array, X: Float64Array, n: number): Float64Array {
  return gemm(gemm(V, X, n, n, n, true, false), V, n, n, n, false, false);
}

/** V X Vᵀ. */
function vxvt(V: Float64Array, X: Float64Array, n: number): Float64Array {
  return gemm(gemm(V, X, n, n, n, false, false), V, n, n, n, false, true);
}

/** The Daleckii–Krein map E ↦ V (F¹ ∘ (Vᵀ sym(E) V)) Vᵀ. */
function dkPlain(V: Float64Array, F1: Float64Array, E: Float64Array, n: number): Float64Array {
  const Et = vtxv(V, symPlain(E, n), n);
  for (let e = 0; e < Et.length; e++) Et[e] *= F1[e]!;
  return vxvt(V, Et, n);
}

function decompose(spec: Spec, A: Float64Array, n: number, ctol: number) {
  requireFinite(A, `${spec.name}: A`);
  const { values, V } = plainEigh(symPlain(A, n), n);
  return { lam: values, V, k: spec.kernel(values, ctol) };
}

// ---------------------------------------------------------------------------------------------
// Atomics: F = f(sym A), and its Fréchet map L(A, E)
// ---------------------------------------------------------------------------------------------

interface FnState {
  readonly V: Float64Array;
  readonly F1: Float64Array;
}

interface FrechetState extends FnState {
  readonly k: Kernel;
  /** Vᵀ sym(E) V. */
  readonly Et: Float64Array;
}

const defCache = new WeakMap<Spec, Map<string, AtomicDefinition<never>>>();

function cached<S>(spec: Spec, key: string, make: () => AtomicDefinition<S>): AtomicDefinition<S> {
  let m = defCache.get(spec);
  if (m === undefined) {
    m = new Map();
    defCache.set(spec, m);
  }
  let d = m.get(key) as AtomicDefinition<S> | undefined;
  if (d === undefined) {
    d = make();
    m.set(key, d as AtomicDefinition<never>);
  }
  return d;
}

/** The atomic A ↦ f(sym A). */
export function functionDef(spec: Spec, n: number, ctol: number): AtomicDefinition<FnState> {
  return cached(spec, `F${n},${ctol}`, () => ({
    name: `${spec.name}(${n}×${n})`,
    value(inputs: readonly Plain[]) {
      const { V, k } = decompose(spec, inputs[0] as Float64Array, n, ctol);
      const VD = V.map((v, e) => v * k.fv[e % n]!);
      return { outputs: [gemm(VD, V, n, n, n, false, true)], state: { V, F1: k.F1 } };
    },
    jvp: (_i, _o, tan, st) => [dkPlain(st.V, st.F1, tan[0] as Float64Array, n)],
    vjp: (_i, _o, cot, st) => [dkPlain(st.V, st.F1, cot[0] as Float64Array, n)],
    jvpGeneric: (_G, inputs, _o, tan) => [frechet(spec, n, ctol, inputs[0] as Vec, tan[0] as Vec)],
    vjpGeneric: (_G, inputs, _o, cot) => [frechet(spec, n, ctol, inputs[0] as Vec, cot[0] as Vec)],
  }));
}

/** Σ_k f[λ_i, λ_k, λ_j] (X_ik Y_kj + Y_ik X_kj) for symmetric X, Y (the second-order Daleckii–Krein term). */
function secondTerm(k: Kernel, X: Float64Array, Y: Float64Array, n: number): Float64Array {
  const M = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let p = 0; p < n; p++) {
        const c = X[i * n + p]! * Y[p * n + j]! + Y[i * n + p]! * X[p * n + j]!;
        if (c !== 0) s += k.dd2(i, p, j) * c;
      }
      M[i * n + j] = s;
      M[j * n + i] = s;
    }
  return M;
}

/** The atomic (A, E) ↦ L(A, E) = V (F¹ ∘ (Vᵀ sym(E) V)) Vᵀ: the Fréchet derivative of f at sym A along sym E. */
function frechetDef(spec: Spec, n: number, ctol: number): AtomicDefinition<FrechetState> {
  return cached(spec, `L${n},${ctol}`, () => ({
    name: `${spec.name}-frechet(${n}×${n})`,
    value(inputs: readonly Plain[]) {
      const { V, k } = decompose(spec, inputs[0] as Float64Array, n, ctol);
      const E = inputs[1] as Float64Array;
      requireFinite(E, `${spec.name}: E`);
      const Et = vtxv(V, symPlain(E, n), n);
      const T = Et.map((v, e) => v * k.F1[e]!);
      return { outputs: [vxvt(V, T, n)], state: { V, F1: k.F1, k, Et } };
    },
    jvp(_i, _o, tan, st) {
      const out = dkPlain(st.V, st.F1, tan[1] as Float64Array, n);
      const Ht = vtxv(st.V, symPlain(tan[0] as Float64Array, n), n);
      const second = vxvt(st.V, secondTerm(st.k, st.Et, Ht, n), n);
      for (let e = 0; e < out.length; e++) out[e] += second[e]!;
      return [out];
    },
    vjp(_i, _o, cot, st) {
      const Lbar = cot[0] as Float64Array;
      const Ebar = dkPlain(st.V, st.F1, Lbar, n);
      // ⟨Õ, M(Ẽ, H̃)⟩ = 2 Σ_ijk Õ_ij f[i,k,j] Ẽ_ik H̃_kj, so ∂/∂H̃_kj = N_kj = 2 Σ_i Õ_ij Ẽ_ik f[i,k,j].
      const Ot = vtxv(st.V, symPlain(Lbar, n), n);
      const N = new Float64Array(n * n);
      for (let kk = 0; kk < n; kk++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let i = 0; i < n; i++) {
            const c = Ot[i * n + j]! * st.Et[i * n + kk]!;
            if (c !== 0) s += c * st.k.dd2(i, kk, j);
          }
          N[kk * n + j] = 2 * s;
        }
      return [vxvt(st.V, symPlain(N, n), n), Ebar];
    },
  }));
}

/** L(A, E) on raw data (internal; recorded when A or E is active). */
export function frechet(spec: Spec, n: number, ctol: number, A: Vec, E: Vec): Vec {
  return callAtomic(frechetDef(spec, n, ctol) as AtomicDefinition<unknown>, [A, E])[0] as Vec;
}

/** f(sym A) on raw data (internal). */
export function applyFunction(spec: Spec, n: number, ctol: number, A: Vec): Vec {
  return callAtomic(functionDef(spec, n, ctol) as AtomicDefinition<unknown>, [A])[0] as Vec;
}

// ---------------------------------------------------------------------------------------------
// Public: symFunction and its instances
// ---------------------------------------------------------------------------------------------

/** Options of the matrix functions of symmetric matrices. */
export interface MatrixFunctionOptions {
  /**
   * Eigenvalues closer than clusterTol·max|λ| are treated as equal: their divided difference is the limit
   * f′ at their midpoint (and the projectors and `sumTopK` treat them as one cluster). Default 1e-10.
   */
  readonly clusterTol?: number;
}

/** Options of {@link symFunction}. */
export interface SymFunctionOptions extends MatrixFunctionOptions {
  /** f″, for second-order derivatives (HVPs); without it they raise `MissingRuleError`. */
  readonly d2f?: (x: number) => number;
  /**
   * An accurate divided difference (f(a) − f(b))/(a − b) for a ≠ b (e.g. written with expm1/log1p); without
   * it the difference quotient is used, and the midpoint derivative for close pairs.
   */
  readonly dividedDifference?: (a: number, b: number) => number;
  /** Name used in errors and tape dumps (default `"symFunction"`). */
  readonly name?: string;
}

function requireFn(f: unknown, arg: string): asserts f is (x: number) => number {
  if (typeof f !== 'function') throw new ShapeError(arg, 'a function (x: number) => number', describeValue(f));
}

/**
 * f(S) = V diag(f(λ)) Vᵀ for the symmetric part S = (A + Aᵀ)/2 of the square A, where f and its derivative
 * df act on plain numbers. One atomic: its derivative is the Daleckii–Krein formula with the divided
 * differences of f — exact at repeated eigenvalues (the limit f′ inside a cluster), for every f, unlike a
 * loss built from `eigh`'s vectors. Second derivatives need `options.d2f`.
 */
export function symFunction(
  A: MatLike,
  f: (x: number) => number,
  df: (x: number) => number,
  options: SymFunctionOptions = {},
): Mat {
  const name = options.name ?? 'symFunction';
  const a = asSquare(A, `${name}: A`);
  requireFn(f, `${name}: f`);
  requireFn(df, `${name}: df`);
  if (options.d2f !== undefined) requireFn(options.d2f, `${name}: options.d2f`);
  if (options.dividedDifference !== undefined && typeof options.dividedDifference !== 'function') {
    throw new ShapeError(`${name}: options.dividedDifference`, 'a function (a, b) => number', 'another value');
  }
  const [ctol] = spectralTols(options, name);
  const spec = scalarSpec({ name, f, df, d2f: options.d2f, dd: options.dividedDifference });
  return { data: applyFunction(spec, a.rows, ctol, a.data), rows: a.rows, cols: a.rows };
}

/** (exp a − exp b)/(a − b) = exp b · expm1(a − b)/(a − b). */
function ddExp(a: number, b: number): number {
  const [lo, hi] = a < b ? [a, b] : [b, a];
  const d = hi - lo;
  return (Math.exp(lo) * Math.expm1(d)) / d;
}

/** (log a − log b)/(a − b) = log1p((a − b)/b)/(a − b) for a, b > 0. */
function ddLog(a: number, b: number): number {
  const [lo, hi] = a < b ? [a, b] : [b, a];
  const d = hi - lo;
  return Math.log1p(d / lo) / d;
}

/** (a^p − b^p)/(a − b) = b^p·expm1(p·log1p((a − b)/b))/(a − b) for a, b > 0 (b the smaller). */
function ddPow(p: number) {
  return (a: number, b: number): number => {
    const [lo, hi] = a < b ? [a, b] : [b, a];
    const d = hi - lo;
    return (lo ** p * Math.expm1(p * Math.log1p(d / lo))) / d;
  };
}

const EXP_SPEC = scalarSpec({ name: 'expmSym', f: Math.exp, df: Math.exp, d2f: Math.exp, dd: ddExp });
const LOG_SPEC = scalarSpec({
  name: 'logmSym',
  f: Math.log,
  df: (x) => 1 / x,
  d2f: (x) => -1 / (x * x),
  dd: ddLog,
  domain: (x, zero) => (x > zero ? undefined : 'a symmetric part with positive eigenvalues (> clusterTol·max|λ|)'),
});
const SQRT_SPEC = scalarSpec({
  name: 'sqrtmSym',
  f: Math.sqrt,
  df: (x) => 0.5 / Math.sqrt(x),
  d2f: (x) => -0.25 / (x * Math.sqrt(x)),
  dd: (a, b) => 1 / (Math.sqrt(a) + Math.sqrt(b)),
  domain: (x, zero) =>
    x > zero
      ? undefined
      : 'a symmetric part with positive eigenvalues (> clusterTol·max|λ|: sqrt is not differentiable at 0)',
});
const powSpecs = new Map<number, Spec>();

/** The spec of x^p (internal: used by `powmSym` and `polar`). */
export function powSpec(p: number): Spec {
  let s = powSpecs.get(p);
  if (s === undefined) {
    const integer = Number.isInteger(p) && p >= 0;
    s = scalarSpec({
      name: `powmSym[${p}]`,
      f: (x) => x ** p,
      df: (x) => (p === 0 ? 0 : p * x ** (p - 1)),
      d2f: (x) => (p === 0 || p === 1 ? 0 : p * (p - 1) * x ** (p - 2)),
      // The log1p form needs positive arguments; integer powers of any sign use the plain quotient.
      dd: integer ? undefined : ddPow(p),
      domain: integer
        ? undefined
        : (x, zero) =>
            x > zero ? undefined : `a symmetric part with positive eigenvalues (> clusterTol·max|λ|; p = ${p})`,
    });
    powSpecs.set(p, s);
  }
  return s;
}

function named(spec: Spec, A: MatLike, options: MatrixFunctionOptions): Mat {
  const a = asSquare(A, `${spec.name}: A`);
  const [ctol] = spectralTols(options, spec.name);
  return { data: applyFunction(spec, a.rows, ctol, a.data), rows: a.rows, cols: a.rows };
}

/** exp(S) of the symmetric part S of A (divided differences through expm1: accurate at close eigenvalues). */
export function expmSym(A: MatLike, options: MatrixFunctionOptions = {}): Mat {
  return named(EXP_SPEC, A, options);
}

/** The principal log(S) of the symmetric part S of A; `DomainError` unless S is positive definite. */
export function logmSym(A: MatLike, options: MatrixFunctionOptions = {}): Mat {
  return named(LOG_SPEC, A, options);
}

/**
 * The positive square root of the symmetric part S of A; `DomainError` unless S is positive definite (the
 * square root is not differentiable at a zero eigenvalue).
 */
export function sqrtmSym(A: MatLike, options: MatrixFunctionOptions = {}): Mat {
  return named(SQRT_SPEC, A, options);
}

/**
 * S^p for the symmetric part S of A: any S for a non-negative integer p, else S must be positive definite
 * (`DomainError`).
 */
export function powmSym(A: MatLike, p: number, options: MatrixFunctionOptions = {}): Mat {
  if (typeof p !== 'number' || !Number.isFinite(p))
    throw new DomainError('powmSym: p', 'a finite number', describeValue(p));
  return named(powSpec(p), A, options);
}

// ---------------------------------------------------------------------------------------------
// Spectral projectors and top-k sums
// ---------------------------------------------------------------------------------------------

/** Which eigenvalues a projector takes: indices in ascending order, or a predicate of (λ, index). */
export type EigenSelection = readonly number[] | ((lambda: number, index: number) => boolean);

/**
 * The spectral projector P = Σ_{i ∈ sel} v_i v_iᵀ of the symmetric part of A onto the eigenvectors of the
 * selected eigenvalues (ascending indices, or a predicate evaluated on the computed eigenvalues). The
 * selection must take all or none of each cluster of numerically equal eigenvalues (`ClusterSplitError`
 * otherwise): then P is a smooth function of A, and its derivatives (Daleckii–Krein with the divided
 * differences of the selection's indicator: (w_i − w_j)/(λ_i − λ_j) across the split, 0 inside clusters)
 * are exact at repeated eigenvalues, to second order.
 */
export function eigenProjector(A: MatLike, selection: EigenSelection, options: MatrixFunctionOptions = {}): Mat {
  const a = asSquare(A, 'eigenProjector: A');
  const n = a.rows;
  const [ctol] = spectralTols(options, 'eigenProjector');
  let pick: (lam: Float64Array) => Uint8Array;
  if (typeof selection === 'function') {
    pick = (lam) => Uint8Array.from(lam, (l, i) => (selection(l, i) ? 1 : 0));
  } else if (Array.isArray(selection)) {
    const m = new Uint8Array(n);
    selection.forEach((i, c) => {
      if (!(Number.isInteger(i) && i >= 0 && i < n)) {
        throw new ShapeError(`eigenProjector: selection[${c}]`, `an integer index in [0, ${n})`, describeValue(i));
      }
      m[i] = 1;
    });
    pick = () => m;
  } else {
    throw new ShapeError(
      'eigenProjector: selection',
      'an array of eigenvalue indices or a predicate (λ, i) => boolean',
      describeValue(selection),
    );
  }
  const spec = clusterWeightsSpec('eigenProjector', (lam, _id, clusters) => {
    const m = pick(lam);
    for (const c of clusters) {
      const sel = c.filter((i) => m[i] === 1);
      if (sel.length > 0 && sel.length < c.length) {
        throw new ClusterSplitError(
          'eigenProjector',
          c,
          c.map((i) => lam[i]!),
          sel,
        );
      }
    }
    return Float64Array.from(m);
  });
  return { data: applyFunction(spec, n, ctol, a.data), rows: n, cols: n };
}

/** Options of {@link sumTopK}. */
export interface SumTopKOptions extends MatrixFunctionOptions {
  /**
   * When λ_{n−k} and λ_{n−k−1} (the k-th largest and the next) are in one cluster, the function is not
   * differentiable. `'subgradient'` (default): use the minimum-norm subgradient
   * P_above + (r/|c|)·P_c (P_above the projector onto the eigenvalues above the cluster c, r the number of
   * c's members among the top k) — basis-independent, and the centre of the subdifferential. `'error'`:
   * throw `ClusterSplitError`.
   */
  readonly atTie?: 'subgradient' | 'error';
}

/** Weights of the top-k sum's gradient V diag(w) Vᵀ (ascending λ). */
function topKWeights(
  lam: Float64Array,
  id: Int32Array,
  clusters: number[][],
  k: number,
  atTie: 'subgradient' | 'error',
): Float64Array {
  const n = lam.length;
  const w = new Float64Array(n);
  for (let i = n - k; i < n; i++) w[i] = 1;
  const first = n - k;
  if (first > 0 && id[first]! >= 0 && id[first] === id[first - 1]) {
    const c = clusters[id[first]!]!;
    const r = c.filter((i) => i >= first).length;
    if (atTie === 'error') {
      throw new ClusterSplitError(
        'sumTopK',
        c,
        c.map((i) => lam[i]!),
        c.filter((i) => i >= first),
      );
    }
    for (const i of c) w[i] = r / c.length;
  }
  return w;
}

interface TopKState {
  readonly lam: Float64Array;
  readonly V: Float64Array;
  /** The gradient V diag(w) Vᵀ, built on first use (with atTie 'error' a tie raises only then). */
  G?: Float64Array;
}

const topKDefs = new Map<string, AtomicDefinition<TopKState>>();
const topKSpecs = new Map<string, Spec>();

function topKSpec(k: number, atTie: 'subgradient' | 'error'): Spec {
  const key = `${k},${atTie}`;
  let s = topKSpecs.get(key);
  if (s === undefined) {
    s = clusterWeightsSpec('sumTopK-gradient', (lam, id, clusters) => topKWeights(lam, id, clusters, k, atTie));
    topKSpecs.set(key, s);
  }
  return s;
}

function topKDef(n: number, k: number, ctol: number, atTie: 'subgradient' | 'error'): AtomicDefinition<TopKState> {
  const key = `${n},${k},${ctol},${atTie}`;
  let def = topKDefs.get(key);
  if (def !== undefined) return def;
  const spec = topKSpec(k, atTie);
  const gradient = (A: Vec) => applyFunction(spec, n, ctol, A);
  const plainGradient = (st: TopKState): Float64Array => {
    if (st.G === undefined) {
      const w = spec.kernel(st.lam, ctol).fv;
      st.G = gemm(
        st.V.map((v, e) => v * w[e % n]!),
        st.V,
        n,
        n,
        n,
        false,
        true,
      );
    }
    return st.G;
  };
  def = {
    name: `sumTopK[${k}](${n}×${n})`,
    value(inputs: readonly Plain[]) {
      const A = inputs[0] as Float64Array;
      requireFinite(A, 'sumTopK: A');
      const { values: lam, V } = plainEigh(symPlain(A, n), n);
      let s = 0;
      for (let i = n - k; i < n; i++) s += lam[i]!;
      return { outputs: [s], state: { lam, V } };
    },
    jvp: (_i, _o, tan, st) => [dot(plainGradient(st), tan[0] as Float64Array) as number],
    vjp: (_i, _o, cot, st) => [mul(cot[0] as number, plainGradient(st)) as Float64Array],
    jvpGeneric: (_G, inputs, _o, tan) => [dot(gradient(inputs[0] as Vec), tan[0] as Vec)],
    vjpGeneric: (_G, inputs, _o, cot) => [mul(cot[0] as Real, gradient(inputs[0] as Vec))],
  };
  topKDefs.set(key, def);
  return def;
}

/**
 * The sum of the k largest eigenvalues of the symmetric part of A (a convex function; k = n gives tr A).
 * Its gradient is the projector onto the top-k eigenspace; at a tie between the k-th and (k+1)-th largest
 * eigenvalues see {@link SumTopKOptions.atTie}.
 */
export function sumTopK(A: MatLike, k: number, options: SumTopKOptions = {}): Real {
  const a = asSquare(A, 'sumTopK: A');
  const n = a.rows;
  if (!(Number.isInteger(k) && k >= 1 && k <= n)) {
    throw new DomainError('sumTopK: k', `an integer in [1, ${n}]`, describeValue(k));
  }
  const atTie = options.atTie ?? 'subgradient';
  if (atTie !== 'subgradient' && atTie !== 'error') {
    throw new DomainError('sumTopK: options.atTie', "'subgradient' or 'error'", describeValue(atTie));
  }
  const [ctol] = spectralTols(options, 'sumTopK');
  return callAtomic(topKDef(n, k, ctol, atTie) as AtomicDefinition<unknown>, [a.data])[0] as Real;
}
