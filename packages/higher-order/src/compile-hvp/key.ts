/**
 * Compiled HVP programs cached by the structure of the recording: `hvp(f, x, v)` records a fresh
 * tape on every call, structurally identical for the same f (and branch outcomes), so the program
 * is looked up by a key of the instruction stream — opcodes, operand slots, extension records
 * (outputs, lengths, offsets, flags), index arrays, concatenation lists, atomic calls' slots,
 * comparisons, inputs, outputs and the size of the constant store — and made only on a miss. The
 * constants' values are not part of it: the kernels read them (like every value) from the tape
 * they sweep, so two tapes differing only in constants share a program. (Unused cells of the
 * pooled constant chunks hold stale data, which would make a key of all cells miss.) The key is
 * hashed and, on a hash hit, compared word for word (no collision can pick a wrong program).
 * Bounded: the 16 most recently used keys (LRU).
 */
import {
  COL_CHUNK,
  E_A,
  E_AUX,
  E_B,
  E_C,
  E_LEN,
  E_OUT,
  E_PREV,
  EXT,
  OP_GATHER,
  type Recording,
} from '@wengert/core/internals';
import { HvpProgram } from './program.js';

/** Cached programs at most. */
export const HVP_CACHE_SIZE = 16;

interface Entry {
  readonly key: Int32Array;
  readonly program: HvpProgram | null;
}

const cache = new Map<string, Entry>();

/** Growable int32 word buffer with an FNV-style double hash. */
class Words {
  buf = new Int32Array(1024);
  n = 0;
  push(w: number): void {
    if (this.n === this.buf.length) {
      const b = new Int32Array(this.buf.length * 2);
      b.set(this.buf);
      this.buf = b;
    }
    this.buf[this.n++] = w;
  }
  pushAll(a: ArrayLike<number>): void {
    this.push(a.length);
    for (let i = 0; i < a.length; i++) this.push(a[i]!);
  }
}

/**
 * True when the tape has at least two elementwise vector instructions or gathers (the least a run
 * needs): otherwise nothing could be fused and no key is worth making.
 */
export function mayFuse(rec: Recording): boolean {
  const t = rec.tape;
  let k = 0;
  const nInstr = t.nInstr;
  for (let ci = 0; ci < t.codes.length; ci++) {
    const C = t.codes[ci]!;
    const n = Math.min(COL_CHUNK, nInstr - ci * COL_CHUNK);
    for (let j = 0; j < n; j++) {
      const c = C[j]!;
      if (c & EXT && ((c & 0xff) < 128 || (c & 0xff) === OP_GATHER) && ++k >= 2) return true;
    }
  }
  return false;
}

/** The structural key of rec's tape. */
export function structuralKey(rec: Recording): Int32Array {
  const t = rec.tape;
  const w = new Words();
  const nInstr = t.nInstr;
  w.push(nInstr);
  w.push(t.slots.size);
  w.push(t.consts.size);
  w.push(rec.inSlot);
  w.push(rec.inLen);
  w.push(rec.outScalar ? 1 : 0);
  w.push(t.hasOuter ? 1 : 0);
  if (rec.outRun !== undefined) {
    w.push(rec.outRun.slot);
    w.push(rec.outRun.len);
  } else w.pushAll(rec.outSlots);
  w.push(t.inputs.length);
  for (const info of t.inputs) {
    w.push(info.slot);
    w.push(info.len);
  }
  for (let i = 0; i < nInstr; i++) {
    const code = t.codeAt(i);
    w.push(code);
    const a = t.aAt(i);
    if (code & EXT) {
      for (const f of [E_OUT, E_LEN, E_A, E_B, E_C, E_AUX, E_PREV]) w.push(t.extGet(a, f));
    } else {
      w.push(a);
      w.push(t.bAt(i));
    }
  }
  w.push(t.indexArrays.length);
  for (const ix of t.indexArrays) w.pushAll(ix);
  w.push(t.lists.length);
  for (const l of t.lists) w.pushAll(l);
  w.push(t.atomics.length);
  for (const c of t.atomics) {
    w.pushAll(c.inSlots);
    w.pushAll(c.inLens);
    w.pushAll(c.outLens);
  }
  w.pushAll(t.cmpCode);
  w.pushAll(t.cmpA);
  w.pushAll(t.cmpB);
  return w.buf.slice(0, w.n);
}

function hashOf(key: Int32Array): string {
  let h1 = 0x811c9dc5 | 0;
  let h2 = 0x01000193 | 0;
  for (let i = 0; i < key.length; i++) {
    const x = key[i]!;
    h1 = Math.imul(h1 ^ x, 0x01000193);
    h2 = Math.imul(h2 + x, 0x5bd1e995) ^ (h2 >>> 15);
  }
  return `${key.length}:${h1 >>> 0}:${h2 >>> 0}`;
}

function sameKey(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The cached program for rec's structure (made on a miss), or null when nothing is fused. */
export function cachedProgram(rec: Recording): HvpProgram | null {
  if (rec.tape.hasOuter || !mayFuse(rec)) return null;
  const key = structuralKey(rec);
  const h = hashOf(key);
  const hit = cache.get(h);
  if (hit !== undefined && sameKey(hit.key, key)) {
    // Most recently used last.
    cache.delete(h);
    cache.set(h, hit);
    return hit.program;
  }
  const program = HvpProgram.compile(rec);
  cache.delete(h);
  cache.set(h, { key, program });
  while (cache.size > HVP_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return program;
}

/** @internal Test hook: entries in the cache, and clearing it. */
export function hvpCacheSize(): number {
  return cache.size;
}
export function clearHvpCache(): void {
  cache.clear();
}
