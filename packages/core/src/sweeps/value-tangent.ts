/**
 * Values and one tangent direction in a single pass (ADOL-C's fos_forward: zero and first order
 * together). A recorded function evaluated at a new point and then swept forward walks its
 * instruction columns once instead of twice; on scalar tapes, where each instruction is a few
 * flops, that walk is much of the cost.
 *
 * The arithmetic is exactly that of `replayValues` followed by `forwardSweep(t, dot, 1)`: the same
 * value formulas as replayFlat's inline cases and the same tangent formulas (and zero-tangent
 * rule) as forwardSweep's p = 1 cases; everything else goes through the per-instruction functions
 * those sweeps use. test/value-tangent.test.ts compares the two routes bit for bit.
 */
import { OP_INPUT } from '../ops/table.js';
import { COL_CHUNK, EXT, type Tape } from '../tape/tape.js';
import { forwardExt, forwardSweep, simpleForward } from './forward.js';
import { replayExt, replayValues } from './replay.js';
import { binaryValue, unaryValue } from './rules.js';

/**
 * Recomputes every value of t from its input slots and the tangents along the direction seeded in
 * `dot` (one direction, slot-indexed; inputs seeded by the caller). Consolidated tapes take the
 * single pass; others fall back to the two sweeps.
 */
export function replayAndTangent(t: Tape, dot: Float64Array): void {
  const V = t.slots.flat;
  const K = t.consts.flat;
  if (V === undefined || K === undefined) {
    replayValues(t);
    forwardSweep(t, dot, 1);
    return;
  }
  const VC = t.slots.chunks;
  const KC = t.consts.chunks;
  const nChunks = t.codes.length;
  let cur = 0;
  for (let ci = 0; ci < nChunks; ci++) {
    const C = t.codes[ci]!;
    const A = t.as[ci]!;
    const B = t.bs[ci]!;
    const n = ci === nChunks - 1 ? t.ipos : COL_CHUNK;
    for (let j = 0; j < n; j++) {
      const code = C[j]!;
      if (code & EXT) {
        replayExt(t, A[j]!, code);
        cur = forwardExt(t, A[j]!, code, dot, 1);
        continue;
      }
      const out = cur++;
      const ia = A[j]!;
      const ib = B[j]!;
      switch (code) {
        case 64: {
          V[out] = V[ia]! + V[ib]!;
          const ta = dot[ia]!;
          const tb = dot[ib]!;
          let s = 0;
          if (ta !== 0) s += ta;
          if (tb !== 0) s += tb;
          dot[out] = s;
          continue;
        }
        case 576:
          V[out] = V[ia]! + K[ib]!;
          dot[out] = dot[ia]! !== 0 ? dot[ia]! : 0;
          continue;
        case 320:
          V[out] = K[ia]! + V[ib]!;
          dot[out] = dot[ib]! !== 0 ? dot[ib]! : 0;
          continue;
        case 65: {
          V[out] = V[ia]! - V[ib]!;
          const ta = dot[ia]!;
          const tb = dot[ib]!;
          let s = 0;
          if (ta !== 0) s += ta;
          if (tb !== 0) s += -tb;
          dot[out] = s;
          continue;
        }
        case 577:
          V[out] = V[ia]! - K[ib]!;
          dot[out] = dot[ia]! !== 0 ? dot[ia]! : 0;
          continue;
        case 321:
          V[out] = K[ia]! - V[ib]!;
          dot[out] = dot[ib]! !== 0 ? -dot[ib]! : 0;
          continue;
        case 66: {
          const a = V[ia]!;
          const b = V[ib]!;
          V[out] = a * b;
          const ta = dot[ia]!;
          const tb = dot[ib]!;
          let s = 0;
          if (ta !== 0) s += b * ta;
          if (tb !== 0) s += a * tb;
          dot[out] = s;
          continue;
        }
        case 578: {
          const c = K[ib]!;
          V[out] = V[ia]! * c;
          const ta = dot[ia]!;
          dot[out] = ta !== 0 ? c * ta : 0;
          continue;
        }
        case 322: {
          const c = K[ia]!;
          V[out] = c * V[ib]!;
          const tb = dot[ib]!;
          dot[out] = tb !== 0 ? c * tb : 0;
          continue;
        }
        case OP_INPUT:
          continue;
      }
      const op = code & 0xff;
      if (code === 3) {
        const x = V[ia]!;
        V[out] = x * x;
      } else if (op < 64) V[out] = unaryValue(op, V[ia]!);
      else V[out] = binaryValue(op, code & 0x100 ? K[ia]! : V[ia]!, code & 0x200 ? K[ib]! : V[ib]!);
      simpleForward(code, ia, ib, out, VC, KC, dot, 1);
    }
  }
}
