/**
 * Chunked slot storage: float64 cells addressed by a global slot index, grown chunk by chunk so a
 * long recording never copies what it already holds.
 *
 * Slot s lives in chunk `s >>> SLOT_SHIFT` at offset `s & SLOT_MASK`. A vector run must be
 * contiguous in memory, so a run that does not fit in the rest of the current chunk starts a new
 * chunk (leaving a gap of unused slot numbers), and a run longer than a chunk gets one buffer that
 * backs several consecutive chunk entries. Either way `buffer(s)` + `offset(s)` address a run as
 * one contiguous stretch of a `Float64Array`.
 */
import { giveBig, giveF64, pooledF64, takeBig, takeF64 } from './pool.js';

// Hot paths (here and in the sweeps) write these as the literals 12, 0xfff and 4096: V8 does not
// constant-fold imported or module-level consts inside optimized loops, and the literal saves a
// load per slot access (measured: 20% of a scalar reverse sweep). test/table.test.ts pins them.
export const SLOT_SHIFT = 12;
/** Slots per chunk (4 Ki slots = 32 KiB: a vector run that does not fit the current chunk wastes
 * little; the first chunk of a store starts at 256 slots and doubles). */
export const SLOT_CHUNK = 1 << SLOT_SHIFT;
export const SLOT_MASK = SLOT_CHUNK - 1;

/** Capacity of a store's first chunk; it doubles up to SLOT_CHUNK, so a short tape stays small. */
const FIRST_CHUNK = 256;

export class SlotStore {
  /** Per chunk: a view of the chunk's cells (SLOT_CHUNK of them, or fewer while the first chunk grows). */
  chunks: Float64Array[] = [];
  /** Per chunk: the buffer that backs it (a big run's buffer spans several chunks). */
  bufs: Float64Array[] = [];
  /** Per chunk: offset of the chunk's first cell inside `bufs[c]`. */
  bases: number[] = [];
  /** The chunk new slots go to, its capacity, and the next free cell in it. */
  cur: Float64Array;
  cap = FIRST_CHUNK;
  pos = 0;
  /** Next free global slot index (gaps included). */
  size = 0;
  /** All slots in one array, once `consolidate` ran (the chunks are then views into it). */
  flat: Float64Array | undefined = undefined;

  constructor() {
    const warm = pooledF64();
    if (warm !== undefined && warm.length === SLOT_CHUNK) {
      this.cur = warm;
      this.cap = SLOT_CHUNK;
    } else this.cur = new Float64Array(FIRST_CHUNK);
    this.chunks.push(this.cur);
    this.bufs.push(this.cur);
    this.bases.push(0);
  }

  private addChunk(): void {
    const c = takeF64(SLOT_CHUNK);
    this.chunks.push(c);
    this.bufs.push(c);
    this.bases.push(0);
    this.pos = 0;
    this.cap = SLOT_CHUNK;
    this.size = (this.chunks.length - 1) * SLOT_CHUNK;
    this.cur = c;
  }

  /**
   * Doubles the first chunk's buffer (until it is a full chunk). The copy is bounded by one chunk,
   * so growth stays O(1) amortized without ever copying a long tape.
   */
  private growFirst(need: number): void {
    let cap = this.cap;
    while (cap < need && cap < SLOT_CHUNK) cap *= 2;
    const c = cap === SLOT_CHUNK ? takeF64(SLOT_CHUNK) : new Float64Array(cap);
    c.set(this.cur.subarray(0, this.pos));
    this.chunks[0] = c;
    this.bufs[0] = c;
    this.cur = c;
    this.cap = cap;
  }

  /** Appends one slot holding v; returns its index. */
  push(v: number): number {
    let p = this.pos;
    if (p === this.cap) {
      if (p < SLOT_CHUNK) this.growFirst(p + 1);
      else {
        this.addChunk();
        p = 0;
      }
    }
    this.cur[p] = v;
    this.pos = p + 1;
    return this.size++;
  }

  /** Reserves a contiguous run of len slots (len >= 1); returns its first index. */
  pushRun(len: number): number {
    if (len <= SLOT_CHUNK - this.pos) {
      if (this.pos + len > this.cap) this.growFirst(this.pos + len);
      const s = this.size;
      this.pos += len;
      this.size += len;
      return s;
    }
    if (len <= SLOT_CHUNK) {
      this.addChunk();
      this.pos = len;
      const s = this.size;
      this.size += len;
      return s;
    }
    // A run longer than a chunk: one buffer behind k consecutive chunk entries.
    const k = Math.ceil(len / SLOT_CHUNK);
    const buf = takeBig(k * SLOT_CHUNK);
    const first = this.chunks.length;
    for (let j = 0; j < k; j++) {
      this.chunks.push(buf.subarray(j * SLOT_CHUNK, (j + 1) * SLOT_CHUNK));
      this.bufs.push(buf);
      this.bases.push(j * SLOT_CHUNK);
    }
    this.cur = this.chunks[this.chunks.length - 1]!;
    this.cap = SLOT_CHUNK;
    this.pos = len - (k - 1) * SLOT_CHUNK;
    const s = first * SLOT_CHUNK;
    this.size = s + len;
    return s;
  }

  read(s: number): number {
    return this.chunks[s >>> 12]![s & 0xfff]!;
  }

  write(s: number, v: number): void {
    this.chunks[s >>> 12]![s & 0xfff] = v;
  }

  /** The buffer holding the run that starts at slot s. */
  buffer(s: number): Float64Array {
    return this.bufs[s >>> 12]!;
  }

  /** Offset of slot s inside `buffer(s)`. */
  offset(s: number): number {
    return this.bases[s >>> 12]! + (s & 0xfff);
  }

  /** A copy of the run [s, s + len). */
  copyRun(s: number, len: number): Float64Array {
    const o = this.offset(s);
    return this.buffer(s).slice(o, o + len);
  }

  /**
   * Copies every slot into one flat array (one O(n) copy, once, when a recording is closed and
   * about to be swept many times) and makes the chunks views into it. Sweeps then address slots
   * with one index instead of a chunk lookup. No slot may be added afterwards.
   */
  consolidate(): void {
    if (this.flat !== undefined) return;
    const n = this.size;
    const flat = new Float64Array(Math.max(n, 1));
    const old = { chunks: this.chunks, bufs: this.bufs, bases: this.bases };
    this.chunks = [];
    this.bufs = [];
    this.bases = [];
    for (let c = 0; c < old.chunks.length; c++) {
      const start = c * SLOT_CHUNK;
      const len = Math.min(old.chunks[c]!.length, n - start);
      if (len > 0) flat.set(old.chunks[c]!.subarray(0, len), start);
      this.chunks.push(flat.subarray(Math.min(start, flat.length), Math.min(start + SLOT_CHUNK, flat.length)));
      this.bufs.push(flat);
      this.bases.push(start);
    }
    for (let c = 0; c < old.chunks.length; c++) {
      const b = old.bufs[c]!;
      if (b === old.chunks[c]) {
        if (b.length === SLOT_CHUNK) giveF64(b);
      } else if (old.bases[c] === 0) giveBig(b);
    }
    this.flat = flat;
    this.cur = flat;
    this.pos = this.cap = 0;
  }

  /** Returns the whole-chunk buffers to the pool; the store must not be used afterwards. */
  recycle(): void {
    for (let c = 0; c < this.chunks.length; c++) {
      const b = this.bufs[c]!;
      if (b === this.chunks[c]) {
        if (b.length === SLOT_CHUNK) giveF64(b);
      } else if (this.bases[c] === 0) giveBig(b);
    }
    this.chunks = [];
    this.bufs = [];
    this.bases = [];
    this.flat = undefined;
  }

  /** Bytes held (chunk buffers; a big run's buffer counted once). */
  bytes(): number {
    if (this.flat !== undefined) return this.flat.byteLength;
    let b = 0;
    for (let c = 0; c < this.chunks.length; c++) if (this.bases[c] === 0) b += this.bufs[c]!.byteLength;
    return b;
  }
}
