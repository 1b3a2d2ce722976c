/**
 * Stencil-aware colorings (placeholder: owned by the stencil work, see the package README).
 * Proposes candidate colorings for patterns recognized as regular-grid stencils; every candidate
 * is verified by the exact checkers before it is used, so a wrong guess can cost time, never
 * correctness.
 */
import type { SparsityPattern } from '../pattern/pattern.js';

/** The coloring problems a stencil proposal can answer. */
export type StencilColoringKind = 'column' | 'row' | 'star' | 'acyclic';

/** Candidate colorings (one color per vertex, 0-based) for p; empty when p is not recognized. */
export function proposeStencilColorings(_p: SparsityPattern, _kind: StencilColoringKind): Int32Array[] {
  return [];
}
