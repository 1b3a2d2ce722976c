/**
 * A bounded pool of tape chunks. A released tape (from a finished grad/jvp/jacobian call) hands its
 * chunks back here so the next recording reuses memory that is already mapped and warm instead of
 * asking for fresh zeroed pages, which measured as a third of the recording time on long scalar
 * tapes. Chunks are always written before they are read, so stale contents are harmless.
 */

/** Bytes kept for reuse, per kind of buffer (slot chunks and long runs; instruction columns). */
let limitBytes = 128 * 1024 * 1024;
const f64: Float64Array[] = [];
const u16: Uint16Array[] = [];
const i32: Int32Array[] = [];
/** Buffers of long vector runs, by length. */
const big = new Map<number, Float64Array[]>();
let f64Bytes = 0;
let colBytes = 0;

/**
 * Caps the memory kept for reuse between recordings (bytes per kind of buffer; default 128 MiB;
 * 0 disables pooling and frees what is held).
 */
export function setChunkPoolLimit(bytes: number): void {
  limitBytes = Math.max(0, Math.floor(bytes));
  if (f64Bytes > limitBytes || colBytes > limitBytes) {
    f64.length = 0;
    u16.length = 0;
    i32.length = 0;
    big.clear();
    f64Bytes = 0;
    colBytes = 0;
  }
}

export function takeF64(n: number): Float64Array {
  const c = f64.pop();
  if (c === undefined) return new Float64Array(n);
  f64Bytes -= c.byteLength;
  return c.length === n ? c : new Float64Array(n);
}
/**
 * A pooled full chunk if one is waiting, else undefined (never allocates): a new tape starts on a
 * warm full chunk when a previous tape left one, instead of growing a small first chunk by copies.
 */
export function pooledF64(): Float64Array | undefined {
  const c = f64.pop();
  if (c !== undefined) f64Bytes -= c.byteLength;
  return c;
}
/** Pooled instruction columns (code, a, b) of full size if all three are waiting, else undefined. */
export function pooledColumns(): [Uint16Array, Int32Array, Int32Array] | undefined {
  if (u16.length < 1 || i32.length < 2) return undefined;
  const code = u16.pop()!;
  const a = i32.pop()!;
  const b = i32.pop()!;
  colBytes -= code.byteLength + a.byteLength + b.byteLength;
  return [code, a, b];
}
export function takeU16(n: number): Uint16Array {
  const c = u16.pop();
  if (c === undefined) return new Uint16Array(n);
  colBytes -= c.byteLength;
  return c.length === n ? c : new Uint16Array(n);
}
export function takeI32(n: number): Int32Array {
  const c = i32.pop();
  if (c === undefined) return new Int32Array(n);
  colBytes -= c.byteLength;
  return c.length === n ? c : new Int32Array(n);
}

export function takeBig(n: number): Float64Array {
  const c = big.get(n)?.pop();
  if (c === undefined) return new Float64Array(n);
  f64Bytes -= c.byteLength;
  return c;
}
/**
 * When a returned buffer does not fit the budget, the workload has changed (a different problem or
 * size): drop what the pool holds rather than the newcomer, so the new workload gets its reuse.
 */
function makeRoomF64(bytes: number): boolean {
  if (bytes > limitBytes) return false;
  if (f64Bytes + bytes > limitBytes) {
    f64.length = 0;
    big.clear();
    f64Bytes = 0;
  }
  return true;
}
function makeRoomCols(bytes: number): boolean {
  if (bytes > limitBytes) return false;
  if (colBytes + bytes > limitBytes) {
    u16.length = 0;
    i32.length = 0;
    colBytes = 0;
  }
  return true;
}

export function giveBig(c: Float64Array): void {
  if (!makeRoomF64(c.byteLength)) return;
  let list = big.get(c.length);
  if (list === undefined) {
    list = [];
    big.set(c.length, list);
  }
  list.push(c);
  f64Bytes += c.byteLength;
}

export function giveF64(c: Float64Array): void {
  if (!makeRoomF64(c.byteLength)) return;
  f64.push(c);
  f64Bytes += c.byteLength;
}
export function giveU16(c: Uint16Array): void {
  if (!makeRoomCols(c.byteLength)) return;
  u16.push(c);
  colBytes += c.byteLength;
}
export function giveI32(c: Int32Array): void {
  if (!makeRoomCols(c.byteLength)) return;
  i32.push(c);
  colBytes += c.byteLength;
}
/**
 * Sweep buffers (adjoints, tangents), taken out while in use so nested sweeps never share one.
 * "Clean" buffers are known to be all zeros (a clearing reverse sweep leaves them so); a request
 * for zeros is served from them without a memset.
 */
const cleanBuffers: Float64Array[] = [];
const dirtyBuffers: Float64Array[] = [];

function takeFrom(list: Float64Array[], n: number): Float64Array | undefined {
  for (let i = list.length - 1; i >= 0; i--) {
    const b = list[i]!;
    if (b.length >= n) {
      list.splice(i, 1);
      return b.length === n ? b : b.subarray(0, n);
    }
  }
  return undefined;
}

/**
 * A Float64Array of length n, reusing a pooled buffer when one is large enough; all zeros unless
 * `zero` is false (a forward sweep writes every slot it reads, so it only zeroes its inputs).
 */
export function takeSweepBuffer(n: number, zero = true): Float64Array {
  const clean = takeFrom(cleanBuffers, n);
  if (clean !== undefined) return clean;
  const dirty = takeFrom(dirtyBuffers, n);
  if (dirty !== undefined) {
    if (zero) dirty.fill(0);
    return dirty;
  }
  return new Float64Array(n);
}

/** Returns a buffer from takeSweepBuffer; `clean` promises it is all zeros again. */
export function giveSweepBuffer(b: Float64Array, clean = false): void {
  if (limitBytes === 0) return;
  // Only the part that was used is known to be zero again; a dirty buffer is reused whole.
  const list = clean ? cleanBuffers : dirtyBuffers;
  list.push(clean ? b : new Float64Array(b.buffer, 0, b.buffer.byteLength / 8));
  if (list.length > 3) {
    // Keep the largest few.
    list.sort((x, y) => y.length - x.length);
    list.length = 3;
  }
}
