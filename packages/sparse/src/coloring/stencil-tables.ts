/**
 * Periodic coloring tables for stencils where no linear coloring (w·x) mod k reaches the optimum.
 *
 * Both tables were found offline with tools/scripts/periodic-coloring-search.mjs (plain Node, no
 * dependencies) and re-checked there on their torus twice: with the offset-wise lattice conditions and by
 * explicit enumeration of all 2-colored paths on 4 vertices. They are checked again at run time
 * (stencil.ts calls isValidPeriodic before using a table) and by test/stencil.test.ts on Dirichlet boxes.
 * Tables are lexicographic over one period, last coordinate fastest.
 */
import type { PeriodicColoring, Vec } from './stencil-lattice.js';

/** A periodic coloring together with the lattice graph it was found for. */
export interface StencilTable extends PeriodicColoring {
  readonly name: string;
  /** The problem it solves on its lattice graph. */
  readonly kind: 'star';
  /** Graph offsets (nonzero, closed under negation) of the stencil it was found for. */
  readonly graphOffsets: readonly Vec[];
}

/**
 * Star 6-coloring of the 3D 7-point lattice (optimal: the 4×4×4 grid has no star 5-coloring), period
 * 6 × 6 × 3 (so also period 6 along every axis). Colors {0, 1, 2} sit on the points with x1 + x2 even and
 * {3, 4, 5} on the others; a step along x3 rotates the colors within each group (0→1→2→0, 3→4→5→3).
 * Found by a complete DFS over the 6 × 6 (x1, x2) table with that rotation imposed, in 0.07 s:
 *   node tools/scripts/periodic-coloring-search.mjs --stencil 7pt --kind star --colors 6 \
 *        --twisted 6,6 --perm 1,2,0,4,5,3
 * (202 DFS nodes; a plain min-conflicts search on the 6×6×6 torus stalled at 24 violations for 4 min.)
 */
const STAR_7PT_3D: StencilTable = {
  name: '3D 7-point star, period 6×6×3',
  kind: 'star',
  colors: 6,
  period: [6, 6, 3],
  graphOffsets: [
    [-1, 0, 0],
    [1, 0, 0],
    [0, -1, 0],
    [0, 1, 0],
    [0, 0, -1],
    [0, 0, 1],
  ],
  // biome-ignore format: one line per x1 (6 values of x2 × 3 values of x3)
  table: Int32Array.from([
    0, 1, 2, 3, 4, 5, 0, 1, 2, 4, 5, 3, 0, 1, 2, 5, 3, 4,
    4, 5, 3, 1, 2, 0, 5, 3, 4, 1, 2, 0, 3, 4, 5, 1, 2, 0,
    2, 0, 1, 3, 4, 5, 2, 0, 1, 4, 5, 3, 2, 0, 1, 5, 3, 4,
    4, 5, 3, 0, 1, 2, 5, 3, 4, 0, 1, 2, 3, 4, 5, 0, 1, 2,
    1, 2, 0, 3, 4, 5, 1, 2, 0, 4, 5, 3, 1, 2, 0, 5, 3, 4,
    4, 5, 3, 2, 0, 1, 5, 3, 4, 2, 0, 1, 3, 4, 5, 2, 0, 1,
  ]),
};

/**
 * Star 8-coloring of the 2D 9-point lattice (all (di, dj) ∈ {−1, 0, 1}², optimal: the 6×6 grid has no
 * star 7-coloring), period 8 × 8. Found by the breakout / tabu min-conflicts search on the 8×8 torus
 * (17 823 steps, 0.8 s):
 *   node tools/scripts/periodic-coloring-search.mjs --stencil 9pt --kind star --period 8 --colors 8 --seed 1
 */
const STAR_9PT_2D: StencilTable = {
  name: '2D 9-point star, period 8×8',
  kind: 'star',
  colors: 8,
  period: [8, 8],
  graphOffsets: [
    [-1, -1],
    [-1, 0],
    [-1, 1],
    [0, -1],
    [0, 1],
    [1, -1],
    [1, 0],
    [1, 1],
  ],
  // biome-ignore format: one line per x1
  table: Int32Array.from([
    4, 3, 7, 0, 5, 6, 1, 2,
    0, 6, 2, 1, 7, 4, 3, 5,
    1, 4, 5, 3, 6, 2, 0, 7,
    3, 2, 7, 0, 5, 1, 4, 6,
    0, 1, 6, 4, 2, 7, 3, 5,
    4, 7, 5, 3, 6, 0, 1, 2,
    3, 0, 2, 1, 7, 5, 4, 6,
    1, 5, 6, 4, 2, 3, 0, 7,
  ]),
};

/** All tables; a table applies to any stencil of the same dimension whose graph offsets are a subset. */
export const STENCIL_TABLES: readonly StencilTable[] = [STAR_7PT_3D, STAR_9PT_2D];
