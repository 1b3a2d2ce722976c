/**
 * Analysis of a consolidated tape for the kernel compiler: splits the instruction stream into
 * *runs* (maximal stretches of consecutive elementwise vector instructions of one length L, with an
 * optional trailing `sum` of one of them) and *interpreted stretches* (everything else), decides
 * which run outputs must be stored in the slot arrays (something outside the run reads them) and
 * which stay locals of the fused loop, and collects the reads that the reverse kernels' order
 * analysis needs (`order.ts`).
 *
 * Inside a run every operand is a local (the output of an earlier member, read at the same element
 * i), a slot operand (V[base + i], or V[base] when broadcast) or a constant (K[base + i] or
 * K[base]). A member that reads an earlier member's output at another offset (a slice of it) or
 * broadcast starts a new run.
 *
 * A `gather` of length L whose source lies entirely before the run's first output slot (complete
 * before the run starts) joins the run as an indirect load V[src + ix[i]]; a gather of the run's own
 * outputs starts a new run (whose source is then complete).
 */

import {
  BCAST_A,
  BCAST_B,
  BCAST_C,
  OP_ATOMIC,
  OP_CONCAT,
  OP_DOT,
  OP_GATHER,
  OP_INPUT,
  OP_PROD,
  OP_RMAX,
  OP_RMIN,
  OP_SCATTER_ADD,
  OP_SELECT,
  OP_SUM,
} from '../ops/table.js';
import type { Recording } from '../recording.js';
import { A_CONST, B_CONST, COL_CHUNK, E_A, E_AUX, E_B, E_C, E_LEN, E_OUT, EXT } from '../tape/tape.js';

/** Members per run at most: keeps each generated function small enough for V8 to optimize. */
export const MAX_RUN_MEMBERS = 400;

/** An operand of a run member. */
export interface Operand {
  /**
   * `local`: output of member `j` (same element); `slot`: V[base + i·stride]; `const`:
   * K[base + i·stride]; `gather`: V[base + ix[i]] (a gather member's source, complete before the run).
   */
  readonly kind: 'local' | 'slot' | 'const' | 'gather';
  readonly j: number;
  readonly base: number;
  /** 1, or 0 for a broadcast scalar. */
  readonly stride: 0 | 1;
  /** Gather operands: the index array (closed over by the kernels) and the source length. */
  readonly ix?: Int32Array;
  readonly srcLen?: number;
}

/** One instruction of a run. */
export interface Member {
  /** Instruction index. */
  readonly instr: number;
  /** Opcode (flags masked off). */
  readonly op: number;
  /** `unary` (2‥63), `binary` (64‥127), `gather` (an indirect load), or the run's closing `sum`. */
  readonly kind: 'unary' | 'binary' | 'gather' | 'sum';
  /** First output slot (the sum's scalar slot). */
  readonly out: number;
  readonly a: Operand;
  /** Second operand (binary only). */
  readonly b: Operand | undefined;
  /** Written to the slot arrays (read outside the run, compared, or a function output). */
  stored: boolean;
  /**
   * A local whose op is expensive (exp, log, pow, the spec calls): the value kernel writes it to its
   * slots anyway, and the forward and reverse kernels load it instead of computing it again.
   */
  saved: boolean;
}

/** A run of fused instructions. */
export interface Run {
  /** Instruction range [i0, i1). */
  readonly i0: number;
  i1: number;
  /** Elements per member. */
  readonly L: number;
  readonly members: Member[];
  /** Output slots of the members: [slotLo, slotHi). */
  readonly slotLo: number;
  slotHi: number;
  /** Slot counter before i0 and after i1 − 1. */
  readonly curBefore: number;
  curAfter: number;
  /** True once a sum closed it. */
  closed: boolean;
}

/** One step of a compiled program. */
export type Step =
  | {
      readonly kind: 'interp';
      readonly i0: number;
      readonly i1: number;
      readonly curBefore: number;
      readonly curAfter: number;
    }
  | { readonly kind: 'run'; readonly run: Run; readonly index: number };

/** A slot range read by an instruction (reader = instruction index; comparisons and outputs use large indices). */
export interface Read {
  readonly reader: number;
  readonly lo: number;
  readonly hi: number;
}

/** Result of the analysis. */
export interface Analysis {
  readonly steps: Step[];
  readonly runs: Run[];
  /** Reads (after the runs' ends, by anything) of slots that some run takes as input. */
  readonly inputReads: Read[];
  readonly nInstr: number;
}

/** Reader index of the recorded comparisons and of the function's outputs (after every instruction). */
export const READER_END = 0x7fffffff;

function operandOf(kind: 'slot' | 'const', base: number, stride: 0 | 1): Operand {
  return { kind, j: -1, base, stride };
}

/**
 * Classifies a slot operand [base, base + (stride ? L : 1)) against the open run: a local (aligned
 * with a member's output), a slot input (outside the run's outputs), or undefined (a slice or
 * broadcast of a member's output: the instruction cannot join the run).
 */
function classify(run: Run, cur: number, base: number, stride: 0 | 1): Operand | undefined {
  const hi = base + (stride === 1 ? run.L : 1);
  if (hi <= run.slotLo || base >= cur) return operandOf('slot', base, stride);
  if (stride !== 1) return undefined;
  const ms = run.members;
  for (let j = ms.length - 1; j >= 0; j--) {
    const m = ms[j]!;
    if (m.kind !== 'sum' && m.out === base) return { kind: 'local', j, base, stride: 1 };
  }
  return undefined;
}

/**
 * Splits the tape into runs and interpreted stretches and decides which run outputs are stored
 * (and, with `saveExpensive`, which expensive locals are saved for the derivative sweeps).
 */
export function analyze(rec: Recording, saveExpensive = false): Analysis {
  const t = rec.tape;
  const nInstr = t.nInstr;
  const runs: Run[] = [];
  let run: Run | undefined;
  let cur = 0;
  const close = (): void => {
    if (run !== undefined) {
      // A lone instruction gains nothing from a kernel: the interpreter runs it.
      if (run.members.length >= 2) runs.push(run);
      run = undefined;
    }
  };
  const nChunks = t.codes.length;
  for (let ci = 0; ci < nChunks; ci++) {
    const C = t.codes[ci]!;
    const A = t.as[ci]!;
    const n = ci === nChunks - 1 ? nInstr - ci * COL_CHUNK : COL_CHUNK;
    for (let jj = 0; jj < n; jj++) {
      const code = C[jj]!;
      if (!(code & EXT)) {
        if (run !== undefined) close();
        cur++;
        continue;
      }
      const i = ci * COL_CHUNK + jj;
      const r = A[jj]!;
      const op = code & 0xff;
      const out = t.extGet(r, E_OUT);
      const len = t.extGet(r, E_LEN);
      const curBefore = cur;
      cur = out + (len || 1);
      if (op >= 2 && op < 128 && len >= 1) {
        if (run !== undefined && (run.closed || run.L !== len || run.members.length >= MAX_RUN_MEMBERS)) close();
        const bc = op >= 64 ? t.extGet(r, E_AUX) : 0;
        const ia = t.extGet(r, E_A);
        const aConst = (code & A_CONST) !== 0;
        const sa: 0 | 1 = bc & BCAST_A ? 0 : 1;
        const ib = op >= 64 ? t.extGet(r, E_B) : 0;
        const bConst = (code & B_CONST) !== 0;
        const sb: 0 | 1 = bc & BCAST_B ? 0 : 1;
        let a: Operand | undefined;
        let b: Operand | undefined;
        const resolveAll = (rn: Run | undefined): boolean => {
          a = aConst
            ? operandOf('const', ia, sa)
            : rn === undefined
              ? operandOf('slot', ia, sa)
              : classify(rn, curBefore, ia, sa);
          if (op < 64) {
            b = undefined;
            return a !== undefined;
          }
          b = bConst
            ? operandOf('const', ib, sb)
            : rn === undefined
              ? operandOf('slot', ib, sb)
              : classify(rn, curBefore, ib, sb);
          return a !== undefined && b !== undefined;
        };
        if (run === undefined || !resolveAll(run)) {
          close();
          resolveAll(undefined);
          run = {
            i0: i,
            i1: i,
            L: len,
            members: [],
            slotLo: out,
            slotHi: out,
            curBefore,
            curAfter: curBefore,
            closed: false,
          };
        }
        run.members.push({
          instr: i,
          op,
          kind: op < 64 ? 'unary' : 'binary',
          out,
          a: a!,
          b,
          stored: false,
          saved: false,
        });
        run.i1 = i + 1;
        run.slotHi = cur;
        run.curAfter = cur;
        continue;
      }
      if (op === OP_GATHER && len >= 1) {
        const xs = t.extGet(r, E_A);
        const srcLen = t.extGet(r, E_B);
        const ix = t.indexArrays[t.extGet(r, E_AUX)]!;
        if (
          run !== undefined &&
          (run.closed || run.L !== len || run.members.length >= MAX_RUN_MEMBERS || xs + srcLen > run.slotLo)
        )
          close();
        if (run === undefined) {
          run = {
            i0: i,
            i1: i,
            L: len,
            members: [],
            slotLo: out,
            slotHi: out,
            curBefore,
            curAfter: curBefore,
            closed: false,
          };
        }
        const a: Operand = { kind: 'gather', j: -1, base: xs, stride: 1, ix, srcLen };
        run.members.push({ instr: i, op, kind: 'gather', out, a, b: undefined, stored: false, saved: false });
        run.i1 = i + 1;
        run.slotHi = cur;
        run.curAfter = cur;
        continue;
      }
      if (op === OP_SUM && run !== undefined && !run.closed && t.extGet(r, E_B) === run.L) {
        const src = classify(run, curBefore, t.extGet(r, E_A), 1);
        if (src !== undefined && src.kind === 'local') {
          run.members.push({ instr: i, op, kind: 'sum', out, a: src, b: undefined, stored: true, saved: false });
          run.i1 = i + 1;
          run.slotHi = cur;
          run.curAfter = cur;
          run.closed = true;
          continue;
        }
      }
      close();
    }
  }
  close();
  const inputReads = runs.length > 0 ? markReaders(rec, runs) : [];
  if (saveExpensive) for (const rn of runs) for (const m of rn.members) m.saved = !m.stored && isExpensive(m);
  // Steps: interpreted stretches between the runs.
  const steps: Step[] = [];
  let pos = 0;
  let curPos = 0;
  runs.forEach((rn, index) => {
    if (rn.i0 > pos) steps.push({ kind: 'interp', i0: pos, i1: rn.i0, curBefore: curPos, curAfter: rn.curBefore });
    steps.push({ kind: 'run', run: rn, index });
    pos = rn.i1;
    curPos = rn.curAfter;
  });
  if (pos < nInstr) steps.push({ kind: 'interp', i0: pos, i1: nInstr, curBefore: curPos, curAfter: t.slots.size });
  return { steps, runs, inputReads, nInstr };
}

/**
 * Ops worth a store in the value sweep and a load in the derivative sweeps rather than a second
 * evaluation: everything but neg, square, add, sub, mul, div.
 */
function isExpensive(m: Member): boolean {
  if (m.kind === 'unary') return m.op !== 2 && m.op !== 3;
  return m.kind === 'binary' && m.op > 67;
}

/** Sorted disjoint intervals with binary-search intersection tests. */
class IntervalSet {
  readonly lo: number[] = [];
  readonly hi: number[] = [];
  constructor(ranges: [number, number][]) {
    ranges.sort((x, y) => x[0] - y[0]);
    for (const [l, h] of ranges) {
      const k = this.lo.length;
      if (k > 0 && l <= this.hi[k - 1]!) this.hi[k - 1] = Math.max(this.hi[k - 1]!, h);
      else {
        this.lo.push(l);
        this.hi.push(h);
      }
    }
  }
  intersects(l: number, h: number): boolean {
    // First interval with hi > l.
    let a = 0;
    let b = this.lo.length;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (this.hi[m]! > l) b = m;
      else a = m + 1;
    }
    return a < this.lo.length && this.lo[a]! < h;
  }
}

/**
 * Decodes every read of every instruction (and of the comparisons and outputs): marks run outputs
 * read outside their run as stored, and returns the reads of slots that runs take as inputs.
 */
function markReaders(rec: Recording, runs: Run[]): Read[] {
  const t = rec.tape;
  const inputRanges: [number, number][] = [];
  for (const rn of runs) {
    for (const m of rn.members) {
      for (const o of [m.a, m.b]) {
        if (o !== undefined && o.kind === 'slot') inputRanges.push([o.base, o.base + (o.stride ? rn.L : 1)]);
        else if (o !== undefined && o.kind === 'gather') inputRanges.push([o.base, o.base + o.srcLen!]);
      }
    }
  }
  const inputs = new IntervalSet(inputRanges);
  const firstRunSlot = runs[0]!.slotLo;
  const firstInput = inputs.lo.length > 0 ? inputs.lo[0]! : Number.POSITIVE_INFINITY;
  const lowest = Math.min(firstRunSlot, firstInput);
  const reads: Read[] = [];
  // Run whose output range holds slot s (or the first one after it).
  const runAt = (s: number): number => {
    let a = 0;
    let b = runs.length;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (runs[m]!.slotHi > s) b = m;
      else a = m + 1;
    }
    return a;
  };
  const read = (reader: number, lo: number, hi: number): void => {
    if (hi <= lowest) return;
    for (let k = runAt(lo); k < runs.length; k++) {
      const rn = runs[k]!;
      if (rn.slotLo >= hi) break;
      if (reader >= rn.i0 && reader < rn.i1) continue; // a member's aligned (local) read
      for (const m of rn.members) {
        const mhi = m.out + (m.kind === 'sum' ? 1 : rn.L);
        if (m.out < hi && mhi > lo) m.stored = true;
      }
    }
    if (inputs.intersects(lo, hi)) reads.push({ reader, lo, hi });
  };
  const nInstr = t.nInstr;
  for (let i = 0; i < nInstr; i++) forEachRead(rec, i, (lo, hi) => read(i, lo, hi));
  // Recorded comparisons (re-checked after every replay) and the function's outputs.
  for (let c = 0; c < t.cmpCode.length; c++) {
    const code = t.cmpCode[c]!;
    if (!(code & A_CONST)) read(READER_END, t.cmpA[c]!, t.cmpA[c]! + 1);
    if (!(code & B_CONST)) read(READER_END, t.cmpB[c]!, t.cmpB[c]! + 1);
  }
  if (rec.outRun !== undefined) read(READER_END, rec.outRun.slot, rec.outRun.slot + rec.outRun.len);
  else {
    const outs = rec.outSlots;
    for (let k = 0; k < outs.length; k++) if (outs[k]! >= 0) read(READER_END, outs[k]!, outs[k]! + 1);
  }
  return reads;
}

/** Calls read(lo, hi) for every slot range instruction i reads (its operands, not constants). */
export function forEachRead(rec: Recording, i: number, read: (lo: number, hi: number) => void): void {
  const t = rec.tape;
  const code = t.codeAt(i);
  const op = code & 0xff;
  if (!(code & EXT)) {
    if (op === OP_INPUT) return;
    const a = t.aAt(i);
    if (op < 64) read(a, a + 1);
    else {
      if (!(code & A_CONST)) read(a, a + 1);
      if (!(code & B_CONST)) {
        const b = t.bAt(i);
        read(b, b + 1);
      }
    }
    return;
  }
  const r = t.aAt(i);
  const len = t.extGet(r, E_LEN);
  if (op < 128) {
    const ia = t.extGet(r, E_A);
    if (op < 64) {
      if (!(code & A_CONST)) read(ia, ia + len);
      return;
    }
    const bc = t.extGet(r, E_AUX);
    const ib = t.extGet(r, E_B);
    if (!(code & A_CONST)) read(ia, ia + (bc & BCAST_A ? 1 : len));
    if (!(code & B_CONST)) read(ib, ib + (bc & BCAST_B ? 1 : len));
    return;
  }
  switch (op) {
    case OP_SELECT: {
      const n1 = len || 1;
      const bc = t.extGet(r, E_AUX);
      const ia = t.extGet(r, E_A);
      const ib = t.extGet(r, E_B);
      const ic = t.extGet(r, E_C);
      if (!(code & A_CONST)) read(ia, ia + (bc & BCAST_A ? 1 : n1));
      if (!(code & B_CONST)) read(ib, ib + (bc & BCAST_B ? 1 : n1));
      read(ic, ic + (bc & BCAST_C ? 1 : n1));
      break;
    }
    case OP_SUM:
    case OP_PROD:
    case OP_RMAX:
    case OP_RMIN:
    case OP_GATHER:
    case OP_SCATTER_ADD: {
      const ia = t.extGet(r, E_A);
      read(ia, ia + t.extGet(r, E_B));
      break;
    }
    case OP_DOT: {
      const n = t.extGet(r, E_C);
      const ia = t.extGet(r, E_A);
      const ib = t.extGet(r, E_B);
      read(ia, ia + n);
      read(ib, ib + n);
      break;
    }
    case OP_CONCAT: {
      const list = t.lists[t.extGet(r, E_AUX)]!;
      for (let p = 0; p < list.length; p += 2) read(list[p]!, list[p]! + (list[p + 1]! || 1));
      break;
    }
    case OP_ATOMIC: {
      const call = t.atomics[t.extGet(r, E_AUX)]!;
      for (let p = 0; p < call.inSlots.length; p++) {
        read(call.inSlots[p]!, call.inSlots[p]! + (call.inLens[p]! || 1));
      }
      break;
    }
    // OP_INPUT_RUN, OP_CONST_RUN: no reads.
  }
}
