/**
 * Active values: handles to slots of a tape. An active scalar is one slot; an active vector is a
 * contiguous run of slots. Element access and slicing make views (no instruction, no copy).
 */
import { TapeReleasedError } from '../errors.js';
import type { Tape } from './tape.js';

/** An active scalar: slot `slot` of `tape`. */
export class Active {
  /** @internal */
  readonly tape: Tape;
  /** @internal */
  readonly slot: number;
  /** @internal */
  constructor(tape: Tape, slot: number) {
    this.tape = tape;
    this.slot = slot;
  }
  /** The current float value (a number, never active). */
  get value(): number {
    if (this.tape.recycled) throw new TapeReleasedError('value');
    return this.tape.read(this.slot);
  }
  toString(): string {
    return `Active(${this.value})`;
  }
}

/** An active vector: slots [slot, slot + length) of `tape`. */
export class ActiveVec {
  /** @internal */
  readonly tape: Tape;
  /** @internal */
  readonly slot: number;
  readonly length: number;
  /** @internal */
  constructor(tape: Tape, slot: number, length: number) {
    this.tape = tape;
    this.slot = slot;
    this.length = length;
  }
  /** Element i as an active scalar (a view; negative i counts from the end like `Array.prototype.at`). */
  at(i: number): Active {
    if (i >= 0 && i < this.length && (i | 0) === i) return new Active(this.tape, this.slot + i);
    const j = i + this.length;
    if (i < 0 && j >= 0 && (j | 0) === j) return new Active(this.tape, this.slot + j);
    throw new RangeError(`at(${i}): index out of range for an active vector of length ${this.length}`);
  }
  /** Elements [start, end) as an active vector (a view, like `subarray`; negative indices count from the end). */
  slice(start = 0, end = this.length): ActiveVec {
    const n = this.length;
    let s = start < 0 ? Math.max(0, start + n) : Math.min(start, n);
    let e = end < 0 ? Math.max(0, end + n) : Math.min(end, n);
    s = Math.trunc(s);
    e = Math.trunc(e);
    return new ActiveVec(this.tape, this.slot + s, Math.max(0, e - s));
  }
  /** A copy of the current float values. */
  get value(): Float64Array {
    if (this.tape.recycled) throw new TapeReleasedError('value');
    return this.tape.readRun(this.slot, this.length);
  }
  /** The elements as active scalars (views). */
  toArray(): Active[] {
    const out = new Array<Active>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = new Active(this.tape, this.slot + i);
    return out;
  }
  toString(): string {
    return `ActiveVec(${this.length})`;
  }
}

/** A scalar operand: a plain number (a constant) or an active scalar. */
export type Real = number | Active;
/** A vector operand: a plain `Float64Array` (constant) or an active vector. */
export type Vec = Float64Array | ActiveVec;
/** Any operand of an elementwise op. */
export type Value = Real | Vec;
