/**
 * Colorings of the infinite stencil lattice Z^d and their exact validity checks.
 *
 * Why lattice colorings are enough. A recognized pattern is the stencil D restricted to a box B (see
 * stencil-grid.ts). For the symmetric problems (star, acyclic) the graph of S = A + Aᵀ + I on B is the
 * subgraph of the lattice graph (x ~ x + e, e ∈ G = ±D \ {0}) induced by B; a star coloring (no 2-colored
 * P4) and an acyclic coloring (no 2-colored cycle) of a graph restrict to star / acyclic colorings of every
 * induced subgraph, since a bad path or cycle inside B is a bad path or cycle of the lattice. For column
 * coloring, every row of A is a subset {x + δ ∈ B} of the lattice row {x + δ : δ ∈ D}, so two columns that
 * share a row of A share a lattice row (rows: the same with −D). So a valid lattice coloring, read on B,
 * is valid for every box size and every Dirichlet boundary.
 *
 * Why one period is enough. A periodic coloring c(x) = T[x mod P] takes the same colors around x and
 * around x + P·z. The star and distance-2 conditions are local — "for the edge (x, x + e): some x + f,
 * f ≠ e, has the color of x + e, and some x + e + g, g ≠ −e, has the color of x" — and they are evaluated
 * here offset by offset (never by comparing torus vertex ids), so the check at a representative x is
 * literally the lattice check at every point of its class: checking each point of one period checks Z^d,
 * whatever the period (even one shorter than the stencil). For a linear coloring c(x) = (w·x) mod k one
 * point suffices: c(x + y) = c(x) + c(y) (mod k), so the conditions at x are those at the origin with every
 * color shifted by c(x), and they only compare colors for equality. Acyclicity is not local; see isAcyclic.
 */

export type Vec = readonly number[];

/** A coloring of Z^d with period P: c(x) = table[x mod P] (table lexicographic, last coordinate fastest). */
export interface PeriodicColoring {
  readonly period: readonly number[];
  readonly table: ArrayLike<number>;
  /** Number of colors used by the table (colors are 0 … colors − 1). */
  readonly colors: number;
}

/** Color of the lattice point x. */
export function colorAt(pc: PeriodicColoring, x: Vec): number {
  const P = pc.period;
  let idx = 0;
  for (let t = 0; t < P.length; t++) {
    const p = P[t]!;
    idx = idx * p + (((x[t]! % p) + p) % p);
  }
  return pc.table[idx]!;
}

/** The linear coloring (w·x) mod k as a periodic table of period k along every axis. */
export function linearColoring(w: Vec, k: number): PeriodicColoring {
  const d = w.length;
  const period = new Array<number>(d).fill(k);
  const size = k ** d;
  const table = new Int32Array(size);
  const x = new Array<number>(d).fill(0);
  for (let v = 0; v < size; v++) {
    let s = 0;
    for (let t = 0; t < d; t++) s += w[t]! * x[t]!;
    table[v] = s % k;
    for (let t = d - 1; t >= 0; t--) {
      if (++x[t]! < k) break;
      x[t] = 0;
    }
  }
  return { period, table, colors: k };
}

function add(x: Vec, e: Vec): number[] {
  return x.map((xi, t) => xi + e[t]!);
}

function sameVec(a: Vec, b: Vec): boolean {
  for (let t = 0; t < a.length; t++) if (a[t] !== b[t]) return false;
  return true;
}

/** Every point of one period of pc (the representatives to check). */
export function periodPoints(period: readonly number[]): number[][] {
  const d = period.length;
  const size = period.reduce((a, b) => a * b, 1);
  const out: number[][] = [];
  const x = new Array<number>(d).fill(0);
  for (let v = 0; v < size; v++) {
    out.push(x.slice());
    for (let t = d - 1; t >= 0; t--) {
      if (++x[t]! < period[t]!) break;
      x[t] = 0;
    }
  }
  return out;
}

/**
 * Distance-2 condition for the rows {x + δ : δ ∈ rowOffsets}: the colors in every row are distinct
 * (column coloring with rowOffsets = D, row coloring with −D), checked at the given representatives.
 */
export function isDistance2(pc: PeriodicColoring, rowOffsets: readonly Vec[], points: readonly Vec[]): boolean {
  const r = rowOffsets.length;
  const cols = new Array<number>(r);
  for (const x of points) {
    for (let a = 0; a < r; a++) cols[a] = colorAt(pc, add(x, rowOffsets[a]!));
    for (let a = 0; a < r; a++) for (let b = a + 1; b < r; b++) if (cols[a] === cols[b]) return false;
  }
  return true;
}

/**
 * Star condition on the lattice graph with (symmetric, nonzero) offsets G: proper, and no edge (x, y)
 * such that x has another neighbour colored c(y) and y another neighbour colored c(x) — exactly the
 * existence of a 2-colored P4 with middle edge (x, y).
 */
export function isStar(pc: PeriodicColoring, graphOffsets: readonly Vec[], points: readonly Vec[]): boolean {
  const m = graphOffsets.length;
  const neg = negIndex(graphOffsets);
  for (const x of points) {
    const cx = colorAt(pc, x);
    const around = graphOffsets.map((e) => colorAt(pc, add(x, e)));
    for (let e = 0; e < m; e++) {
      const cy = around[e]!;
      if (cy === cx) return false;
      let a = false;
      for (let f = 0; f < m && !a; f++) if (f !== e && around[f] === cy) a = true;
      if (!a) continue;
      const y = add(x, graphOffsets[e]!);
      for (let g = 0; g < m; g++) {
        if (g !== neg[e] && colorAt(pc, add(y, graphOffsets[g]!)) === cx) return false;
      }
    }
  }
  return true;
}

function negIndex(offsets: readonly Vec[]): number[] {
  return offsets.map((e) =>
    offsets.findIndex((f) =>
      sameVec(
        f,
        e.map((v) => -v),
      ),
    ),
  );
}

/**
 * Acyclicity of a periodic coloring on the lattice graph with offsets G (closed under negation), exactly.
 *
 * For two colors a, b the lattice subgraph they induce is the covering ("derived") graph of the torus
 * subgraph they induce, each torus edge carrying its lattice displacement as a voltage in Z^d. A
 * component of the cover contains a cycle iff some closed walk of the torus component that is not
 * null-homotopic has zero total displacement, i.e. iff the displacement map π1 → Z^d is not injective.
 * π1 of a connected graph of cycle rank r is free of rank r; for r ≥ 2 no map into the abelian group Z^d
 * is injective (commutators vanish), for r = 1 it is injective iff the one cycle has nonzero displacement,
 * and r = 0 is a tree. So the coloring is acyclic iff it is proper and every 2-colored torus component has
 * at most one independent cycle, with nonzero displacement. Multi-edges and loops of the torus (small
 * periods) are handled because edges are indexed by (vertex, offset), not by endpoints.
 */
export function isAcyclic(pc: PeriodicColoring, graphOffsets: readonly Vec[]): boolean {
  const P = pc.period;
  const d = P.length;
  const m = graphOffsets.length;
  const neg = negIndex(graphOffsets);
  if (neg.some((j) => j < 0)) return false;
  const pts = periodPoints(P);
  const V = pts.length;
  const index = (x: Vec): number => {
    let idx = 0;
    for (let t = 0; t < d; t++) {
      const p = P[t]!;
      idx = idx * p + (((x[t]! % p) + p) % p);
    }
    return idx;
  };
  const nbr = new Int32Array(V * m);
  const color = new Int32Array(V);
  for (let v = 0; v < V; v++) {
    color[v] = pc.table[v]!;
    for (let e = 0; e < m; e++) nbr[v * m + e] = index(add(pts[v]!, graphOffsets[e]!));
  }
  for (let v = 0; v < V; v++) for (let e = 0; e < m; e++) if (color[nbr[v * m + e]!] === color[v]) return false;
  const k = pc.colors;
  const byColor: number[][] = Array.from({ length: k }, () => []);
  for (let v = 0; v < V; v++) byColor[color[v]!]!.push(v);
  const stamp = new Int32Array(V).fill(-1);
  const parentHalf = new Int32Array(V);
  const pos = new Int32Array(V * d);
  const queue = new Int32Array(V);
  let pair = 0;
  for (let a = 0; a < k; a++) {
    for (let b = a + 1; b < k; b++, pair++) {
      for (const list of [byColor[a]!, byColor[b]!]) {
        for (const s of list) {
          if (stamp[s] === pair) continue;
          stamp[s] = pair;
          parentHalf[s] = -1;
          for (let t = 0; t < d; t++) pos[s * d + t] = pts[s]![t]!;
          let head = 0;
          let tail = 0;
          queue[tail++] = s;
          let halfEdges = 0;
          let cycleZero = false;
          let cycleSeen = false;
          while (head < tail) {
            const u = queue[head++]!;
            for (let e = 0; e < m; e++) {
              const w = nbr[u * m + e]!;
              const cw = color[w];
              if (cw !== a && cw !== b) continue;
              halfEdges++;
              if (stamp[w] !== pair) {
                stamp[w] = pair;
                parentHalf[w] = u * m + e;
                for (let t = 0; t < d; t++) pos[w * d + t] = pos[u * d + t]! + graphOffsets[e]![t]!;
                queue[tail++] = w;
              } else if (parentHalf[w] !== u * m + e && parentHalf[u] !== w * m + neg[e]!) {
                // A non-tree edge: its fundamental cycle's displacement is pos(u) + e − pos(w).
                let zero = true;
                for (let t = 0; t < d; t++) {
                  if (pos[u * d + t]! + graphOffsets[e]![t]! !== pos[w * d + t]) zero = false;
                }
                cycleSeen = true;
                if (zero) cycleZero = true;
              }
            }
          }
          const rank = halfEdges / 2 - tail + 1;
          if (rank >= 2 || (rank === 1 && (cycleZero || !cycleSeen))) return false;
        }
      }
    }
  }
  return true;
}

export type LatticeProblem =
  | { readonly kind: 'distance2'; readonly rowOffsets: readonly Vec[] }
  | { readonly kind: 'star' | 'acyclic'; readonly graphOffsets: readonly Vec[] };

/** Exact lattice check of a periodic coloring for the problem (one period of representatives). */
export function isValidPeriodic(pc: PeriodicColoring, prob: LatticeProblem): boolean {
  if (prob.kind === 'distance2') return isDistance2(pc, prob.rowOffsets, periodPoints(pc.period));
  if (prob.kind === 'star') return isStar(pc, prob.graphOffsets, periodPoints(pc.period));
  return isAcyclic(pc, prob.graphOffsets);
}

/**
 * Smallest k in [kMin, kMax] with a linear coloring (w·x) mod k valid for the problem, w ∈ [0, k)^d searched
 * exhaustively (w1 = 1 first: scaling w by a unit mod k preserves validity, so that block finds most
 * colorings early), within a work budget (roughly elementary operations). Null when none is found. The
 * distance-2 and star conditions of a linear coloring are decided at the origin (see the top of this file)
 * from the residues w·e mod k alone; acyclicity by isAcyclic on the k^d torus.
 */
export function findLinearColoring(
  prob: LatticeProblem,
  d: number,
  kMin: number,
  kMax: number,
  budget = 2_000_000,
): { readonly w: number[]; readonly k: number } | null {
  const offs = prob.kind === 'distance2' ? prob.rowOffsets : prob.graphOffsets;
  const m = offs.length;
  const neg = negIndex(offs);
  const vals = new Int32Array(m);
  const w = new Array<number>(d);
  for (let k = Math.max(1, kMin); k <= kMax; k++) {
    const total = k ** d;
    const first = Math.min(1, k - 1);
    for (let idx = 0; idx < total; idx++) {
      // Decode idx with the first coordinate running over first, then the rest in order.
      let r = idx;
      for (let t = d - 1; t >= 1; t--) {
        w[t] = r % k;
        r = Math.floor(r / k);
      }
      w[0] = r === 0 ? first : r <= first ? r - 1 : r;
      budget -= m * (m + d);
      if (budget < 0) return null;
      for (let e = 0; e < m; e++) {
        let s = 0;
        for (let t = 0; t < d; t++) s += w[t]! * offs[e]![t]!;
        vals[e] = ((s % k) + k) % k;
      }
      if (prob.kind === 'distance2') {
        if (allDistinct(vals)) return { w: w.slice(), k };
        continue;
      }
      if (!linearStarOrProper(vals, neg, k, prob.kind === 'star')) continue;
      if (prob.kind === 'star') return { w: w.slice(), k };
      if (hasTwoColoredSquare(vals, neg, k)) continue;
      budget -= 48 * (k - 1) * total * m;
      if (budget < 0) return null;
      if (isAcyclic(linearColoring(w, k), offs)) return { w: w.slice(), k };
    }
  }
  return null;
}

function allDistinct(vals: Int32Array): boolean {
  for (let a = 0; a < vals.length; a++) for (let b = a + 1; b < vals.length; b++) if (vals[a] === vals[b]) return false;
  return true;
}

/**
 * Cheap necessary condition for acyclicity of a linear coloring: the 4-cycle 0, e, e + f, f (f ≠ ±e) is
 * 2-colored iff vals[e] = vals[f] and 2·vals[e] ≡ 0 (mod k).
 */
function hasTwoColoredSquare(vals: Int32Array, neg: readonly number[], k: number): boolean {
  const m = vals.length;
  for (let e = 0; e < m; e++) {
    if ((2 * vals[e]!) % k !== 0) continue;
    for (let f = e + 1; f < m; f++) if (f !== neg[e] && vals[f] === vals[e]) return true;
  }
  return false;
}

/**
 * Linear coloring, vals[e] = w·e mod k: proper iff no vals[e] = 0; with star, also no edge (0, e) whose
 * end 0 has another neighbour f of the color of e (vals[f] = vals[e]) while e has another neighbour e + g
 * of the color of 0 (vals[e] + vals[g] ≡ 0) — the star condition of isStar at the origin.
 */
function linearStarOrProper(vals: Int32Array, neg: readonly number[], k: number, star: boolean): boolean {
  const m = vals.length;
  for (let e = 0; e < m; e++) if (vals[e] === 0) return false;
  if (!star) return true;
  for (let e = 0; e < m; e++) {
    let a = false;
    for (let f = 0; f < m && !a; f++) if (f !== e && vals[f] === vals[e]) a = true;
    if (!a) continue;
    for (let g = 0; g < m; g++) if (g !== neg[e] && (vals[e]! + vals[g]!) % k === 0) return false;
  }
  return true;
}
