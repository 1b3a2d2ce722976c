/**
 * replayAndTangent (values and one tangent in a single pass) against the two sweeps it replaces:
 * every slot's value and tangent bit for bit, on random programs over every instruction kind.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forwardSweep, moveTo, recordCall, replayAndTangent, writeInputs } from '../src/internals.js';
import { allValuesFn, programArb } from './support/programs.js';
import { propSeed } from './support/prop-seed.js';

const RUNS = { numRuns: 150, seed: propSeed(0x7a11) };

function seededTangents(size: number, inSlot: number, v: Float64Array): Float64Array {
  const dot = new Float64Array(size);
  dot.set(v, inSlot);
  return dot;
}

describe('replayAndTangent', () => {
  it('gives the values and tangents of replayValues + forwardSweep bit for bit (random programs)', () => {
    fc.assert(
      fc.property(programArb, (p) => {
        const f = allValuesFn(p);
        const a = recordCall(f, p.x0, [], 'test');
        const b = recordCall(f, p.x0, [], 'test');
        for (const r of [a, b]) {
          r.tape.slots.consolidate();
          r.tape.consts.consolidate();
        }
        const v = p.x1.map((x, i) => Math.sin(3 * x + i) || 0);
        // Route 1: move (replay), then the forward sweep.
        moveTo(a, p.x1, 'test', false);
        const dotA = seededTangents(a.tape.slots.size, a.inSlot, v);
        forwardSweep(a.tape, dotA, 1);
        // Route 2: write the inputs, then the single pass.
        writeInputs(b, p.x1, 'test');
        const dotB = seededTangents(b.tape.slots.size, b.inSlot, v);
        replayAndTangent(b.tape, dotB);
        const VA = a.tape.slots.flat!;
        const VB = b.tape.slots.flat!;
        for (let s = 0; s < VA.length; s++) {
          if (!Object.is(VA[s], VB[s])) expect.fail(`value of slot ${s}: ${VA[s]} vs ${VB[s]}`);
          if (!Object.is(dotA[s], dotB[s])) expect.fail(`tangent of slot ${s}: ${dotA[s]} vs ${dotB[s]}`);
        }
        a.tape.recycle();
        b.tape.recycle();
      }),
      RUNS,
    );
  });

  it('falls back to the two sweeps on a tape that is not consolidated', () => {
    const f = (x: import('../src/index.js').ActiveVec) => x.at(0);
    const rec = recordCall(f, Float64Array.of(2), [], 'test');
    const dot = new Float64Array(rec.tape.slots.size);
    dot[rec.inSlot] = 3;
    replayAndTangent(rec.tape, dot);
    expect(dot[rec.inSlot]).toBe(3);
    rec.tape.recycle();
  });
});
