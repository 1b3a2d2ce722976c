/**
 * Memory planning for the compiled forward sweep. The interpreter's tangent array is slot-major
 * over the whole tape (slots × p). When the tape is fused runs, concatenations and declarations of
 * the input and of constants only, the tangents that reach memory are the input seeds, the
 * constants' zeros, the concatenations' copies and the runs' stored outputs; each is dead once the
 * last step reading it has run (the function's outputs excepted). Those intervals get places in a
 * small arena, reusing the places of dead ones (best fit, one pass over the steps): a step's
 * outputs never share a place with anything it reads (a run's loop reads and writes element by
 * element, its gathers anywhere), nor with each other. The kernels are the ordinary forward
 * kernels with the arena's addresses and a concatenation is a copy, so the numbers are the same
 * bits.
 *
 * For a K-step explicit scheme on n points the tangent memory falls from about K·n·p numbers to a
 * few n·p, which stay in cache where the steps are small.
 */
import { OP_CONCAT, OP_CONST_RUN, OP_INPUT_RUN } from '../ops/table.js';
import type { Recording } from '../recording.js';
import { E_AUX, E_LEN, E_OUT, EXT } from '../tape/tape.js';
import type { Analysis, Operand } from './analyze.js';

/** An interval of tape slots and its place in the arena. */
interface Placed {
  readonly lo: number;
  readonly hi: number;
  /** Event that writes it (−1: the input). */
  readonly by: number;
  off: number;
}

/** What the planned sweep does, in order. */
export type PlannedStep =
  | { readonly kind: 'run'; readonly index: number }
  /** Concatenation pieces: arena slots [src, src + len) copied (forward) or added (reverse) to [dst, dst + len). */
  | { readonly kind: 'copy'; readonly src: number; readonly dst: number; readonly len: number }
  /** Reverse only: a consumed concatenation's adjoints cleared. */
  | { readonly kind: 'clear'; readonly at: number; readonly len: number };

/** The arena of a planned sweep (forward: `planTangents`; reverse: `planAdjoints`). */
export interface TangentPlan {
  /** Arena size in slots (a sweep in p directions takes size × p numbers). */
  readonly size: number;
  /** Arena slot of a tape slot inside a planned interval. */
  map(slot: number): number;
  /** What the sweep does, in its order (the reverse plan's steps are in reverse). */
  readonly steps: readonly PlannedStep[];
  /**
   * Arena intervals of the constants ([off, len] pairs): forward, tangent 0, zeroed at the start;
   * reverse, they receive contributions and are zeroed at the end.
   */
  readonly zeros: readonly (readonly [number, number])[];
  /** The function's outputs, as arena slots in order (forward: the block's rows; reverse: seeded). */
  readonly outputs: Int32Array;
}

/** One event of the timeline: what it reads (slot ranges) and the intervals it writes. */
interface Event {
  readonly reads: [number, number][];
  readonly writes: number[];
  readonly step: PlannedStep | { readonly kind: 'concat'; readonly at: number } | undefined;
}

/** The steps as events over slot intervals, with the lookups both plans use. */
interface Timeline {
  readonly all: Placed[];
  readonly consts: number[];
  readonly events: Event[];
  /** The interval holding [lo, hi) entirely, or −1. */
  find(lo: number, hi: number): number;
  /** Per interval, the last event reading it (+∞: the input, constants and outputs; −1: none). */
  readonly lastRead: number[];
  readonly outSlots: number[];
}

/** The timeline, or undefined when some step is not a run, a concatenation or a declaration (or a read spans two intervals). */
function timeline(rec: Recording, analysis: Analysis): Timeline | undefined {
  const t = rec.tape;
  if (rec.inLen < 1 || t.inputs.length !== 1 || t.hasOuter || analysis.runs.length === 0) return undefined;
  const all: Placed[] = [{ lo: rec.inSlot, hi: rec.inSlot + rec.inLen, by: -1, off: 0 }];
  const consts: number[] = [];
  const events: Event[] = [];
  for (const s of analysis.steps) {
    if (s.kind === 'run') {
      const rn = s.run;
      const reads: [number, number][] = [];
      const read = (o: Operand): void => {
        if (o.kind === 'gather') reads.push([o.base, o.base + o.srcLen!]);
        else if (o.kind === 'slot') reads.push([o.base, o.base + (o.stride ? rn.L : 1)]);
      };
      const writes: number[] = [];
      for (const m of rn.members) {
        read(m.a);
        if (m.b !== undefined) read(m.b);
        if (m.stored) {
          writes.push(all.length);
          all.push({ lo: m.out, hi: m.out + (m.kind === 'sum' ? 1 : rn.L), by: events.length, off: -1 });
        }
      }
      events.push({ reads, writes, step: { kind: 'run', index: s.index } });
      continue;
    }
    for (let i = s.i0; i < s.i1; i++) {
      const code = t.codeAt(i);
      const op = code & 0xff;
      if (!(code & EXT)) return undefined;
      const r = t.aAt(i);
      const out = t.extGet(r, E_OUT);
      const len = t.extGet(r, E_LEN) || 1;
      if (op === OP_INPUT_RUN) continue;
      if (op === OP_CONST_RUN) {
        consts.push(all.length);
        all.push({ lo: out, hi: out + len, by: -1, off: -1 });
        continue;
      }
      if (op !== OP_CONCAT) return undefined;
      const list = t.lists[t.extGet(r, E_AUX)]!;
      const reads: [number, number][] = [];
      for (let q = 0; q < list.length; q += 2) reads.push([list[q]!, list[q]! + (list[q + 1]! || 1)]);
      events.push({ reads, writes: [all.length], step: { kind: 'concat', at: i } });
      all.push({ lo: out, hi: out + len, by: events.length - 1, off: -1 });
    }
  }
  const order = all.map((_, k) => k).sort((a, b) => all[a]!.lo - all[b]!.lo);
  for (let q = 1; q < order.length; q++) if (all[order[q]!]!.lo < all[order[q - 1]!]!.hi) return undefined;
  /** The interval holding [lo, hi) entirely, or −1. */
  const find = (lo: number, hi: number): number => {
    let a = 0;
    let b = order.length - 1;
    while (a <= b) {
      const mid = (a + b) >> 1;
      const iv = all[order[mid]!]!;
      if (lo < iv.lo) b = mid - 1;
      else if (lo >= iv.hi) a = mid + 1;
      else return hi <= iv.hi ? order[mid]! : -1;
    }
    return -1;
  };
  const PINNED = Number.POSITIVE_INFINITY;
  const lastRead = all.map((iv) => (iv.by < 0 ? PINNED : -1));
  for (let e = 0; e < events.length; e++) {
    for (const [lo, hi] of events[e]!.reads) {
      const k = find(lo, hi);
      if (k < 0 || all[k]!.by >= e) return undefined;
      lastRead[k] = Math.max(lastRead[k]!, e);
    }
  }
  const outSlots: number[] = [];
  if (rec.outRun !== undefined) for (let i = 0; i < rec.outRun.len; i++) outSlots.push(rec.outRun.slot + i);
  else outSlots.push(...rec.outSlots);
  for (const s of outSlots) {
    const k = s < 0 ? -1 : find(s, s + 1);
    if (k < 0) return undefined;
    lastRead[k] = PINNED;
  }
  return { all, consts, events, find, lastRead, outSlots };
}

/** Best-fit places in an arena, reusing freed ones. */
class Arena {
  top = 0;
  private readonly free: [number, number][] = [];
  place(size: number): number {
    const free = this.free;
    let best = -1;
    for (let q = 0; q < free.length; q++)
      if (free[q]![1] >= size && (best < 0 || free[q]![1] < free[best]![1])) best = q;
    if (best < 0) {
      this.top += size;
      return this.top - size;
    }
    const [off, len] = free[best]!;
    if (len === size) free.splice(best, 1);
    else free[best] = [off + size, len - size];
    return off;
  }
  release(off: number, size: number): void {
    this.free.push([off, size]);
  }
}

/** Each piece of the concatenation at instruction i: its source's and its output's arena slots, and its length. */
function pieces(
  t: Recording['tape'],
  i: number,
  map: (slot: number) => number,
  each: (src: number, out: number, len: number) => void,
): void {
  const r = t.aAt(i);
  let w = t.extGet(r, E_OUT);
  const list = t.lists[t.extGet(r, E_AUX)]!;
  for (let q = 0; q < list.length; q += 2) {
    const len = list[q + 1]! || 1;
    each(map(list[q]!), map(w), len);
    w += len;
  }
}

/** Arena slot of a tape slot, through the placed intervals. */
function mapper(tl: Timeline): (slot: number) => number {
  return (slot) => {
    const k = tl.find(slot, slot + 1);
    if (k < 0) throw new Error('memory plan: a slot outside the planned intervals');
    return tl.all[k]!.off + (slot - tl.all[k]!.lo);
  };
}

/** The plan of the forward sweep, or undefined when the tape does not have the shape. */
export function planTangents(rec: Recording, analysis: Analysis): TangentPlan | undefined {
  const tl = timeline(rec, analysis);
  if (tl === undefined) return undefined;
  const t = rec.tape;
  const { all, consts, events, lastRead, outSlots } = tl;
  // Places: the input first, the constants after it, then each event's outputs while everything
  // it reads is still held, and the intervals last read by it freed after.
  const arena = new Arena();
  for (const iv of all) iv.off = -1;
  all[0]!.off = arena.place(all[0]!.hi - all[0]!.lo);
  for (const k of consts) all[k]!.off = arena.place(all[k]!.hi - all[k]!.lo);
  for (let e = 0; e < events.length; e++) {
    for (const k of events[e]!.writes) all[k]!.off = arena.place(all[k]!.hi - all[k]!.lo);
    for (let k = 0; k < all.length; k++) {
      const iv = all[k]!;
      const dies = lastRead[k] === e || (lastRead[k] === -1 && iv.by === e);
      if (dies) arena.release(iv.off, iv.hi - iv.lo);
    }
  }
  const map = mapper(tl);
  const steps: PlannedStep[] = [];
  for (const ev of events) {
    const st = ev.step!;
    // A concatenation: each piece's tangents copied to their place in the output.
    if (st.kind === 'concat')
      pieces(t, st.at, map, (src, out, len) => steps.push({ kind: 'copy', src, dst: out, len }));
    else steps.push(st);
  }
  return {
    size: arena.top,
    map,
    steps,
    zeros: consts.map((k) => [all[k]!.off, all[k]!.hi - all[k]!.lo] as const),
    outputs: Int32Array.from(outSlots, map),
  };
}

/** The arena of a planned reverse sweep: its buffer is taken zeroed and left zeroed. */
export interface AdjointPlan extends TangentPlan {
  /** The input's first arena slot (its adjoints are the result). */
  readonly input: number;
}

/**
 * The plan of the reverse sweep (clearing): the mirror of the forward plan. An interval's adjoint is live
 * from the first step (in reverse order) that adds to it — its last reader — until its producer's step has
 * consumed and cleared it; the outputs from the start (seeded), the input and the constants to the end. A
 * step's targets get their places while what it consumes is still held; a freed place is zero again (its
 * consumer cleared it), a new one is zero in the fresh buffer. Same kernels, same order of additions.
 */
export function planAdjoints(rec: Recording, analysis: Analysis): AdjointPlan | undefined {
  const tl = timeline(rec, analysis);
  if (tl === undefined) return undefined;
  const t = rec.tape;
  const { all, consts, events, find, outSlots } = tl;
  const arena = new Arena();
  for (const iv of all) iv.off = -1;
  const ensure = (k: number): void => {
    if (all[k]!.off < 0) all[k]!.off = arena.place(all[k]!.hi - all[k]!.lo);
  };
  ensure(0);
  for (const k of consts) ensure(k);
  for (const s of outSlots) ensure(find(s, s + 1));
  for (let e = events.length - 1; e >= 0; e--) {
    const ev = events[e]!;
    for (const k of ev.writes) ensure(k); // what it consumes (0 if nothing reads it)
    for (const [lo, hi] of ev.reads) ensure(find(lo, hi));
    for (const k of ev.writes) arena.release(all[k]!.off, all[k]!.hi - all[k]!.lo);
  }
  const map = mapper(tl);
  const steps: PlannedStep[] = [];
  for (let e = events.length - 1; e >= 0; e--) {
    const st = events[e]!.step!;
    if (st.kind !== 'concat') {
      steps.push(st);
      continue;
    }
    // A concatenation backwards (reverseExt OP_CONCAT): each piece's adjoints added to its source, in
    // piece order (a 'copy' step here adds src to dst); then the output's adjoints are cleared.
    pieces(t, st.at, map, (src, out, len) => steps.push({ kind: 'copy', src: out, dst: src, len }));
    const r = t.aAt(st.at);
    steps.push({ kind: 'clear', at: map(t.extGet(r, E_OUT)), len: t.extGet(r, E_LEN) || 1 });
  }
  return {
    size: arena.top,
    map,
    steps,
    zeros: consts.map((k) => [all[k]!.off, all[k]!.hi - all[k]!.lo] as const),
    outputs: Int32Array.from(outSlots, map),
    input: all[0]!.off,
  };
}
