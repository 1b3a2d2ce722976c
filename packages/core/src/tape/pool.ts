/**
 * A bounded pool of tape chunks. A released tape (from a finished grad/jvp/jacobian call) hands its
 * chunks back here so the next recording reuses memory that is already mapped and warm instead of
 * asking for fresh zeroed pages, which measured as a third of the recording time on long scalar
 * tapes. Chunks are always written before they are read, so stale contents are harmless.
 */

/** Chunks kept per kind; 256 slot chunks are 128 MiB. Set with `setChunkPoolLimit`. */
let limit = 256;
const f64: Float64Array[] = [];
const u16: Uint16Array[] = [];
const i32: Int32Array[] = [];

/**
 * Caps the memory kept for reuse between recordings (in chunks of 64 Ki entries per kind; 0
 * disables pooling and frees what is held).
 */
export function setChunkPoolLimit(chunks: number): void {
  limit = Math.max(0, Math.floor(chunks));
  f64.length = Math.min(f64.length, limit);
  u16.length = Math.min(u16.length, limit);
  i32.length = Math.min(i32.length, 2 * limit);
  if (limit === 0) {
    big.clear();
    bigBytes = 0;
  }
}

export function takeF64(n: number): Float64Array {
  const c = f64.pop();
  return c !== undefined && c.length === n ? c : new Float64Array(n);
}
export function takeU16(n: number): Uint16Array {
  const c = u16.pop();
  return c !== undefined && c.length === n ? c : new Uint16Array(n);
}
export function takeI32(n: number): Int32Array {
  const c = i32.pop();
  return c !== undefined && c.length === n ? c : new Int32Array(n);
}
/** Buffers of long vector runs, by length (a multiple of the chunk size). */
const big = new Map<number, Float64Array[]>();
let bigBytes = 0;

export function takeBig(n: number): Float64Array {
  const list = big.get(n);
  const c = list?.pop();
  if (c !== undefined) {
    bigBytes -= c.byteLength;
    return c;
  }
  return new Float64Array(n);
}
export function giveBig(c: Float64Array): void {
  // Same budget as the slot chunks: limit × 512 KiB.
  if (bigBytes + c.byteLength > limit * 65536 * 8) return;
  let list = big.get(c.length);
  if (list === undefined) {
    list = [];
    big.set(c.length, list);
  }
  list.push(c);
  bigBytes += c.byteLength;
}

export function giveF64(c: Float64Array): void {
  if (f64.length < limit) f64.push(c);
}
export function giveU16(c: Uint16Array): void {
  if (u16.length < limit) u16.push(c);
}
export function giveI32(c: Int32Array): void {
  if (i32.length < 2 * limit) i32.push(c);
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
  if (limit === 0) return;
  const whole = b.byteOffset === 0 && b.buffer.byteLength === b.byteLength ? b : new Float64Array(b.buffer);
  sweepBuffers.push(whole);
  if (sweepBuffers.length > 4) {
    // Keep the largest few.
    sweepBuffers.sort((x, y) => y.length - x.length);
    sweepBuffers.length = 4;
  }
}
