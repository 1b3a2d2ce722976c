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
   * cluster, relative to the norm of the vector cotangents, exceeds this. Default 1e-8.
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
