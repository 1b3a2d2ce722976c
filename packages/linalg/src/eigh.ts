/**
 * Symmetric eigendecomposition with derivatives, and its degeneracy policy.
 *
 * eigh(A) decomposes the symmetric part S = (A + Aᵀ)/2 = V diag(λ) Vᵀ (λ ascending). With Ṡ = sym(Ȧ) and
 * F_ij = 1/(λ_j − λ_i) between different clusters, 0 inside a cluster (and on the diagonal):
 *   λ̇ = diag(VᵀṠV),   V̇ = V (F ∘ VᵀṠV)                                            (forward)
 *   Ā = sym(V (diag(λ̄) + F ∘ VᵀV̄) Vᵀ)                                             (reverse)
 * (Giles 2008 §3.1; Seeger et al. 2017.) Inside a cluster of numerically equal eigenvalues the eigenvectors
 * are an arbitrary basis of the eigenspace; only losses invariant to rotating that basis are differentiable
 * there. For them the projected cotangent M = VᵀV̄ is symmetric inside the cluster, and the in-cluster
 * terms of the symmetrized rule, (M_ij − M_ji)/(2(λ_j − λ_i)), vanish: dropping them is exact. When the
 * antisymmetric part of M inside a cluster is not negligible, the loss depends on the arbitrary basis and
 * the reverse rule throws DegenerateSubspaceError instead of returning a finite wrong number. An invariant
 * loss can still be ambiguous: when a cluster gets both a value cotangent λ̄_c and a non-scalar symmetric
 * block sym(M)_cc, an eigenvalue-weighted loss tr(V diag(f(λ)) Vᵀ W) (in-cluster term f′(λ_c)(VᵀWV)_ij) and a
 * projector loss plus an eigenvalue function (in-cluster term 0 off the diagonal) are indistinguishable, and
 * the rule throws AmbiguousClusterDerivativeError (exact route: symFunction / powmSym / expmSym).
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
import { colsOf, diagMat, diagOf, mm, rowsOf, scaleCols, sym } from './basic.js';
import { AmbiguousClusterDerivativeError, checkValueSpread, DegenerateSubspaceError } from './errors.js';
import { asSquare, frobenius, type Mat, type MatLike, plain, symPlain } from './mat.js';
import { sharedCall } from './shared.js';
import { nonScalarSym, type SpectralOptions, spectralTols } from './spectral-options.js';
import { clusterGap, findClusters, plainEigh } from './svd-plain.js';

/** Cluster structure of a spectrum and the masks the rules use. */
interface Structure {
  readonly clusters: number[][];
  /** 1 where i ≠ j lie in different clusters (the F terms kept), else 0. */
  readonly mask: Float64Array;
  /** 1 − mask (added to the denominators so masked entries stay finite). */
  readonly fill: Float64Array;
}

function structure(lam: Float64Array, tol: number): Structure {
  const n = lam.length;
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(lam[i]!));
  const { id, clusters } = findClusters(lam, tol, scale);
  const mask = new Float64Array(n * n);
  const fill = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const keep = i !== j && (id[i]! < 0 || id[i] !== id[j]);
      mask[i * n + j] = keep ? 1 : 0;
      fill[i * n + j] = keep ? 0 : 1;
    }
  return { clusters, mask, fill };
}

/** F_ij = 1/(λ_j − λ_i) where kept, 0 elsewhere (differentiable in λ). */
function fMatrix(lam: Vec, st: Structure, n: number): Vec {
  return mul(st.mask, reciprocal(add(sub(colsOf(lam, n), rowsOf(lam, n)), st.fill)) as Vec);
}

/** Throws DegenerateSubspaceError when M = VᵀV̄ has a non-negligible antisymmetric part inside a cluster. */
function checkInvariance(
  M: Float64Array,
  Vbar: Float64Array,
  lam: Float64Array,
  st: Structure,
  n: number,
  tol: number,
) {
  const norm = frobenius(Vbar);
  if (norm === 0) return;
  for (const c of st.clusters) {
    let s = 0;
    for (const i of c)
      for (const j of c) {
        const a = 0.5 * (M[i * n + j]! - M[j * n + i]!);
        s += a * a;
      }
    const dep = Math.sqrt(s) / norm;
    if (!(dep <= tol)) {
      throw new DegenerateSubspaceError(
        'eigh',
        c,
        c.map((i) => lam[i]!),
        clusterGap(lam, c),
        dep,
        tol,
      );
    }
  }
}

/**
 * Throws AmbiguousClusterDerivativeError when, inside a cluster c, both λ̄_c and the non-scalar part of the
 * symmetric block sym(M)_cc (M = VᵀV̄) are non-negligible. Then the exact in-cluster term of Ā is not determined
 * by (λ̄, V̄): an eigenvalue-weighted loss tr(V diag(f(λ)) Vᵀ W) has λ̄_i = f′(λ_c)(VᵀWV)_ii, sym(M)_cc =
 * 2f(λ_c)(VᵀWV)_cc and in-cluster term f′(λ_c)(VᵀWV)_ij, while ⟨f(λ_c)W, V_cV_cᵀ⟩ + Σ_c λ_i(VᵀWV)_ii·f′(λ_c)
 * (a projector plus an eigenvalue function) has the same cotangents and in-cluster term diag(λ̄_c). With
 * λ̄_c = 0 (projectors) or sym(M)_cc = μI (no off-diagonal in any basis of the cluster: tr f(A), Σλ, …) the
 * two coincide and the rule's diag(λ̄_c) is exact. The scalar part is removed with the trace, so the measure
 * does not depend on the basis chosen inside the cluster.
 */
function checkAmbiguity(
  M: Float64Array,
  lamBar: Float64Array,
  Vbar: Float64Array,
  lam: Float64Array,
  st: Structure,
  n: number,
  tol: number,
) {
  const vNorm = frobenius(Vbar);
  const lNorm = frobenius(lamBar);
  if (vNorm === 0 || lNorm === 0) return;
  for (const c of st.clusters) {
    const valueCotangent = Math.hypot(...c.map((i) => lamBar[i]!)) / lNorm;
    if (!(valueCotangent > tol)) continue;
    const dep = nonScalarSym([M], c, n) / vNorm;
    if (dep > tol) {
      throw new AmbiguousClusterDerivativeError(
        'eigh',
        c,
        c.map((i) => lam[i]!),
        clusterGap(lam, c),
        dep,
        valueCotangent,
        tol,
      );
    }
  }
}

const eighDefs = new Map<string, AtomicDefinition<undefined>>();

/** The atomic A ↦ [λ, V]. */
function eighDef(n: number, ctol: number, dtol: number): AtomicDefinition<undefined> {
  const key = `${n},${ctol},${dtol}`;
  let def = eighDefs.get(key);
  if (def !== undefined) return def;
  const jvpRule = (lam: Vec, V: Vec, dA: Vec): Value[] => {
    const st = structure(plain(lam), ctol);
    const Ap = mm(mm(V, sym(dA, n), n, n, n, true, false), V, n, n, n);
    return [diagOf(Ap, n), mm(V, mul(fMatrix(lam, st, n), Ap), n, n, n)];
  };
  const vjpRule = (lam: Vec, V: Vec, lamBar: Vec, Vbar: Vec): Value[] => {
    const lamP = plain(lam);
    const st = structure(lamP, ctol);
    const M = mm(V, Vbar, n, n, n, true, false);
    const Mp = plain(M);
    const VbarP = plain(Vbar);
    checkInvariance(Mp, VbarP, lamP, st, n, dtol);
    checkAmbiguity(Mp, plain(lamBar), VbarP, lamP, st, n, dtol);
    // A value cotangent that differs inside a cluster, with the vectors in use: the answer would depend on
    // the basis (an eigenvector loss whose weights vanish on the cluster gets here). Values-only losses keep
    // the generalized-gradient convention (one member's projector for λ_max, …).
    if (frobenius(VbarP) > 0) checkValueSpread('eigh', plain(lamBar), lamP, st.clusters, [], dtol, clusterGap);
    const K = add(mul(fMatrix(lam, st, n), M), diagMat(lamBar, n));
    return [sym(mm(mm(V, K, n, n, n), V, n, n, n, false, true), n)];
  };
  def = {
    name: `eigh(${n}×${n})`,
    value(inputs: readonly Plain[]) {
      const A = inputs[0] as Float64Array;
      requireFinite(A, 'eigh: A');
      const { values, V } = plainEigh(symPlain(A, n), n);
      return { outputs: [values, V] };
    },
    jvp: (_i, o, t) => jvpRule(o[0] as Float64Array, o[1] as Float64Array, t[0] as Float64Array) as Plain[],
    vjp: (_i, o, c) =>
      vjpRule(o[0] as Float64Array, o[1] as Float64Array, c[0] as Float64Array, c[1] as Float64Array) as Plain[],
    jvpGeneric: (_G, _i, o, t) => jvpRule(o[0] as Vec, o[1] as Vec, t[0] as Vec),
    vjpGeneric: (_G, _i, o, c) => vjpRule(o[0] as Vec, o[1] as Vec, c[0] as Vec, c[1] as Vec),
  };
  eighDefs.set(key, def);
  return def;
}

interface EigvalsState {
  readonly V: Float64Array;
}

const eigvalsDefs = new Map<string, AtomicDefinition<EigvalsState>>();

/** The atomic A ↦ λ (eigenvectors kept in the state for the rules). */
function eigvalsDef(n: number, ctol: number, dtol: number): AtomicDefinition<EigvalsState> {
  const key = `${n},${ctol},${dtol}`;
  let def = eigvalsDefs.get(key);
  if (def !== undefined) return def;
  const jvpRule = (V: Vec, dA: Vec): Value[] => [diagOf(mm(mm(V, sym(dA, n), n, n, n, true, false), V, n, n, n), n)];
  const vjpRule = (V: Vec, lamBar: Vec): Value[] => [mm(scaleCols(V, lamBar, n, n), V, n, n, n, false, true)];
  // The differentiable rules take V from the full decomposition (so its derivative is known).
  const vectors = (A: Vec): Vec => callAtomic(eighDef(n, ctol, dtol), [A])[1] as Vec;
  def = {
    name: `eigvalsh(${n}×${n})`,
    value(inputs: readonly Plain[]) {
      const A = inputs[0] as Float64Array;
      requireFinite(A, 'eigvalsh: A');
      const { values, V } = plainEigh(symPlain(A, n), n);
      return { outputs: [values], state: { V } };
    },
    jvp: (_i, _o, t, state) => jvpRule(state.V, t[0] as Float64Array) as Plain[],
    vjp: (_i, _o, c, state) => vjpRule(state.V, c[0] as Float64Array) as Plain[],
    jvpGeneric: (_G, i, _o, t) => jvpRule(vectors(i[0] as Vec), t[0] as Vec),
    vjpGeneric: (_G, i, _o, c) => vjpRule(vectors(i[0] as Vec), c[0] as Vec),
  };
  eigvalsDefs.set(key, def);
  return def;
}

/**
 * Eigenvalues (ascending) and eigenvectors (the columns of `vectors`) of the symmetric part (A + Aᵀ)/2 of the
 * square A. Each eigenvector's entry of largest magnitude is positive; inside a run of eigenvalues equal to
 * rounding the basis is a fixed generic rotation of the solver's (any orthonormal basis of that eigenspace is
 * valid). Reverse rules raise `DegenerateSubspaceError` for losses that depend on the basis inside a cluster of
 * equal eigenvalues, its subclass `AmbiguousClusterDerivativeError` when the cotangents do not determine the
 * derivative there (e.g. tr(V diag(f(λ)) Vᵀ W): use `symFunction` / `powmSym` / `expmSym` for those), and
 * `UnevenClusterCotangentError` when the vectors are in use and the value cotangent differs inside a cluster.
 * `eigh` and `eigvalsh` of the same active matrix share one decomposition (one rule sees the whole loss).
 */
export function eigh(A: MatLike, options: SpectralOptions = {}): { readonly values: Vec; readonly vectors: Mat } {
  const a = asSquare(A, 'eigh: A');
  const n = a.rows;
  const [ctol, dtol] = spectralTols(options, 'eigh');
  const [values, V] = sharedCall(eighDef(n, ctol, dtol), a.data) as [Vec, Vec];
  return { values, vectors: { data: V, rows: n, cols: n } };
}

/**
 * Eigenvalues (ascending) of the symmetric part of A. A loss of the values alone never raises at first order:
 * at a cluster of equal eigenvalues, a symmetric function of the cluster's eigenvalues (their sum, Σ f(λ_i), …)
 * gets its exact gradient; a non-symmetric one (one λ_i of the cluster alone) is not differentiable there and
 * gets one element of its generalized gradient (the one of the computed basis). For an active matrix the values
 * come from the same decomposition as `eigh`'s on that matrix, so a loss that also uses those vectors is checked
 * as a whole (and may raise like `eigh`'s), as is the second sweep of a Hessian at a repeated eigenvalue.
 */
export function eigvalsh(A: MatLike, options: SpectralOptions = {}): Vec {
  const a = asSquare(A, 'eigvalsh: A');
  const [ctol, dtol] = spectralTols(options, 'eigvalsh');
  // An active matrix: the values of the one shared eigendecomposition (shared.ts), so that a loss mixing
  // these values with eigh's vectors reaches one rule whole. A plain one: no vectors kept.
  if (a.data instanceof ActiveVec) return sharedCall(eighDef(a.rows, ctol, dtol), a.data)[0] as Vec;
  return callAtomic(eigvalsDef(a.rows, ctol, dtol), [a.data])[0] as Vec;
}
