/**
 * Fill-reducing orderings for sparse LU: an approximate minimum degree ordering on a quotient
 * graph, in the manner of AMD (P. R. Amestoy, T. A. Davis, I. S. Duff, "An approximate minimum
 * degree ordering algorithm", SIAM J. Matrix Anal. Appl. 17(4), 1996, 886–905), written for this
 * package from the paper's description.
 *
 * What it has of AMD: the quotient graph (eliminated variables become elements, whose variable
 * lists replace the cliques, so storage never grows past the input graph plus the live elements),
 * approximate external degrees d̄ᵢ = min(n − k, |Aᵢ| + |Lₚ∖i| + Σₑ |Lₑ∖Lₚ|) computed with the
 * |Lₑ∖Lₚ| counts of the paper, element absorption (aggressive, too), mass elimination, and
 * supervariables detected by hashing. What it leaves out: AMD's in-place single-array memory
 * management (elements live in a second growable array here), and its tie-breaking details, so
 * the orderings are AMD-like, not AMD's.
 *
 * Dense nodes (degree > max(16, 10√n), AMD's default) are ordered last, out of the graph.
 */

/** Which graph the minimum degree ordering runs on. */
export type OrderingMethod = 'amd' | 'colamd' | 'natural';

/** An undirected graph as symmetric adjacency lists (no self loops, no duplicates). */
export interface Adjacency {
  readonly n: number;
  readonly ptr: Int32Array;
  readonly idx: Int32Array;
}

/**
 * The column ordering q (q[k] = column eliminated at step k) of the n × n matrix with the given
 * CSC structure:
 * - `'amd'`: minimum degree on the pattern of A + Aᵀ. Right for (nearly) structurally symmetric
 *   matrices such as Jacobians of PDE discretizations, with LU's diagonal-preferring pivoting.
 * - `'colamd'`: minimum degree on the pattern of AᵀA (rows with more than max(16, 10√n) entries
 *   left out), the column ordering for unsymmetric matrices (what COLAMD approximates without
 *   forming AᵀA; here AᵀA is formed).
 * - `'natural'`: the identity.
 */
export function columnOrdering(n: number, colPtr: Int32Array, rowIdx: Int32Array, method: OrderingMethod): Int32Array {
  if (method === 'natural') {
    const q = new Int32Array(n);
    for (let i = 0; i < n; i++) q[i] = i;
    return q;
  }
  const g = method === 'amd' ? symmetrizedGraph(n, colPtr, rowIdx) : normalEquationsGraph(n, n, colPtr, rowIdx);
  return minimumDegreeOrdering(g);
}

/** The graph of A + Aᵀ minus the diagonal, from A's compressed structure (either orientation). */
export function symmetrizedGraph(n: number, ptr: Int32Array, idx: Int32Array): Adjacency {
  // Transpose by counting sort, then merge the two sorted lists of each line.
  const nnz = ptr[n]!;
  const tPtr = new Int32Array(n + 1);
  for (let k = 0; k < nnz; k++) tPtr[idx[k]! + 1]!++;
  for (let j = 0; j < n; j++) tPtr[j + 1]! += tPtr[j]!;
  const next = tPtr.slice(0, n);
  const tIdx = new Int32Array(nnz);
  for (let i = 0; i < n; i++) for (let k = ptr[i]!; k < ptr[i + 1]!; k++) tIdx[next[idx[k]!]!++] = i;
  const gPtr = new Int32Array(n + 1);
  const gIdx = new Int32Array(2 * nnz);
  let w = 0;
  for (let i = 0; i < n; i++) {
    let a = ptr[i]!;
    const aEnd = ptr[i + 1]!;
    let b = tPtr[i]!;
    const bEnd = tPtr[i + 1]!;
    while (a < aEnd || b < bEnd) {
      const va = a < aEnd ? idx[a]! : n;
      const vb = b < bEnd ? tIdx[b]! : n;
      const v = Math.min(va, vb);
      if (va === v) a++;
      if (vb === v) b++;
      if (v !== i) gIdx[w++] = v;
    }
    gPtr[i + 1] = w;
  }
  return { n, ptr: gPtr, idx: gIdx.slice(0, w) };
}

/**
 * The graph of AᵀA minus the diagonal (columns j, k adjacent when some row holds both), for a
 * rows × cols CSC structure. Rows with more than max(16, 10√cols) entries are left out: a dense
 * row would make AᵀA dense and says nothing useful about the order.
 */
export function normalEquationsGraph(rows: number, cols: number, colPtr: Int32Array, rowIdx: Int32Array): Adjacency {
  const nnz = colPtr[cols]!;
  const rPtr = new Int32Array(rows + 1);
  for (let k = 0; k < nnz; k++) rPtr[rowIdx[k]! + 1]!++;
  for (let i = 0; i < rows; i++) rPtr[i + 1]! += rPtr[i]!;
  const next = rPtr.slice(0, rows);
  const rIdx = new Int32Array(nnz);
  for (let j = 0; j < cols; j++) for (let k = colPtr[j]!; k < colPtr[j + 1]!; k++) rIdx[next[rowIdx[k]!]!++] = j;
  const dense = Math.max(16, Math.floor(10 * Math.sqrt(cols)));
  const mark = new Int32Array(cols);
  // The same loop twice: count the neighbours of each column, then store them.
  const visit = (j: number, store: Int32Array | null, at: number): number => {
    let w = at;
    mark[j] = j + 1;
    for (let k = colPtr[j]!; k < colPtr[j + 1]!; k++) {
      const r = rowIdx[k]!;
      if (rPtr[r + 1]! - rPtr[r]! > dense) continue;
      for (let t = rPtr[r]!; t < rPtr[r + 1]!; t++) {
        const c = rIdx[t]!;
        if (mark[c] === j + 1) continue;
        mark[c] = j + 1;
        if (store !== null) store[w] = c;
        w++;
      }
    }
    return w;
  };
  const gPtr = new Int32Array(cols + 1);
  for (let j = 0; j < cols; j++) gPtr[j + 1] = visit(j, null, gPtr[j]!);
  mark.fill(0);
  const gIdx = new Int32Array(gPtr[cols]!);
  for (let j = 0; j < cols; j++) visit(j, gIdx, gPtr[j]!);
  return { n: cols, ptr: gPtr, idx: gIdx };
}

const VARIABLE = 0;
const ELEMENT = 1;
const DEAD = 2;

/**
 * An approximate minimum degree ordering of the graph g (see the module comment): perm[k] is the
 * node eliminated at step k.
 */
export function minimumDegreeOrdering(g: Adjacency): Int32Array {
  const n = g.n;
  const order = new Int32Array(n);
  let emitted = 0;
  if (n === 0) return order;

  // Dense nodes leave the graph and come last.
  const denseLimit = Math.max(16, Math.floor(10 * Math.sqrt(n)));
  const isDense = new Uint8Array(n);
  let nDense = 0;
  for (let i = 0; i < n; i++) {
    if (g.ptr[i + 1]! - g.ptr[i]! > denseLimit) {
      isDense[i] = 1;
      nDense++;
    }
  }

  // Variable lists: elements first (elen of them), then variables. They only ever shrink, so each
  // keeps its slot of the initial array.
  const pe = new Int32Array(n);
  const len = new Int32Array(n);
  const elen = new Int32Array(n);
  const iw = new Int32Array(g.idx.length);
  let w = 0;
  for (let i = 0; i < n; i++) {
    pe[i] = w;
    if (isDense[i]) continue;
    for (let k = g.ptr[i]!; k < g.ptr[i + 1]!; k++) {
      const j = g.idx[k]!;
      if (!isDense[j]) iw[w++] = j;
    }
    len[i] = w - pe[i]!;
  }

  const nv = new Int32Array(n).fill(1); // supervariable sizes; 0 once absorbed into another
  const status = new Uint8Array(n);
  const deg = new Int32Array(n);
  const chainNext = new Int32Array(n).fill(-1);
  const chainTail = new Int32Array(n);
  for (let i = 0; i < n; i++) chainTail[i] = i;

  // Elements: lists in a growable pool, compacted when full.
  let pool = new Int32Array(Math.max(16, g.idx.length + n));
  let poolTop = 0;
  const eStart = new Int32Array(n);
  const eLen = new Int32Array(n);
  const eSize = new Int32Array(n); // Σ nv over the element's remaining variables

  // Degree buckets.
  const head = new Int32Array(n + 1).fill(-1);
  const next = new Int32Array(n).fill(-1);
  const prev = new Int32Array(n).fill(-1);
  const insert = (i: number, d: number): void => {
    deg[i] = d;
    const h = head[d]!;
    next[i] = h;
    prev[i] = -1;
    if (h !== -1) prev[h] = i;
    head[d] = i;
  };
  const remove = (i: number): void => {
    const a = prev[i]!;
    const b = next[i]!;
    if (a !== -1) next[a] = b;
    else head[deg[i]!] = b;
    if (b !== -1) prev[b] = a;
  };

  let mindeg = n;
  for (let i = 0; i < n; i++) {
    if (isDense[i]) {
      status[i] = DEAD;
      continue;
    }
    insert(i, len[i]!);
    if (len[i]! < mindeg) mindeg = len[i]!;
  }

  // Stamped scratch: membership in Lp, |Le \ Lp| counts, list comparison marks.
  const lpMark = new Int32Array(n).fill(-1);
  const wStamp = new Int32Array(n).fill(-1);
  const wVal = new Int32Array(n);
  const cmpMark = new Int32Array(n).fill(-1);
  let cmpStamp = 0;
  const ext = new Int32Array(n);
  const hashOf = new Int32Array(n);
  const hashHead = new Int32Array(n).fill(-1);
  const hashNext = new Int32Array(n).fill(-1);
  const scratch = new Int32Array(n + 1);

  const emitChain = (v: number): void => {
    for (let u = v; u !== -1; u = chainNext[u]!) order[emitted++] = u;
  };

  const live = n - nDense;
  let nel = 0;
  let step = 0;
  while (nel < live) {
    while (head[mindeg] === -1) mindeg++;
    const p = head[mindeg]!;
    remove(p);
    const stamp = step++;

    // Room for Lp (at most the live variables); compact the pool when it is short.
    if (poolTop + (live - nel) > pool.length) {
      let liveTotal = 0;
      for (let e = 0; e < n; e++) if (status[e] === ELEMENT) liveTotal += eLen[e]!;
      const fresh = new Int32Array(Math.max(pool.length, 2 * (liveTotal + live - nel)));
      let t = 0;
      for (let e = 0; e < n; e++) {
        if (status[e] !== ELEMENT) continue;
        fresh.set(pool.subarray(eStart[e]!, eStart[e]! + eLen[e]!), t);
        eStart[e] = t;
        t += eLen[e]!;
      }
      pool = fresh;
      poolTop = t;
    }

    // Lp = (∪ of the lists of p's elements ∪ Ap) ∖ {p}; p's elements are absorbed into p.
    const lpStart = poolTop;
    let lpEnd = lpStart;
    lpMark[p] = stamp;
    const pStart = pe[p]!;
    for (let k = pStart; k < pStart + len[p]!; k++) {
      const v0 = iw[k]!;
      if (k < pStart + elen[p]!) {
        if (status[v0] !== ELEMENT) continue;
        for (let t = eStart[v0]!; t < eStart[v0]! + eLen[v0]!; t++) {
          const v = pool[t]!;
          if (status[v] === VARIABLE && nv[v]! > 0 && lpMark[v] !== stamp) {
            lpMark[v] = stamp;
            pool[lpEnd++] = v;
          }
        }
        status[v0] = DEAD;
      } else if (status[v0] === VARIABLE && nv[v0]! > 0 && lpMark[v0] !== stamp) {
        lpMark[v0] = stamp;
        pool[lpEnd++] = v0;
      }
    }
    poolTop = lpEnd;
    status[p] = ELEMENT;
    eStart[p] = lpStart;
    len[p] = 0;
    nel += nv[p]!;
    emitChain(p);

    // |Le ∖ Lp| for every element e adjacent to Lp: start at |Le| and take off Lp's members.
    for (let t = lpStart; t < lpEnd; t++) {
      const i = pool[t]!;
      for (let k = pe[i]!; k < pe[i]! + elen[i]!; k++) {
        const e = iw[k]!;
        if (status[e] !== ELEMENT) continue;
        if (wStamp[e] !== stamp) {
          wStamp[e] = stamp;
          wVal[e] = eSize[e]!;
        }
        wVal[e]! -= nv[i]!;
      }
    }

    // Prune each variable of Lp, add p to its elements, and sum its external degree outside Lp.
    for (let t = lpStart; t < lpEnd; t++) {
      const i = pool[t]!;
      remove(i);
      const s = pe[i]!;
      let m = 0;
      scratch[m++] = p;
      let d = 0;
      let h = p;
      for (let k = s; k < s + elen[i]!; k++) {
        const e = iw[k]!;
        if (status[e] !== ELEMENT) continue;
        const outside = wVal[e]!;
        if (outside === 0) {
          status[e] = DEAD; // aggressive absorption: Le ⊆ Lp
          continue;
        }
        d += outside;
        h += e;
        scratch[m++] = e;
      }
      const nE = m;
      for (let k = s + elen[i]!; k < s + len[i]!; k++) {
        const v = iw[k]!;
        if (status[v] !== VARIABLE || nv[v] === 0 || lpMark[v] === stamp) continue;
        d += nv[v]!;
        h += v;
        scratch[m++] = v;
      }
      iw.set(scratch.subarray(0, m), s);
      elen[i] = nE;
      len[i] = m;
      if (d === 0 && nE === 1 && m === 1) {
        // Mass elimination: i touches nothing outside Lp, so it goes right after p, free of fill.
        nel += nv[i]!;
        nv[i] = 0;
        status[i] = DEAD;
        emitChain(i);
        continue;
      }
      ext[i] = d;
      const hh = h % live;
      hashOf[i] = hh;
      hashNext[i] = hashHead[hh]!;
      hashHead[hh] = i;
    }

    // Supervariables: variables of Lp with identical lists are indistinguishable; merge them.
    for (let t = lpStart; t < lpEnd; t++) {
      const i0 = pool[t]!;
      if (status[i0] !== VARIABLE) continue;
      const hh = hashOf[i0]!;
      let i = hashHead[hh]!;
      if (i === -1) continue;
      hashHead[hh] = -1;
      for (; i !== -1; i = hashNext[i]!) {
        if (nv[i] === 0) continue;
        if (++cmpStamp > 0x3fffffff) {
          cmpMark.fill(-1);
          cmpStamp = 0;
        }
        const si = pe[i]!;
        for (let k = si; k < si + len[i]!; k++) cmpMark[iw[k]!] = cmpStamp;
        let before = i;
        for (let j = hashNext[i]!; j !== -1; j = hashNext[j]!) {
          let same = nv[j]! > 0 && len[j] === len[i] && elen[j] === elen[i];
          for (let k = pe[j]!; same && k < pe[j]! + len[j]!; k++) same = cmpMark[iw[k]!] === cmpStamp;
          if (!same) {
            before = j;
            continue;
          }
          nv[i]! += nv[j]!;
          nv[j] = 0;
          status[j] = DEAD;
          len[j] = 0;
          chainNext[chainTail[i]!] = j;
          chainTail[i] = chainTail[j]!;
          hashNext[before] = hashNext[j]!;
        }
      }
    }

    // Lp keeps its principal variables; their approximate degrees go back into the buckets.
    let size = 0;
    let kept = lpStart;
    for (let t = lpStart; t < lpEnd; t++) {
      const i = pool[t]!;
      if (status[i] !== VARIABLE || nv[i] === 0) continue;
      pool[kept++] = i;
      size += nv[i]!;
    }
    eLen[p] = kept - lpStart;
    eSize[p] = size;
    poolTop = kept;
    if (kept === lpStart) status[p] = DEAD;
    for (let t = lpStart; t < kept; t++) {
      const i = pool[t]!;
      const d = Math.min(ext[i]! + size - nv[i]!, live - nel - nv[i]!);
      insert(i, d);
      if (d < mindeg) mindeg = d;
    }
  }
  for (let i = 0; i < n; i++) if (isDense[i]) order[emitted++] = i;
  return order;
}
