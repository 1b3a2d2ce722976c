/**
 * Index sets for sparsity propagation, kept as a DAG of unions instead of materialized sets.
 *
 * Why: eager set propagation is quadratic on an accumulation chain (s += x_i makes n sets of sizes
 * 1‥n), which is exactly what a scalar loop summing terms records. Here every set is a node:
 * node 0 is the empty set, nodes 1‥n are the singletons {0}‥{n−1} of the independent variables, and
 * every other node is the union of two nodes or of a list of nodes. Building a union is O(1); a set
 * is only materialized (`collect`) where it is needed: at the outputs, and for the operands of
 * nonlinear operations in the Hessian sweep. `collect` walks the DAG once, marking visited nodes,
 * so shared sub-DAGs are not walked twice in one call.
 */

export const EMPTY = 0;

export class IndexSetDag {
  /** Number of leaves (independent variables). */
  readonly leaves: number;
  /** Union nodes: left ≥ 0 and right ≥ 0 for a binary union; left = −1 − listStart and right = length for an n-ary one. */
  private left: Int32Array;
  private right: Int32Array;
  private lists: Int32Array;
  private nLists = 0;
  /** Next node id. */
  size: number;
  /** Visit marks for collect (stamped, never cleared). */
  private mark: Int32Array;
  private leafMark: Int32Array;
  private stamp = 0;
  private stack: Int32Array;

  constructor(leaves: number, capacity = 1024) {
    this.leaves = leaves;
    this.size = leaves + 1;
    const cap = Math.max(capacity, this.size + 16);
    this.left = new Int32Array(cap);
    this.right = new Int32Array(cap);
    this.mark = new Int32Array(cap);
    this.lists = new Int32Array(256);
    this.leafMark = new Int32Array(leaves);
    this.stack = new Int32Array(256);
  }

  /** The node of independent variable j. */
  leaf(j: number): number {
    return j + 1;
  }

  /** a ∪ b. */
  union(a: number, b: number): number {
    if (a === EMPTY || a === b) return b;
    if (b === EMPTY) return a;
    if (this.size === this.left.length) this.grow();
    const id = this.size++;
    this.left[id] = a;
    this.right[id] = b;
    return id;
  }

  /** Union of the nodes ids[from], ids[from + stride], … (count of them); empty nodes are skipped. */
  unionOf(ids: ArrayLike<number>, from: number, count: number, stride = 1): number {
    let first = EMPTY;
    let distinct = 0;
    for (let k = 0; k < count; k++) {
      const id = ids[from + k * stride]!;
      if (id === EMPTY || id === first) continue;
      if (first === EMPTY) first = id;
      distinct++;
    }
    if (distinct <= 1) return first;
    if (this.nLists + distinct > this.lists.length) {
      const bigger = new Int32Array(Math.max(this.lists.length * 2, this.nLists + distinct));
      bigger.set(this.lists.subarray(0, this.nLists));
      this.lists = bigger;
    }
    const start = this.nLists;
    for (let k = 0; k < count; k++) {
      const id = ids[from + k * stride]!;
      if (id !== EMPTY) this.lists[this.nLists++] = id;
    }
    if (this.size === this.left.length) this.grow();
    const node = this.size++;
    this.left[node] = -1 - start;
    this.right[node] = this.nLists - start;
    return node;
  }

  /**
   * The indices in node's set, appended to out (unsorted, no duplicates); returns the count.
   * `out` must have room for all leaves in the worst case (use `leaves`-sized scratch).
   */
  collect(node: number, out: Int32Array): number {
    if (node === EMPTY) return 0;
    if (node <= this.leaves) {
      out[0] = node - 1;
      return 1;
    }
    const stamp = ++this.stamp;
    const mark = this.mark;
    const leafMark = this.leafMark;
    const L = this.left;
    const R = this.right;
    const lists = this.lists;
    const leaves = this.leaves;
    let stack = this.stack;
    let sp = 0;
    let n = 0;
    stack[sp++] = node;
    while (sp > 0) {
      const id = stack[--sp]!;
      if (id <= leaves) {
        if (leafMark[id - 1] !== stamp) {
          leafMark[id - 1] = stamp;
          out[n++] = id - 1;
        }
        continue;
      }
      if (mark[id] === stamp) continue;
      mark[id] = stamp;
      const l = L[id]!;
      const r = R[id]!;
      if (sp + Math.max(r, 2) > stack.length) {
        const bigger = new Int32Array(Math.max(stack.length * 2, sp + r + 2));
        bigger.set(stack.subarray(0, sp));
        stack = bigger;
        this.stack = bigger;
      }
      if (l >= 0) {
        stack[sp++] = l;
        stack[sp++] = r;
      } else {
        const s = -1 - l;
        for (let k = 0; k < r; k++) stack[sp++] = lists[s + k]!;
      }
    }
    return n;
  }

  private grow(): void {
    const cap = this.left.length * 2;
    const l = new Int32Array(cap);
    l.set(this.left);
    this.left = l;
    const r = new Int32Array(cap);
    r.set(this.right);
    this.right = r;
    const m = new Int32Array(cap);
    m.set(this.mark);
    this.mark = m;
  }
}
