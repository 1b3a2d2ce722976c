/**
 * The sweeps' fast paths use literal opcodes and slot-addressing constants (V8 folds literals, not
 * imported consts) and compute the hottest ops inline. This file pins those literals to the op
 * table and checks that every fast path computes bit for bit what the op specs define.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Active } from '../src/index.js';
import {
  type ActiveVec,
  add,
  BINARY_SPECS,
  div,
  grad,
  jvp,
  mul,
  record,
  square,
  sub,
  UNARY_SPECS,
} from '../src/index.js';
import { evalBinaryRun, evalUnaryRun } from '../src/ops/kernels.js';
import {
  BINARY_BASE,
  OP_ABS,
  OP_ADD,
  OP_COS,
  OP_DIV,
  OP_EXP,
  OP_LOG,
  OP_MAX,
  OP_MIN,
  OP_MUL,
  OP_NEG,
  OP_POW,
  OP_RECIPROCAL,
  OP_SIN,
  OP_SQRT,
  OP_SQUARE,
  OP_SUB,
  OP_TANH,
  opcode,
  UNARY_BASE,
} from '../src/ops/table.js';
import { binaryPartials, binaryValue, P, unaryPartial, unaryValue } from '../src/sweeps/rules.js';
import { SLOT_CHUNK, SLOT_MASK, SLOT_SHIFT } from '../src/tape/slots.js';
import { A_CONST, B_CONST, COL_CHUNK, EXT } from '../src/tape/tape.js';

describe('literal constants used by the sweeps', () => {
  it('fixed opcodes match the table (the sweeps use these numbers as case labels)', () => {
    const fixed: [string, number, number][] = [
      ['neg', OP_NEG, 2],
      ['square', OP_SQUARE, 3],
      ['reciprocal', OP_RECIPROCAL, 4],
      ['sqrt', OP_SQRT, 5],
      ['exp', OP_EXP, 6],
      ['log', OP_LOG, 7],
      ['sin', OP_SIN, 8],
      ['cos', OP_COS, 9],
      ['tanh', OP_TANH, 10],
      ['abs', OP_ABS, 11],
      ['add', OP_ADD, 64],
      ['sub', OP_SUB, 65],
      ['mul', OP_MUL, 66],
      ['div', OP_DIV, 67],
      ['pow', OP_POW, 68],
      ['min', OP_MIN, 69],
      ['max', OP_MAX, 70],
    ];
    for (const [name, constant, literal] of fixed) {
      expect(opcode(name), name).toBe(literal);
      expect(constant, name).toBe(literal);
    }
    expect(UNARY_BASE).toBe(2);
    expect(BINARY_BASE).toBe(64);
  });

  it('flag bits and combined case labels', () => {
    expect(A_CONST).toBe(0x100);
    expect(B_CONST).toBe(0x200);
    expect(EXT).toBe(0x400);
    // reverse.ts / replay.ts: 576 = add|B_CONST, 320 = add|A_CONST, 577/321 sub, 578/322 mul.
    expect(OP_ADD | B_CONST).toBe(576);
    expect(OP_ADD | A_CONST).toBe(320);
    expect(OP_SUB | B_CONST).toBe(577);
    expect(OP_SUB | A_CONST).toBe(321);
    expect(OP_MUL | B_CONST).toBe(578);
    expect(OP_MUL | A_CONST).toBe(322);
  });

  it('slot addressing literals (12, 0xfff, 4096)', () => {
    expect(SLOT_SHIFT).toBe(12);
    expect(SLOT_MASK).toBe(0xfff);
    expect(SLOT_CHUNK).toBe(4096);
    expect(COL_CHUNK).toBe(65536);
  });
});

/** Equal as numbers (+0 and −0 equal: adjoints accumulate into zeros, so −0 reads back as +0). */
const same = (x: number | undefined, y: number) => x === y || (Number.isNaN(x) && Number.isNaN(y));

const finite = fc.double({ min: -1e3, max: 1e3, noNaN: true, noDefaultInfinity: true });

describe('fast paths compute exactly what the specs define', () => {
  it('unaryValue / unaryPartial equal the spec for every unary op', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.05, max: 0.95, noNaN: true }), (x) => {
        for (const [name, spec] of Object.entries(UNARY_SPECS)) {
          const op = opcode(name);
          const y = spec.value(x);
          expect(Object.is(unaryValue(op, x), y), name).toBe(true);
          expect(Object.is(unaryPartial(op, x, y), spec.d(x, y)), name).toBe(true);
        }
      }),
      { numRuns: 50, seed: 7 },
    );
  });

  it('binaryValue / binaryPartials equal the spec for every binary op', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.2, max: 3, noNaN: true }),
        fc.double({ min: 0.2, max: 3, noNaN: true }),
        (a, b) => {
          for (const [name, spec] of Object.entries(BINARY_SPECS)) {
            const op = opcode(name);
            const y = spec.value(a, b);
            expect(Object.is(binaryValue(op, a, b), y), name).toBe(true);
            binaryPartials(op, a, b, y);
            expect(Object.is(P[0], spec.da(a, b, y)), name).toBe(true);
            expect(Object.is(P[1], spec.db(a, b, y)), name).toBe(true);
          }
        },
      ),
      { numRuns: 50, seed: 8 },
    );
  });

  it('run kernels equal the spec elementwise (vector, broadcast a, broadcast b)', () => {
    fc.assert(
      fc.property(fc.float64Array({ minLength: 1, maxLength: 9, min: 0.2, max: 3, noNaN: true }), (x) => {
        const n = x.length;
        const y = new Float64Array(n);
        for (const [name, spec] of Object.entries(UNARY_SPECS)) {
          evalUnaryRun(opcode(name), y, 0, x, 0, n);
          for (let i = 0; i < n; i++) expect(Object.is(y[i], spec.value(x[i]!)), name).toBe(true);
        }
        const c = Float64Array.of(1.7);
        for (const [name, spec] of Object.entries(BINARY_SPECS)) {
          const op = opcode(name);
          evalBinaryRun(op, y, 0, x, 0, 1, x, 0, 1, n);
          for (let i = 0; i < n; i++) expect(Object.is(y[i], spec.value(x[i]!, x[i]!)), name).toBe(true);
          evalBinaryRun(op, y, 0, c, 0, 0, x, 0, 1, n);
          for (let i = 0; i < n; i++) expect(Object.is(y[i], spec.value(1.7, x[i]!)), name).toBe(true);
          evalBinaryRun(op, y, 0, x, 0, 1, c, 0, 0, n);
          for (let i = 0; i < n; i++) expect(Object.is(y[i], spec.value(x[i]!, 1.7)), name).toBe(true);
        }
      }),
      { numRuns: 30, seed: 9 },
    );
  });

  it('recorded arithmetic, its replay and its reverse fast paths match the specs bit for bit', () => {
    const ops = [
      ['add', add],
      ['sub', sub],
      ['mul', mul],
      ['div', div],
    ] as const;
    fc.assert(
      fc.property(
        finite,
        finite.filter((v) => Math.abs(v) > 1e-3),
        (a, b) => {
          for (const [name, f] of ops) {
            const spec = BINARY_SPECS[name]!;
            const y = spec.value(a, b);
            const fAA = (x: ActiveVec) => f(x.at(0), x.at(1));
            const fAN = (x: ActiveVec) => f(x.at(0), b);
            const fNA = (x: ActiveVec) => f(a, x.at(1));
            const F = record(fAA, Float64Array.of(a + 1, b + 1));
            expect(Object.is(F.value(Float64Array.of(a, b)), y), `${name} replay`).toBe(true);
            const gAA = grad(fAA)(Float64Array.of(a, b));
            expect(same(gAA[0], spec.da(a, b, y)), `${name} ∂a`).toBe(true);
            expect(same(gAA[1], spec.db(a, b, y)), `${name} ∂b`).toBe(true);
            expect(same(grad(fAN)(Float64Array.of(a, b))[0], spec.da(a, b, y)), `${name} ∂a, b const`).toBe(true);
            expect(same(grad(fNA)(Float64Array.of(a, b))[1], spec.db(a, b, y)), `${name} ∂b, a const`).toBe(true);
            expect(Object.is(record(fAN, Float64Array.of(a + 1, b)).value(Float64Array.of(a, b)), y)).toBe(true);
            expect(Object.is(record(fNA, Float64Array.of(a, b + 1)).value(Float64Array.of(a, b)), y)).toBe(true);
          }
        },
      ),
      { numRuns: 40, seed: 10 },
    );
  });

  it('mul(x, x) records square: same value and derivative as the spec', () => {
    fc.assert(
      fc.property(finite, (a) => {
        const sq = UNARY_SPECS.square!;
        const g = grad((x: Active) => mul(x, x))(a);
        expect(same(g, sq.d(a, sq.value(a)))).toBe(true);
        expect(Object.is(grad((x: Active) => square(x))(a), g)).toBe(true);
        const [y, t] = jvp((x: ActiveVec) => mul(x, x), Float64Array.of(a, 2), Float64Array.of(1, 0));
        expect(Object.is((y as Float64Array)[0], sq.value(a))).toBe(true);
        expect((t as Float64Array)[0]).toBe(sq.d(a, sq.value(a)));
      }),
      { numRuns: 40, seed: 11 },
    );
  });
});
