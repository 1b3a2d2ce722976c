/**
 * Order analysis for the fused reverse sweep. Floating-point addition is not associative, so the
 * adjoint of a slot that a run reads several times must receive its contributions in the
 * interpreter's order for the result to be bitwise the same.
 *
 * The interpreter visits a run's instructions backwards (j descending); each instruction adds its
 * per-element contributions for elements i ascending (operand a before b at each i), then its
 * "final" contributions (broadcast operands summed in a scalar) after its loop. A fused loop adds
 * per-element contributions for i ascending, j descending within an element, and all finals after
 * the loop (j descending). For each slot an input use touches we compare the two sequences:
 * - equal: contributions go straight into the adjoint array inside the loop;
 * - equal up to a swap of the first two, and the slot's adjoint is exactly +0 before the run (no
 *   reader after the run, not a function output): still direct, since (0 + c1) + c2 = (0 + c2) + c1
 *   bit for bit (also when c1 or c2 is −0: both sides give the same zero);
 * - otherwise: every use of the slot's group is *buffered*: the loop stores the contributions per
 *   use and element, and code after the loop adds them in the interpreter's order.
 *
 * The sequences only change where a use's range starts or ends, so one slot per elementary interval
 * between those breakpoints stands for the whole interval.
 */
import { READER_END, type Read, type Run } from './analyze.js';
import { type MemberRule, reverseRule } from './rules.js';

/** One operand of one member that reads a slot input and receives an adjoint contribution. */
export interface Use {
  /** Member index and operand (0 = a, 1 = b). */
  readonly j: number;
  readonly o: 0 | 1;
  readonly base: number;
  readonly stride: 0 | 1;
  readonly mode: 'loop' | 'final';
  /** A gather's scatter into its source: slots [base, base + srcLen) in the index array's order. */
  readonly gather?: { readonly ix: Int32Array; readonly srcLen: number };
}

/** Per run and q: the members' rules and which uses are buffered. */
export interface AccumulationPlan {
  readonly rules: MemberRule[];
  readonly uses: Use[];
  /** Parallel to `uses`. */
  readonly buffered: boolean[];
  /** Slot ranges the 2-swap argument was applied to (reported in stats). */
  readonly swaps: number;
}

interface Update {
  readonly j: number;
  readonly o: number;
  readonly i: number;
}

const interpOrder = (x: Update, y: Update): number => y.j - x.j || x.i - y.i || x.o - y.o;
const fusedOrder = (x: Update, y: Update): number => x.i - y.i || y.j - x.j || x.o - y.o;

/** Plans the adjoint accumulation of run `rn` for q directions. */
export function planAccumulation(rn: Run, q: number, reads: readonly Read[]): AccumulationPlan {
  const rules = rn.members.map((m) => reverseRule(m, q));
  const uses: Use[] = [];
  rn.members.forEach((m, j) => {
    const r = rules[j]!;
    const ops = [
      [m.a, r.a],
      [m.b, r.b],
    ] as const;
    ops.forEach(([opnd, rule], o) => {
      if (opnd === undefined || rule.mode === 'none') return;
      if (opnd.kind === 'gather') {
        const gather = { ix: opnd.ix!, srcLen: opnd.srcLen! };
        uses.push({ j, o: o as 0 | 1, base: opnd.base, stride: 1, mode: rule.mode, gather });
        return;
      }
      if (opnd.kind !== 'slot') return;
      uses.push({ j, o: o as 0 | 1, base: opnd.base, stride: opnd.stride, mode: rule.mode });
    });
  });
  const buffered = uses.map(() => false);
  const L = rn.L;
  const hiOf = (u: Use): number => u.base + (u.gather !== undefined ? u.gather.srcLen : u.stride === 1 ? L : 1);
  // Groups: uses whose slot ranges overlap (transitively).
  const order = uses.map((_, k) => k).sort((x, y) => uses[x]!.base - uses[y]!.base);
  let swaps = 0;
  let g = 0;
  while (g < order.length) {
    let h = g + 1;
    let hi = hiOf(uses[order[g]!]!);
    while (h < order.length && uses[order[h]!]!.base < hi) {
      hi = Math.max(hi, hiOf(uses[order[h]!]!));
      h++;
    }
    const group = order.slice(g, h);
    g = h;
    if (group.length < 2) continue;
    const verdict = checkGroup(
      group.map((k) => uses[k]!),
      L,
      rn,
      reads,
    );
    if (verdict === 'buffer') for (const k of group) buffered[k] = true;
    else swaps += verdict;
  }
  return { rules, uses, buffered, swaps };
}

/** 'buffer', or the number of intervals that needed the 2-swap argument. */
function checkGroup(group: Use[], L: number, rn: Run, reads: readonly Read[]): 'buffer' | number {
  // A gather scatters into its source in index order: alone (its group has one use) the fused
  // loop adds in the interpreter's order; with another use of the same slots, buffer the group.
  if (group.some((u) => u.gather !== undefined)) return 'buffer';
  // A broadcast operand with a per-element contribution (the general path) shares its slot with
  // another use: the orders interleave L times; buffer (rare: pow/atan2… of a broadcast scalar).
  if (group.some((u) => u.mode === 'loop' && u.stride === 0)) return 'buffer';
  const points = new Set<number>();
  for (const u of group) {
    points.add(u.base);
    points.add(u.base + (u.stride === 1 ? L : 1));
  }
  const bps = [...points].sort((x, y) => x - y);
  let swaps = 0;
  for (let p = 0; p + 1 < bps.length; p++) {
    const s = bps[p]!;
    const updates: Update[] = [];
    for (const u of group) {
      if (u.mode === 'final') {
        if (s === u.base) updates.push({ j: u.j, o: u.o, i: L });
      } else if (s >= u.base && s < u.base + L) updates.push({ j: u.j, o: u.o, i: s - u.base });
    }
    if (updates.length < 2) continue;
    const a = [...updates].sort(interpOrder);
    const b = [...updates].sort(fusedOrder);
    let same = true;
    for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) same = false;
    if (same) continue;
    let swapped = a[0] === b[1] && a[1] === b[0];
    for (let k = 2; swapped && k < a.length; k++) if (a[k] !== b[k]) swapped = false;
    if (swapped && zeroBefore(rn, s, bps[p + 1]!, reads)) {
      swaps++;
      continue;
    }
    return 'buffer';
  }
  return swaps;
}

/** True when no slot of [lo, hi) is read after the run or is a function output (its adjoint is +0). */
function zeroBefore(rn: Run, lo: number, hi: number, reads: readonly Read[]): boolean {
  for (const r of reads) {
    if ((r.reader >= rn.i1 || r.reader === READER_END) && r.lo < hi && r.hi > lo) return false;
  }
  return true;
}
