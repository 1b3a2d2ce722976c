/** Public types of the coloring module. */

/** Vertex orderings for the greedy colorings (Gebremedhin, Manne & Pothen 2005, §5; Matula & Beck 1983). */
export type Ordering =
  | 'natural'
  | 'largest-first'
  | 'smallest-last'
  | 'incidence-degree'
  | 'dynamic-largest-first'
  | 'random';

/** The orderings in the order `'best'` tries them (cheapest first). */
export const ORDERINGS: readonly Ordering[] = [
  'natural',
  'largest-first',
  'smallest-last',
  'incidence-degree',
  'dynamic-largest-first',
  'random',
];

export interface ColoringOptions {
  /** Vertex ordering, or `'best'` (default): try several, keep the fewest colors. */
  ordering?: Ordering | 'best';
  /** Seed of the `'random'` ordering (default 0); the same seed gives the same ordering. */
  seed?: number;
  /**
   * Default true: after the greedy pass, recolor greedily by color classes (Culberson's iterated
   * greedy); the result is kept only when it has fewer colors, so this never adds colors.
   */
  improve?: boolean;
}

export interface Coloring {
  /** One color per vertex (column, row or symmetric index), 0-based. */
  readonly colors: Int32Array;
  /** Number of colors: max color + 1. */
  readonly count: number;
  /** The ordering that produced the coloring (or `'stencil'` for a verified stencil proposal). */
  readonly ordering: string;
  /** A proven lower bound on the number of colors for this problem (see `coloringLowerBound`). */
  readonly lowerBound: number;
}

export interface Bicoloring {
  /** Row colors, 0 … rowCount − 1, or −1 for a neutral row (not seeded in reverse mode). */
  readonly rowColors: Int32Array;
  /** Column colors, 0 … colCount − 1, or −1 for a neutral column (not seeded in forward mode). */
  readonly colColors: Int32Array;
  /** Number of reverse-mode products (row seeds). */
  readonly rowCount: number;
  /** Number of forward-mode products (column seeds). */
  readonly colCount: number;
  readonly ordering: string;
}

/** Result of a checker: valid, or the reason naming the vertices at fault. */
export type CheckResult = { readonly valid: true } | { readonly valid: false; readonly reason: string };

/** Which coloring problem a bound or an ordering refers to. */
export type ColoringKind = 'column' | 'row' | 'star' | 'acyclic' | 'distance1';
