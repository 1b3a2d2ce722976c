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
export function giveBig(c: Float64Array): void {
  if (f64Bytes + c.byteLength > limitBytes) return;
  let list = big.get(c.length);
  if (list === undefined) {
    list = [];
    big.set(c.length, list);
  }
  list.push(c);
  f64Bytes += c.byteLength;
}

export function giveF64(c: Float64Array): void {
  if (f64Bytes + c.byteLength > limitBytes) return;
  f64.push(c);
  f64Bytes += c.byteLength;
}
export function giveU16(c: Uint16Array): void {
  if (colBytes + c.byteLength > limitBytes) return;
  u16.push(c);
  colBytes += c.byteLength;
}
export function giveI32(c: Int32Array): void {
  if (colBytes + c.byteLength > limitBytes) return;
  i32.push(c);
  colBytes += c.byteLength;
}
/** Sweep buffers (adjoints, tangents) kept for reuse; taken out while in use, so nested sweeps never share one. */
const sweepBuffers: Float64Array[] = [];

/**
 * A Float64Array of length n, reusing a pooled buffer when one is large enough; zeroed unless
 * `zero` is false (a forward sweep writes every slot it reads, so it only zeroes its inputs).
 */
export function takeSweepBuffer(n: number, zero = true): Float64Array {
  for (let i = sweepBuffers.length - 1; i >= 0; i--) {
    const b = sweepBuffers[i]!;
    if (b.length >= n) {
      sweepBuffers.splice(i, 1);
      const v = b.length === n ? b : b.subarray(0, n);
      if (zero) v.fill(0);
      return v;
    }
  }
  return new Float64Array(n);
}

/** Returns a buffer from takeSweepBuffer (its contents are garbage from now on). */
export function giveSweepBuffer(b: Float64Array): void {
  if (limitBytes === 0) return;
  const whole = b.byteOffset === 0 && b.buffer.byteLength === b.byteLength ? b : new Float64Array(b.buffer);
  sweepBuffers.push(whole);
  if (sweepBuffers.length > 4) {
    // Keep the largest few.
    sweepBuffers.sort((x, y) => y.length - x.length);
    sweepBuffers.length = 4;
  }
}
