/**
 * The tape: an append-only list of instructions over slots.
 *
 * Encoding (chosen for memory and for a sweep that is one tight loop):
 * - column `code` (Uint16): opcode in the low 8 bits, flags above it (`A_CONST`, `B_CONST`: the
 *   operand is an index into the constant pool, not a slot; `EXT`: the instruction is described by
 *   an extension record);
 * - columns `a`, `b` (Int32): operand slots (or constant indices). For `EXT` instructions `a` holds
 *   the extension record index.
 * - A simple instruction (scalar unary/binary op, scalar input) writes exactly one new slot, the
 *   next one, so its output slot is implicit: 2 + 4 + 4 bytes of instruction + 8 bytes of value.
 * - Extension records (8 int32 words) describe everything else: vector runs, reductions, gathers,
 *   selects, concatenations, atomic calls. They store the output run explicitly.
 */

import type { AtomicCallRecord } from '../atomic.js';
import { giveI32, giveU16, pooledColumns, takeI32, takeU16 } from './pool.js';
import { SlotStore } from './slots.js';
import type { Value } from './values.js';

export const OPCODE_MASK = 0xff;
export const A_CONST = 0x100;
export const B_CONST = 0x200;
export const EXT = 0x400;

/** Extension record layout (int32 words). */
export const EXT_WORDS = 8;
export const E_OUT = 0;
/** Slot counter before this instruction allocated (so a backward walk can step over gaps). */
export const E_PREV = 1;
export const E_LEN = 2;
export const E_A = 3;
export const E_B = 4;
export const E_C = 5;
export const E_AUX = 6;
export const E_AUX2 = 7;

const COL_SHIFT = 16;
export const COL_CHUNK = 1 << COL_SHIFT;
const EXT_CHUNK_RECORDS = 1 << 10;

/** Where an independent variable of this tape came from (nested differentiation). */
export interface InputInfo {
  readonly slot: number;
  /** 0 for a scalar input, else the run length. */
  readonly len: number;
  /** The outer active value this input stands for, if it was captured from an enclosing tape. */
  readonly source: Value | undefined;
}

let nextTapeId = 1;

export class Tape {
  readonly id = nextTapeId++;
  /** Nesting depth: 0 for an outermost recording. */
  readonly level: number;
  /** True while recording; a closed tape rejects new operations on its values. */
  open = true;
  readonly slots = new SlotStore();
  /** Constant pool (append-only; same chunked storage as slots). */
  readonly consts = new SlotStore();

  codes: Uint16Array[] = [];
  as: Int32Array[] = [];
  bs: Int32Array[] = [];
  private curCode!: Uint16Array;
  private curA!: Int32Array;
  private curB!: Int32Array;
  /** Next free position in the current instruction chunk. */
  ipos = 0;
  /** Instructions recorded (computed: the hot path keeps only the position in the current chunk). */
  get nInstr(): number {
    return (this.codes.length - 1) * COL_CHUNK + this.ipos;
  }

  ext: Int32Array[] = [];
  nExt = 0;

  /** Index arrays of gathers and scatter-adds, by id. */
  readonly indexArrays: Int32Array[] = [];
  /** Operand lists of concatenations: [slot, len, slot, len …] (len 0 = scalar), by id. */
  readonly lists: Int32Array[] = [];
  readonly atomics: AtomicCallRecord[] = [];
  readonly inputs: InputInfo[] = [];
  /** True when some input stands for a value of an enclosing tape (derivatives must flow outward). */
  hasOuter = false;
  /** Captured outer values: key `tapeId:slot:len` → input index. */
  readonly captures = new Map<string, number>();

  /** Recorded comparisons (branches taken while recording), in order. */
  readonly cmpCode: number[] = [];
  readonly cmpA: number[] = [];
  readonly cmpB: number[] = [];
  readonly cmpResult: boolean[] = [];
  readonly cmpPos: number[] = [];

  constructor(level: number) {
    this.level = level;
    this.addInstrChunk();
  }

  /** Capacity of the current instruction chunk (the first one starts small and doubles). */
  private icap = 0;

  private addInstrChunk(): void {
    const warm = this.codes.length === 0 ? pooledColumns() : undefined;
    const first = this.codes.length === 0 && (warm === undefined || warm[0].length !== COL_CHUNK);
    const n = first ? 256 : COL_CHUNK;
    this.curCode = first ? new Uint16Array(n) : (warm?.[0] ?? takeU16(n));
    this.curA = first ? new Int32Array(n) : (warm?.[1] ?? takeI32(n));
    this.curB = first ? new Int32Array(n) : (warm?.[2] ?? takeI32(n));
    this.codes.push(this.curCode);
    this.as.push(this.curA);
    this.bs.push(this.curB);
    this.ipos = 0;
    this.icap = n;
  }

  /** Makes room for one more instruction: grows the first chunk (bounded copy) or starts a new one. */
  private moreInstr(): void {
    if (this.icap === COL_CHUNK) {
      this.addInstrChunk();
      return;
    }
    const n = this.icap * 2;
    const grow = <T extends Uint16Array | Int32Array>(old: T, fresh: T): T => {
      fresh.set(old);
      return fresh;
    };
    this.curCode = grow(this.curCode, n === COL_CHUNK ? takeU16(n) : new Uint16Array(n));
    this.curA = grow(this.curA, n === COL_CHUNK ? takeI32(n) : new Int32Array(n));
    this.curB = grow(this.curB, n === COL_CHUNK ? takeI32(n) : new Int32Array(n));
    this.codes[0] = this.curCode;
    this.as[0] = this.curA;
    this.bs[0] = this.curB;
    this.icap = n;
  }

  /** Appends a simple instruction whose output is the next slot, holding v; returns the slot. */
  pushSimple(code: number, a: number, b: number, v: number): number {
    let i = this.ipos;
    if (i === this.icap) {
      this.moreInstr();
      i = this.ipos;
    }
    this.curCode[i] = code;
    this.curA[i] = a;
    this.curB[i] = b;
    this.ipos = i + 1;
    return this.slots.push(v);
  }

  /**
   * Appends an extension instruction with an output run of `len` slots (`len` 0: one scalar slot).
   * Returns the extension record index; the record's E_OUT holds the output slot.
   */
  pushExt(code: number, len: number): number {
    const prev = this.slots.size;
    const out = len === 0 ? this.slots.push(0) : this.slots.pushRun(len);
    const r = this.nExt++;
    const ri = r & (EXT_CHUNK_RECORDS - 1);
    if (ri === 0) {
      // The first chunk starts at 16 records (short tapes stay small) and doubles in place.
      this.ext.push(new Int32Array((r === 0 ? 16 : EXT_CHUNK_RECORDS) * EXT_WORDS));
    } else if (r < EXT_CHUNK_RECORDS && ri * EXT_WORDS === this.ext[0]!.length) {
      const grown = new Int32Array(Math.min(2 * ri, EXT_CHUNK_RECORDS) * EXT_WORDS);
      grown.set(this.ext[0]!);
      this.ext[0] = grown;
    }
    const rec = this.ext[this.ext.length - 1]!;
    const w = ri * EXT_WORDS;
    rec[w + E_OUT] = out;
    rec[w + E_PREV] = prev;
    rec[w + E_LEN] = len;
    rec[w + E_AUX2] = code;
    let i = this.ipos;
    if (i === this.icap) {
      this.moreInstr();
      i = this.ipos;
    }
    this.curCode[i] = code | EXT;
    this.curA[i] = r;
    this.curB[i] = 0;
    this.ipos = i + 1;
    return r;
  }

  /** The extension record array holding record r, and the word offset of r inside it. */
  extRec(r: number): Int32Array {
    return this.ext[r >>> 10]!;
  }
  extOff(r: number): number {
    return (r & (EXT_CHUNK_RECORDS - 1)) * EXT_WORDS;
  }
  /** Reads word `w` of extension record r. */
  extGet(r: number, w: number): number {
    return this.ext[r >>> 10]![(r & (EXT_CHUNK_RECORDS - 1)) * EXT_WORDS + w]!;
  }
  extSet(r: number, w: number, v: number): void {
    this.ext[r >>> 10]![(r & (EXT_CHUNK_RECORDS - 1)) * EXT_WORDS + w] = v;
  }

  // The two most recent constants: scalar loops reuse the same few constants (1, 100, 0.5 …) in
  // every iteration, and sharing one pool entry saves 8 bytes per use.
  private k0v = Number.NaN;
  private k0i = -1;
  private k1v = Number.NaN;
  private k1i = -1;

  /** Adds a constant to the pool (or reuses a recent identical one); returns its index. */
  constant(v: number): number {
    if (this.k0i >= 0 && Object.is(v, this.k0v)) return this.k0i;
    if (this.k1i >= 0 && Object.is(v, this.k1v)) {
      const i = this.k1i;
      this.k1v = this.k0v;
      this.k1i = this.k0i;
      this.k0v = v;
      this.k0i = i;
      return i;
    }
    const i = this.consts.push(v);
    this.k1v = this.k0v;
    this.k1i = this.k0i;
    this.k0v = v;
    this.k0i = i;
    return i;
  }

  read(slot: number): number {
    return this.slots.read(slot);
  }

  readRun(slot: number, len: number): Float64Array {
    return this.slots.copyRun(slot, len);
  }

  /** Instruction code at position i. */
  codeAt(i: number): number {
    return this.codes[i >>> COL_SHIFT]![i & (COL_CHUNK - 1)]!;
  }
  aAt(i: number): number {
    return this.as[i >>> COL_SHIFT]![i & (COL_CHUNK - 1)]!;
  }
  bAt(i: number): number {
    return this.bs[i >>> COL_SHIFT]![i & (COL_CHUNK - 1)]!;
  }

  /** Records a comparison made while recording (a branch), for replay checks. */
  recordComparison(code: number, a: number, b: number, result: boolean): void {
    this.cmpCode.push(code);
    this.cmpA.push(a);
    this.cmpB.push(b);
    this.cmpResult.push(result);
    this.cmpPos.push(this.nInstr);
  }

  /** True once the tape's memory went back to the pool (its values can no longer be read). */
  recycled = false;

  /**
   * Hands the tape's chunks back to the pool. Only for tapes nobody will sweep or read again (a
   * finished transform call); closes the tape too.
   */
  recycle(): void {
    if (this.recycled) return;
    this.open = false;
    this.recycled = true;
    this.slots.recycle();
    this.consts.recycle();
    for (const c of this.codes) if (c.length === COL_CHUNK) giveU16(c);
    for (const c of this.as) if (c.length === COL_CHUNK) giveI32(c);
    for (const c of this.bs) if (c.length === COL_CHUNK) giveI32(c);
    this.codes = [];
    this.as = [];
    this.bs = [];
  }

  /** Tape statistics: instructions, slots (gaps included), bytes held by the tape's arrays. */
  stats(): TapeStats {
    let instrBytes = 0;
    for (let c = 0; c < this.codes.length; c++) instrBytes += this.codes[c]!.length * (2 + 4 + 4);
    let extBytes = 0;
    for (const e of this.ext) extBytes += e.byteLength;
    let indexBytes = 0;
    for (const ix of this.indexArrays) indexBytes += ix.byteLength;
    for (const l of this.lists) indexBytes += l.byteLength;
    const slotBytes = this.slots.bytes();
    const constBytes = this.consts.bytes();
    return {
      instructions: this.nInstr,
      extended: this.nExt,
      slots: this.slots.size,
      constants: this.consts.size,
      comparisons: this.cmpCode.length,
      bytes: instrBytes + extBytes + indexBytes + slotBytes + constBytes,
      usedBytes: this.nInstr * 10 + this.nExt * EXT_WORDS * 4 + indexBytes + this.slots.size * 8 + this.consts.size * 8,
    };
  }
}

/** Size of a tape. */
export interface TapeStats {
  /** Instructions recorded. */
  readonly instructions: number;
  /** Of which use an extension record (vector, reduction, gather, atomic …). */
  readonly extended: number;
  /** Slots allocated (including alignment gaps before vector runs). */
  readonly slots: number;
  /** Entries of the constant pool. */
  readonly constants: number;
  /** Comparisons recorded (branches checked on replay). */
  readonly comparisons: number;
  /** Bytes allocated by the tape's typed arrays (whole chunks). */
  readonly bytes: number;
  /** Bytes actually used by recorded data (instructions, records, slots, constants, index arrays). */
  readonly usedBytes: number;
}

/** One instruction with its output run made explicit (for debugging and generic sweeps). */
export interface Instr {
  readonly code: number;
  /** Simple: operand a (slot or constant index); extension: the record index. */
  readonly a: number;
  /** Simple: operand b. */
  readonly b: number;
  /** First output slot. */
  readonly out: number;
  /** Output length, 0 for a scalar. */
  readonly len: number;
}

/** All instructions of t in order, with their output slots (allocates one object each: not for hot paths). */
export function listInstructions(t: Tape): Instr[] {
  const list: Instr[] = [];
  let cur = 0;
  for (let i = 0; i < t.nInstr; i++) {
    const ci = i >>> COL_SHIFT;
    const j = i & (COL_CHUNK - 1);
    const code = t.codes[ci]![j]!;
    const a = t.as[ci]![j]!;
    if (code & EXT) {
      const out = t.extGet(a, E_OUT);
      const len = t.extGet(a, E_LEN);
      list.push({ code, a, b: 0, out, len });
      cur = out + (len || 1);
    } else {
      list.push({ code, a, b: t.bs[ci]![j]!, out: cur, len: 0 });
      cur++;
    }
  }
  return list;
}
