import { DomainError } from '@wengert/core';

/** Options of the spectral decompositions (`eigh`, `eigvalsh`, `svd`, `svdvals`). */
export interface SpectralOptions {
  /**
   * Values whose consecutive differences are ≤ clusterTol·scale form a cluster of numerically equal values
   * (scale: max |λ| for eigh, the largest singular value for svd; singular values ≤ clusterTol·s_max form the
   * zero cluster). Default 1e-10.
   */
  readonly clusterTol?: number;
  /**
   * A reverse rule raises `DegenerateSubspaceError` when the cotangent's dependence on the basis inside a
   * cluster, relative to the norm of the vector cotangents, exceeds this; and `AmbiguousClusterDerivativeError`
   * when both the value cotangent on a cluster (relative to the whole value cotangent) and the non-scalar part
   * of the symmetric in-cluster block of the projected vector cotangent (relative to the norm of the vector
   * cotangents) exceed it. Default 1e-8.
   */
  readonly dependenceTol?: number;
}

export const DEFAULT_CLUSTER_TOL = 1e-10;
export const DEFAULT_DEPENDENCE_TOL = 1e-8;

export function spectralTols(options: SpectralOptions, arg: string): [number, number] {
  const c = options.clusterTol ?? DEFAULT_CLUSTER_TOL;
  const d = options.dependenceTol ?? DEFAULT_DEPENDENCE_TOL;
  for (const [v, name] of [
    [c, 'clusterTol'],
    [d, 'dependenceTol'],
  ] as const) {
    if (!(v >= 0 && v < 1)) throw new DomainError(`${arg}: options.${name}`, 'a number in [0, 1)', `number ${v}`);
  }
  return [c, d];
}

/**
 * √(Σ_X ‖sym(X)_cc − (tr sym(X)_cc / |c|)·I‖²) over the k×k row-major blocks X: the size of the non-scalar
 * part of their symmetric in-cluster blocks. Rotating the basis inside the cluster (X_cc → RᵀX_ccR) leaves
 * it unchanged. The eigh/svd reverse rules use it to detect cotangents that do not determine the derivative
 * (AmbiguousClusterDerivativeError).
 */
export function nonScalarSym(blocks: readonly Float64Array[], c: readonly number[], k: number): number {
  let t = 0;
  for (const X of blocks) {
    let tr = 0;
    for (const i of c) tr += X[i * k + i]!;
    const mean = tr / c.length;
    for (const i of c)
      for (const j of c) {
        const v = 0.5 * (X[i * k + j]! + X[j * k + i]!) - (i === j ? mean : 0);
        t += v * v;
      }
  }
  return Math.sqrt(t);
}
