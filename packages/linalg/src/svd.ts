/**
 * Thin SVD A = U diag(s) Vᵀ (A m×n, k = min(m, n), s descending, U m×k, V n×k) with derivatives and the
 * degeneracy policy (Townsend 2016, "Differentiating the singular value decomposition"; Seeger et al. 2017).
 *
 * With Ṗ = UᵀȦV (k×k), Ṗs = (Ṗ + Ṗᵀ)/2, Ṗa = (Ṗ − Ṗᵀ)/2, E_ij = 1/(s_j − s_i), G_ij = 1/(s_j + s_i):
 *   ṡ = diag Ṗ,  UᵀU̇ = E∘Ṗs + G∘Ṗa,  VᵀV̇ = E∘Ṗs − G∘Ṗa,
 *   U̇ += (I − UUᵀ) Ȧ V S⁻¹ (m > k),   V̇ += (I − VVᵀ) Ȧᵀ U S⁻¹ (n > k)
 * (this splits Townsend's F_ij = 1/(s_j² − s_i²) terms into their 1/(s_j − s_i) and 1/(s_j + s_i) parts), and
 *   Ā = U (diag s̄ + E∘(Ja + Ka) + G∘(Ja − Ka)) Vᵀ + (I − UUᵀ) Ū S⁻¹ Vᵀ + U S⁻¹ V̄ᵀ (I − VVᵀ),
 * Ja, Ka the antisymmetric parts of J = UᵀŪ, K = VᵀV̄.
 *
 * Degeneracy: inside a cluster of equal nonzero singular values, (U_c, V_c) → (U_c R, V_c R) is free; an
 * invariant loss has (Ja + Ka)_cc = 0, so the E terms there are dropped (the G = 1/(s_i + s_j) terms stay).
 * For the zero cluster (s_i ≤ clusterTol·s_max) U_Z and V_Z rotate independently and into the complements of
 * span U, span V: invariance needs Ja_ZZ = Ka_ZZ = 0 and (I − UUᵀ)Ū_Z = 0, (I − VVᵀ)V̄_Z = 0, and the E, G
 * and S⁻¹ terms of Z are dropped. A cotangent that breaks invariance beyond `dependenceTol` raises
 * DegenerateSubspaceError. One that gives a cluster both s̄_c and non-scalar symmetric blocks sym(UᵀŪ)_cc,
 * sym(VᵀV̄)_cc raises AmbiguousClusterDerivativeError: ⟨W, U diag(f(s)) Vᵀ⟩ (exact term f′(s_c)·sym(UᵀWV)_cc)
 * and a partial isometry plus a function of the values (term 0 off the diagonal) are indistinguishable there.
 */
import {
  ActiveVec,
  type AtomicDefinition,
  add,
  callAtomic,
  mul,
  type Plain,
  reciprocal,
  sub,
  type Value,
  type Vec,
} from '@wengert/core';
import { requireFinite } from '@wengert/core/internals';
import { colsOf, diagMat, diagOf, mm, rowsOf, scaleCols, skew, sym } from './basic.js';
import { AmbiguousClusterDerivativeError, checkValueSpread, DegenerateSubspaceError } from './errors.js';
import { asMat, frobenius, type Mat, type MatLike, plain } from './mat.js';
import { sharedCall } from './shared.js';
import { nonScalarSym, type SpectralOptions, spectralTols } from './spectral-options.js';
import { clusterGap, findClusters, plainSvd } from './svd-plain.js';

interface Structure {
  /** Clusters of equal nonzero singular values (≥ 2 members). */
  readonly clusters: number[][];
  /** The zero cluster (may be empty or have one member). */
  readonly zero: number[];
  readonly maskE: Float64Array;
  readonly fillE: Float64Array;
  readonly maskG: Float64Array;
  readonly fillG: Float64Array;
  /** 1 for nonzero singular values. */
  readonly maskS: Float64Array;
  readonly fillS: Float64Array;
}

function structure(s: Float64Array, tol: number): Structure {
  const k = s.length;
  const smax = k > 0 ? s[0]! : 0;
  const zero: number[] = [];
  for (let i = 0; i < k; i++) if (s[i]! <= tol * smax) zero.push(i);
  const nz = k - zero.length;
  const { id, clusters } = findClusters(s.subarray(0, nz), tol, smax);
  const cid = (i: number) => (i >= nz ? -2 : id[i]!);
  const maskE = new Float64Array(k * k);
  const maskG = new Float64Array(k * k);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) {
      if (i === j) continue;
      const same = cid(i) !== -1 && cid(i) === cid(j);
      maskE[i * k + j] = same ? 0 : 1;
      maskG[i * k + j] = i >= nz && j >= nz ? 0 : 1;
    }
  const maskS = Float64Array.from({ length: k }, (_, i) => (i < nz ? 1 : 0));
  const one = (m: Float64Array) => m.map((v) => 1 - v);
  return { clusters, zero, maskE, fillE: one(maskE), maskG, fillG: one(maskG), maskS, fillS: one(maskS) };
}

/** E, G and the masked S⁻¹ (differentiable in s). */
function coefficients(s: Vec, st: Structure, k: number): { E: Vec; G: Vec; sinv: Vec } {
  const sj = colsOf(s, k);
  const si = rowsOf(s, k);
  return {
    E: mul(st.maskE, reciprocal(add(sub(sj, si), st.fillE)) as Vec),
    G: mul(st.maskG, reciprocal(add(add(sj, si), st.fillG)) as Vec),
    sinv: mul(st.maskS, reciprocal(add(s, st.fillS)) as Vec),
  };
}

function sumSquares(A: Float64Array, rows: number, cols: number, pick: readonly number[], pickRows: boolean) {
  let t = 0;
  for (let r = 0; r < rows; r++)
    for (const c of pick) {
      const v = pickRows ? A[c * cols + r]! : A[r * cols + c]!;
      t += v * v;
    }
  return t;
}

function checkInvariance(
  p: {
    s: Float64Array;
    J: Float64Array;
    K: Float64Array;
    Ubar: Float64Array;
    Vbar: Float64Array;
    /** (I − UUᵀ)Ū, (I − VVᵀ)V̄ when those complements exist. */
    Uperp?: Float64Array;
    Vperp?: Float64Array;
  },
  st: Structure,
  m: number,
  n: number,
  k: number,
  tol: number,
): void {
  const norm = Math.hypot(Math.hypot(...p.Ubar), Math.hypot(...p.Vbar));
  if (norm === 0) return;
  const a = (X: Float64Array, i: number, j: number) => 0.5 * (X[i * k + j]! - X[j * k + i]!);
  const fail = (c: number[], dep: number) => {
    throw new DegenerateSubspaceError(
      'svd',
      c,
      c.map((i) => p.s[i]!),
      clusterGap(p.s, c),
      dep,
      tol,
    );
  };
  for (const c of st.clusters) {
    let t = 0;
    for (const i of c)
      for (const j of c) {
        const v = a(p.J, i, j) + a(p.K, i, j);
        t += v * v;
      }
    const dep = Math.sqrt(t) / norm;
    if (!(dep <= tol)) fail(c, dep);
  }
  const Z = st.zero;
  if (Z.length > 0) {
    let t = 0;
    for (const i of Z) for (const j of Z) t += a(p.J, i, j) ** 2 + a(p.K, i, j) ** 2;
    if (p.Uperp) t += sumSquares(p.Uperp, m, k, Z, false);
    if (p.Vperp) t += sumSquares(p.Vperp, n, k, Z, false);
    const dep = Math.sqrt(t) / norm;
    if (!(dep <= tol)) fail(Z, dep);
  }
}

/**
 * Throws AmbiguousClusterDerivativeError when, inside a cluster c of equal singular values (the zero cluster
 * included when it has ≥ 2 members), both s̄_c and the non-scalar part of the symmetric in-cluster blocks
 * sym(J)_cc, sym(K)_cc (J = UᵀŪ, K = VᵀV̄) are non-negligible. The rule keeps only the antisymmetric parts
 * there (the G terms) and diag(s̄_c); for ⟨W, U diag(f(s)) Vᵀ⟩, with B = UᵀWV, sym(J)_cc = f(s_c)·sym(B_cc),
 * s̄_i = f′(s_c)B_ii and the exact in-cluster term is f′(s_c)·sym(B_cc) — whose off-diagonal part no rule can
 * tell from the zero one of ⟨f(s_c)W, U_cV_cᵀ⟩ plus a function of the cluster's values. Scalar blocks (‖A‖²
 * recomputed as ‖U S Vᵀ‖², tr-like losses) and s̄_c = 0 (polar parts, projectors) are exact and pass.
 */
function checkAmbiguity(
  p: { s: Float64Array; sBar: Float64Array; J: Float64Array; K: Float64Array; Ubar: Float64Array; Vbar: Float64Array },
  st: Structure,
  k: number,
  tol: number,
): void {
  const vNorm = Math.hypot(frobenius(p.Ubar), frobenius(p.Vbar));
  const sNorm = frobenius(p.sBar);
  if (vNorm === 0 || sNorm === 0) return;
  const clusters = st.zero.length >= 2 ? [...st.clusters, st.zero] : st.clusters;
  for (const c of clusters) {
    const valueCotangent = Math.hypot(...c.map((i) => p.sBar[i]!)) / sNorm;
    if (!(valueCotangent > tol)) continue;
    const dep = nonScalarSym([p.J, p.K], c, k) / vNorm;
    if (dep > tol) {
      throw new AmbiguousClusterDerivativeError(
        'svd',
        c,
        c.map((i) => p.s[i]!),
        clusterGap(p.s, c),
        dep,
        valueCotangent,
        tol,
      );
    }
  }
}

const svdDefs = new Map<string, AtomicDefinition<undefined>>();

/** The atomic A ↦ [s, U, V]. */
function svdDef(m: number, n: number, ctol: number, dtol: number): AtomicDefinition<undefined> {
  const key = `${m},${n},${ctol},${dtol}`;
  let def = svdDefs.get(key);
  if (def !== undefined) return def;
  const k = Math.min(m, n);
  const jvpRule = (s: Vec, U: Vec, V: Vec, dA: Vec): Value[] => {
    const st = structure(plain(s), ctol);
    const { E, G, sinv } = coefficients(s, st, k);
    const dP = mm(mm(U, dA, k, m, n, true, false), V, k, n, k);
    const Ps = sym(dP, k);
    const Pa = skew(dP, k);
    let dU = mm(U, add(mul(E, Ps), mul(G, Pa)), m, k, k);
    let dV = mm(V, sub(mul(E, Ps), mul(G, Pa)), n, k, k);
    if (m > k) dU = add(dU, scaleCols(sub(mm(dA, V, m, n, k), mm(U, dP, m, k, k)), sinv, m, k));
    if (n > k)
      dV = add(dV, scaleCols(sub(mm(dA, U, n, m, k, true, false), mm(V, dP, n, k, k, false, true)), sinv, n, k));
    return [diagOf(dP, k), dU, dV];
  };
  const vjpRule = (s: Vec, U: Vec, V: Vec, sBar: Vec, Ubar: Vec, Vbar: Vec): Value[] => {
    const sP = plain(s);
    const st = structure(sP, ctol);
    const J = mm(U, Ubar, k, m, k, true, false);
    const K = mm(V, Vbar, k, n, k, true, false);
    const Uperp = m > k ? sub(Ubar, mm(U, J, m, k, k)) : undefined;
    const Vperp = n > k ? sub(Vbar, mm(V, K, n, k, k)) : undefined;
    const Jp = plain(J);
    const Kp = plain(K);
    checkInvariance(
      {
        s: sP,
        J: Jp,
        K: Kp,
        Ubar: plain(Ubar),
        Vbar: plain(Vbar),
        ...(Uperp ? { Uperp: plain(Uperp) } : {}),
        ...(Vperp ? { Vperp: plain(Vperp) } : {}),
      },
      st,
      m,
      n,
      k,
      dtol,
    );
    const UbarP = plain(Ubar);
    const VbarP = plain(Vbar);
    checkAmbiguity({ s: sP, sBar: plain(sBar), J: Jp, K: Kp, Ubar: UbarP, Vbar: VbarP }, st, k, dtol);
    // s̄ uneven on a cluster, or nonzero on the zero singular values, with the vectors in use: the answer
    // would depend on the bases (values-only losses keep the generalized-gradient convention).
    if (frobenius(UbarP) > 0 || frobenius(VbarP) > 0)
      checkValueSpread('svd', plain(sBar), sP, st.clusters, st.zero, dtol, clusterGap);
    const { E, G, sinv } = coefficients(s, st, k);
    const Ja = skew(J, k);
    const Ka = skew(K, k);
    const Pbar = add(add(diagMat(sBar, k), mul(E, add(Ja, Ka))), mul(G, sub(Ja, Ka)));
    let Abar = mm(mm(U, Pbar, m, k, k), V, m, k, n, false, true);
    if (Uperp) Abar = add(Abar, mm(scaleCols(Uperp, sinv, m, k), V, m, k, n, false, true));
    if (Vperp) Abar = add(Abar, mm(scaleCols(U, sinv, m, k), Vperp, m, k, n, false, true));
    return [Abar];
  };
  def = {
    name: `svd(${m}×${n})`,
    value(inputs: readonly Plain[]) {
      const A = inputs[0] as Float64Array;
      requireFinite(A, 'svd: A');
      const { s, U, V } = plainSvd(A, m, n, ctol);
      return { outputs: [s, U, V] };
    },
    jvp: (_i, o, t) =>
      jvpRule(o[0] as Float64Array, o[1] as Float64Array, o[2] as Float64Array, t[0] as Float64Array) as Plain[],
    vjp: (_i, o, c) =>
      vjpRule(
        o[0] as Float64Array,
        o[1] as Float64Array,
        o[2] as Float64Array,
        c[0] as Float64Array,
        c[1] as Float64Array,
        c[2] as Float64Array,
      ) as Plain[],
    jvpGeneric: (_G, _i, o, t) => jvpRule(o[0] as Vec, o[1] as Vec, o[2] as Vec, t[0] as Vec),
    vjpGeneric: (_G, _i, o, c) => vjpRule(o[0] as Vec, o[1] as Vec, o[2] as Vec, c[0] as Vec, c[1] as Vec, c[2] as Vec),
  };
  svdDefs.set(key, def);
  return def;
}

interface SvdvalsState {
  readonly U: Float64Array;
  readonly V: Float64Array;
}

const svdvalsDefs = new Map<string, AtomicDefinition<SvdvalsState>>();

function svdvalsDef(m: number, n: number, ctol: number, dtol: number): AtomicDefinition<SvdvalsState> {
  const key = `${m},${n},${ctol},${dtol}`;
  let def = svdvalsDefs.get(key);
  if (def !== undefined) return def;
  const k = Math.min(m, n);
  const jvpRule = (U: Vec, V: Vec, dA: Vec): Value[] => [diagOf(mm(mm(U, dA, k, m, n, true, false), V, k, n, k), k)];
  const vjpRule = (U: Vec, V: Vec, sBar: Vec): Value[] => [mm(scaleCols(U, sBar, m, k), V, m, k, n, false, true)];
  const vectors = (A: Vec) => callAtomic(svdDef(m, n, ctol, dtol), [A]) as Vec[];
  def = {
    name: `svdvals(${m}×${n})`,
    value(inputs: readonly Plain[]) {
      const A = inputs[0] as Float64Array;
      requireFinite(A, 'svdvals: A');
      const { s, U, V } = plainSvd(A, m, n, ctol);
      return { outputs: [s], state: { U, V } };
    },
    jvp: (_i, _o, t, st) => jvpRule(st.U, st.V, t[0] as Float64Array) as Plain[],
    vjp: (_i, _o, c, st) => vjpRule(st.U, st.V, c[0] as Float64Array) as Plain[],
    jvpGeneric: (_G, i, _o, t) => {
      const [, U, V] = vectors(i[0] as Vec);
      return jvpRule(U!, V!, t[0] as Vec);
    },
    vjpGeneric: (_G, i, _o, c) => {
      const [, U, V] = vectors(i[0] as Vec);
      return vjpRule(U!, V!, c[0] as Vec);
    },
  };
  svdvalsDefs.set(key, def);
  return def;
}

/**
 * Thin SVD: A = U diag(s) Vᵀ with s descending (k = min(m, n) values), U m×k, V n×k (V, not Vᵀ). Signs: each
 * u_i's entry of largest magnitude is positive and v_i follows; for a zero singular value v_i is normalized
 * the same way on its own. Reverse rules raise `DegenerateSubspaceError` for losses that depend on the basis
 * inside a cluster of equal singular values (or inside the zero cluster), and its subclass
 * `AmbiguousClusterDerivativeError` when the cotangents do not determine the derivative there (e.g.
 * ⟨W, U diag(f(s)) Vᵀ⟩: write it as A·g(AᵀA) with `symFunction`, g(x) = f(√x)/√x), and
 * `UnevenClusterCotangentError` when the vectors are in use and s̄ differs inside a cluster or is nonzero on
 * the zero singular values. Inside a run of singular values equal to rounding, U_c and V_c are turned by a
 * fixed generic rotation (independent ones for exact zeros); `svd` and `svdvals` of the same active matrix
 * share one decomposition.
 */
export function svd(A: MatLike, options: SpectralOptions = {}): { readonly s: Vec; readonly U: Mat; readonly V: Mat } {
  const a = asMat(A, 'svd: A');
  const { rows: m, cols: n } = a;
  const k = Math.min(m, n);
  const [ctol, dtol] = spectralTols(options, 'svd');
  const [s, U, V] = sharedCall(svdDef(m, n, ctol, dtol), a.data) as [Vec, Vec, Vec];
  return { s, U: { data: U, rows: m, cols: k }, V: { data: V, rows: n, cols: k } };
}

/**
 * Singular values (descending). A loss of the values alone never raises at first order: symmetric functions
 * of a cluster's values get exact gradients; at a zero singular value (a kink, like |x|) the gradient returned
 * is u_i v_iᵀ for the computed vectors, an element of the subdifferential. For an active matrix the values come
 * from the same SVD as `svd`'s on that matrix, so a loss that also uses its vectors is checked as a whole.
 */
export function svdvals(A: MatLike, options: SpectralOptions = {}): Vec {
  const a = asMat(A, 'svdvals: A');
  const [ctol, dtol] = spectralTols(options, 'svdvals');
  // An active matrix: the values of the one shared SVD (shared.ts); a plain one: no vectors kept.
  if (a.data instanceof ActiveVec) return sharedCall(svdDef(a.rows, a.cols, ctol, dtol), a.data)[0] as Vec;
  return callAtomic(svdvalsDef(a.rows, a.cols, ctol, dtol), [a.data])[0] as Vec;
}
