/**
 * The six vertex orderings of the greedy colorings, on any graph given by a neighbourhood
 * enumerator. Degrees are numbers of distinct neighbours (for column/row colorings: in the
 * column/row-intersection graph, enumerated through CSR + CSC). Bucket queues make every
 * dynamic ordering O(Σ neighbourhood sizes).
 */
import { ShapeError } from '@wengert/core';
import { describeValue } from '@wengert/core/internals';
import { checkPattern, type SparsityPattern } from '../pattern/pattern.js';
import {
  adjacencyNeighbours,
  columnGraph,
  mulberry32,
  type NeighbourGraph,
  requireSquare,
  rowGraph,
  symmetricAdjacency,
} from './graph.js';
import { ORDERINGS, type Ordering } from './types.js';

/** Orders the vertices of g; returns a permutation (vertex ids in coloring order). */
export function orderGraph(g: NeighbourGraph, ordering: Ordering, seed = 0): Int32Array {
  switch (ordering) {
    case 'natural':
      return naturalOrder(g.n);
    case 'random':
      return randomOrder(g.n, seed);
    case 'largest-first':
      return largestFirst(g);
    case 'smallest-last':
      return smallestLast(g);
    case 'incidence-degree':
      return incidenceDegree(g);
    case 'dynamic-largest-first':
      return dynamicLargestFirst(g);
    default:
      throw new ShapeError('ordering', `one of ${ORDERINGS.join(', ')}`, describeValue(ordering));
  }
}

/**
 * The ordering `ordering` of the vertices of p's coloring graph: columns (column-intersection
 * graph) for `'column'`, rows for `'row'`, the adjacency of S = p + pᵀ for `'symmetric'`.
 */
export function orderVertices(
  p: SparsityPattern,
  kind: 'column' | 'row' | 'symmetric',
  ordering: Ordering,
  seed = 0,
): Int32Array {
  checkPattern(p, 'orderVertices: p');
  return orderGraph(neighbourGraphOf(p, kind), ordering, seed);
}

export function neighbourGraphOf(p: SparsityPattern, kind: 'column' | 'row' | 'symmetric'): NeighbourGraph {
  if (kind === 'column') return columnGraph(p);
  if (kind === 'row') return rowGraph(p);
  if (kind !== 'symmetric') throw new ShapeError('kind', "'column', 'row' or 'symmetric'", describeValue(kind));
  requireSquare(p, 'orderVertices: p');
  return adjacencyNeighbours(symmetricAdjacency(p));
}

export function naturalOrder(n: number): Int32Array {
  const o = new Int32Array(n);
  for (let i = 0; i < n; i++) o[i] = i;
  return o;
}

export function randomOrder(n: number, seed: number): Int32Array {
  const o = naturalOrder(n);
  const rnd = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    const t = o[i]!;
    o[i] = o[j]!;
    o[j] = t;
  }
  return o;
}

/**
 * How an ordering walks neighbourhoods: in place in the adjacency when the graph has one, else
 * through `fill` into a buffer. `nbrs(v)` returns the end index into `arr` and sets `from`.
 */
class Walker {
  readonly arr: Int32Array;
  from = 0;
  private readonly ptr: Int32Array | null;
  private readonly g: NeighbourGraph;
  constructor(g: NeighbourGraph) {
    const a = g.adjacency();
    this.g = g;
    this.ptr = a === null ? null : a.ptr;
    this.arr = a === null ? new Int32Array(g.maxFill()) : a.idx;
  }
  nbrs(v: number): number {
    const ptr = this.ptr;
    if (ptr !== null) {
      this.from = ptr[v]!;
      return ptr[v + 1]!;
    }
    this.from = 0;
    return this.g.fill(v, this.arr);
  }
}

function maxOf(d: Int32Array): number {
  let m = 0;
  for (let v = 0; v < d.length; v++) if (d[v]! > m) m = d[v]!;
  return m;
}

/** Static largest-first: decreasing degree, ties by index (counting sort). */
function largestFirst(g: NeighbourGraph): Int32Array {
  const d = g.degrees();
  return largestFirstFromDegrees(d, maxOf(d));
}

/** Doubly linked bucket lists keyed by an integer priority. */
class Buckets {
  readonly head: Int32Array;
  readonly next: Int32Array;
  readonly prev: Int32Array;
  readonly key: Int32Array;
  constructor(n: number, maxKey: number) {
    this.head = new Int32Array(maxKey + 1).fill(-1);
    this.next = new Int32Array(n);
    this.prev = new Int32Array(n);
    this.key = new Int32Array(n);
  }
  /** Pushes v at the head of bucket k. */
  push(v: number, k: number): void {
    const h = this.head[k]!;
    this.key[v] = k;
    this.prev[v] = -1;
    this.next[v] = h;
    if (h >= 0) this.prev[h] = v;
    this.head[k] = v;
  }
  /** Unlinks v from its bucket. */
  remove(v: number): void {
    const p = this.prev[v]!;
    const nx = this.next[v]!;
    if (p >= 0) this.next[p] = nx;
    else this.head[this.key[v]!] = nx;
    if (nx >= 0) this.prev[nx] = p;
  }
  /** Moves v from its bucket to the head of bucket k. */
  move(v: number, k: number): void {
    this.remove(v);
    this.push(v, k);
  }
}

/** Pushes vertices in decreasing index order so that each bucket lists them by increasing index. */
function fillBuckets(b: Buckets, keys: Int32Array): void {
  for (let v = keys.length - 1; v >= 0; v--) b.push(v, keys[v]!);
}

/**
 * Smallest-last (Matula & Beck 1983): repeatedly remove a vertex of minimum remaining degree; color
 * in reverse removal order. Buckets are stacks (last in, first out; removal swaps in the bucket's
 * last element), the tie-breaking of ColPack's serial implementation. Bucket b is a segment of one
 * array, of capacity #{v : degree(v) ≥ b} (a vertex only ever moves to lower buckets).
 */
function smallestLast(g: NeighbourGraph): Int32Array {
  const n = g.n;
  const w = new Walker(g); // first: forms the adjacency, which then gives the degrees
  const arr = w.arr;
  const d = g.degrees().slice();
  const maxD = maxOf(d);
  const start = new Int32Array(maxD + 2);
  for (let v = 0; v < n; v++) start[d[v]!]!++;
  // start[b] = #{v : d(v) ≥ b} (capacities), then turned into segment starts.
  for (let b = maxD - 1; b >= 0; b--) start[b]! += start[b + 1]!;
  let acc = 0;
  for (let b = 0; b <= maxD + 1; b++) {
    const cap = start[b]!;
    start[b] = acc;
    acc += cap;
  }
  const items = new Int32Array(acc);
  const size = new Int32Array(maxD + 1);
  const loc = new Int32Array(n);
  for (let v = 0; v < n; v++) {
    const b = d[v]!;
    const l = size[b]!++;
    loc[v] = l;
    items[start[b]! + l] = v;
  }
  const o = new Int32Array(n);
  let low = 1;
  for (let pos = n - 1; pos >= 0; pos--) {
    if (low !== 0 && size[low - 1] !== 0) low--;
    while (size[low] === 0) low++;
    const v = items[start[low]! + --size[low]!]!;
    d[v] = -1;
    o[pos] = v;
    const e = w.nbrs(v);
    for (let q = w.from; q < e; q++) {
      const u = arr[q]!;
      const du = d[u]!;
      if (du < 0) continue;
      const s = start[du]!;
      const last = items[s + --size[du]!]!;
      if (last !== u) {
        const l = loc[u]!;
        items[s + l] = last;
        loc[last] = l;
      }
      const nb = du - 1;
      const l = size[nb]!++;
      loc[u] = l;
      items[start[nb]! + l] = u;
      d[u] = nb;
    }
  }
  return o;
}

/** Incidence degree: next is a vertex with the most already-ordered neighbours (ties: larger degree first). */
function incidenceDegree(g: NeighbourGraph): Int32Array {
  const n = g.n;
  const w = new Walker(g); // first: forms the adjacency, which then gives the degrees
  const arr = w.arr;
  const d = g.degrees();
  const maxD = maxOf(d);
  // Seed bucket 0 in increasing-degree push order so its head is a vertex of largest degree.
  const byDeg = largestFirstFromDegrees(d, maxD);
  const b = new Buckets(n, maxD);
  for (let q = n - 1; q >= 0; q--) b.push(byDeg[q]!, 0);
  const done = new Uint8Array(n);
  const o = new Int32Array(n);
  const key = b.key;
  const head = b.head;
  let high = 0;
  for (let pos = 0; pos < n; pos++) {
    while (head[high]! < 0) high--;
    const v = head[high]!;
    b.remove(v);
    done[v] = 1;
    o[pos] = v;
    const e = w.nbrs(v);
    for (let q = w.from; q < e; q++) {
      const u = arr[q]!;
      if (done[u]) continue;
      const k = key[u]! + 1;
      b.move(u, k);
      if (k > high) high = k;
    }
  }
  return o;
}

function largestFirstFromDegrees(d: Int32Array, maxD: number): Int32Array {
  const n = d.length;
  const start = new Int32Array(maxD + 2);
  for (let v = 0; v < n; v++) start[maxD - d[v]! + 1]!++;
  for (let k = 0; k <= maxD; k++) start[k + 1]! += start[k]!;
  const o = new Int32Array(n);
  for (let v = 0; v < n; v++) o[start[maxD - d[v]!]!++] = v;
  return o;
}

/** Dynamic largest-first: next is a vertex of largest degree in the graph of not-yet-ordered vertices. */
function dynamicLargestFirst(g: NeighbourGraph): Int32Array {
  const n = g.n;
  const w = new Walker(g); // first: forms the adjacency, which then gives the degrees
  const arr = w.arr;
  const d = g.degrees();
  const maxD = maxOf(d);
  const b = new Buckets(n, maxD);
  fillBuckets(b, d);
  const done = new Uint8Array(n);
  const o = new Int32Array(n);
  const key = b.key;
  const head = b.head;
  let high = maxD;
  for (let pos = 0; pos < n; pos++) {
    while (head[high]! < 0) high--;
    const v = head[high]!;
    b.remove(v);
    done[v] = 1;
    o[pos] = v;
    const e = w.nbrs(v);
    for (let q = w.from; q < e; q++) {
      const u = arr[q]!;
      if (done[u]) continue;
      b.move(u, key[u]! - 1);
    }
  }
  return o;
}

/** Culberson's iterated-greedy orders: the vertices grouped by color class, in the given class order. */
export function classOrder(colors: Int32Array, count: number, classSequence: Int32Array): Int32Array {
  const n = colors.length;
  const size = new Int32Array(count + 1);
  for (let v = 0; v < n; v++) size[colors[v]! + 1]!++;
  // start of each class in the new order
  const start = new Int32Array(count);
  let acc = 0;
  for (let q = 0; q < count; q++) {
    const c = classSequence[q]!;
    start[c] = acc;
    acc += size[c + 1]!;
  }
  const o = new Int32Array(n);
  for (let v = 0; v < n; v++) o[start[colors[v]!]!++] = v;
  return o;
}
